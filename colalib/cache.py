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
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

try:  # POSIX advisory locks; elsewhere units are not claimed (two processes may then compute one unit twice)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

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


def json_text(obj: Any) -> str:
    """``obj`` as the cache and the result files store it: keys sorted, indented, non-JSON values as strings."""
    return json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n"


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_text(path, json_text(obj))


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return atomic_write_bytes(path, buffer.getvalue())


_SAVED_IN_THIS_PROCESS = 0


def saved_in_this_process() -> int:
    """How many artifacts this process has written to any cache: a unit that ran and saved nothing came from the
    cache (:func:`colalib.experiments.executors.run_task` reports whether a task computed anything)."""
    return _SAVED_IN_THIS_PROCESS


def _count_save() -> None:
    global _SAVED_IN_THIS_PROCESS
    _SAVED_IN_THIS_PROCESS += 1


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
        if kind == "json":
            return self._save_json_text(namespace, config, json_text(value))
        _count_save()
        return atomic_torch_save(value, self.path(namespace, config, kind))

    def _save_json_text(self, namespace: str, config: Any, text: str) -> Path:
        _count_save()
        return atomic_write_text(self.path(namespace, config, "json"), text)

    @contextmanager
    def claim(self, namespace: str, config: Any, kind: str = "json") -> Iterator[None]:
        """Exclusive claim on one unit while it is computed: an advisory ``flock`` on ``<unit>.lock``. A second
        process asking for the same unit waits, then finds it cached; a killed process's claim is released by the
        kernel, so only its unfinished unit is lost. Lock files live under ``<cache>/.locks/``."""
        if not self.enabled or fcntl is None:
            yield
            return
        path = self.path(namespace, config, kind)
        lock = self.root / ".locks" / namespace / (path.name + ".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def get_or_compute(self, namespace: str, config: Any, compute: Callable[[], Any],
                       kind: str = "json") -> Any:
        """Return the cached value for ``config``, computing and storing it first if absent (under
        :meth:`claim`, so that parallel processes never compute one unit twice at the same time). A ``json`` value
        is returned as stored (keys sorted, tuples as lists, ...), so that a run that computes a unit and one that
        finds it cached build the same tables, columns in the same order."""
        cached = self.load(namespace, config, kind)
        if cached is not None:
            return cached
        with self.claim(namespace, config, kind):
            cached = self.load(namespace, config, kind)  # computed by another process while we waited
            if cached is not None:
                return cached
            value = compute()
            if kind != "json":
                if self.enabled:
                    self.save(namespace, config, value, kind)
                return value
            text = json_text(value)  # serialised once: stored, and read back as a cached run reads it
            if self.enabled:
                self._save_json_text(namespace, config, text)
        return json.loads(text)
