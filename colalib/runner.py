"""Notebook run bookkeeping: where a notebook's figures and tables go, and its ``run.json``.

Each numbered notebook opens one :class:`NotebookRun`::

    run = NotebookRun("03_generation", profile=PROFILE, params=dict(dataset=DATASET, seeds=SEEDS))
    run.save_table(rows, "fid_cas")          # results/03_generation/fid_cas.csv
    run.save_figure(fig, "fig4_5_fid_cas")   # figures/03_generation/fig4_5_fid_cas.png and .pdf
    run.finish()                             # results/03_generation/run.json

``run.json`` records the profile, parameters, seeds, git commit, package versions, device and wall
time, so every committed number can be traced to the code and settings that produced it.
"""
from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

from .cache import ArtifactCache, atomic_write_bytes, atomic_write_json, atomic_write_text
from .config import DEFAULT_PROFILE, check_profile
from .tables import rows_to_csv
from .utils import REPO_ROOT, device_description, git_commit, package_versions


def markdown_table(rows: Iterable[Mapping[str, Any]], floatfmt: str = ".2f") -> str:
    """A Markdown table of a list of dicts, for display in notebooks."""
    rows = list(rows)
    if not rows:
        return "(empty table)"
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]

    def cell(v: Any) -> str:
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


OUTPUT_KINDS: tuple[str, ...] = ("figures", "results")


def output_dir_variable(kind: str) -> str:
    """The environment variable that moves the root of a notebook run's ``kind`` ("figures" or "results")."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"kind must be 'figures' or 'results', got {kind!r}")
    return f"COLA_{kind.upper()}_DIR"


def output_dir(kind: str, name: str, profile: str, root: str | Path | None = None) -> Path:
    """Where a notebook run writes its ``kind`` ("figures" or "results"): ``root`` (default the folder named by
    :func:`output_dir_variable`, ``$COLA_FIGURES_DIR`` / ``$COLA_RESULTS_DIR``, else the repository's folder) / the
    notebook's name, with ``_<profile>`` appended outside the quick profile (quick results are the default ones)."""
    base = Path(root or os.environ.get(output_dir_variable(kind), REPO_ROOT / kind))
    return base / (name if profile == DEFAULT_PROFILE else f"{name}_{profile}")


def figure_title(fig: Any, limit: int = 200) -> str:
    """A figure's title in words: its suptitle, else its panels' titles joined by " | " (at most ``limit``
    characters; empty when it has none)."""
    text = fig.get_suptitle().strip()  # matplotlib >= 3.8
    if not text:
        text = " | ".join(t for t in (ax.get_title().strip() for ax in fig.get_axes()) if t)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class NotebookRun:
    """Output folders and provenance record of one notebook execution."""

    def __init__(self, name: str, profile: str, params: Mapping[str, Any] | None = None,
                 figures_dir: str | Path | None = None, results_dir: str | Path | None = None,
                 cache_dir: str | Path | None = None):
        self.name = name
        self.profile = check_profile(profile)
        self.params = dict(params or {})
        self.figures_dir = output_dir("figures", name, self.profile, figures_dir)
        self.results_dir = output_dir("results", name, self.profile, results_dir)
        self.cache = ArtifactCache(cache_dir)
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.outputs: list[str] = []
        self.notes: dict[str, Any] = {}
        self._start = time.time()

    def save_table(self, rows: Iterable[Mapping[str, Any]], stem: str) -> Path:
        path = atomic_write_text(self.results_dir / f"{stem}.csv", rows_to_csv(rows))
        self.outputs.append(str(path.relative_to(path.parents[2])) if len(path.parents) > 2 else str(path))
        return path

    def save_figure(self, fig: Any, stem: str, formats: tuple[str, ...] = ("png", "pdf")) -> list[Path]:
        """Save a matplotlib figure as ``figures/<notebook>/<stem>.png`` and ``.pdf`` (atomically)."""
        paths = []
        title, creator, source = figure_title(fig), f"colalib {self.name} ({self.profile})", git_commit()
        for fmt in formats:
            buffer = io.BytesIO()
            # the figure's title, notebook, profile and commit travel with the file (figures/INDEX.md reads them)
            metadata = ({"Title": title, "Creator": creator, "Source": source} if fmt == "png" else
                        {"Title": title, "Creator": creator, "Subject": source} if fmt == "pdf" else None)
            fig.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
            paths.append(atomic_write_bytes(self.figures_dir / f"{stem}.{fmt}", buffer.getvalue()))
        self.outputs += [str(p) for p in paths]
        return paths

    def note(self, **entries: Any) -> None:
        """Record extra facts in run.json (e.g. which FID weights were used, sample sizes)."""
        self.notes.update(entries)

    def record(self) -> dict[str, Any]:
        return {
            "notebook": self.name,
            "profile": self.profile,
            "params": self.params,
            "seeds": self.params.get("seeds", self.params.get("seed")),
            "git_commit": git_commit(),
            "packages": package_versions(),
            "device": device_description(),
            "wall_time_s": round(time.time() - self._start, 1),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "notes": self.notes,
        }

    def finish(self) -> dict[str, Any]:
        record = self.record()
        atomic_write_json(self.results_dir / "run.json", record)
        return record
