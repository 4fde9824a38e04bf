#!/usr/bin/env python
"""Training throughput of the CGAN-PD baseline (colalib.gan) at the widths of its profiles.

    python benchmarks/bench_gan.py [--device cpu|cuda] [--threads 1] [--repeats 2] [--profiles quick paper]

For each profile (``quick``: ngf = ndf = 32, batch 32; ``paper``: Mimicry's ngf 256, ndf 128, batch 64; both with
n_dis = 5) it times one generator step and one discriminator step of the estimator's own training code (32x32,
10 classes, random images), and prints the time of one training step (1 generator + n_dis discriminator steps),
generator steps/s, real images/s (seen by the discriminator) and the estimated time of the profile's full run.
A benchmark, not a test: numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_memory_mb  # noqa: E402

from colalib.gan import CGANPD, BatchStream, GANConfig  # noqa: E402
from colalib.models import count_parameters  # noqa: E402
from colalib.utils import device_description, get_device  # noqa: E402


def _timed(fn, repeats: int) -> float:
    fn()  # warm-up (kernel / oneDNN primitive selection)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def bench_profile(profile: str, device: torch.device, repeats: int, num_classes: int = 10) -> dict:
    """Seconds per generator step and per discriminator step at ``profile``'s widths and batch size."""
    cfg = GANConfig.for_profile(profile)
    model = CGANPD(cfg, device=device, progress=False)
    model._build(num_classes, 32)
    model.generator.train(), model.discriminator.train()
    opt_g = torch.optim.Adam(model.generator.parameters(), cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
    opt_d = torch.optim.Adam(model.discriminator.parameters(), cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
    noise = torch.Generator(device=device).manual_seed(0)
    real_x = torch.rand(10 * num_classes, 3, 32, 32, device=device) * 2 - 1
    real_y = torch.arange(10 * num_classes, device=device) % num_classes
    stream = BatchStream(len(real_x), cfg.batch_size, torch.Generator().manual_seed(0))

    def d_step() -> None:
        idx = stream.next().to(device)
        model._discriminator_step(opt_d, real_x[idx], real_y[idx], noise)

    t_g = _timed(lambda: model._generator_step(opt_g, noise), repeats)
    t_d = _timed(d_step, repeats)
    t_step = t_g + cfg.n_dis * t_d
    return {
        "profile": profile,
        "ngf": cfg.ngf,
        "ndf": cfg.ndf,
        "batch": cfg.batch_size,
        "n_dis": cfg.n_dis,
        "G params": count_parameters(model.generator),
        "D params": count_parameters(model.discriminator),
        "s/G step": t_g,
        "s/D step": t_d,
        "s/train step": t_step,
        "G steps/s": 1 / t_step,
        "real images/s": cfg.n_dis * cfg.batch_size / t_step,
        "full run h": cfg.num_steps * t_step / 3600,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--profiles", nargs="*", default=["quick", "paper"])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = get_device(args.device)
    print(f"device: {device_description(device)}")
    for profile in args.profiles:
        r = bench_profile(profile, device, args.repeats)
        print(
            f"CGAN-PD {r['profile']:5s} ngf {r['ngf']:3d} ndf {r['ndf']:3d} batch {r['batch']:2d} n_dis {r['n_dis']} "
            f"(G {r['G params'] / 1e6:.2f}M, D {r['D params'] / 1e6:.2f}M params): "
            f"G step {r['s/G step']:.3f} s, D step {r['s/D step']:.3f} s -> {r['G steps/s']:.3f} G steps/s, "
            f"{r['real images/s']:.0f} real images/s; full profile run ({GANConfig.for_profile(profile).num_steps} "
            f"G steps) ~{r['full run h']:.2f} h   peak memory {peak_memory_mb(device):.0f} MiB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
