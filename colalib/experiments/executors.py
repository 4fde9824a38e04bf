"""Executors: a plan of cached units (:class:`Task`) filled in parallel, dependencies first.

A :class:`Task` names one cached unit (a module-level function of picklable arguments: configs, dataset names,
sizes, seeds) and the tasks it depends on (a classifier's Mix arm needs its trained sCOLA); the studies declare their
units (:mod:`.graph`) and :func:`colalib.experiments.graph.plan` turns them into tasks. :func:`fill` computes the
tasks whose results are missing from the cache, dependencies first, with

* ``executor="local"``: a process pool (:mod:`concurrent.futures`, ``spawn`` start method) of ``workers`` processes of
  one thread each. Measured (``benchmarks/bench_fill.py``, idle 2-core machine, each from an empty cache): on notebook
  04's whole quick plan (18 units) 2 workers x 1 thread 1,192 s, 1 worker x 2 threads 1,293 s (ratio 1.08), hence
  the default; on notebook 05's 4-unit plan at 10 per class (one fit before three arms) 1 x 2 wins, 446 s against
  545 s (ratio 0.82), because the fit leaves a worker idle;
* ``executor="dask"``: a ``dask.distributed`` cluster (``scheduler`` address, or a ``LocalCluster`` of ``workers``
  processes when None); Dask tracks the dependencies itself. Workers write to the cache folder they see
  (``COLA_CACHE_DIR``): on several machines point it at a shared folder.

Every unit is cached atomically and claimed with a file lock (:meth:`colalib.cache.ArtifactCache.claim`), so a killed
worker loses only its unfinished unit and two ``fill`` processes on one cache never compute a unit twice at once. The
notebook then only assembles the cached units.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from ..cache import saved_in_this_process
from ..utils import progress_bar

__all__ = ["EXECUTORS", "Task", "check_plan", "fill", "fill_report", "prefill", "run_task", "seconds_by_task",
           "unit_kind"]

EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Task:
    """One entry of a plan as the executors see it: ``fn(**kwargs)`` (module-level, picklable) after the tasks whose
    keys are ``deps``. :func:`colalib.experiments.graph.plan` makes them from the studies' units."""

    key: str
    fn: Callable[..., Any]
    kwargs: dict = field(default_factory=dict, hash=False, compare=False)
    deps: tuple[str, ...] = ()
    identity: str = field(default="", compare=False)  # what it computes: :attr:`.graph.Unit.identity`


def run_task(task: Task, *_deps: Any, cache_dir: str | None = None) -> dict:
    """Run one task in a worker, on one thread (``COLA_THREADS``, default 1), with its units cached under
    ``cache_dir`` (None: the worker's ``COLA_CACHE_DIR``); returns its key, seconds and whether it computed anything
    (it wrote to the cache) or found its unit cached."""

    if cache_dir is not None:
        os.environ["COLA_CACHE_DIR"] = cache_dir   # the tasks' ArtifactCache() reads it
    torch.set_num_threads(int(os.environ.get("COLA_THREADS", "1")))
    start, saved = time.perf_counter(), saved_in_this_process()
    task.fn(**task.kwargs)
    return {"key": task.key, "seconds": time.perf_counter() - start, "computed": saved_in_this_process() > saved}


def check_plan(tasks: list[Task]) -> None:
    """Fail before any compute when a key repeats, a dependency is unknown, or the dependencies form a cycle."""
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate task keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    known = set(keys)
    for t in tasks:
        unknown = [d for d in t.deps if d not in known]
        if unknown:
            raise ValueError(f"task {t.key!r} depends on unknown tasks {unknown}")
    _topological(tasks)  # raises on a cycle


def fill(tasks: list[Task], executor: str = "local", workers: int | None = None, scheduler: str | None = None,
         progress: bool = True, on_result: Callable[[dict], None] | None = None,
         cache_dir: str | os.PathLike | None = None) -> list[dict]:
    """Compute every task of a plan in parallel, dependencies first, each ready unit in plan order (the local
    executor keeps ``workers`` units in flight, so a plan sorted by priority fills in that order); one progress bar
    over the units with an ETA.
    Returns ``{key, seconds, computed}`` per task (``computed`` False: its unit came from the cache); ``on_result``
    is called with each of them as its unit finishes (e.g. to journal the seconds of a fill that may be killed).
    ``cache_dir``: where the workers cache the units (None: their ``COLA_CACHE_DIR``; on a remote Dask cluster the
    path must exist on every worker)."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    check_plan(tasks)
    workers = workers or max(1, os.cpu_count() or 1)
    where = None if cache_dir is None else str(cache_dir)
    if executor == "dask":
        return _fill_dask(tasks, workers, scheduler, progress, on_result, where)
    return _fill_local(tasks, workers, progress, on_result, where)


def prefill(tasks: list[Task], cache: Any = None, executor: str | None = None, workers: int | None = None,
            scheduler: str | None = None, progress: bool = True) -> None:
    """What a driver's ``executor`` does: None computes each unit in the calling process when the driver asks for
    it; ``"local"`` or ``"dask"`` first :func:`fill` the driver's plan ``tasks`` in parallel into ``cache`` (an
    :class:`~colalib.cache.ArtifactCache`; None: the default cache), so that the driver then only assembles them."""
    if executor is None:
        return
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be None (compute in this process) or one of {EXECUTORS}, got {executor!r}")
    fill(tasks, executor, workers, scheduler, progress, cache_dir=getattr(cache, "root", None))


def _fill_local(tasks: list[Task], workers: int, progress: bool,
                on_result: Callable[[dict], None] | None = None, cache_dir: str | None = None) -> list[dict]:
    done: dict[str, dict] = {}
    pending = {t.key: t for t in tasks}
    bar = progress_bar(None, desc="units", progress=progress, total=len(tasks))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_exit_with_parent, initargs=(os.getpid(),)) as pool:
        running: dict = {}
        while pending or running:
            # at most `workers` units in flight, the first ready ones in plan order: a unit whose dependencies just
            # finished runs before later independent units, so a plan ordered by priority fills in that order
            ready = [k for k, t in pending.items() if set(t.deps) <= set(done)]
            for key in ready[:max(0, workers - len(running))]:
                running[pool.submit(run_task, pending.pop(key), cache_dir=cache_dir)] = key
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                running.pop(future)
                _finished(future.result(), done, bar, on_result)  # a failing unit stops the fill with its error
    bar.close()
    return [done[t.key] for t in tasks]


def _finished(result: dict, done: dict[str, dict], bar: Any, on_result: Callable[[dict], None] | None) -> None:
    """Record one finished unit of a fill (either executor): by key, to ``on_result``, on the progress bar."""
    done[result["key"]] = result
    if on_result:
        on_result(result)
    bar.update(1)


def fill_report(tasks: list[Task], results: list[dict], commit: str = "",
                earlier: dict[str, dict] | None = None, recorded: dict[str, dict] | None = None) -> list[dict]:
    """One row per unit of a filled plan (the list :func:`fill` returned): its key, the task it ran, its seconds in the
    worker and whether it came from the cache (it wrote nothing, :func:`run_task`), slowest first, so that what
    dominates a notebook's time is on record (``results/NN_name/fill_units.csv``, written by ``make figures``).
    ``earlier``: results journalled by a killed fill of the same plan (by key); a unit it computed that this fill
    found cached keeps that fill's seconds and commit, marked ``resumed``. ``recorded``: the rows of the plan's last
    ``fill_units.csv`` (by key); a unit that record shows computed, found cached now, keeps its recorded row (its
    seconds and the commit that computed it), so that a fill adding units to a plan does not erase the others' cost."""
    by_key = {r["key"]: r for r in results}
    rows = []
    for t in tasks:
        now, before = by_key[t.key], (earlier or {}).get(t.key)
        old = (recorded or {}).get(t.key)
        if not now["computed"] and before is None and old is not None and str(old.get("cached")) == "False":
            rows.append({**old, "key": t.key, "task": t.fn.__name__, "seconds": round(float(old["seconds"]), 1),
                         "cached": False, "commit": old.get("commit", ""),
                         "resumed": str(old.get("resumed")) == "True"})  # its other columns (a note) kept
        elif not now["computed"] and before is not None:   # the journal holds only computed units
            rows.append({"key": t.key, "task": t.fn.__name__, "seconds": round(float(before["seconds"]), 1),
                         "cached": False, "commit": before.get("commit", commit), "resumed": True})
        else:
            rows.append({"key": t.key, "task": t.fn.__name__, "seconds": round(now["seconds"], 1),
                         "cached": not now["computed"], "commit": commit, "resumed": False})
    return sorted(rows, key=lambda r: -r["seconds"])


def unit_kind(task_name: str) -> str:
    """The kind of unit a recorded task name stands for: ``fit`` for the run step ``fit_step`` and for ``fit_task``,
    its name in the records written before 2026-12-06, so that old and new records add up."""
    for suffix in ("_step", "_task"):
        if task_name.endswith(suffix):
            return task_name[:-len(suffix)]
    return task_name


def seconds_by_task(report: list[dict]) -> dict[str, float]:
    """Worker seconds of a :func:`fill_report` per kind of unit (fit, arm, fid, ...: :func:`unit_kind`), largest
    first."""
    totals: dict[str, float] = {}
    for row in report:
        kind = unit_kind(str(row["task"]))
        totals[kind] = totals.get(kind, 0.0) + float(row["seconds"])
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """A local worker's initializer: a daemon thread ends the worker when the ``fill`` process that started it is gone
    (killed with SIGTERM or SIGKILL, its workers would otherwise go on computing as orphans). Its unfinished unit is
    lost, as for a killed worker."""

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _fill_dask(tasks: list[Task], workers: int, scheduler: str | None, progress: bool,
               on_result: Callable[[dict], None] | None = None, cache_dir: str | None = None) -> list[dict]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed  # local: optional extra colalib[cluster]
    except ImportError as err:
        raise ImportError("the dask executor needs dask.distributed: pip install 'colalib[cluster]'") from err
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        futures: dict[str, Any] = {}
        for t in _topological(tasks):  # every dependency is submitted before the tasks that need it
            futures[t.key] = client.submit(run_task, t, *[futures[d] for d in t.deps], cache_dir=cache_dir,
                                           key=f"colalib-{t.key}", pure=False)
        bar = progress_bar(None, desc="units", progress=progress, total=len(tasks))
        done: dict[str, dict] = {}
        for future in as_completed(list(futures.values())):
            _finished(future.result(), done, bar, on_result)
        bar.close()
        return [done[t.key] for t in tasks]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _topological(tasks: list[Task]) -> list[Task]:
    """The tasks in an order where every dependency comes first (stable); a ``ValueError`` names a cycle."""
    done: set[str] = set()
    order: list[Task] = []
    pending = list(tasks)
    while pending:
        ready = [t for t in pending if set(t.deps) <= done]
        if not ready:
            raise ValueError(f"the dependencies of {[t.key for t in pending]} form a cycle")
        order += ready
        done |= {t.key for t in ready}
        pending = [t for t in pending if t.key not in done]
    return order
