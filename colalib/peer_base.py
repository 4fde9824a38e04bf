"""The base of the related methods' estimators (notebook 07, :mod:`colalib.peers`): a latent generative model whose
codes come from an encoder or a classifier rather than from GLO-style optimisation."""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import torch

from .cola import DecoderConfig, LatentGenerativeModel
from .sampling import LEGACY_STEP_III, fit_class_gaussians


class _PeerModel(LatentGenerativeModel):
    """What the peers share beyond :class:`colalib.cola.LatentGenerativeModel`: their own config class (a
    :class:`colalib.cola.DecoderConfig`, without sCOLA's code and step-III fields), so the hooks of the base class
    that read those fields are overridden here (step III, ``reconstruct``) or in each peer (``_project``,
    ``_code_lr``); and extra networks in the state."""

    config_class: ClassVar[type[DecoderConfig]] = DecoderConfig

    def __init__(self, config: DecoderConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True, cache: Any = None):
        config = self.config_class() if config is None else config
        if not isinstance(config, self.config_class):
            cls = self.config_class.__name__
            raise TypeError(f"{type(self).__name__} needs a {cls}, got {type(config).__name__} (nothing is "
                            f"converted: {cls} does not hold sCOLA's fields): build one with {cls}.for_profile(...)")
        super().__init__(config, device, progress, cache)

    # -- sCOLA's Gaussian sampler on the peer's codes (sample(method="gaussian"), a comparison) ---------------
    def _step_iii(self) -> dict[str, Any]:
        """The thesis's first reading of step III (Sec. 3.3; :data:`colalib.sampling.LEGACY_STEP_III`), spread 1:
        the peers' configs hold no step-III fields."""
        return {**LEGACY_STEP_III, "spread": 1.0}

    def _fit_sampler(self) -> None:
        """One Gaussian per class of the codes, the whole code as one part (no t/v split, no ``t_scale``)."""
        step3 = self._step_iii()
        self.gaussians_ = fit_class_gaussians(self.codes_.cpu().numpy(), self.labels_, step3["covariance"],
                                              step3["spread_space"])

    def reconstruct(self, indices: np.ndarray | list[int] | None = None,
                    labels: np.ndarray | None = None) -> np.ndarray:
        """Decoded codes of training images ``indices`` (all when None). The peers' codes have no class part to
        swap (sCOLA's t, Sec. 3.4), so there is no class transfer (App. B): ``labels`` must be None."""
        if labels is not None:
            raise ValueError(f"{self.name} codes have no class part: reconstruct(indices) only")
        return super().reconstruct(indices)

    def _extra_state(self) -> dict:
        return {}

    def _load_extra(self, extra: dict) -> None:
        pass

    def state(self) -> dict:
        return {**super().state(), "extra": self._extra_state()}

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device | None = None) -> "_PeerModel":
        unknown = set(state["config"]) - {f.name for f in dataclasses.fields(cls.config_class)}
        if unknown:
            raise TypeError(f"This {cls.name} state's config has fields {sorted(unknown)} that "
                            f"{cls.config_class.__name__} does not have (saved when the peers' configs inherited "
                            "sCOLA's fields): fit the model again")
        model = super().from_state(state, device)  # config (cls.config_class), generator, codes, sampler
        model._load_extra(state["extra"])
        return model
