#!/usr/bin/env python
"""Benchmark (not a test) of ``python -m colalib.experiments fill``: one notebook's plan filled from an empty cache
with 1 worker x 2 threads and with 2 workers x 1 thread, their wall times, units per hour and ratio; and, with
``--all``, ``make figures`` from an empty cache, per notebook and in total.

    python benchmarks/bench_fill.py                          # notebook 05, quick, sizes 10, subset 0 (about 17 min)
    python benchmarks/bench_fill.py --sizes 10 50 --seeds 0 1   # the whole quick plan of notebook 05
    python benchmarks/bench_fill.py --notebook 04            # notebook 04's quick plan (18 units)
    python benchmarks/bench_fill.py --all-only --cache /tmp/e2e  # make figures (quick) from an empty cache
    python benchmarks/bench_fill.py --report                 # what dominates: results/*/fill_units.csv summed

Each fill configuration fills its own temporary cache, so both start empty. ``--all`` uses ``--cache`` (default: a
temporary folder); a run killed part-way resumes with the same ``--cache``, its finished units kept: each fill
journals its finished units in the cache, so the resumed fill reports their seconds and adds the killed fill's wall
time to its own (``scripts/run_notebooks.fill_plan``). Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from colalib.experiments import ClassificationExperimentConfig  # noqa: E402
from colalib.experiments.classification_study import classification_units  # noqa: E402
from colalib.experiments.executors import fill, unit_kind  # noqa: E402
from colalib.experiments.graph import plan  # noqa: E402
from colalib.experiments.plan import notebook_plan  # noqa: E402
from colalib.tables import read_csv  # noqa: E402


def time_fill(tasks, workers: int, threads: int) -> float:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COLA_CACHE_DIR"], os.environ["COLA_THREADS"] = cache, str(threads)
        start = time.perf_counter()
        fill(tasks, "local", workers=workers, progress=False)
        return time.perf_counter() - start


def time_make_figures(profile: str, cache: str | None) -> None:
    """``make figures`` (``scripts/run_notebooks.py``: each notebook's plan filled, then the notebook run), its output
    streamed, then the seconds per notebook (fill + run) and in total."""
    import re

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, COLA_CACHE_DIR=cache or tmp)
        start, lines = time.perf_counter(), []
        with subprocess.Popen(
            [sys.executable, "scripts/run_notebooks.py", "--profile", profile],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc:
            for line in proc.stdout:
                print(line, end="", flush=True)
                lines.append(line)
        total = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"make figures failed (exit {proc.returncode}) after {total:.0f} s")
    per_notebook: dict[str, float] = {}
    current = "?"
    for line in lines:
        if m := re.match(r"== fill plan of notebook (\d\d)", line):
            current = m.group(1)
        elif m := re.match(r"== (\S+)\.ipynb", line):
            current = m.group(1)[:2]
        if m := re.search(r"(?:filled|done) in (\d+) s", line):
            per_notebook[current] = per_notebook.get(current, 0) + float(m.group(1))
    print(f"\nmake figures ({profile}) from {'the cache ' + cache if cache else 'an empty cache'}:")
    for number, seconds in per_notebook.items():
        print(f"  notebook {number}: {seconds:,.0f} s (plan fill + notebook)")
    print(f"  total: {total:,.0f} s ({total / 3600:.2f} h)")


def report_fill_units(results: Path) -> None:
    """What dominates ``make figures``: the worker seconds of every computed unit recorded in
    ``results/*/fill_units.csv`` (written by ``make figures``), per notebook and task kind, and in total. Units shared
    between notebooks are counted where they were computed; cached units count nothing."""
    totals: dict[str, float] = {}
    print(f"{'notebook':<28} {'task':<22} {'units':>5} {'worker s':>10} {'median s':>9}  commit")
    for path in sorted(results.glob("*/fill_units.csv")):
        rows = [r for r in read_csv(path) if r["cached"] == "False"]
        by_task: dict[str, list[float]] = {}
        for r in rows:
            by_task.setdefault(unit_kind(r["task"]), []).append(float(r["seconds"]))
        commits = sorted({r["commit"][:7] for r in rows})
        for task, secs in sorted(by_task.items(), key=lambda kv: -sum(kv[1])):
            secs.sort()
            print(
                f"{path.parent.name:<28} {task:<22} {len(secs):>5} {sum(secs):>10,.0f} {secs[len(secs) // 2]:>9,.0f}"
                f"  {','.join(commits)}"
            )
            totals[task] = totals.get(task, 0.0) + sum(secs)
    print(
        "all notebooks: "
        + ", ".join(f"{k} {v:,.0f} s" for k, v in sorted(totals.items(), key=lambda kv: -kv[1]))
        + f"; total {sum(totals.values()):,.0f} worker-seconds ({sum(totals.values()) / 7200:.2f} h on 2 workers)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0])
    parser.add_argument("--notebook", default="05", help="whose plan to fill (05: with --sizes and --seeds)")
    parser.add_argument("--all", action="store_true", help="also time make figures from an empty cache")
    parser.add_argument("--all-only", action="store_true", help="only time make figures")
    parser.add_argument("--cache", default=None, help="make figures' cache folder (reused: a killed run resumes)")
    parser.add_argument(
        "--report",
        nargs="?",
        const=str(REPO / "results"),
        default=None,
        metavar="RESULTS",
        help="only print what dominates: the computed units of RESULTS/*/fill_units.csv",
    )
    args = parser.parse_args()
    if args.report:
        report_fill_units(Path(args.report))
        return 0
    if args.all_only:
        time_make_figures(args.profile, args.cache)
        return 0
    if args.notebook == "05":
        exp = ClassificationExperimentConfig.for_profile(args.profile, sizes=tuple(args.sizes), seeds=tuple(args.seeds))
        tasks = plan(classification_units(exp).values())
        print(f"notebook 05 plan, profile {args.profile}, sizes {args.sizes}, seeds {args.seeds}: {len(tasks)} units")
    else:
        tasks = notebook_plan(args.notebook, args.profile)
        print(f"notebook {args.notebook} plan, profile {args.profile}: {len(tasks)} units")
    walls = {}
    for workers, threads in ((1, 2), (2, 1)):
        walls[(workers, threads)] = wall = time_fill(tasks, workers, threads)
        print(f"{workers} worker(s) x {threads} thread(s): {wall:.0f} s, {3600 * len(tasks) / wall:.1f} units/h")
    print(f"ratio (1x2 wall / 2x1 wall): {walls[(1, 2)] / walls[(2, 1)]:.2f}")
    if args.all:
        time_make_figures(args.profile, args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
