#!/usr/bin/env python
"""What bfloat16 autocast buys each kind of unit of ``make figures`` on this machine (a benchmark, not a test): the
quick profile's own recipes, timed under fp32 (what every unit uses) and under bf16 autocast, alternately
``--repeats`` times on random images of the units' sizes (speed does not depend on the pixels):

* ``fit``: sCOLA's step II (quick :class:`~colalib.cola.SCOLAConfig`: its generator, codes and Laplacian loss) for
  ``--epochs`` epochs on 500 images, CIFAR-10's 50 per class;
* ``cluster``: MMDC (quick :class:`~colalib.clustering.MMDCConfig`: the width-16 ResNet-18, assignment and RotNet
  epochs) for ``--epochs`` epochs on 2,000 images, notebook 02's subsets;
* ``arm``: the ResNet-20 classifier recipe, ``--steps`` steps of batch 128.

Prints images/s per kind and precision (the median over repeats) and the speed-up, and writes
``benchmarks/results/precision/precision.csv`` and its ``run.json``. Whether bf16 keeps a unit's *results* is a
separate, paired measurement (``compare_recipes.py``, ``compare_fid_precision.py``); this prints only speed.

    python benchmarks/bench_precision.py                # 1 thread, 3 repeats
    python benchmarks/bench_precision.py --kinds fit cluster --repeats 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import benchmark_run, classifier_images_per_second, save_record  # noqa: E402

from colalib.clustering import MMDC, MMDCConfig  # noqa: E402
from colalib.cola import SCOLA, SCOLAConfig  # noqa: E402
from colalib.utils import PRECISIONS, cpu_features, device_description, get_device, precision_context  # noqa: E402

KINDS = ("fit", "cluster", "arm")


def random_images(n: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8), np.arange(n) % classes


def fit_images_per_second(precision: str, device: torch.device, epochs: int) -> float:
    """sCOLA's step II at the quick recipe, 500 images (CIFAR-10, 50 per class)."""
    images, labels = random_images(500, 10)
    model = SCOLA(SCOLAConfig.for_profile("quick", epochs=epochs), device=device, progress=False)
    with precision_context(precision, device):
        model.fit(images, labels, num_classes=10)
    return model.images_per_second_


def cluster_images_per_second(precision: str, device: torch.device, epochs: int) -> float:
    """MMDC at the quick recipe on notebook 02's 2,000 images: images per second of whole epochs."""
    images, _ = random_images(2000, 10)
    model = MMDC(MMDCConfig.for_profile("quick", epochs=epochs), device=device, progress=False)
    with precision_context(precision, device):
        model.fit(images)
    return epochs * len(images) / model.train_seconds_


def arm_images_per_second(precision: str, device: torch.device, steps: int) -> float:
    return classifier_images_per_second("resnet20", device, steps, precision=precision)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a fill's worker: 1)")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2, help="epochs of each fit and MMDC timing")
    parser.add_argument("--steps", type=int, default=20, help="classifier steps of each timing")
    args = parser.parse_args()
    if args.repeats < 1 or args.epochs < 1 or args.steps < 1:
        parser.error("--repeats, --epochs and --steps must be at least 1")
    torch.set_num_threads(args.threads)
    device = get_device(args.device)
    timers = {
        "fit": lambda p: fit_images_per_second(p, device, args.epochs),
        "cluster": lambda p: cluster_images_per_second(p, device, args.epochs),
        "arm": lambda p: arm_images_per_second(p, device, args.steps),
    }
    run = benchmark_run("precision", "quick", vars(args))
    features = cpu_features()
    print(f"device: {device_description(device)}, {args.threads} thread(s); {features}")
    rows = []
    for kind in args.kinds:
        timers[kind]("fp32")  # warm-up (allocator, kernels), not timed
        speeds: dict[str, list[float]] = {p: [] for p in PRECISIONS}
        for _ in range(args.repeats):  # alternate, so that drift in the machine's load hits both alike
            for precision in PRECISIONS:
                speeds[precision].append(timers[kind](precision))
        fp32, bf16 = (statistics.median(speeds[p]) for p in PRECISIONS)
        rows.append(
            {
                "kind": kind,
                "fp32_images_per_second": round(fp32, 1),
                "bf16_images_per_second": round(bf16, 1),
                "speedup": round(bf16 / fp32, 3),
                "repeats": args.repeats,
                "fp32_runs": " ".join(f"{v:.1f}" for v in speeds["fp32"]),
                "bf16_runs": " ".join(f"{v:.1f}" for v in speeds["bf16"]),
            }
        )
        print(
            f"{kind:8s} fp32 {fp32:8.1f} images/s   bf16 {bf16:8.1f} images/s   speed-up x{bf16 / fp32:.2f} "
            f"(median of {args.repeats})"
        )
    save_record(run, rows, "precision", device=device_description(device), **features)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
