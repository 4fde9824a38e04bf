"""Plans: the units of work each notebook needs, with their dependencies, filled in parallel before the notebook runs
(``make figures``; ``python -m colalib.experiments fill NN``). Each study module declares its units once
(``*_units(exp)``, :mod:`.graph`); :func:`notebook_plan` names the studies of each notebook in a profile, and
:func:`colalib.experiments.graph.plan` flattens them (a unit two studies share is planned once); :mod:`.executors`
fills the plan.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from ..toy import ToyConfig
from . import steps
from .ablations import AblationExperimentConfig, ablation_units
from .classification_study import ClassificationExperimentConfig, classification_units, table5_2_units
from .clustering_study import ClusteringExperimentConfig, clustering_units
from .executors import EXECUTORS, Task, check_plan, fill, fill_report, prefill, run_task, seconds_by_task
from .fid_inadequacy import FIDInadequacyConfig, fid_inadequacy_units
from .gap_study import gap_units, step_iii_units
from .generation_study import GenerationExperimentConfig, generation_units, t_scale_units
from .graph import Unit, plan
from .peers_study import PeersExperimentConfig, peers_units, sampler_units
from .readings import GapStudyConfig

__all__ = ["EXECUTORS", "Task", "check_plan", "fill", "fill_report", "notebook_plan", "plan", "prefill", "run_task",
           "seconds_by_task"]


def _studies(notebook: str, profile: str, over: dict) -> Iterable[Unit]:
    """The units of notebook ``notebook``'s studies in ``profile`` (``over``: its DATASET and SEEDS)."""
    dataset = over.get("dataset")

    def units(study: Callable, exp) -> Iterable[Unit]:
        return study(exp).values()

    if notebook == "02":
        yield from units(clustering_units, ClusteringExperimentConfig.for_profile(profile, **over))
    elif notebook == "03":
        exp = GenerationExperimentConfig.for_profile(profile, **over)
        for e in [exp] + exp.beside_configs():  # the datasets drawn beside this one (CIFAR-100 beside CIFAR-10)
            yield from units(generation_units, e)
    elif notebook == "04":
        yield from units(ablation_units, AblationExperimentConfig.for_profile(profile, **over))
    elif notebook == "05":
        exp = ClassificationExperimentConfig.for_profile(profile, **over)
        yield from units(classification_units, exp)
        if dataset in (None, "cifar10"):
            yield from units(table5_2_units, exp)
    elif notebook == "06":
        yield from units(fid_inadequacy_units, FIDInadequacyConfig.for_profile(profile, **over))
    elif notebook == "07":
        exp = PeersExperimentConfig.for_profile(profile, **over)
        yield from units(peers_units, exp)
        yield from units(sampler_units, exp)
        yield steps.toy(ToyConfig.for_profile(profile), (1.0, 0.5, 2.0))
    elif notebook == "08":
        gap = GapStudyConfig.for_profile(profile, **over)
        yield from units(gap_units, gap)
        yield from units(step_iii_units, gap)
        yield from units(t_scale_units, GenerationExperimentConfig.for_profile(
            profile, **{k: v for k, v in over.items() if k != "seeds"}))


NOTEBOOKS_WITH_PLANS = ("02", "03", "04", "05", "06", "07", "08")


def notebook_plan(notebook: str, profile: str, dataset: str | None = None,
                  seeds: tuple[int, ...] | None = None) -> list[Task]:
    """The plan of notebook ``notebook`` (its number, e.g. ``"05"``) in ``profile``, on ``dataset`` (None: the
    notebook's default), with ``seeds`` (the notebook's ``SEEDS``; None: the profile's)."""
    number = notebook.zfill(2)[:2]
    if number not in NOTEBOOKS_WITH_PLANS:
        raise ValueError(f"no plan for notebook {notebook!r}; plans exist for {list(NOTEBOOKS_WITH_PLANS)} (notebook "
                         "01 computes its Monte Carlo simulations when it runs)")
    over: dict = {"dataset": dataset} if dataset else {}
    if seeds:
        over["seeds"] = tuple(seeds)
    return plan(_studies(number, profile, over))
