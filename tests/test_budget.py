"""The budget benchmark's schedule: the local executor's order (plan order, a unit after its dependencies)."""

import importlib.util
from pathlib import Path

from colalib.experiments.executors import Task

BUDGET = Path(__file__).resolve().parents[1] / "benchmarks" / "budget.py"
_spec = importlib.util.spec_from_file_location("budget", BUDGET)
budget = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(budget)


def _noop() -> None:
    return None


def _tasks(*specs: tuple[str, tuple[str, ...]]) -> list[Task]:
    return [Task(key, _noop, {}, deps) for key, deps in specs]


def test_independent_units_share_the_workers():
    tasks = _tasks(("a", ()), ("b", ()), ("c", ()), ("d", ()))
    assert budget.scheduled_wall_seconds(tasks, dict(a=10, b=10, c=10, d=10), workers=2) == 20
    assert budget.scheduled_wall_seconds(tasks, dict(a=10, b=10, c=10, d=10), workers=1) == 40


def test_a_dependent_waits_for_its_dependency_while_a_later_unit_runs():
    tasks = _tasks(("fit", ()), ("arm", ("fit",)), ("other", ()))
    # worker 1: fit 0-30, arm 30-35; worker 2: other 0-5 (the arm is not ready at 0 nor at 5)
    assert budget.scheduled_wall_seconds(tasks, dict(fit=30, arm=5, other=5), workers=2) == 35


def test_a_chain_takes_the_sum_of_its_units():
    tasks = _tasks(("a", ()), ("b", ("a",)), ("c", ("b",)))
    assert budget.scheduled_wall_seconds(tasks, dict(a=1, b=2, c=3), workers=2) == 6


def test_unmeasured_units_cost_nothing():
    assert budget.scheduled_wall_seconds(_tasks(("a", ()), ("b", ())), {"a": 7}, workers=2) == 7


def test_the_priced_runs_are_those_make_figures_runs():
    # notebook 05 on CIFAR-100 is an extra run of the default pass only (run_notebooks.py adds none with SEEDS)
    assert ("05", "cifar100") in budget.thesis_runs(None)
    assert ("05", "cifar100") not in budget.thesis_runs((0,))
    assert [n for n, d in budget.thesis_runs((0,))] == list(budget.GROUPS["figures"])


def test_a_unit_two_notebooks_share_is_priced_once_in_make_figures_order(monkeypatch):
    # notebook 05 reuses notebook 03's sCOLA fits: the run that computes a unit first pays for it, later runs get it
    # from the cache, whatever key each plan gives it
    calls = {}

    def plan(notebook, profile, dataset, seeds):
        shared = Task("fit-" + notebook, _noop, {}, (), identity="scola-fit")
        own = Task("arm-" + notebook, _noop, {}, ("fit-" + notebook,), identity="arm-" + notebook)
        calls[notebook] = calls.get(notebook, 0) + 1
        return [shared, own]

    monkeypatch.setattr(budget, "thesis_runs", lambda seeds: [("03", None), ("05", None)])
    monkeypatch.setattr(budget, "notebook_plan", plan)
    rows = budget.price_runs(None, workers=2, seconds={"fit-03": 100.0, "arm-03": 10.0, "arm-05": 20.0})
    assert [r["shared"] for r in rows] == [0, 1]
    assert [round(r["worker_hours"] * 3600) for r in rows] == [110, 20]
    assert [round(r["wall_hours"] * 3600) for r in rows] == [110, 20]
    assert [r["unmeasured"] for r in rows] == [0, 0]
