"""Result tables as CSV files: the one reader and writer of ``results/<notebook>/*.csv``, shared by the notebooks
(:class:`colalib.runner.NotebookRun`), the verdicts and the docs build. Free of torch, so that reading verdicts and
building the docs do not load it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts of strings."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def rows_to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text of a list of dicts (columns in first-seen order)."""
    rows = list(rows)
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _fmt(v) for k, v in row.items()})
    return buffer.getvalue()


def _fmt(value: Any) -> Any:
    """A float as its shortest round-trip text: a saved table is a lossless record, so that a verdict recomputed from
    it (:func:`colalib.verdicts.claims_from_results`) equals the notebook's, digit for digit; rounding is for display
    (:func:`colalib.runner.markdown_table`, the figures)."""
    if isinstance(value, (float, np.floating)):
        return repr(float(value))  # float(): numpy scalars' repr names their type; float32 gets float64's text
    return value
