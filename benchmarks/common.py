"""Helpers shared by the benchmark scripts (timing of the classifier recipe, peak memory)."""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from colalib.classification import ClassifierConfig, train_classifier  # noqa: E402


def peak_memory_mb(device: torch.device) -> float:
    """CUDA: peak allocated memory; CPU: maximum resident set size of this process (MiB)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def classifier_images_per_second(arch: str, device: torch.device, iters: int) -> float:
    """Training images/s of the classifier recipe (``arch``, batch 128, augmentation) on random 32x32 images,
    after a short warm-up run."""
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (1280, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 1280)
    cfg = ClassifierConfig.for_profile("smoke", arch=arch, epochs=1, iters_per_epoch=iters)
    train_classifier(images, labels, 10, cfg.replace(iters_per_epoch=2), device, progress=False)
    start = time.perf_counter()
    train_classifier(images, labels, 10, cfg, device, progress=False)
    return iters * cfg.batch_size / (time.perf_counter() - start)
