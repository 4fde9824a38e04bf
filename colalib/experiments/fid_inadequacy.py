"""Appendix A (notebook 06): one sCOLA sampled at several spreads, scored by FID, CAS and intra-class diversity."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..cola import SCOLA, SCOLAConfig
from ..config import ExperimentConfig
from ..data import dataset_fingerprint, load_dataset, small_sample
from ..utils import get_device
from .units import fit_or_load, spread_unit


@dataclass(frozen=True)
class FIDInadequacyConfig(ExperimentConfig):
    """Appendix A (FID inadequacy) and B (class-content transfer): one sCOLA, sampled at several spreads.

    ``per_class`` None: the whole training split (the thesis's full-data sCOLA). The "concentrated" and "sparse"
    sets of the thesis are the smallest and the largest of ``spreads``. Class-content transfer also uses a
    conditional-batch-norm sCOLA (``cgan_res``) trained on ``transfer_per_class`` images per class,
    ``transfer_generator_width`` channels (0: the thesis's 256) and ``transfer_epochs`` epochs (0: the profile's).
    ``spread_space`` / ``covariance``: the step-III reading the sweep samples with (:mod:`colalib.sampling`). The
    ambient Ledoit-Wolf reading does not let ``spread`` act beyond about 1 (the re-projection divides it out), so
    the sweep samples in the tangent space, where spread 0 is the class mean and the angle grows with it.
    """

    def step_iii(self) -> dict:
        """The sCOLA config overrides of this sweep's step-III reading."""
        return {"spread_space": self.spread_space, "covariance": self.covariance}

    dataset: str = "cifar10"
    per_class: int | None = None
    spreads: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0)
    n_fid: int = 10_000
    n_real_fid: int | None = None
    cas_per_class: int = 5000
    transfer_per_class: int | None = None
    transfer_generator_width: int = 0
    transfer_epochs: int = 0
    spread_space: str = "tangent"   # where spread acts: the tangent space, so the re-projection cannot cancel it
    covariance: str = "ledoit_wolf"

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 10, "spreads": (0.25, 1.0), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10, "transfer_per_class": 5, "transfer_generator_width": 16},
        "quick": {"per_class": 100, "spreads": (0.25, 0.5, 1.0, 2.0), "n_fid": 1000, "n_real_fid": 1000,
                  "cas_per_class": 200, "transfer_per_class": 20, "transfer_generator_width": 64,
                  "transfer_epochs": 100},
        "paper": {},
    }


def spread_sweep(dataset: str, per_class: int | None, spreads: tuple[float, ...], scola: SCOLAConfig,
                 clf: ClassifierConfig, n_fid: int, n_real_fid: int | None, cas_per_class: int,
                 cache: ArtifactCache | None = None, device=None, progress: bool = True) -> tuple[Any, list[dict]]:
    """Appendix A (FID inadequacy): one sCOLA trained on ``per_class`` images per class (None: the whole training
    split), sampled at every ``spread``; returns the model and one row per spread (see :func:`spread_unit`)."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    subset = train if per_class is None else small_sample(train, per_class, scola.seed)
    model = fit_or_load(SCOLA, scola, subset, cache, device, progress)
    model_key = {"config": scola.to_dict(), "data": dataset_fingerprint(subset)}
    rows = [spread_unit(model, model_key, s, dataset, n_fid, n_real_fid, cas_per_class, clf, cache, device, test,
                        progress) for s in spreads]
    return model, rows
