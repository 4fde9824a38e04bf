"""Units as objects (colalib.experiments.graph): a plan holds each unit once whatever key it comes with, the
dependencies follow the unit that is kept, and a study's results are computed only when its rows read them."""

from __future__ import annotations

import pytest

from colalib.cache import ArtifactCache
from colalib.experiments.graph import Results, Unit, plan, run_study

CALLS: list[str] = []


def square(x: int, cache=None, device=None, progress=False) -> int:
    """A run step for the tests: records that it ran."""
    CALLS.append(f"square({x})")
    return x * x


def add(x: int, y: int, cache=None, device=None, progress=False) -> int:
    CALLS.append(f"add({x},{y})")
    return x + y


def test_a_unit_declared_twice_is_planned_once_and_its_dependants_follow_it():
    first, again = Unit("fit/a", square, {"x": 3}, rank=0), Unit("fit/b", square, {"x": 3}, rank=0)  # same unit
    scored = Unit("score/b", add, {"x": 1, "y": 2}, (again,))
    other = Unit("fit/c", square, {"x": 4}, rank=-1)  # slower: starts first
    plain = Unit("real/d", square, {"x": 5})  # waits for none, but is no training unit
    tasks = plan([plain, other, first, scored])
    assert [t.key for t in tasks] == ["fit/c", "fit/a", "real/d", "score/b"]
    assert tasks[-1].deps == ("fit/a",) and len({t.identity for t in tasks}) == 4


def test_a_unit_declared_twice_waits_for_the_dependencies_of_both_declarations():
    step_i = Unit("mmdc", square, {"x": 2}, rank=0)
    with_dep, without = Unit("fit/cola", add, {"x": 1, "y": 1}, (step_i,)), Unit("fit/x", add, {"x": 1, "y": 1})
    tasks = plan([without, with_dep])
    assert [(t.key, t.deps) for t in tasks] == [("mmdc", ()), ("fit/x", ("mmdc",))]


def test_keyed_on_makes_two_units_that_differ_only_outside_their_cache_key_one():
    a = Unit("a", square, {"x": 3}, keyed_on={"x": 3})
    b = Unit("b", square, {"x": 3, "note": "sampling only"}, keyed_on={"x": 3})
    c = Unit("c", add, {"x": 3, "y": 0}, keyed_on={"x": 3})
    assert a.identity == b.identity != c.identity  # the run step is part of what a unit computes


def test_results_compute_only_what_the_rows_read(tmp_path):
    CALLS.clear()
    units = {"four": Unit("s4", square, {"x": 4}), "five": Unit("s5", square, {"x": 5})}
    results = Results(units, ArtifactCache(tmp_path), progress=False)
    assert "five" in results and CALLS == []  # membership reads nothing
    assert results["four"] == 16 and results["four"] == 16 and CALLS == ["square(4)"]  # computed once, kept
    assert set(results.seconds) == {"four"} and len(results) == 2


def test_run_study_hands_the_rows_the_results_of_the_declared_units(tmp_path):
    def units(n: int) -> dict:
        return {("sq", i): Unit(f"sq/{i}", square, {"x": i}) for i in range(n)}

    def rows(n: int, results, scale: int = 1) -> list[int]:
        return [scale * results["sq", i] for i in range(n)]

    assert run_study(units, rows, 3, ArtifactCache(tmp_path), progress=False, scale=2) == [0, 2, 8]
    with pytest.raises(ValueError, match="executor"):
        run_study(units, rows, 3, ArtifactCache(tmp_path), executor="slurm", progress=False)
