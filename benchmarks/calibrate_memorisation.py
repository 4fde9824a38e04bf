#!/usr/bin/env python
"""Calibration (not a test) of :mod:`colalib.memorisation`: the near-copy fraction and the median distance ratio of
held-out real images, blurred real images and class means (which must not be flagged) against exact, noised and
blurred copies of the training images (which must be), on CIFAR-10 in pixel space.

    python benchmarks/calibrate_memorisation.py               # 10 training images per class, 500 probes each
    python benchmarks/calibrate_memorisation.py --per-class 50
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from colalib.experiments.subsets import split_of, training_subset  # noqa: E402
from colalib.memorisation import COPY_RATIO, MEMORISING_FRACTION, memorisation_check  # noqa: E402


def blurred(images: np.ndarray, sigma: float) -> np.ndarray:
    return (
        np.stack([gaussian_filter(im.astype(float), sigma=(sigma, sigma, 0)) for im in images])
        .clip(0, 255)
        .astype(np.uint8)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    train = training_subset(args.dataset, args.per_class, args.seed)
    test = split_of(args.dataset, "test")
    held_out = test.images[rng.choice(len(test), args.probes, replace=False)]
    copies = train.images[rng.integers(0, len(train), args.probes)]
    means = np.stack([train.images[train.labels == c].mean(0) for c in np.unique(train.labels)]).astype(np.uint8)
    noisy = (copies + rng.normal(0, 15, copies.shape)).clip(0, 255).astype(np.uint8)
    probes = {
        "held-out test images": (held_out, False),
        "test images blurred, σ 1.5 px": (blurred(held_out, 1.5), False),
        "test images blurred, σ 3 px": (blurred(held_out, 3.0), False),
        "class-mean images": (np.repeat(means, max(1, args.probes // len(means)), 0), False),
        "exact copies": (copies, True),
        "copies + noise σ 15/255": (noisy, True),
        "copies blurred, σ 1 px": (blurred(copies, 1.0), True),
        "copies blurred, σ 2 px": (blurred(copies, 2.0), True),
    }
    print(
        f"{args.dataset}, {len(train)} training images; near-copy: ratio < {COPY_RATIO}; memorising: more than "
        f"{100 * MEMORISING_FRACTION:.0f} % near-copies"
    )
    print(f"{'probe':<32} {'median ratio':>12} {'near-copies':>12} {'median NN dist':>15}  flagged  expected")
    wrong = 0
    for name, (images, expected) in probes.items():
        r = memorisation_check(images, train.images)
        wrong += r["memorising"] != expected
        print(
            f"{name:<32} {r['ratio_median']:>12.2f} {100 * r['copy_fraction']:>11.0f}% "
            f"{r['nn_distance_median']:>15.2f}  {str(r['memorising']):<7}  {expected}"
        )
    print(
        f"train-to-train nearest-neighbour distance, median: {r['train_nn_distance_median']:.2f} "
        "(Euclidean, pixels in [0, 1])"
    )
    print(f"misclassified probes: {wrong}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
