#!/usr/bin/env python
"""What ``make figures`` costs from an empty cache, measured (a benchmark: it computes nothing). Every unit of each
thesis notebook's plan (``--group figures``, with notebook 05's CIFAR-100 run) is priced at the worker-seconds its
last fill recorded (``results/*/fill_units.csv`` and the journals of killed fills, ``.cache/fill_journals/``), and
the plan is scheduled on ``--workers`` single-thread workers as the local executor runs it (plan order, a unit starts
once its dependencies are done). Notebook 01 has no plan: its price is its recorded run time (``run.json``).

Prints, per notebook: units, units an earlier notebook computed (cached by then, free), units never measured,
worker-hours by kind of unit and the scheduled wall hours; then
the total against the 3-hour goal, and the same for the one-subset tutorial pass (``SEEDS=0``). The default
pricing writes ``benchmarks/results/budget/budget.csv`` and its ``run.json``.

The recorded seconds were measured with both cores busy (two workers, sometimes beside the tests), so the figures are
what a fill on this 2-core machine takes, not a single unit on an idle core.

    python benchmarks/budget.py
    python benchmarks/budget.py --seeds 0          # the tutorial pass alone (prints only)
    python benchmarks/budget.py --scale arm=0.33   # what-if: a classifier recipe 3x cheaper (prints only)
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/common.py, also when imported by a test

from common import benchmark_run, save_record  # noqa: E402

from colalib.cache import default_cache_dir  # noqa: E402
from colalib.experiments.executors import Task, unit_kind  # noqa: E402
from colalib.experiments.plan import notebook_plan as _notebook_plan  # noqa: E402
from colalib.tables import read_csv  # noqa: E402

sys.path.insert(0, str(REPO / "scripts"))
from run_notebooks import EXTRA_RUNS, GROUPS  # noqa: E402  (what make figures runs, from its own script)

notebook_plan = lru_cache(maxsize=None)(_notebook_plan)  # each plan built once (the --scale check prices them too)
GOAL_HOURS = {"all subsets": 3.0, "SEEDS=0": 1.25}  # issue #25: make figures <= 3 h; the tutorial pass <= 75 min


def thesis_runs(seeds: tuple[int, ...] | None) -> list[tuple[str, str | None]]:
    """(notebook, dataset) of each run of ``make figures``: the figures group, and the extra runs (notebook 05 on
    CIFAR-100) that ``run_notebooks.py`` adds only when no parameter is changed (not with ``SEEDS``)."""
    runs: list[tuple[str, str | None]] = []
    for notebook in GROUPS["figures"]:
        runs.append((notebook, None))
        if seeds is None:
            runs += [(notebook, extra["DATASET"]) for extra in EXTRA_RUNS.get(notebook, ())]
    return runs


def _seconds_in(paths: list[Path]) -> dict[str, float]:
    """Unit key -> worker-seconds of the computed (not cached) units in these fill records, the last record winning."""
    seconds: dict[str, float] = {}
    for path in paths:
        for row in read_csv(path):
            if row.get("cached", "False") != "True" and row.get("seconds"):
                seconds[row["key"]] = float(row["seconds"])
    return seconds


def recorded_seconds(repo: Path, cache: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Unit key -> worker-seconds of its recorded computation, and the same from the committed records only: the
    journals of killed fills (``<cache>/fill_journals``, local to the machine that ran them), overridden by the
    committed fill records (``results/*/fill_units.csv``)."""
    committed = _seconds_in(sorted(repo.glob("results/*/fill_units.csv")))
    return {**_seconds_in(sorted((cache / "fill_journals").glob("*.csv"))), **committed}, committed


def scheduled_wall_seconds(tasks: list[Task], price: dict[str, float], workers: int) -> float:
    """Wall seconds of ``tasks`` on ``workers`` workers when the first ready unit in plan order starts whenever a
    worker is free (:func:`colalib.experiments.executors.fill`'s local executor)."""
    done_at: dict[str, float] = {}
    free = [0.0] * workers
    pending = list(tasks)
    while pending:
        now = heapq.heappop(free)
        ready = [t for t in pending if all(d in done_at and done_at[d] <= now for d in t.deps)]
        if not ready:  # wait for the earliest dependency still running
            later = [done_at[d] for t in pending for d in t.deps if d in done_at and done_at[d] > now]
            heapq.heappush(free, min(later) if later else now)
            continue
        task = ready[0]
        pending.remove(task)
        done_at[task.key] = now + price.get(task.key, 0.0)
        heapq.heappush(free, done_at[task.key])
    return max(done_at.values(), default=0.0)


def notebook_01_seconds(repo: Path) -> float:
    return float(json.loads((repo / "results" / "01_theory" / "run.json").read_text())["wall_time_s"])


def price_runs(
    seeds: tuple[int, ...] | None, workers: int, seconds: dict[str, float], scale: dict[str, float] | None = None
) -> list[dict]:
    """Per run of ``make figures``, in its order: units, units never measured, units an earlier run computed (free:
    they are cached by then), worker-hours (by kind) and scheduled wall hours. A unit is priced by what it computes
    (:attr:`.graph.Unit.identity`), at the seconds recorded under any key it was planned under, times ``scale[kind]``
    (a what-if: a cheaper recipe for that kind)."""
    scale = scale or {}
    runs = thesis_runs(seeds)
    plans = {run: notebook_plan(run[0], "quick", run[1], seeds) for run in runs if run[0] != "01"}
    measured = {t.identity: seconds[t.key] for tasks in plans.values() for t in tasks if t.key in seconds}
    computed_before: set[str] = set()
    rows = []
    for notebook, dataset in runs:
        name = notebook + ("" if dataset is None else f" on {dataset}")
        if notebook == "01":
            s = notebook_01_seconds(REPO)
            rows.append(
                dict(
                    run=name, units=0, unmeasured=0, shared=0, worker_hours=s / 3600, wall_hours=s / 3600, by_kind="{}"
                )
            )
            continue
        tasks = plans[(notebook, dataset)]
        fresh = [t for t in tasks if t.identity not in computed_before]
        price = {t.key: measured.get(t.identity, 0.0) * scale.get(unit_kind(t.fn.__name__), 1.0) for t in fresh}
        by_kind: dict[str, float] = {}
        for t in fresh:
            by_kind[unit_kind(t.fn.__name__)] = by_kind.get(unit_kind(t.fn.__name__), 0.0) + price[t.key]
        rows.append(
            dict(
                run=name,
                units=len(tasks),
                unmeasured=sum(t.identity not in measured for t in fresh),
                shared=len(tasks) - len(fresh),
                worker_hours=sum(by_kind.values()) / 3600,
                wall_hours=scheduled_wall_seconds(tasks, price, workers) / 3600,
                by_kind=json.dumps({k: round(v / 3600, 2) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])}),
            )
        )
        computed_before |= {t.identity for t in tasks}
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=None,
        help="the notebooks' SEEDS (default: both the profile's and the tutorial pass's [0])",
    )
    parser.add_argument(
        "--scale",
        nargs="*",
        default=[],
        metavar="KIND=FACTOR",
        help="what-if: price every unit of KIND (arm, fit, fid, cluster, spread, ...) at FACTOR times "
        "its recorded seconds, e.g. arm=0.33 for a classifier recipe 3x cheaper (nothing is "
        "written)",
    )
    args = parser.parse_args()
    try:
        scale = {k: float(v) for k, v in (item.split("=") for item in args.scale)}
    except ValueError:
        parser.error(f"--scale takes KIND=FACTOR pairs such as arm=0.5, got {args.scale}")
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    kinds = {
        unit_kind(t.fn.__name__)
        for notebook, dataset in thesis_runs(None)
        if notebook != "01"
        for t in notebook_plan(notebook, "quick", dataset)
    }
    bad = {k: v for k, v in scale.items() if k not in kinds or v < 0}
    if bad:
        parser.error(f"--scale: {bad} is not a kind of unit with a factor >= 0; the kinds are {sorted(kinds)}")
    record = args.seeds is None and not scale  # only the default pricing is the committed budget
    run = benchmark_run("budget", "quick", dict(workers=args.workers, seeds=args.seeds)) if record else None
    seconds, committed = recorded_seconds(REPO, default_cache_dir())
    passes = (
        {"all subsets": None, "SEEDS=0": (0,)}
        if args.seeds is None
        else {"SEEDS=" + ",".join(map(str, args.seeds)): tuple(args.seeds)}
    )
    local = sorted(set(seconds) - set(committed))
    if local:
        journals = default_cache_dir() / "fill_journals"
        print(
            f"{len(local)} units are priced from this machine's fill journals ({journals}), not from committed fill "
            "records: another clone prices them at 0 s"
        )
    table = []
    for label, seeds in passes.items():
        rows = price_runs(seeds, args.workers, seconds, scale)
        print(
            f"\n== make figures, {label}: units priced at their recorded worker-seconds"
            + (f" times {scale}" if scale else "")
            + f", {args.workers} workers"
        )
        print(f"{'run':<16}{'units':>6}{'cached':>7}{'unmeasured':>11}{'worker h':>9}{'wall h':>8}  worker h by kind")
        for r in rows:
            print(
                f"{r['run']:<16}{r['units']:>6}{r['shared']:>7}{r['unmeasured']:>11}{r['worker_hours']:>9.2f}"
                f"{r['wall_hours']:>8.2f}  {r['by_kind']}"
            )
        wall = sum(r["wall_hours"] for r in rows)
        unmeasured = sum(r["unmeasured"] for r in rows)
        goal = GOAL_HOURS.get(label)
        print(
            f"{'total':<16}{sum(r['units'] for r in rows):>6}{sum(r['shared'] for r in rows):>7}{unmeasured:>11}"
            f"{sum(r['worker_hours'] for r in rows):>9.2f}{wall:>8.2f}"
            + (f"  (goal: at most {goal:g} h; {wall / goal:.1f}x the goal)" if goal else "")
        )
        if unmeasured:
            print(f"   {unmeasured} units were never measured (priced at 0 s): the total is a lower bound")
        table += [{"pass": label, **r} for r in rows]
    if run is not None:  # a what-if or another SEEDS is printed, never recorded as the measured budget
        save_record(run, table, "budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
