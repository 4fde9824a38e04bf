#!/usr/bin/env python
"""Benchmark (not a test) of ``python -m colalib.experiments fill``: notebook 05's plan filled from an empty cache with
1 worker x 2 threads and with 2 workers x 1 thread, their wall times, units per hour and ratio.

    python benchmarks/bench_fill.py                          # quick plan, sizes 10, subset 0 (about 20 min on 2 cores)
    python benchmarks/bench_fill.py --sizes 10 50 --seeds 0 1   # the whole quick plan of notebook 05
    python benchmarks/bench_fill.py --all                    # also: make figures (quick) from an empty cache, per notebook

Each configuration fills its own temporary cache, so both start empty; run it on an otherwise idle machine.
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

from colalib.classification import ClassifierConfig  # noqa: E402
from colalib.cola import SCOLAConfig  # noqa: E402
from colalib.experiments import ClassificationExperimentConfig  # noqa: E402
from colalib.experiments.plan import classification_plan, fill  # noqa: E402


def time_fill(tasks, workers: int, threads: int) -> float:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["COLA_CACHE_DIR"], os.environ["COLA_THREADS"] = cache, str(threads)
        start = time.perf_counter()
        fill(tasks, "local", workers=workers, progress=False)
        return time.perf_counter() - start


def time_make_figures() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, COLA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "scripts/run_notebooks.py", "--profile", "quick"], cwd=REPO, env=env,
                             capture_output=True, text=True, check=True).stdout
        print(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0])
    parser.add_argument("--all", action="store_true", help="also time make figures from an empty cache")
    args = parser.parse_args()
    exp = ClassificationExperimentConfig.for_profile(args.profile, sizes=tuple(args.sizes), seeds=tuple(args.seeds))
    tasks = classification_plan(exp, SCOLAConfig.for_profile(args.profile), ClassifierConfig.for_profile(args.profile))
    print(f"notebook 05 plan, profile {args.profile}, sizes {args.sizes}, seeds {args.seeds}: {len(tasks)} units")
    walls = {}
    for workers, threads in ((1, 2), (2, 1)):
        walls[(workers, threads)] = wall = time_fill(tasks, workers, threads)
        print(f"{workers} worker(s) x {threads} thread(s): {wall:.0f} s, {3600 * len(tasks) / wall:.1f} units/h")
    print(f"ratio (1x2 wall / 2x1 wall): {walls[(1, 2)] / walls[(2, 1)]:.2f}")
    if args.all:
        time_make_figures()
    return 0


if __name__ == "__main__":
    sys.exit(main())
