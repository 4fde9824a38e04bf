"""The configurations of COLA and sCOLA (Sec. 3.2-3.3, App. C.2): the decoder's training (:class:`DecoderConfig`,
shared with GLO and the related methods) and sCOLA's codes and step III (:class:`SCOLAConfig`), with the
cache-compatibility rules that keep old keys (``_OMIT_AT_DEFAULT``, ``LEGACY_STEP_III``, ``SAMPLING_FIELDS``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from .cache import ArtifactCache
from .classification import ClassifierConfig
from .config import RunConfig
from .losses import PERCEPTUAL_NETS, build_loss, perceptual_resnet32
from .sampling import (
    LEGACY_STEP_III,
    check_step_iii,
)


@dataclass(frozen=True)
class DecoderConfig(RunConfig):
    """What every model here that trains a generator on a reconstruction loss shares: sCOLA, COLA and GLO
    (:class:`SCOLAConfig`) and the related methods of :mod:`colalib.peers` (``ReGeneConfig``, ``AugIntAEConfig``):
    the generator (thesis Table 4.2), the reconstruction loss (Sec. 3.2 and 5.3.1) and its training schedule
    (App. C.2). Defaults: the thesis's small-sample protocol. Not used on its own: each model's config derives
    from it and adds its own fields (sCOLA's latent codes and step III live in :class:`SCOLAConfig` only)."""

    generator: str = "infogan"
    loss: str = "laplacian"
    pyramid_levels: int = 3
    pyramid_weighting: str = "glo"
    epochs: int = 500
    batch_size: int = 128
    lr_generator: float = 0.001
    lr_decay: float = 0.5
    lr_step_epochs: int = 50
    generator_width: int = 0
    perceptual_net: str = ""
    perceptual_epochs: int = 0

    # Field notes (ablations of notebook 04):
    #   generator_width    channels of the residual generators (0: 256, thesis Table 4.2); a CPU-budget reduction;
    #   perceptual_net     the network of loss="perceptual_net": "resnet32_random", "resnet32_trained" or
    #                      "resnet32_kmeans" (colalib.losses.perceptual_resnet32; Sec. 5.3.1); the data-dependent
    #                      ones are built from the images (and labels) given to fit();
    #   perceptual_epochs  epochs of the classifier recipe (colalib.classification, this profile's
    #                      ClassifierConfig) that trains "resnet32_trained" (0: the profile's own number).

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.loss == "perceptual_net" and self.perceptual_net not in PERCEPTUAL_NETS:
            raise ValueError(f"loss='perceptual_net' needs perceptual_net in {PERCEPTUAL_NETS}, "
                             f"got {self.perceptual_net!r}")

    def perceptual_classifier_config(self) -> Any:
        """The recipe that trains the ``resnet32_trained`` perceptual network (App. C.3, this profile)."""
        over = {"epochs": self.perceptual_epochs} if self.perceptual_epochs else {}
        return ClassifierConfig.for_profile(self.profile, arch="resnet32", seed=self.seed, **over)

    def build_loss(self, images: np.ndarray | None = None, labels: np.ndarray | None = None,
                   num_classes: int | None = None, device: str | torch.device | None = None,
                   cache: ArtifactCache | None = None, progress: bool = False) -> torch.nn.Module:
        """The reconstruction loss; a data-dependent perceptual network is built from ``images`` / ``labels``
        (the training set of the generative model, nothing else)."""
        if self.loss == "laplacian":
            return build_loss("laplacian", levels=self.pyramid_levels, weighting=self.pyramid_weighting)
        if self.loss == "perceptual_net":
            net = perceptual_resnet32(self.perceptual_net, images, labels, num_classes, seed=self.seed,
                                      classifier_config=self.perceptual_classifier_config(), device=device,
                                      cache=cache, progress=progress)
            return build_loss("perceptual_net", net=net)
        return build_loss(self.loss)


@dataclass(frozen=True)
class SCOLAConfig(DecoderConfig):
    """Step II/III settings of sCOLA, COLA and GLO (App. C.2): :class:`DecoderConfig`'s generator, loss and
    schedule, plus the latent codes of Sec. 3.2 (``latent_dim``, ``lr_codes``, ``t_scale``, ``noise_std``), the
    step-III sampler of Sec. 3.3 (``spread``, ``covariance``, ``spread_space``, ``reproject``) and the protocol
    variants of step II (``flip_augment``, ``transductive``). Defaults: the thesis's small-sample protocol."""

    latent_dim: int = 64
    lr_codes: float = 0.01
    t_scale: float = 1.0
    noise_std: float = 1.0
    spread: float = 1.0
    covariance: str = "ledoit_wolf"
    spread_space: str = "ambient"
    reproject: bool = True
    flip_augment: bool = False
    transductive: int = 0

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"epochs": 2, "lr_step_epochs": 1},
        "quick": {"epochs": 150, "lr_step_epochs": 30},
        "paper": {},
    }
    # Fields added after the first cached results: left out of to_dict() (and so of the cache key) while at
    # their defaults, so that models cached before they existed keep their keys.
    _OMIT_AT_DEFAULT: ClassVar[dict[str, Any]] = {"generator_width": 0, "perceptual_net": "", "perceptual_epochs": 0,
                                                  **LEGACY_STEP_III, "flip_augment": False, "transductive": 0}
    # Sampling only (step III, Sec. 3.3): they change how a fitted model samples, never the fit, so a trained model's
    # cache key leaves them out and every sampling of one fit reuses it (:meth:`fit_key`,
    # colalib.experiments.fit_or_load). The one list of such fields.
    SAMPLING_FIELDS: ClassVar[tuple[str, ...]] = ("covariance", "spread_space", "reproject", "spread")
    # ... of which these stay in the key at their default value, as every model cached before they joined the list
    # was keyed (so those keys do not change)
    _SAMPLING_KEYED_AT_DEFAULT: ClassVar[tuple[str, ...]] = ("spread",)

    # Field notes. Step III (colalib.sampling; notebook 05, "Where the gap to Table 5.1 comes from"):
    #   covariance         "sample" | "ledoit_wolf" | "oas" | "diagonal": each class's covariance estimator;
    #   spread_space       "ambient" (Gaussian of the raw codes, then projected) | "tangent" (Gaussian in the
    #                      tangent space of each sphere at the class mean direction; spread survives projection);
    #   reproject          project ambient samples back onto the code's spheres before decoding.
    # Protocol readings of step II (non-default variants):
    #   flip_augment       fit codes to the horizontally flipped copies of the images as well (2N codes; the
    #                      copies keep their labels and get their own codes);
    #   transductive       fit codes to this many unlabelled test images as well (t part initialised uniform and
    #                      learnt; they enter neither step III nor any Gaussian). Never the default, never the
    #                      reproduction: it only tells whether transduction could explain published numbers.

    def fit_key(self) -> dict[str, Any]:
        """:meth:`to_dict` as a trained model's cache key holds it: without the sampling-only fields
        (:attr:`SAMPLING_FIELDS`), so that ``SCOLAConfig(spread=0.5)`` samples the model ``spread=1`` trained."""
        key = self.to_dict()
        for name in self.SAMPLING_FIELDS:
            key.pop(name, None)
            if name in self._SAMPLING_KEYED_AT_DEFAULT:
                key[name] = type(self).__dataclass_fields__[name].default
        return key

    def __post_init__(self) -> None:
        super().__post_init__()
        check_step_iii(self.covariance, self.spread_space, self.spread)
        if self.transductive < 0:
            raise ValueError(f"transductive is a number of unlabelled test images (>= 0), got {self.transductive}")
