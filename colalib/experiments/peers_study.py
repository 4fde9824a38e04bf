"""Notebook 07 (beyond the thesis): sCOLA and the related methods on the same subsets and recipes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from ..cache import ArtifactCache
from ..config import StudyConfig
from ..data import load_dataset, small_sample
from ..utils import get_device
from .classification_study import mix_variant_experiment
from .executors import prefill
from .generation_study import GenerationExperimentConfig
from .registry import PEER_METHODS, PEER_SAMPLERS, ProfileRecipes, _method_class, method_failure, model_config
from .tasks import Task, arm_task, fid_task, fit_task, judge_task, quality_task, toy_task
from .units import arm_unit, fid_unit, reference_classifier, sample_quality_unit


@dataclass(frozen=True)
class PeersExperimentConfig(StudyConfig, ProfileRecipes):
    """Notebook 07: sCOLA and the related methods (GLO, CGAN-PD, ReGene, MM-GAN, AugIntAE) on the same subsets,
    scored by FID, CAS and Mix accuracy with the recipes of notebooks 03 and 05 (only the method differs), plus
    GAN-test accuracy, MM-GAN's quality/diversity scores and the nearest-training-image distance of the samples
    (memorisation), judged by a ResNet-20 trained on ``judge_per_class`` real images per class."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (5, 10, 20, 50, 100)
    seeds: tuple[int, ...] = (0, 1, 2)
    methods: tuple[str, ...] = PEER_METHODS
    n_fid: int = 10_000
    n_real_fid: int | None = None
    synthetic_per_class: int = 500   # CAS and Mix (the classification notebook's recipe)
    judge_per_class: int = 5000
    n_quality: int = 2000

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5,), "seeds": (0,), "n_fid": 60, "n_real_fid": 60,
                  "synthetic_per_class": 10, "judge_per_class": 20, "n_quality": 40},
        "quick": {"sizes": (10,), "seeds": (0,), "n_fid": 1000, "n_real_fid": 1000, "synthetic_per_class": 200,
                  "judge_per_class": 500, "n_quality": 1000},
        "paper": {},
    }

    def generation(self) -> GenerationExperimentConfig:
        """The chapter-4 protocol with this experiment's sizes, seeds and sample counts (shared cache units)."""
        return GenerationExperimentConfig(dataset=self.dataset, sizes=self.sizes, seeds=self.seeds,
                                          methods=self.methods, n_fid=self.n_fid, n_real_fid=self.n_real_fid,
                                          cas_per_class=self.synthetic_per_class, profile=self.profile)


def peers_experiment(exp: PeersExperimentConfig, cache: ArtifactCache | None = None, executor: str | None = None, *,
                     workers: int | None = None, scheduler: str | None = None, device=None, progress: bool = True,
                     on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Notebook 07's driver. One row per method, size and seed: FID and CAS (the generation experiment's units), Mix
    accuracy (the classification experiment's recipe, ``model_cls`` = the method), Real accuracy of the same subset,
    the samples' GAN-test / quality / diversity / nearest-neighbour scores, and the method's training time. Each
    method is trained with :func:`model_config` of ``exp``'s sCOLA recipe and the run's seed. ``failed`` says why a
    method's result is degenerate (:func:`colalib.metrics.degenerate_reason`; empty when it is not). ``executor``
    (None, ``"local"``, ``"dask"``): :func:`colalib.experiments.executors.prefill` of :func:`peers_plan`."""
    cache = cache or ArtifactCache()
    prefill(peers_plan(exp, with_samplers=False), cache, executor, workers, scheduler, progress)
    scola, clf = exp.scola_config(), exp.classifier_config()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    judge_clf = clf.replace(seed=0)
    judge, judge_acc = reference_classifier(exp.dataset, exp.judge_per_class, judge_clf, cache, device, progress)
    judge_key = {"per_class": exp.judge_per_class, "clf": judge_clf.to_dict()}
    gen = exp.generation()
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            cfg, clf_s = scola.replace(seed=seed), clf.replace(seed=seed)
            real = arm_unit("real", subset, test, cfg, clf_s, exp.synthetic_per_class, cache, device, progress)
            for method in exp.methods:
                cfg_m = model_config(method, cfg)
                model_cls = _method_class(method)
                shared: dict = {}
                f = fid_unit(method, subset, cfg_m, gen, cache, device, progress)
                cas = arm_unit("synthetic", subset, test, cfg_m, clf_s, exp.synthetic_per_class, cache, device,
                               progress, model_cls=model_cls, synthetic=shared)
                mix = arm_unit("mix", subset, test, cfg_m, clf_s, exp.synthetic_per_class, cache, device, progress,
                               model_cls=model_cls, synthetic=shared)
                q = sample_quality_unit(method, subset, cfg_m, judge, judge_key, exp.n_quality, cache, device,
                                        progress)
                row = {"dataset": exp.dataset, "method": method, "size": size, "seed": seed, "fid": f["fid"],
                       "n_fake": f["n_fake"], "n_real": f["n_real"], "diversity_pool3": f.get("diversity"),
                       "cas": cas["accuracy"], "mix": mix["accuracy"], "real": real["accuracy"],
                       "mix_minus_real": mix["accuracy"] - real["accuracy"], **q,
                       "judge_accuracy": judge_acc, "fid_weights": f["weights"], "device": mix.get("device", "")}
                mem = f.get("memorisation")
                row["copy_fraction"] = mem["copy_fraction"] if mem else float("nan")
                row["failed"] = method_failure(method, row["cas"], q, train.num_classes, exp.n_quality, mem)
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def sampler_ablation(exp: PeersExperimentConfig, cache: ArtifactCache | None = None, executor: str | None = None, *,
                     workers: int | None = None, scheduler: str | None = None, device=None,
                     progress: bool = True) -> list[dict]:
    """Notebook 07's sampler ablation: the Real arm and sCOLA's Mix arm with each step-III sampler of
    :data:`~colalib.experiments.registry.PEER_SAMPLERS`, on ``exp``'s smallest size and every seed (rows of
    :func:`colalib.experiments.mix_variant_experiment`). ``executor``: as :func:`peers_experiment`'s."""
    cache = cache or ArtifactCache()
    prefill(sampler_plan(exp), cache, executor, workers, scheduler, progress)
    return mix_variant_experiment(exp.dataset, (min(exp.sizes),), exp.seeds, exp.scola_config(),
                                  exp.classifier_config(), exp.synthetic_per_class, variants=PEER_SAMPLERS,
                                  cache=cache, device=device, progress=progress)


def sampler_summary(rows: list[dict], samplers: tuple[str, ...]) -> list[dict]:
    """The sampler ablation's table (notebook 07): per sampler (``"real"`` first) the mean accuracy and the mean of
    Mix − Real paired on each subset, over the rows of :func:`colalib.experiments.mix_variant_experiment`."""
    real = {(r["size"], r["seed"]): r["accuracy"] for r in rows if r["variant"] == "real"}
    table = []
    for name in ("real",) + tuple(samplers):
        mine = [r for r in rows if r["variant"] == name]
        table.append({"sampler": name, "accuracy": float(np.mean([r["accuracy"] for r in mine])),
                      "mix_minus_real": float(np.mean([r["accuracy"] - real[(r["size"], r["seed"])] for r in mine])),
                      "runs": len(mine)})
    return table


def peers_plan(exp: PeersExperimentConfig, toy: Any = None, toy_spreads: tuple[float, ...] = (1.0, 0.5, 2.0),
               with_samplers: bool = True) -> list[Task]:
    """Notebook 07's runs: the judge; per size, subset and method one fit, then its FID, CAS, Mix and sample-quality
    units (the Real arm needs no model); with ``with_samplers``, the sampler ablation's Mix arms on the smallest size
    (:func:`sampler_plan`); with ``toy``, the MM-GAN toy. The same units, with the same keys, as
    :func:`peers_experiment`, :func:`sampler_ablation` and :func:`colalib.experiments.units.toy_unit`."""
    scola, clf = exp.scola_config(), exp.classifier_config()
    gen, judge_clf = exp.generation(), clf.replace(seed=0)
    judge = f"judge/{exp.dataset}/{exp.judge_per_class}"
    fits = [Task(judge, judge_task, dict(dataset=exp.dataset, per_class=exp.judge_per_class, clf=judge_clf))]
    scored = []
    for size in sorted(exp.sizes, reverse=True):
        for seed in exp.seeds:
            cfg, clf_s, at = scola.replace(seed=seed), clf.replace(seed=seed), f"{exp.dataset}/{size}/{seed}"
            common = dict(dataset=exp.dataset, size=size, seed=seed)
            scored.append(Task(f"real/{at}", arm_task, dict(arm="real", scola=cfg, clf=clf_s,
                                                            synthetic_per_class=exp.synthetic_per_class, **common)))
            for method in exp.methods:
                cfg_m, fit = model_config(method, cfg), f"fit/{method}/{at}"
                fits.append(Task(fit, fit_task, dict(method=method, config=cfg_m, **common)))
                scored.append(Task(f"fid/{method}/{at}/n{exp.n_fid}", fid_task,
                                   dict(method=method, config=cfg_m, exp=gen, **common), deps=(fit,)))
                for arm in ("synthetic", "mix"):
                    scored.append(Task(f"{arm}/{method}/{at}/n{exp.synthetic_per_class}", arm_task,
                                       dict(arm=arm, scola=cfg_m, clf=clf_s,
                                            synthetic_per_class=exp.synthetic_per_class,
                                            method=method, **common), deps=(fit,)))
                scored.append(Task(f"quality/{method}/{at}", quality_task,
                                   dict(method=method, config=cfg_m, judge_per_class=exp.judge_per_class,
                                        judge_clf=judge_clf, n=exp.n_quality, **common), deps=(fit, judge)))
    if with_samplers:  # sCOLA's own fit of a subset is planned once, under the peers' key
        known = {t.key for t in fits}
        for t in sampler_plan(exp):
            if t.fn is not fit_task:
                scored.append(t)
            elif t.key not in known:
                fits.append(t)
    if toy is not None:
        fits.append(Task("toy", toy_task, dict(config=toy, spreads=tuple(toy_spreads))))
    return fits + scored


def sampler_plan(exp: PeersExperimentConfig) -> list[Task]:
    """The units of :func:`sampler_ablation`: on the smallest size and every seed, sCOLA's fit (and a fit of each
    sampler that changes training) and the Mix arm of each sampler of :data:`PEER_SAMPLERS`."""
    fits: dict[str, Task] = {}
    scored = []
    small = min(exp.sizes)
    for seed in exp.seeds:
        for name, (over, sampling) in PEER_SAMPLERS.items():
            at = f"{exp.dataset}/{small}/{seed}"
            fit = f"fit/scola-{name}/{at}" if over else f"fit/scola/{at}"
            cfg = exp.scola_config(seed).replace(**over)
            fits.setdefault(fit, Task(fit, fit_task, dict(method="scola", dataset=exp.dataset, size=small, seed=seed,
                                                         config=cfg)))
            scored.append(Task(f"sampler/{name}/{at}", arm_task,
                               dict(arm="mix", dataset=exp.dataset, size=small, seed=seed, scola=cfg,
                                    clf=exp.classifier_config(seed), synthetic_per_class=exp.synthetic_per_class,
                                    sampling=sampling or None), deps=(fit,)))
    return list(fits.values()) + scored
