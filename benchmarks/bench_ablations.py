#!/usr/bin/env python
"""Throughput of the units of notebook 04 (ablations), and the quick profile's cost estimated from it.

    python benchmarks/bench_ablations.py [--threads 2] [--device cpu]

Measures, on random data at 32x32 (batch 128): sCOLA's step II with each generator of Table 4.2 (the residual ones at
the thesis's 256 channels and at the quick profile's width) and with each similarity measure of Sec. 5.3.1; the
ResNet-20 (CAS) and ResNet-32 (trained perceptual network) classifier recipe; the stacked k-means initialisation on
500 images; Inception features for FID. Then multiplies by the quick profile's work (AblationExperimentConfig).
A benchmark, not a test: the numbers depend on the machine and on what else runs on it (on a busy 2-core CPU, two
threads can be several times slower than one: compare --threads 1 and 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import classifier_images_per_second  # noqa: E402

from colalib.experiments import AblationExperimentConfig  # noqa: E402
from colalib.latent import optimise_latent, project_codes  # noqa: E402
from colalib.losses import L1Loss, LaplacianPyramidLoss, build_loss, perceptual_resnet32  # noqa: E402
from colalib.models import build_generator, count_parameters  # noqa: E402
from colalib.utils import device_description, get_device  # noqa: E402


def step2_rate(arch: str, width: int, loss: torch.nn.Module, device: torch.device, n: int = 256) -> float:
    images = torch.rand(n, 3, 32, 32, device=device) * 2 - 1
    labels = torch.randint(0, 10, (n,), device=device)
    codes = project_codes(torch.randn(n, 74), 10)
    g = build_generator(arch, 74, 32, num_classes=10, width=width)
    if device.type == "cpu":
        g = g.to(memory_format=torch.channels_last)
    kw = dict(
        labels=labels if arch == "cgan_res" else None,
        batch_size=128,
        progress=False,
        project=lambda z: project_codes(z, 10),
    )
    loss = loss.to(device)
    optimise_latent(g, images[:128], codes[:128], loss, epochs=1, **kw)  # warm-up
    return optimise_latent(g, images, codes, loss, epochs=1, **kw).images_per_second


def classifier_rate(arch: str, device: torch.device, iters: int = 6) -> float:
    return classifier_images_per_second(arch, device, iters)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = get_device(args.device)
    exp = AblationExperimentConfig.for_profile("quick")
    print(f"device: {device_description(device)}")
    rates = {}
    for arch, width in (
        ("infogan", 0),
        ("dcgan_res", exp.generator_width),
        ("cgan_res", exp.generator_width),
        ("cgan_res", 0),
    ):
        r = step2_rate(arch, width, LaplacianPyramidLoss(), device, n=256 if width or arch == "infogan" else 128)
        rates[(arch, width)] = r
        params = count_parameters(build_generator(arch, 74, 32, 10, width=width))
        print(
            f"step II {arch:9s} width {width or 'thesis':>6} ({params / 1e6:5.2f}M) Laplacian: {r:7.0f} images/s",
            flush=True,
        )
    for name, loss in (
        ("l1", L1Loss()),
        ("resnet32 perceptual", build_loss("perceptual_net", net=perceptual_resnet32("resnet32_random"))),
    ):
        rates[name] = step2_rate("infogan", 0, loss, device, n=256)
        print(f"step II infogan, {name:20s}: {rates[name]:7.0f} images/s", flush=True)
    for arch in ("resnet20", "resnet32"):
        rates[arch] = classifier_rate(arch, device)
        print(f"classifier {arch} training: {rates[arch]:7.0f} images/s", flush=True)
    images = np.random.default_rng(0).integers(0, 256, (500, 32, 32, 3), dtype=np.uint8)
    start = time.perf_counter()
    perceptual_resnet32("resnet32_kmeans", images, seed=0)
    rates["kmeans_s"] = time.perf_counter() - start
    print(f"stacked k-means initialisation of ResNet-32 on 500 images: {rates['kmeans_s']:.1f} s", flush=True)
    try:
        from colalib.metrics import frechet_distance, inception_features

        inception_features(images[:10], device=device, progress=False)
        start = time.perf_counter()
        feats = inception_features(images[:100], device=device, progress=False)
        rates["inception"] = 100 / (time.perf_counter() - start)
        start = time.perf_counter()
        frechet_distance((feats.mean(0), np.cov(feats, rowvar=False)), (feats.mean(0) + 1, np.cov(feats, rowvar=False)))
        rates["frechet_s"] = time.perf_counter() - start
        print(
            f"Inception features: {rates['inception']:.1f} images/s; Frechet distance (2048-d): "
            f"{rates['frechet_s']:.1f} s",
            flush=True,
        )
    except FileNotFoundError as err:
        print(f"FID not measured: {err}")
        rates["inception"], rates["frechet_s"] = 11.5, 15.0

    # the quick profile's work
    n_sim = exp.similarity_per_class * 10
    epochs = exp.scola_epochs
    clf_imgs = exp.classifier_config(0).total_iterations * 128
    test_eval_s = 10_000 / (3 * rates["resnet20"])  # forward only, about a third of a training step
    est = {
        "sCOLA InfoGAN (Laplacian; shared by both ablations)": epochs * n_sim / rates[("infogan", 0)],
        "sCOLA DCGAN-res + CGAN-res": epochs
        * exp.arch_per_class
        * 10
        * (1 / rates[("dcgan_res", exp.generator_width)] + 1 / rates[("cgan_res", exp.generator_width)]),
        "sCOLA L1": epochs * n_sim / rates["l1"],
        "sCOLA x3 ResNet-32 perceptual": 3 * epochs * n_sim / rates["resnet32 perceptual"],
        "trained ResNet-32 + k-means init": clf_imgs / rates["resnet32"] + rates["kmeans_s"],
        "CAS x8 (3 generators, Real, 4 more measures)": 7 * (clf_imgs / rates["resnet20"] + test_eval_s)
        + clf_imgs / rates["resnet20"]
        + test_eval_s,
        "FID x3 (+ real statistics)": (3 * exp.n_fid + (exp.n_real_fid or 10_000)) / rates["inception"]
        + 3 * rates["frechet_s"],
    }
    print("\nquick profile, estimated seconds when nothing is cached:")
    for k, v in est.items():
        print(f"  {k:52s} {v:7.0f}")
    print(f"  {'total (plus about a minute of loading, sampling, plots)':52s} {sum(est.values()):7.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
