#!/usr/bin/env python
"""Training throughput of sCOLA's step II (generator + codes + Laplacian loss) and of the ResNet-20 classifier.

    python benchmarks/bench_scola.py [--device cpu|cuda] [--threads 2] [--steps 20]

Prints images/s for each generator of thesis Table 4.2 (batch 128, 32x32, K = 10, d = 64) and for the ResNet-20
classifier recipe, and the peak memory (CPU: max resident set size of the process; CUDA: peak allocated).
A benchmark, not a test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import classifier_images_per_second, peak_memory_mb  # noqa: E402

from colalib.latent import optimise_latent, project_codes  # noqa: E402
from colalib.losses import LaplacianPyramidLoss  # noqa: E402
from colalib.models import GENERATORS, build_generator  # noqa: E402
from colalib.utils import device_description, get_device  # noqa: E402


def bench_generator(arch: str, device: torch.device, steps: int, batch: int = 128) -> float:
    n = steps * batch
    images = torch.rand(n, 3, 32, 32, device=device) * 2 - 1
    labels = torch.randint(0, 10, (n,), device=device)
    codes = project_codes(torch.randn(n, 74), 10)
    g = build_generator(arch, 74, 32, num_classes=10)
    if device.type == "cpu":
        g = g.to(memory_format=torch.channels_last)
    kwargs = dict(
        labels=labels if arch == "cgan_res" else None,
        batch_size=batch,
        progress=False,
        project=lambda z: project_codes(z, 10),
    )
    optimise_latent(g, images[: 2 * batch], codes[: 2 * batch], LaplacianPyramidLoss().to(device), epochs=1, **kwargs)
    return optimise_latent(g, images, codes, LaplacianPyramidLoss().to(device), epochs=2, **kwargs).images_per_second


def bench_classifier(device: torch.device, steps: int) -> float:
    return classifier_images_per_second("resnet20", device, steps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = get_device(args.device)
    print(f"device: {device_description(device)}")
    for arch in GENERATORS:
        ips = bench_generator(arch, device, args.steps)
        print(
            f"sCOLA step II, {arch:10s} + Laplacian loss, batch 128: {ips:8.0f} images/s   "
            f"peak memory {peak_memory_mb(device):.0f} MiB"
        )
    print(
        f"ResNet-20 classifier training, batch 128:        {bench_classifier(device, args.steps):8.0f} images/s   "
        f"peak memory {peak_memory_mb(device):.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
