"""Small shared helpers: seeding, devices, threads, provenance (git commit, package versions)."""
from __future__ import annotations

import contextlib
import functools
import os
import platform
import random
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent

TRACKED_PACKAGES = (
    "torch", "torchvision", "numpy", "scipy", "scikit-learn", "matplotlib",
    "pytorch-fid", "papermill", "nbconvert", "tqdm",
)


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (CPU and CUDA) so that a run is repeatable."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


PRECISIONS = ("fp32", "bf16")


def precision_context(precision: str, device: torch.device | str) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on ``device`` for ``precision="bf16"``, nothing for ``"fp32"``: the one switch behind every
    bf16 candidate (the classifier recipe, Inception's features, ``benchmarks/bench_precision.py``)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)


def get_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on: the one asked for, else CUDA when present, else the CPU."""
    if device is not None:
        return torch.device(device)
    env = os.environ.get("COLA_DEVICE")
    if env:
        return torch.device(env)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def set_num_threads(n: int | None = None) -> int:
    """Use ``n`` intra-op threads (default: ``COLA_THREADS`` or every core). Returns the number set."""
    if n is None:
        n = int(os.environ.get("COLA_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(max(1, n))
    return torch.get_num_threads()


# what runs write themselves: notebooks (tables, figures, executed copies) and benchmarks (benchmarks/results/)
RUN_OUTPUTS: tuple[str, ...] = ("results/", "figures/", "executed/", "notebooks/executed/", "benchmarks/results/")


def git_commit(repo: Path = REPO_ROOT) -> str:
    """The current commit, with ``-dirty`` when tracked *code* differs from it: changes under :data:`RUN_OUTPUTS`
    (the tables and figures a notebook run writes itself) do not count."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                             text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                                capture_output=True, text=True, check=True).stdout.splitlines()
        dirty = [line[3:] for line in status if not line[3:].startswith(RUN_OUTPUTS)]
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape the results (``missing`` when absent)."""
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def device_description(device: torch.device | None = None) -> str:
    """Human-readable name of the device results were computed on. On the CPU it names the instruction set torch's
    kernels dispatch to (``torch.backends.cpu.get_cpu_capability()``, e.g. AVX2 or AVX512): one seed gives identical
    results on one machine, but float sums in another kernel order differ, so accuracies recomputed on a host with
    another capability differ by up to a few points (recorded in docs/known_gaps.md)."""
    device = get_device(device)
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    features = cpu_features()
    model = features.get("cpu_model") or platform.processor() or platform.machine()
    flags = "".join(f" {flag}" for flag in features.get("bf16_flags", []))
    return f"cpu:{model} {torch.backends.cpu.get_cpu_capability()}{flags} x{torch.get_num_threads()} threads"


BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "amx_tile", "avx512_fp16"})


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict:
    """The CPU's model and the bf16 instructions it offers (``/proc/cpuinfo``; empty elsewhere): whether bf16 autocast
    pays depends on the host (AVX512-BF16 alone, or AMX tiles; ``benchmarks/bench_precision.py``), so every record
    names them. Read once per file and process."""
    found = _read_cpu_features(cpuinfo)
    return {"cpu_model": found[0], "bf16_flags": list(found[1])} if found else {}


@functools.lru_cache(maxsize=4)
def _read_cpu_features(cpuinfo: Path) -> tuple[str, tuple[str, ...]] | None:
    """:func:`cpu_features`' reading of ``cpuinfo`` (None when it cannot be read), cached: it does not change while
    the process runs."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return None
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    flags = set(next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), []))
    return model, tuple(sorted(flags & BF16_FLAGS))


def interactive_output() -> bool:
    """Whether progress bars have a reader: standard error is a terminal, or this runs in a Jupyter kernel. In a log
    file (a CI job, ``make figures > log``, a fill worker) a bar would only write carriage-return floods."""
    return sys.stderr.isatty() or "ipykernel" in sys.modules


def progress_bar(iterable: Any, desc: str, progress: bool = True, **kwargs: Any) -> Any:
    """A tqdm bar over ``iterable``, off when ``progress`` is False, when the environment sets ``COLA_PROGRESS=0``
    (``scripts/run_notebooks.py`` and the notebook tests do: papermill-executed notebooks then keep no bar
    residue in their outputs), or when nobody watches (:func:`interactive_output`)."""
    off = not progress or os.environ.get("COLA_PROGRESS") == "0" or not interactive_output()
    if off:  # plain tqdm: importing tqdm.auto in a kernel without ipywidgets prints a warning into the notebook
        from tqdm import tqdm as plain

        return plain(iterable, desc=desc, disable=True, **kwargs)
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, leave=False, **kwargs)


def cpu_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A module's state dict detached and on the CPU (what an estimator's ``state()`` saves)."""
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}
