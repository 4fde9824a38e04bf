#!/usr/bin/env python
"""Benchmark (not a test): does the per-class work grow faster than the number of classes K (issue #14)?

Step III (one Gaussian per class, Sec. 3.3: fit, stratified labels, sampling), the Hungarian matching of clusters to
classes (scoring COLA / GLO) and the per-class sample grid are timed at K = 10 and K = 100 with the same number of
images per class, so that linear work grows 10x in the number of images and any superlinear term shows as more:

    python benchmarks/bench_classes.py            # about 10 s on one core

Prints seconds per step at each K and the ratio t(K=100) / t(K=10); a ratio well above 10 flags a superlinear step.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from colalib.plotting import per_class_grid  # noqa: E402
from colalib.sampling import balanced_labels, fit_class_gaussians, match_components_to_classes, sample_codes  # noqa: E402


def _best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def time_steps(k: int, per_class: int = 20, samples_per_class: int = 200, dim: int = 64) -> dict[str, float]:
    """Seconds of each per-class step for ``k`` classes of ``per_class`` codes (``dim`` free dimensions + K one-hot),
    sampling ``samples_per_class`` codes per class (notebook 05's quick recipe)."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(k), per_class)
    codes = rng.standard_normal((len(labels), k + dim))
    n = samples_per_class * k
    gaussians = fit_class_gaussians(codes, labels)
    drawn = balanced_labels(n, gaussians.classes, rng)
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    return {
        "fit Gaussians (Ledoit-Wolf)": _best_of(lambda: fit_class_gaussians(codes, labels)),
        "stratified labels": _best_of(lambda: balanced_labels(n, gaussians.classes, rng)),
        "sample codes": _best_of(lambda: sample_codes(gaussians, drawn, seed=0)),
        "Hungarian matching": _best_of(lambda: match_components_to_classes(rng.integers(0, k, n), drawn, k)),
        "sample grid (10 shown)": _best_of(lambda: per_class_grid(images[drawn < 10], drawn[drawn < 10], 8)),
    }


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # one BLAS thread, as in a fill worker
        small, large = time_steps(10), time_steps(100)
    print(f"{'step':32s} {'K=10 (s)':>10s} {'K=100 (s)':>10s} {'ratio':>7s}   (linear in K: about 10)")
    for step in small:
        print(f"{step:32s} {small[step]:10.4f} {large[step]:10.4f} {large[step] / max(small[step], 1e-9):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
