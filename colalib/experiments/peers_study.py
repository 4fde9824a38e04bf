"""Notebook 07 (beyond the thesis): sCOLA and the related methods on the same subsets and recipes."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..cache import ArtifactCache
from ..config import StudyConfig
from . import steps
from .classification_study import mix_variant_rows, mix_variant_units
from .generation_study import GenerationExperimentConfig
from .graph import Unit, run_study
from .registry import PEER_METHODS, PEER_SAMPLERS, ProfileRecipes, method_failure, model_config
from .subsets import split_of


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


def peers_units(exp: PeersExperimentConfig) -> dict[tuple, Unit]:
    """Notebook 07's units: the judge; per size, subset and method one fit, then its FID, CAS, Mix and sample-quality
    units, named ``(kind, method, size, seed)``; the Real arm of each subset (``("real", size, seed)``) needs no
    model."""
    judge = steps.judge(exp.dataset, exp.judge_per_class, exp.judge_config())
    units: dict[tuple, Unit] = {("judge",): judge}
    protocol = steps.FIDProtocol.of(exp.generation())
    for size in sorted(exp.sizes, reverse=True):
        for seed in exp.seeds:
            cfg, clf_s, at = exp.scola_config(seed), exp.classifier_config(seed), f"{exp.dataset}/{size}/{seed}"
            units["real", size, seed] = steps.arm(f"real/{at}", "real", exp.dataset, size, seed, clf_s)
            for method in exp.methods:
                cfg_m = model_config(method, cfg)
                fitted = units["fit", method, size, seed] = steps.fit(f"fit/{method}/{at}", method, exp.dataset,
                                                                      size, seed, cfg_m)
                units["fid", method, size, seed] = steps.fid(f"fid/{method}/{at}/n{exp.n_fid}", method, exp.dataset,
                                                             size, seed, cfg_m, protocol, fitted=fitted)
                for arm in ("synthetic", "mix"):
                    units[arm, method, size, seed] = steps.arm(
                        f"{arm}/{method}/{at}/n{exp.synthetic_per_class}", arm, exp.dataset, size, seed, clf_s,
                        cfg_m, exp.synthetic_per_class, method=method, fitted=fitted)
                units["quality", method, size, seed] = steps.quality(f"quality/{method}/{at}", method, exp.dataset,
                                                                     size, seed, cfg_m, judge, exp.n_quality, fitted)
    return units


def peers_rows(exp: PeersExperimentConfig, results: Mapping) -> list[dict]:
    """One row per method, size and seed: FID and CAS (the generation experiment's units), Mix accuracy (the
    classification experiment's recipe, ``model_cls`` = the method), Real accuracy of the same subset, the samples'
    GAN-test / quality / diversity / nearest-neighbour scores, and the method's training time. ``failed`` says why a
    method's result is degenerate (:func:`colalib.metrics.degenerate_reason`; empty when it is not)."""
    _, judge_acc = results["judge",]
    classes, n_test, rows = split_of(exp.dataset, "train").num_classes, len(split_of(exp.dataset, "test")), []
    for size in exp.sizes:
        for seed in exp.seeds:
            real = results["real", size, seed]
            for method in exp.methods:
                f, cas, mix, q = (results[kind, method, size, seed] for kind in ("fid", "synthetic", "mix", "quality"))
                mem = f.get("memorisation")
                row = {"dataset": exp.dataset, "method": method, "size": size, "seed": seed, "fid": f["fid"],
                       "n_fake": f["n_fake"], "n_real": f["n_real"], "diversity_pool3": f.get("diversity"),
                       "cas": cas["accuracy"], "mix": mix["accuracy"], "real": real["accuracy"],
                       "mix_minus_real": mix["accuracy"] - real["accuracy"], **q,
                       "judge_accuracy": judge_acc, "fid_weights": f["weights"], "device": mix.get("device", ""),
                       "copy_fraction": mem["copy_fraction"] if mem else float("nan")}
                row["failed"] = method_failure(method, row["cas"], q, classes, exp.n_quality, mem, n_test)
                rows.append(row)
    return rows


def peers_experiment(exp: PeersExperimentConfig, cache: ArtifactCache | None = None, executor: str | None = None, *,
                     workers: int | None = None, scheduler: str | None = None, device=None,
                     progress: bool = True) -> list[dict]:
    """Notebook 07's driver: :func:`peers_rows` of :func:`peers_units` (:func:`.graph.run_study`; ``executor`` None,
    ``"local"`` or ``"dask"``). Each method is trained with :func:`model_config` of ``exp``'s sCOLA recipe and the
    run's seed."""
    return run_study(peers_units, peers_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)


def sampler_units(exp: PeersExperimentConfig) -> dict[tuple, Unit]:
    """The sampler ablation's units: on the smallest size and every seed, the Real arm and sCOLA's Mix arm with each
    step-III sampler of :data:`~colalib.experiments.registry.PEER_SAMPLERS` (:func:`.classification_study.
    mix_variant_units`)."""
    small = min(exp.sizes)
    return mix_variant_units(exp, PEER_SAMPLERS, small,
                             lambda name, seed: f"sampler/{name}/{exp.dataset}/{small}/{seed}")


def sampler_ablation(exp: PeersExperimentConfig, cache: ArtifactCache | None = None, executor: str | None = None, *,
                     workers: int | None = None, scheduler: str | None = None, device=None,
                     progress: bool = True) -> list[dict]:
    """Notebook 07's sampler ablation: the rows of :func:`.classification_study.mix_variant_rows` of
    :func:`sampler_units`."""
    return run_study(sampler_units, mix_variant_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)


def sampler_summary(rows: list[dict], samplers: tuple[str, ...]) -> list[dict]:
    """The sampler ablation's table (notebook 07): per sampler (``"real"`` first) the mean accuracy and the mean of
    Mix − Real paired on each subset, over the rows of :func:`sampler_ablation`."""
    real = {(r["size"], r["seed"]): r["accuracy"] for r in rows if r["variant"] == "real"}
    table = []
    for name in ("real",) + tuple(samplers):
        mine = [r for r in rows if r["variant"] == name]
        table.append({"sampler": name, "accuracy": float(np.mean([r["accuracy"] for r in mine])),
                      "mix_minus_real": float(np.mean([r["accuracy"] - real[(r["size"], r["seed"])] for r in mine])),
                      "runs": len(mine)})
    return table
