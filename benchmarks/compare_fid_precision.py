#!/usr/bin/env python
"""Evidence for a cheaper FID (a benchmark, not a test): does bfloat16 autocast in Inception keep the orderings of
notebook 03's FID claims? For each method of notebook 03 (with its study run's COLA and GLO) at ``--size`` images per
class on the subsets ``--seeds``, the committed FID unit (fp32 Inception, read from the cache: it is computed first if
missing) beside the FID of the very same samples (the model's cached fit, sampled with the unit's seed) with Inception
under bf16 autocast, against the same test images, whose statistics are also taken under bf16. Prints both FIDs and
Inception's speed under each (paired: the same real images timed under both, one after the other), the paired
differences of notebook 03's orderings (GLO − COLA, CGAN-PD − sCOLA: > 0 means the second is lower, as the thesis has
it) with their 95 % intervals and verdicts, what bf16 shifts each by, and whether bf16 keeps each one
(:func:`colalib.stats.ordering_kept`: same sign, inside fp32's interval, same verdict). Writes
``benchmarks/results/recipes/fid_bf16/fid_bf16_vs_fp32.csv`` and its ``run.json``.

    python benchmarks/compare_fid_precision.py                   # CIFAR-10, 10 per class, seeds 0 1 2
    python benchmarks/compare_fid_precision.py --size 50
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common import benchmark_run, save_record  # noqa: E402

from colalib.cache import ArtifactCache  # noqa: E402
from colalib.data import load_dataset  # noqa: E402
from colalib.experiments.generation_study import GenerationExperimentConfig, generation_units  # noqa: E402
from colalib.experiments.graph import Results  # noqa: E402
from colalib.metrics import frechet_distance, frechet_stats, inception_features  # noqa: E402
from colalib.stats import interval95, ordering_kept, verdict  # noqa: E402

# notebook 03's FID claims, (worse, better) per the thesis: GLO − COLA is its study run's (make studies, COLA_GLO)
ORDERINGS = (("glo", "cola"), ("cgan_pd", "scola"))
SPEED_IMAGES = 200  # the paired timing of Inception under fp32 and bf16


def real_images(dataset: str, n: int | None, seed: int = 0) -> np.ndarray:
    """The test images :func:`colalib.metrics.real_stats` scores (``n`` of them drawn with ``seed``)."""
    images = load_dataset(dataset, "test").images
    if n is not None and n < len(images):
        images = images[np.sort(np.random.default_rng(seed).choice(len(images), n, replace=False))]
    return images


def timed_features(images: np.ndarray, precision: str) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    features = inception_features(images, precision=precision, progress=False)
    return features, len(images) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--profile", default="quick", help="quick (the evidence) or smoke (digits, seconds: a check)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread, as a fill's worker: the speeds below are per worker
    if len(args.seeds) < 3:
        raise SystemExit("an ordering needs at least 3 subsets: pass --seeds with 3 or more")
    exp = GenerationExperimentConfig.for_profile(
        args.profile, sizes=(args.size,), seeds=tuple(args.seeds), beside=(), cola_glo=True
    )
    methods = [m for m in exp.all_methods if any(m in pair for pair in ORDERINGS)]
    run = benchmark_run(
        "recipes/fid_bf16",
        args.profile,
        dict(size=args.size, seeds=list(exp.seeds), methods=methods, n_fid=exp.n_fid, n_real_fid=exp.n_real_fid),
    )
    results = Results(generation_units(exp), ArtifactCache(), "cpu", progress=False)
    real = real_images(exp.dataset, exp.n_real_fid)
    # Inception's speed under each precision, paired: the same images, one after the other, in this process
    speed = {p: timed_features(real[:SPEED_IMAGES], p)[1] for p in ("fp32", "bf16")}
    real_bf16 = frechet_stats(timed_features(real, "bf16")[0])
    rows, fid = [], {}
    for seed in exp.seeds:
        for method in methods:
            unit = results["fid", method, args.size, seed]  # fp32, the committed unit
            model = results["fit", method, args.size, seed]
            images, _ = model.sample(exp.n_fid, seed=seed + 1)  # the unit's samples (fid_unit: config.seed + 1)
            features, _ = timed_features(images, "bf16")
            fid[seed, method, "fp32"], fid[seed, method, "bf16"] = (
                unit["fid"],
                frechet_distance(frechet_stats(features), real_bf16),
            )
            rows.append(
                {
                    "kind": "fid",
                    "seed": seed,
                    "method": method,
                    "fid fp32": round(unit["fid"], 2),
                    "fid bf16": round(fid[seed, method, "bf16"], 2),
                    "bf16 − fp32": round(fid[seed, method, "bf16"] - unit["fid"], 2),
                }
            )
            print(f"seed {seed} {method}: FID fp32 {unit['fid']:.2f}, bf16 {fid[seed, method, 'bf16']:.2f}", flush=True)
    keeps_all = True
    for worse, better in ORDERINGS:
        if worse not in methods or better not in methods:
            continue
        d = {p: np.array([fid[s, worse, p] - fid[s, better, p] for s in exp.seeds]) for p in ("fp32", "bf16")}
        ci = {p: interval95(d[p]) for p in d}
        keeps = ordering_kept(d["fp32"], d["bf16"])
        keeps_all &= keeps
        shift = d["bf16"] - d["fp32"]  # what bf16 does to the difference, paired by subset
        reading = {p: verdict(d[p].mean(), ci[p], len(d[p])) for p in d}
        rows.append(
            {
                "kind": "ordering",
                "method": f"{worse} − {better} (> 0: {better} lower, as the thesis has it)",
                "fid fp32": f"{d['fp32'].mean():+.2f} ± {ci['fp32']:.2f} (95 %, {len(d['fp32'])} subsets); "
                f"{reading['fp32']}",
                "fid bf16": f"{d['bf16'].mean():+.2f} ± {ci['bf16']:.2f} (95 %, {len(d['bf16'])} subsets); "
                f"{reading['bf16']}",
                "bf16 − fp32": f"{shift.mean():+.2f} ± {interval95(shift):.2f} (95 %)",
                "keeps the ordering": keeps,
            }
        )
        print(
            f"FID {worse} − {better} (> 0: {better} lower): fp32 {d['fp32'].mean():+.2f} ± {ci['fp32']:.2f} "
            f"({reading['fp32']}), bf16 {d['bf16'].mean():+.2f} ± {ci['bf16']:.2f} ({reading['bf16']}) "
            f"(95 %, {len(exp.seeds)} subsets); bf16 shifts it by {shift.mean():+.2f} ± {interval95(shift):.2f}: "
            f"{'kept' if keeps else 'NOT kept'} (same sign, inside fp32's interval, same verdict)"
        )
    record = save_record(
        run,
        rows,
        "fid_bf16_vs_fp32",
        keeps_every_ordering=keeps_all,
        **{f"inception_{p}_images_per_second": round(v, 1) for p, v in speed.items()},
    )
    print(
        f"bf16 keeps every ordering: {keeps_all}; Inception on {SPEED_IMAGES} real images, one thread: fp32 "
        f"{speed['fp32']:.1f}, bf16 {speed['bf16']:.1f} images/s; wall time {record['wall_time_s']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
