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
from .executors import Task
from .fid_inadequacy import FIDInadequacyConfig, fid_inadequacy_units
from .gap_study import gap_units, step_iii_units
from .generation_study import GenerationExperimentConfig, generation_units, t_scale_units
from .graph import Unit, plan
from .mean_estimation import mean_estimation_units
from .peers_study import PeersExperimentConfig, peers_units, sampler_units
from .readings import GapStudyConfig

# the executors (fill, check_plan, ...) live in :mod:`.executors` and the graph in :mod:`.graph`: one import path each
__all__ = ["NOTEBOOKS_WITH_PLANS", "STUDIES_OF_NOTEBOOK", "notebook_plan"]


def _units(study: Callable[..., dict[str, Unit]], exp) -> Iterable[Unit]:
    return study(exp).values()


def _generation(profile: str, over: dict) -> Iterable[Unit]:
    exp = GenerationExperimentConfig.for_profile(profile, **over)
    for e in [exp] + exp.beside_configs():  # the datasets drawn beside this one (CIFAR-100 beside CIFAR-10)
        yield from _units(generation_units, e)


def _classification(profile: str, over: dict) -> Iterable[Unit]:
    exp = ClassificationExperimentConfig.for_profile(profile, **over)
    yield from _units(classification_units, exp)
    if over.get("dataset") in (None, "cifar10"):
        yield from _units(table5_2_units, exp)
        yield from _units(mean_estimation_units, exp)  # beyond the thesis: does chapter 6 predict chapter 5?


def _peers(profile: str, over: dict) -> Iterable[Unit]:
    exp = PeersExperimentConfig.for_profile(profile, **over)
    yield from _units(peers_units, exp)
    yield from _units(sampler_units, exp)
    yield steps.toy(ToyConfig.for_profile(profile), (1.0, 0.5, 2.0))


def _gap(profile: str, over: dict) -> Iterable[Unit]:
    gap = GapStudyConfig.for_profile(profile, **over)
    yield from _units(gap_units, gap)
    yield from _units(step_iii_units, gap)
    yield from _units(t_scale_units, GenerationExperimentConfig.for_profile(
        profile, **{k: v for k, v in over.items() if k != "seeds"}))


def _one_study(study: Callable[..., dict[str, Unit]], config) -> Callable[[str, dict], Iterable[Unit]]:
    """A notebook whose plan is one study on the profile's config."""
    return lambda profile, over: _units(study, config.for_profile(profile, **over))


#: notebook number -> the units of its studies, given the profile and ``over`` (its DATASET and SEEDS)
STUDIES_OF_NOTEBOOK: dict[str, Callable[[str, dict], Iterable[Unit]]] = {
    "02": _one_study(clustering_units, ClusteringExperimentConfig),
    "03": _generation,
    "04": _one_study(ablation_units, AblationExperimentConfig),
    "05": _classification,
    "06": _one_study(fid_inadequacy_units, FIDInadequacyConfig),
    "07": _peers,
    "08": _gap,
}


NOTEBOOKS_WITH_PLANS = tuple(STUDIES_OF_NOTEBOOK)


def notebook_plan(notebook: str, profile: str, dataset: str | None = None,
                  seeds: tuple[int, ...] | None = None, **config) -> list[Task]:
    """The plan of notebook ``notebook`` (its number, e.g. ``"05"``) in ``profile``, on ``dataset`` (None: the
    notebook's default), with ``seeds`` (the notebook's ``SEEDS``; None: the profile's) and ``config``: other fields
    of its study's config that a run sets (notebook 03's study run: ``cola_glo=True``)."""
    number = notebook.zfill(2)[:2]
    if number not in NOTEBOOKS_WITH_PLANS:
        raise ValueError(f"no plan for notebook {notebook!r}; plans exist for {list(NOTEBOOKS_WITH_PLANS)} (notebook "
                         "01 computes its Monte Carlo simulations when it runs)")
    over: dict = {"dataset": dataset, **config} if dataset else dict(config)
    if seeds:
        over["seeds"] = tuple(seeds)
    return plan(STUDIES_OF_NOTEBOOK[number](profile, over))
