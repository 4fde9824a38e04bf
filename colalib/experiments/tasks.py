"""Tasks: the units of work of the plans (:mod:`.plan`), each a module-level function of picklable arguments (configs,
dataset names, sizes, seeds) so that worker processes can unpickle it, and :class:`Task`, one unit with its
dependencies. Each task loads its data in the worker and calls the cached unit of :mod:`.units`."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..utils import get_device
from .registry import _method_class
from .subsets import split_of, training_subset
from .units import (
    arm_unit,
    clustering_unit,
    fid_unit,
    fit_model,
    reference_classifier,
    sample_quality_unit,
    spread_point,
    toy_unit,
)


@dataclass(frozen=True)
class Task:
    """One cached unit of work: ``fn(**kwargs)`` (module-level, picklable), after the tasks named in ``deps``."""

    key: str
    fn: Callable[..., Any]
    kwargs: dict = field(default_factory=dict, hash=False, compare=False)
    deps: tuple[str, ...] = ()


def fit_task(method: str, dataset: str, size: int, seed: int, config: Any) -> None:
    """Fit (or find cached) ``method`` on subset ``seed`` of ``size`` images per class of ``dataset``."""
    subset = training_subset(dataset, size, seed)
    fit_model(_method_class(method), config, subset, ArtifactCache(), get_device(None), progress=False)


def arm_task(arm: str, dataset: str, size: int, seed: int, scola: Any, clf: ClassifierConfig,
             synthetic_per_class: int, sampling: dict | None = None, method: str = "scola") -> None:
    """One classifier arm (:func:`colalib.experiments.units.arm_unit`) on subset ``seed`` of ``size`` per class;
    ``method``: the generator of the synthetic images (``scola`` config: its :func:`model_config`)."""
    subset = training_subset(dataset, size, seed)
    arm_unit(arm, subset, split_of(dataset, "test"), scola, clf, synthetic_per_class, ArtifactCache(),
             get_device(None), progress=False, sampling=sampling,
             model_cls=_method_class(method) if arm != "real" else _method_class("scola"))


def fid_task(method: str, dataset: str, size: int, seed: int, config: Any, exp: Any, equal_n: bool = False) -> None:
    """One FID unit (:func:`colalib.experiments.units.fid_unit`): ``method``'s samples (or the real subset).
    ``equal_n``: at the real subset's image count (``exp.equal_n_fid``), counted from the subset as the driver does.
    When that count equals ``exp.n_fid`` this is the plain FID unit under a second plan key: the later of the two
    tasks waits on the unit's claim and then finds it cached."""
    subset = training_subset(dataset, size, seed)
    if equal_n:
        exp = exp.equal_n_fid(subset.num_classes, size)
    fid_unit(method, subset, config, exp, ArtifactCache(), get_device(None), progress=False)


def judge_task(dataset: str, per_class: int, clf: ClassifierConfig) -> None:
    """The GAN-test judge (:func:`colalib.experiments.units.reference_classifier`)."""
    reference_classifier(dataset, per_class, clf, ArtifactCache(), get_device(None), progress=False)


def quality_task(method: str, dataset: str, size: int, seed: int, config: Any, judge_per_class: int,
                 judge_clf: ClassifierConfig, n: int) -> None:
    """GAN-test, quality / diversity and memorisation scores of ``method``'s samples
    (:func:`colalib.experiments.units.sample_quality_unit`), judged by the cached reference classifier."""
    cache, device = ArtifactCache(), get_device(None)
    subset = training_subset(dataset, size, seed)
    judge, _ = reference_classifier(dataset, judge_per_class, judge_clf, cache, device, progress=False)
    sample_quality_unit(method, subset, config, judge, {"per_class": judge_per_class, "clf": judge_clf.to_dict()}, n,
                        cache, device, progress=False)


def toy_task(config: Any, spreads: tuple[float, ...]) -> None:
    """The MM-GAN toy (:func:`colalib.experiments.units.toy_unit`)."""
    toy_unit(config, spreads, ArtifactCache())




def cluster_task(config: Any, dataset: str, size: int | None, seed: int) -> None:
    """Step I, MMDC (:func:`colalib.experiments.units.clustering_unit`), on subset ``seed`` of ``size`` per class."""
    clustering_unit(config, training_subset(dataset, size, seed), ArtifactCache(), get_device(None), progress=False)


def spread_task(dataset: str, per_class: int | None, spread: float, scola: Any, clf: ClassifierConfig, n_fid: int,
                n_real_fid: int | None, cas_per_class: int) -> None:
    """Appendix A at one spread (:func:`colalib.experiments.units.spread_point`)."""
    spread_point(dataset, per_class, spread, scola, clf, n_fid, n_real_fid, cas_per_class, ArtifactCache(),
                 get_device(None), progress=False)


def _plain(value: Any) -> Any:
    return value.to_dict() if hasattr(value, "to_dict") else value


def unit_signature(fn: Callable[..., Any], kwargs: dict) -> str:
    """What a task computes: its function and arguments (configs as dicts), as the unit's cache key sees them. A fit's
    signature is the config's ``fit_key()``, without the sampling-only fields, which only change how it samples
    (:func:`colalib.experiments.units.fit_or_load` caches one fit for all of them); a Real arm's leaves out the
    generator's arguments (:func:`colalib.experiments.units.arm_unit` does not key it on them); an FID unit's keeps
    only the study fields :func:`colalib.experiments.units.fid_unit` keys on (dataset, ``n_fid``, ``n_real_fid``)."""
    plain = {k: _plain(v) for k, v in kwargs.items()}
    if fn is arm_task and kwargs.get("arm") == "real":
        plain = {k: v for k, v in plain.items() if k not in ("scola", "synthetic_per_class", "sampling", "method")}
    if fn is fid_task and hasattr(kwargs.get("exp"), "n_fid"):
        # fid_unit keys on these fields of the study config only: another field of the study (its seeds, its
        # measures) is not what the unit computes
        e = kwargs["exp"]
        plain["exp"] = {"dataset": e.dataset, "n_fid": e.n_fid, "n_real_fid": e.n_real_fid}
    if fn is fit_task and hasattr(kwargs.get("config"), "SAMPLING_FIELDS"):
        plain["config"] = kwargs["config"].fit_key()
    return fn.__name__ + json.dumps(plain, sort_keys=True, default=str)


class PlanBuilder:
    """Tasks collected by what they compute (:func:`unit_signature`), so that a unit two parts of a notebook share
    (a fit, the Real arm of a subset) is planned once, under the first key it was added with."""

    def __init__(self) -> None:
        self._tasks: dict[str, Task] = {}

    def add(self, key: str, fn: Callable[..., Any], deps: tuple[str, ...] = (), **kwargs: Any) -> str:
        """Plan ``fn(**kwargs)`` after ``deps`` unless the same unit is planned; returns the key it is planned under."""
        what = unit_signature(fn, kwargs)
        if what not in self._tasks:
            self._tasks[what] = Task(key, fn, kwargs, tuple(deps))
        return self._tasks[what].key

    def extend(self, tasks: list[Task]) -> None:
        """Add the tasks of another plan (their dependencies must be planned under the same keys)."""
        for t in tasks:
            self.add(t.key, t.fn, t.deps, **t.kwargs)

    @property
    def tasks(self) -> list[Task]:
        """The fits first (the slowest units, which the others wait for), then the rest, each in the order added."""
        tasks = list(self._tasks.values())
        return [t for t in tasks if t.fn is fit_task] + [t for t in tasks if t.fn is not fit_task]
