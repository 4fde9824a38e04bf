"""Notebook 07 (beyond the thesis): sCOLA and the related methods on the same subsets and recipes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..config import StudyConfig
from ..data import load_dataset, small_sample
from ..utils import get_device
from .generation_study import GenerationExperimentConfig
from .registry import PEER_METHODS, _method_class, method_failure, model_config
from .units import arm_unit, fid_unit, reference_classifier, sample_quality_unit


@dataclass(frozen=True)
class PeersExperimentConfig(StudyConfig):
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


def peers_experiment(exp: PeersExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                     cache: ArtifactCache | None = None, device=None, progress: bool = True,
                     on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """One row per method, size and seed: FID and CAS (the generation experiment's units), Mix accuracy (the
    classification experiment's recipe, ``model_cls`` = the method), Real accuracy of the same subset, the samples'
    GAN-test / quality / diversity / nearest-neighbour scores, and the method's training time. Each method is
    trained with :func:`model_config` of ``scola``'s profile and the run's seed. ``failed`` says why a method's
    result is degenerate (:func:`colalib.metrics.degenerate_reason`; empty when it is not)."""
    cache = cache or ArtifactCache()
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
                row["failed"] = method_failure(method, row["cas"], q, train.num_classes, exp.n_quality)
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def sampler_summary(rows: list[dict], samplers: tuple[str, ...]) -> list[dict]:
    """The sampler ablation's table (notebook 07): per sampler (``"real"`` first) the mean accuracy and the mean of
    Mix − Real paired on each subset, over the rows of :func:`colalib.experiments.mix_variant_experiment`."""
    import numpy as np
    real = {(r["size"], r["seed"]): r["accuracy"] for r in rows if r["variant"] == "real"}
    table = []
    for name in ("real",) + tuple(samplers):
        mine = [r for r in rows if r["variant"] == name]
        table.append({"sampler": name, "accuracy": float(np.mean([r["accuracy"] for r in mine])),
                      "mix_minus_real": float(np.mean([r["accuracy"] - real[(r["size"], r["seed"])] for r in mine])),
                      "runs": len(mine)})
    return table
