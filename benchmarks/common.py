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
from colalib.runner import NotebookRun  # noqa: E402

# a benchmark's record (its table and run.json) lives beside the benchmarks, not under results/, which holds the
# notebooks' runs (each with its verdict table against the thesis)
BENCHMARK_RESULTS = Path(__file__).resolve().parent / "results"


def benchmark_run(name: str, profile: str, params: dict) -> NotebookRun:
    """The provenance record of one benchmark run, written to ``benchmarks/results/<name>/``."""
    return NotebookRun(name, profile, params, figures_dir=BENCHMARK_RESULTS, results_dir=BENCHMARK_RESULTS)


def save_record(run: NotebookRun, rows: list[dict], stem: str, **notes) -> dict:
    """Save a benchmark's table ``<stem>.csv`` and its ``run.json`` (with ``notes``); returns the record."""
    run.save_table(rows, stem)
    run.note(**notes)
    return run.finish()


def peak_memory_mb(device: torch.device) -> float:
    """CUDA: peak allocated memory; CPU: maximum resident set size of this process (MiB)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def classifier_images_per_second(arch: str, device: torch.device, iters: int, precision: str = "fp32") -> float:
    """Training images/s of the classifier recipe (``arch``, batch 128, augmentation, ``precision``) on random 32x32
    images, after a short warm-up run."""
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (1280, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, 1280)
    cfg = ClassifierConfig.for_profile("smoke", arch=arch, epochs=1, iters_per_epoch=iters, precision=precision)
    train_classifier(images, labels, 10, cfg.replace(iters_per_epoch=2), device, progress=False)
    start = time.perf_counter()
    train_classifier(images, labels, 10, cfg, device, progress=False)
    return iters * cfg.batch_size / (time.perf_counter() - start)
