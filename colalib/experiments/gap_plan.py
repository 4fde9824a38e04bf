"""Notebook 05's CIFAR-10 studies as plan tasks: Table 5.2's classifiers, the gap study's readings (the Real and Mix
arms of each reading, size and subset; :func:`.gap_study.gap_study`) and the step-III study (sample scores and CAS
of each reading; :func:`.gap_study.step_iii_study`). The combination of the readings that beat the default is chosen
from the readings' results, so it is not planned: the notebook runs it when there is one."""
from __future__ import annotations

from typing import Any, Callable

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..utils import get_device
from .classification_study import ClassificationExperimentConfig, classification_plan
from .readings import READINGS, reading_configs
from .subsets import training_subset
from .tasks import PlanBuilder, Task, arm_task, fit_task, judge_task
from .units import reference_classifier, step_iii_quality_unit


def step_iii_quality_task(exp, scola: SCOLAConfig, clf: ClassifierConfig, reading: str, size: int,
                          seed: int) -> None:
    """The sample scores of one step-III reading (:func:`.units.step_iii_quality_unit`), judged by the cached
    reference classifier, as :func:`.gap_study.step_iii_study` computes them."""
    cache, device = ArtifactCache(), get_device(None)
    judge_clf = clf.replace(seed=0)
    judge, _ = reference_classifier(exp.dataset, exp.judge_per_class, judge_clf, cache, device, progress=False)
    s_cfg, _ = reading_configs(reading, scola.replace(seed=seed), clf, exp)
    step_iii_quality_unit(reading, training_subset(exp.dataset, size, seed), s_cfg, judge,
                          {"per_class": exp.judge_per_class, "clf": judge_clf.to_dict()}, exp.n_quality, cache,
                          device, progress=False)


def _arm(plan: PlanBuilder, key: str, arm: str, dataset: str, size: int, seed: int, scola: SCOLAConfig,
         clf: ClassifierConfig, per_class: int, sampling: dict | None = None) -> str:
    """One sCOLA fit (unless the arm is Real) and the arm after it; returns the arm's key."""
    common = dict(dataset=dataset, size=size, seed=seed)
    deps: tuple[str, ...] = ()
    if arm != "real":
        deps = (plan.add(f"fit/scola/{key}", fit_task, method="scola", config=scola, **common),)
    extra = {"sampling": sampling} if sampling else {}
    return plan.add(f"{arm}/{key}", arm_task, deps, arm=arm, scola=scola, clf=clf, synthetic_per_class=per_class,
                    **extra, **common)


def table5_2_plan(plan: PlanBuilder, exp: ClassificationExperimentConfig) -> None:
    """Table 5.2's Mix arms (:func:`colalib.experiments.classifier_ablation`) added to ``plan``."""
    for arch in exp.table5_2_archs:
        sub = exp.table5_2(arch)
        for seed in sub.seeds:
            _arm(plan, f"{exp.dataset}/{sub.sizes[0]}/{seed}/{arch}", "mix", exp.dataset, sub.sizes[0], seed,
                 sub.scola_config(seed), sub.classifier_config(seed), exp.synthetic_per_class)


def gap_plan(plan: PlanBuilder, exp) -> None:
    """The gap study's and the step-III study's units (``exp``: a :class:`.readings.GapStudyConfig`) added to
    ``plan``."""
    gap_readings_plan(plan, exp)
    step_iii_plan(plan, exp)


def gap_readings_plan(plan: PlanBuilder, exp) -> None:
    """The gap study's units (:func:`.gap_study.gap_study`) added to ``plan``: per size, subset and reading the
    Real and Mix arms."""
    scola, clf = exp.scola_config(), exp.classifier_config()
    for size in exp.mix_sizes:
        for seed in exp.seeds:
            for name in exp.readings:
                s_cfg, c_cfg = reading_configs(name, scola.replace(seed=seed), clf.replace(seed=seed), exp)
                sampling = READINGS[name][3] if len(READINGS[name]) > 3 else None
                at = f"{exp.dataset}/{size}/{seed}/{name}"
                for arm in ("real", "mix"):
                    _arm(plan, at, arm, exp.dataset, size, seed, s_cfg, c_cfg, exp.synthetic_per_class,
                         sampling if arm == "mix" else None)


def step_iii_plan(plan: PlanBuilder, exp) -> None:
    """The step-III study's units (:func:`.gap_study.step_iii_study`) added to ``plan``: the judge, then each
    step-III reading's sample scores; each CAS reading's Synthetic arm."""
    scola, clf = exp.scola_config(), exp.classifier_config()
    judge = plan.add(f"judge/{exp.dataset}/{exp.judge_per_class}", judge_task, dataset=exp.dataset,
                     per_class=exp.judge_per_class, clf=clf.replace(seed=0))
    names = [r for r in exp.quality_readings if READINGS[r][0] in ("default", "step III")]
    for size in exp.quality_sizes:
        for seed in exp.quality_seeds:
            for name in names:
                s_cfg, _ = reading_configs(name, scola.replace(seed=seed), clf, exp)
                fit = plan.add(f"fit/scola/{exp.dataset}/{size}/{seed}/{name}", fit_task, method="scola",
                               config=s_cfg, dataset=exp.dataset, size=size, seed=seed)
                plan.add(f"quality/{exp.dataset}/{size}/{seed}/{name}", step_iii_quality_task, (fit, judge), exp=exp,
                         scola=scola, clf=clf, reading=name, size=size, seed=seed)
    for size in exp.mix_sizes:
        for seed in exp.cas_seeds:
            for name in exp.cas_readings:
                s_cfg, c_cfg = reading_configs(name, scola.replace(seed=seed), clf.replace(seed=seed), exp)
                _arm(plan, f"{exp.dataset}/{size}/{seed}/{name}", "synthetic", exp.dataset, size, seed, s_cfg, c_cfg,
                     exp.synthetic_per_class)


def classification_notebook_plan(exp: ClassificationExperimentConfig, table5_2: bool = True) -> list[Task]:
    """Notebook 05's whole plan: Table 5.1 / Fig. 5.1 (:func:`colalib.experiments.classification_study.
    classification_plan`) and, with ``table5_2`` (on CIFAR-10), Table 5.2's classifiers; a unit two parts share
    (Table 5.1's Mix arm at the largest size is Table 5.2's resnet20 row) is planned once. The gap and step-III
    studies are notebook 08's (:func:`gap_plan`)."""
    plan = PlanBuilder()
    plan.extend(classification_plan(exp))
    if table5_2:
        table5_2_plan(plan, exp)
    return plan.tasks


def planned(add: Callable[[PlanBuilder, Any], None], exp: Any) -> list[Task]:
    """The tasks one ``*_plan(plan, exp)`` function adds to an empty plan."""
    plan = PlanBuilder()
    add(plan, exp)
    return plan.tasks
