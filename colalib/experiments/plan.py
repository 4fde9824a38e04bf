"""Plans: the units of work each notebook needs, with their dependencies, filled in parallel before the notebook runs
(``make figures``; ``python -m colalib.experiments fill NN``). Each driver module holds its notebook's plan beside its
driver (the same units, with the same keys); :mod:`.executors` fills a plan; :func:`notebook_plan` names each
notebook's plan in a profile.
"""
from __future__ import annotations

from ..toy import ToyConfig
from .ablations import AblationExperimentConfig, ablation_plan
from .classification_study import ClassificationExperimentConfig, classification_plan
from .clustering_study import ClusteringExperimentConfig, clustering_plan
from .executors import EXECUTORS, check_plan, fill, fill_report, prefill, run_task, seconds_by_task
from .fid_inadequacy import FIDInadequacyConfig, fid_inadequacy_plan
from .gap_plan import classification_notebook_plan, gap_plan, planned
from .generation_study import GenerationExperimentConfig, generation_plan, t_scale_plan
from .peers_study import PeersExperimentConfig, peers_plan
from .readings import GapStudyConfig
from .tasks import PlanBuilder, Task, training_subset

__all__ = ["EXECUTORS", "Task", "check_plan", "classification_plan", "fill", "fill_report", "generation_plan",
           "notebook_plan", "peers_plan", "prefill", "run_task", "seconds_by_task", "training_subset"]


def _classification_plan(profile: str, dataset: str | None, seeds: tuple[int, ...] | None = None) -> list[Task]:
    """Notebook 05's plan: Table 5.1 / Fig. 5.1 (with ``seeds``, the notebook's ``SEEDS``, when given) and, on
    CIFAR-10 (the notebook's ``DATASET``; digits in the smoke profile), Table 5.2."""
    over = {"dataset": dataset} if dataset else {}
    main = ClassificationExperimentConfig.for_profile(profile, **over, **({"seeds": seeds} if seeds else {}))
    return classification_notebook_plan(main, table5_2=dataset in (None, "cifar10"))


def _gap_study_plan(profile: str, dataset: str | None, seeds: tuple[int, ...] | None = None) -> list[Task]:
    """Notebook 08's plan (beyond the thesis): the gap study (on ``seeds``, the notebook's ``SEEDS``, when given),
    the step-III study and the t-scale study (:func:`.generation_study.t_scale_plan`) on CIFAR-10."""
    over = {"dataset": dataset} if dataset else {}
    t_scale = t_scale_plan(GenerationExperimentConfig.for_profile(profile, **over))
    if seeds:
        over["seeds"] = tuple(seeds)
    plan = PlanBuilder()  # a unit both studies need (the judge, the default scale's fit) is planned once
    plan.extend(planned(gap_plan, GapStudyConfig.for_profile(profile, **over)))
    plan.extend(t_scale)
    return plan.tasks


def notebook_plan(notebook: str, profile: str, dataset: str | None = None,
                  seeds: tuple[int, ...] | None = None) -> list[Task]:
    """The plan of notebook ``notebook`` (its number, e.g. ``"05"``) in ``profile``, on ``dataset`` (None: the
    notebook's default), with ``seeds`` (the notebook's ``SEEDS``; None: the profile's)."""
    over: dict = {"dataset": dataset} if dataset else {}
    if seeds:
        over["seeds"] = tuple(seeds)
    plans = {"02": lambda: clustering_plan(ClusteringExperimentConfig.for_profile(profile, **over)),
             "03": lambda: generation_plan(GenerationExperimentConfig.for_profile(profile, **over), with_t_scale=False),
             "04": lambda: ablation_plan(AblationExperimentConfig.for_profile(profile, **over)),
             "05": lambda: _classification_plan(profile, dataset, over.get("seeds")),
             "06": lambda: fid_inadequacy_plan(FIDInadequacyConfig.for_profile(profile, **over)),
             "08": lambda: _gap_study_plan(profile, dataset, over.get("seeds")),
             "07": lambda: peers_plan(PeersExperimentConfig.for_profile(profile, **over),
                                      toy=ToyConfig.for_profile(profile))}
    number = notebook.zfill(2)[:2]
    if number not in plans:
        raise ValueError(f"no plan for notebook {notebook!r}; plans exist for {sorted(plans)} (notebook 01 computes "
                         "its Monte Carlo simulations when it runs)")
    return plans[number]()
