"""Units of work as objects, declared once per study (the model: Dask ``delayed`` and ``dask.graph_manipulation``).

A :class:`Unit` is one cached computation: a module-level run step (:mod:`.steps`), its picklable arguments (configs,
dataset names, sizes, seeds: they determine its cache key) and the units it depends on. Each study module defines

* ``units(exp) -> {name: Unit}``: every unit its tables need, by a name the study chooses (a tuple such as
  ``("fid", method, size, seed)``), built from ``exp`` in one place;
* ``assemble(exp, results) -> rows``: its tables from ``results[name]``, the unit's result.

Everything else derives from that one declaration: :func:`plan` flattens the units of one or more studies into the
executors' :class:`Task` list (a unit two studies share is planned once), the parallel fill computes that list
(:mod:`.executors`), and :func:`run_study`, the notebook's in-process path, hands ``assemble`` a :class:`Results`
that runs (or loads from the cache) each unit when it is first read. Adding a study is one module with these two
functions (``docs/adding_a_study.md``).
"""
from __future__ import annotations

import json
import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from ..cache import ArtifactCache
from ..utils import get_device
from .executors import Task, prefill

__all__ = ["Results", "Unit", "plan", "run_study"]


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, eq=False)
class Unit:
    """One cached unit of work: ``fn(**kwargs, cache=, device=, progress=)`` (a run step of :mod:`.steps`) after
    ``deps``. Its constructors in :mod:`.steps` pass only what its cache key holds (or say it in ``keyed_on``), so
    two units that compute the same thing have the same :attr:`identity` and are planned once, under the first one's
    ``key``."""

    key: str
    fn: Callable[..., Any]
    kwargs: dict = field(default_factory=dict)
    deps: tuple["Unit", ...] = ()
    keyed_on: dict | None = None  # the arguments its cache key holds, where not all of kwargs (a fit: no sampling)
    rank: float = 1.0  # scheduling: a unit with rank < 1 that waits for none (a fit) starts first, lowest first

    @property
    def identity(self) -> str:
        """What the unit computes: its run step and the arguments its cache key holds (configs as dicts)."""
        return f"{self.fn.__module__}.{self.fn.__name__}" + json.dumps(
            _plain(self.kwargs if self.keyed_on is None else self.keyed_on), sort_keys=True, default=str)

    def __call__(self, cache: ArtifactCache | None = None, device=None, progress: bool = False) -> Any:
        """The unit's result: computed, or loaded when it is cached."""
        return self.fn(**self.kwargs, cache=cache, device=device, progress=progress)


def plan(units: Iterable[Unit]) -> list[Task]:
    """The executors' tasks of ``units`` and of everything they depend on, each unit once (by :attr:`Unit.identity`,
    under the first key it comes with; a unit declared twice waits for the dependencies of both declarations). The
    training units that wait for none (fits, clusterings, judges: :attr:`Unit.rank` below 1) come first, lowest rank
    (the slowest) first, then the rest, each in the order given."""
    chosen: dict[str, Task] = {}
    ranks: dict[str, float] = {}

    def visit(unit: Unit) -> str:
        deps = tuple(visit(d) for d in unit.deps)
        known = chosen.get(unit.identity)
        if known is None:
            chosen[unit.identity] = Task(unit.key, unit.fn, unit.kwargs, tuple(dict.fromkeys(deps)), unit.identity)
            ranks[unit.identity] = unit.rank
        elif not set(deps) <= set(known.deps):
            chosen[unit.identity] = replace(known, deps=tuple(dict.fromkeys(known.deps + deps)))
        return chosen[unit.identity].key

    for unit in units:
        visit(unit)
    first = sorted((i for i, t in chosen.items() if not t.deps and ranks[i] < 1), key=lambda i: ranks[i])
    return [chosen[i] for i in first] + [t for i, t in chosen.items() if i not in set(first)]


class Results(Mapping):
    """The results of a study's named units, each computed (or loaded from the cache) when it is first read and kept:
    what ``assemble`` reads. On the in-process path a unit is computed in the order the tables ask for it."""

    def __init__(self, units: Mapping[Hashable, Unit], cache: ArtifactCache, device=None, progress: bool = True):
        self.units, self.cache, self.device, self.progress = units, cache, device, progress
        self._done: dict[Hashable, Any] = {}
        self.seconds: dict[Hashable, float] = {}  # what reading each unit cost this run (about 0: it was cached)

    def __getitem__(self, name: Hashable) -> Any:
        if name not in self._done:
            start = time.perf_counter()
            self._done[name] = self.units[name](self.cache, self.device, self.progress)
            self.seconds[name] = time.perf_counter() - start
        return self._done[name]

    def __contains__(self, name: object) -> bool:  # whether the study declares it; reading nothing
        return name in self.units

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)


def run_study(units: Callable[[Any], Mapping[Hashable, Unit]], assemble: Callable[..., Any], exp: Any,
              cache: ArtifactCache | None = None, executor: str | None = None, *, workers: int | None = None,
              scheduler: str | None = None, device=None, progress: bool = True, **options: Any) -> Any:
    """A study's driver: ``assemble(exp, results, **options)`` over ``units(exp)``. ``executor`` None computes each
    unit in this process when ``assemble`` reads it; ``"local"`` or ``"dask"`` first fill the plan of those units in
    parallel (:func:`colalib.experiments.executors.prefill`), so that the tables then only load them."""
    cache = cache or ArtifactCache()
    named = units(exp)
    prefill(plan(named.values()), cache, executor, workers, scheduler, progress)
    return assemble(exp, Results(named, cache, get_device(device), progress), **options)
