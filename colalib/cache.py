"""Artifact cache keyed by configuration hash, with atomic writes.

Trained models and metrics are stored under ``COLA_CACHE_DIR`` (default ``<repo>/.cache``, git
ignored) as ``<namespace>/<config key>.<ext>``. Every write goes to a temporary file in the same
folder followed by ``os.replace``, so a killed run never leaves a half-written file behind and a
rerun of ``make figures`` reuses every finished unit of work::

    cache = ArtifactCache()
    metrics = cache.get_or_compute("cas", cfg, lambda: run_cas(cfg))            # JSON
    state = cache.get_or_compute("scola", cfg, lambda: fit(cfg), kind="torch")  # torch.save
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import torch

from .config import config_key
from .utils import REPO_ROOT


def default_cache_dir() -> Path:
    return Path(os.environ.get("COLA_CACHE_DIR", REPO_ROOT / ".cache"))


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


class ArtifactCache:
    """Stores results of expensive computations by ``(namespace, config key)``."""

    def __init__(self, root: str | Path | None = None, enabled: bool = True):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.enabled = enabled

    def path(self, namespace: str, config: Any, kind: str = "json") -> Path:
        key = config.key() if hasattr(config, "key") else config_key(config)
        ext = {"json": "json", "torch": "pt"}[kind]
        return self.root / namespace / f"{key}.{ext}"

    def load(self, namespace: str, config: Any, kind: str = "json") -> Any | None:
        path = self.path(namespace, config, kind)
        if not (self.enabled and path.exists()):
            return None
        if kind == "json":
            return json.loads(path.read_text())
        return torch.load(path, map_location="cpu", weights_only=False)

    def save(self, namespace: str, config: Any, value: Any, kind: str = "json") -> Path:
        path = self.path(namespace, config, kind)
        if kind == "json":
            return atomic_write_json(path, value)
        return atomic_torch_save(value, path)

    def get_or_compute(self, namespace: str, config: Any, compute: Callable[[], Any],
                       kind: str = "json") -> Any:
        """Return the cached value for ``config``, computing and storing it first if absent."""
        cached = self.load(namespace, config, kind)
        if cached is not None:
            return cached
        value = compute()
        if self.enabled:
            self.save(namespace, config, value, kind)
        return value
