"""The local executor runs ready units in plan order with at most ``workers`` in flight, so that a dependent of a
finished unit runs before later independent units (a plan sorted by priority fills in that order)."""

from __future__ import annotations

from pathlib import Path

from colalib.experiments.executors import Task, fill


def append_line(path: str, text: str) -> None:
    """A unit that records when it ran (one line appended to ``path``)."""
    with open(path, "a") as f:
        f.write(text + "\n")


def test_dependent_runs_before_later_independent_units(tmp_path: Path) -> None:
    log = str(tmp_path / "order.txt")
    tasks = [
        Task("fit/a", append_line, {"path": log, "text": "fit/a"}),
        Task("fid/a", append_line, {"path": log, "text": "fid/a"}, deps=("fit/a",)),
    ]
    tasks += [Task(f"fit/{i}", append_line, {"path": log, "text": f"fit/{i}"}) for i in range(4)]
    fill(tasks, "local", workers=1, progress=False)
    order = Path(log).read_text().split()
    assert order == ["fit/a", "fid/a", "fit/0", "fit/1", "fit/2", "fit/3"], order
