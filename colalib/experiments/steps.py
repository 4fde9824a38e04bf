"""The run steps of the units (:class:`.graph.Unit`) and one constructor per kind of unit.

A run step is a module-level function of picklable arguments (configs, dataset names, sizes, seeds), so that a worker
process can unpickle it; it loads its data in the process that runs it, calls the cached function of :mod:`.units`
and returns that function's result. A constructor (:func:`fit`, :func:`fid`, :func:`arm`, ...) builds the unit with
only the arguments its cache key holds (a fit's config without its sampling-only fields, a Real arm without a
generator, an FID unit with only its protocol's dataset and sample counts; a fit says it is keyed without its
sampling-only fields), so that two studies asking for the same
computation declare the same unit (:attr:`.graph.Unit.identity`) and it is planned once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..utils import get_device
from .graph import Unit
from .judge_readings import spread_gan_test_unit, transfer_unit
from .registry import method_class
from .subsets import split_of, training_subset
from .units import (
    arm_unit,
    clustering_unit,
    fid_unit,
    fit_model,
    reference_classifier,
    sample_quality_unit,
    spread_point,
    step_iii_quality_unit,
    toy_unit,
)

__all__ = ["FIDProtocol", "arm", "class_transfer", "clusters", "fid", "fit", "judge", "quality", "spread",
           "spread_gan_test", "step_iii_quality", "toy"]


@dataclass(frozen=True)
class FIDProtocol:
    """What an FID unit is keyed on (:func:`colalib.experiments.units.fid_unit`): ``n_fid`` samples against
    ``n_real_fid`` test images of ``dataset`` (None: the whole split)."""

    dataset: str
    n_fid: int
    n_real_fid: int | None

    @classmethod
    def of(cls, exp: Any) -> "FIDProtocol":
        """The FID protocol of a study config (its ``dataset``, ``n_fid`` and ``n_real_fid``)."""
        return cls(exp.dataset, exp.n_fid, exp.n_real_fid)

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "n_fid": self.n_fid, "n_real_fid": self.n_real_fid}


def _context(cache: ArtifactCache | None, device) -> tuple[ArtifactCache, Any]:
    return cache or ArtifactCache(), get_device(device)


# ---- run steps ----------------------------------------------------------------------------------------------------

def fit_step(method: str, dataset: str, size: int | None, seed: int, config: Any, cache: ArtifactCache | None = None,
             device=None, progress: bool = False) -> Any:
    """``method`` trained (or loaded) on subset ``seed`` of ``size`` images per class of ``dataset``."""
    cache, device = _context(cache, device)
    return fit_model(method_class(method), config, training_subset(dataset, size, seed), cache, device, progress)


def arm_step(arm: str, dataset: str, size: int, seed: int, clf: ClassifierConfig, scola: Any = None,
             synthetic_per_class: int | None = None, sampling: dict | None = None, method: str = "scola",
             cache: ArtifactCache | None = None, device=None, progress: bool = False) -> dict:
    """One classifier arm (:func:`colalib.experiments.units.arm_unit`) on subset ``seed`` of ``size`` per class;
    ``method``: the generator of the synthetic images (``scola``: its config)."""
    cache, device = _context(cache, device)
    return arm_unit(arm, training_subset(dataset, size, seed), split_of(dataset, "test"), scola, clf,
                    synthetic_per_class, cache, device, progress, sampling=sampling, model_cls=method_class(method))


def fid_step(method: str, dataset: str, size: int, seed: int, config: Any, protocol: FIDProtocol,
             equal_n: bool = False, cache: ArtifactCache | None = None, device=None, progress: bool = False) -> dict:
    """One FID unit (:func:`colalib.experiments.units.fid_unit`): ``method``'s samples (or the real subset).
    ``equal_n``: at the real subset's image count (Fig. 4.5's FID of sCOLA beside the real subset's own)."""
    cache, device = _context(cache, device)
    subset = training_subset(dataset, size, seed)
    if equal_n:
        protocol = FIDProtocol(protocol.dataset, size * subset.num_classes, protocol.n_real_fid)
    return fid_unit(method, subset, config, protocol, cache, device, progress)


def judge_step(dataset: str, per_class: int, clf: ClassifierConfig, cache: ArtifactCache | None = None,
               device=None, progress: bool = False) -> tuple[Any, float]:
    """The GAN-test judge and its test accuracy (:func:`colalib.experiments.units.reference_classifier`)."""
    cache, device = _context(cache, device)
    return reference_classifier(dataset, per_class, clf, cache, device, progress)


def judge_loader(dataset: str, judge_per_class: int, judge_clf: ClassifierConfig, cache: ArtifactCache, device,
                 progress: bool = False) -> tuple[Callable[[], Any], dict]:
    """The GAN-test judge as a function that loads it (from the cache, or trains it: only a unit that is computed
    calls it) and the judge's part of a scoring unit's cache key. Every unit scored by the judge takes both from
    here, so that their keys name the judge alike."""
    def load() -> Any:
        return reference_classifier(dataset, judge_per_class, judge_clf, cache, device, progress)[0]

    return load, {"per_class": judge_per_class, "clf": judge_clf.to_dict()}


def quality_step(method: str, dataset: str, size: int, seed: int, config: Any, judge_per_class: int,
                 judge_clf: ClassifierConfig, n: int, cache: ArtifactCache | None = None, device=None,
                 progress: bool = False) -> dict:
    """GAN-test, quality / diversity and memorisation scores of ``n`` samples of ``method``
    (:func:`colalib.experiments.units.sample_quality_unit`), judged by the cached reference classifier (loaded only
    when the unit is computed)."""
    cache, device = _context(cache, device)
    load, judge_key = judge_loader(dataset, judge_per_class, judge_clf, cache, device, progress)
    return sample_quality_unit(method, training_subset(dataset, size, seed), config, load, judge_key, n, cache, device,
                               progress)


def step_iii_quality_step(reading: str, dataset: str, size: int, seed: int, config: Any, judge_per_class: int,
                          judge_clf: ClassifierConfig, n: int, cache: ArtifactCache | None = None, device=None,
                          progress: bool = False) -> dict:
    """The sample scores of one step-III reading (:func:`colalib.experiments.units.step_iii_quality_unit`) of the
    sCOLA ``config``, judged by the cached reference classifier."""
    cache, device = _context(cache, device)
    load, judge_key = judge_loader(dataset, judge_per_class, judge_clf, cache, device, progress)
    return step_iii_quality_unit(reading, training_subset(dataset, size, seed), config, load, judge_key, n, cache,
                                 device, progress)


def cluster_step(config: Any, dataset: str, size: int | None, seed: int, cache: ArtifactCache | None = None,
                 device=None, progress: bool = False) -> dict:
    """Step I, MMDC (:func:`colalib.experiments.units.clustering_unit`), on subset ``seed`` of ``size`` per class."""
    cache, device = _context(cache, device)
    return clustering_unit(config, training_subset(dataset, size, seed), cache, device, progress)


def spread_step(dataset: str, per_class: int | None, spread: float, scola: Any, clf: ClassifierConfig, n_fid: int,
                n_real_fid: int | None, cas_per_class: int, cache: ArtifactCache | None = None, device=None,
                progress: bool = False) -> dict:
    """Appendix A at one spread (:func:`colalib.experiments.units.spread_point`)."""
    cache, device = _context(cache, device)
    return spread_point(dataset, per_class, spread, scola, clf, n_fid, n_real_fid, cas_per_class, cache, device,
                        progress)


def spread_gan_test_step(dataset: str, per_class: int | None, spread: float, scola: Any, n_per_class: int,
                         sample_seed: int, judge_per_class: int, judge_clf: ClassifierConfig,
                         cache: ArtifactCache | None = None, device=None, progress: bool = False) -> dict:
    """App. A: the judge's GAN-test of the samples one spread's CAS arm trains on
    (:func:`colalib.experiments.judge_readings.spread_gan_test_unit`)."""
    cache, device = _context(cache, device)
    load, judge_key = judge_loader(dataset, judge_per_class, judge_clf, cache, device, progress)
    return spread_gan_test_unit(training_subset(dataset, per_class, scola.seed), scola, spread, n_per_class,
                                sample_seed, load, judge_key, cache, device, progress)


def class_transfer_step(dataset: str, per_class: int | None, scola: Any, judge_per_class: int,
                        judge_clf: ClassifierConfig, cache: ArtifactCache | None = None, device=None,
                        progress: bool = False) -> dict:
    """App. B measured (:func:`colalib.experiments.judge_readings.transfer_unit`)."""
    cache, device = _context(cache, device)
    load, judge_key = judge_loader(dataset, judge_per_class, judge_clf, cache, device, progress)
    return transfer_unit(training_subset(dataset, per_class, scola.seed), scola, load, judge_key, cache, device,
                         progress)


def toy_step(config: Any, spreads: tuple[float, ...], cache: ArtifactCache | None = None, device=None,
             progress: bool = False) -> dict:
    """The MM-GAN toy (:func:`colalib.experiments.units.toy_unit`)."""
    return toy_unit(config, spreads, cache or ArtifactCache(), progress)


# ---- constructors -------------------------------------------------------------------------------------------------

def fit(key: str, method: str, dataset: str, size: int | None, seed: int, config: Any,
        deps: tuple[Unit, ...] = (), rank: float = 0.0) -> Unit:
    """The unit that trains ``method`` with ``config`` on subset ``seed`` of ``size`` per class (``deps``: e.g. the
    MMDC run unsupervised COLA starts from). It is keyed without the config's sampling-only fields
    (:meth:`colalib.cola_config.SCOLAConfig.fit_key`), so every step-III reading of one training is one unit; its
    result samples with ``config``'s reading. ``rank``: where it starts in a fill (lower first: the slowest fits).
    """
    args = dict(method=method, dataset=dataset, size=size, seed=seed, config=config)
    fit_key = config.fit_key() if getattr(config, "SAMPLING_FIELDS", ()) else config
    return Unit(key, fit_step, args, deps, keyed_on={**args, "config": fit_key}, rank=rank)


def arm(key: str, arm_name: str, dataset: str, size: int, seed: int, clf: ClassifierConfig, scola: Any = None,
        synthetic_per_class: int | None = None, sampling: dict | None = None, method: str = "scola",
        fitted: Unit | None = None) -> Unit:
    """One classifier arm (``real``, ``synthetic`` = CAS of ``method``, ``mix``) after ``fitted``, the generator's
    fit. A Real arm carries no generator (its cache key has none)."""
    if arm_name == "real":
        return Unit(key, arm_step, dict(arm="real", dataset=dataset, size=size, seed=seed, clf=clf))
    extra = {"sampling": dict(sorted(sampling.items()))} if sampling else {}
    return Unit(key, arm_step, dict(arm=arm_name, dataset=dataset, size=size, seed=seed, clf=clf, scola=scola,
                                    synthetic_per_class=synthetic_per_class, method=method, **extra),
                (fitted,) if fitted else ())


def fid(key: str, method: str, dataset: str, size: int, seed: int, config: Any, protocol: FIDProtocol,
        equal_n: bool = False, fitted: Unit | None = None) -> Unit:
    """The FID unit of ``method``'s samples (``real``: the real subset) under ``protocol``, after ``fitted``."""
    extra = {"equal_n": True} if equal_n else {}
    return Unit(key, fid_step, dict(method=method, dataset=dataset, size=size, seed=seed,
                                    config=None if method == "real" else config, protocol=protocol, **extra),
                (fitted,) if fitted else ())


def judge(dataset: str, per_class: int, clf: ClassifierConfig) -> Unit:
    """The GAN-test judge: a classifier trained on ``per_class`` real images per class."""
    return Unit(f"judge/{dataset}/{per_class}", judge_step, dict(dataset=dataset, per_class=per_class, clf=clf),
                rank=0.0)


def quality(key: str, method: str, dataset: str, size: int, seed: int, config: Any, judge_unit: Unit, n: int,
            fitted: Unit) -> Unit:
    """The judge's scores of ``n`` samples of ``method`` (after its fit and the judge)."""
    jk = judge_unit.kwargs
    return Unit(key, quality_step, dict(method=method, dataset=dataset, size=size, seed=seed, config=config,
                                        judge_per_class=jk["per_class"], judge_clf=jk["clf"], n=n),
                (fitted, judge_unit))


def step_iii_quality(key: str, reading: str, dataset: str, size: int, seed: int, config: Any, judge_unit: Unit,
                     n: int, fitted: Unit) -> Unit:
    """The judge's scores of ``n`` samples of one step-III reading of sCOLA (after its fit and the judge)."""
    jk = judge_unit.kwargs
    return Unit(key, step_iii_quality_step, dict(reading=reading, dataset=dataset, size=size, seed=seed,
                                                 config=config, judge_per_class=jk["per_class"],
                                                 judge_clf=jk["clf"], n=n), (fitted, judge_unit))


def clusters(key: str, config: Any, dataset: str, size: int | None, seed: int) -> Unit:
    """Step I, MMDC with ``config``, on subset ``seed`` of ``size`` per class."""
    return Unit(key, cluster_step, dict(config=config, dataset=dataset, size=size, seed=seed), rank=0.0)


def spread(key: str, dataset: str, per_class: int | None, spread_value: float, scola: Any, clf: ClassifierConfig,
           n_fid: int, n_real_fid: int | None, cas_per_class: int, fitted: Unit) -> Unit:
    """Appendix A at one spread of the swept sCOLA (after its fit)."""
    return Unit(key, spread_step, dict(dataset=dataset, per_class=per_class, spread=spread_value, scola=scola,
                                       clf=clf, n_fid=n_fid, n_real_fid=n_real_fid, cas_per_class=cas_per_class),
                (fitted,))


def spread_gan_test(key: str, dataset: str, per_class: int | None, spread_value: float, scola: Any,
                    clf: ClassifierConfig, cas_per_class: int, judge_unit: Unit, fitted: Unit) -> Unit:
    """The judge's GAN-test of the samples that :func:`spread`'s CAS arm trains on (after the fit and the judge)."""
    jk = judge_unit.kwargs
    return Unit(key, spread_gan_test_step, dict(dataset=dataset, per_class=per_class, spread=spread_value,
                                                scola=scola, n_per_class=cas_per_class, sample_seed=clf.seed,
                                                judge_per_class=jk["per_class"], judge_clf=jk["clf"]),
                (fitted, judge_unit))


def class_transfer(key: str, dataset: str, per_class: int | None, scola: Any, judge_unit: Unit,
                   fitted: Unit) -> Unit:
    """App. B measured on the sCOLA of ``fitted`` (after it and the judge)."""
    jk = judge_unit.kwargs
    return Unit(key, class_transfer_step, dict(dataset=dataset, per_class=per_class, scola=scola,
                                               judge_per_class=jk["per_class"], judge_clf=jk["clf"]),
                (fitted, judge_unit))


def toy(config: Any, spreads: tuple[float, ...]) -> Unit:
    """The MM-GAN toy."""
    return Unit("toy", toy_step, dict(config=config, spreads=tuple(spreads)), rank=0.0)
