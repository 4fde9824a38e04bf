"""Step I (Sec. 3.1, App. C.1) and Fig. 4.3, notebook 02: MMDC and its ablations, then unsupervised COLA and GLO."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..cache import ArtifactCache
from ..clustering import MMDCConfig, kmeans_baseline
from ..cola import SCOLAConfig
from ..config import StudyConfig
from ..data import ImageDataset
from ..metrics import clustering_scores
from .executors import prefill
from .tasks import Task, cluster_task, fit_task, split_of, training_subset
from .units import clustering_unit

FULL_MMDC = "MMDC (RotNet + consistency)"


@dataclass(frozen=True)
class ClusteringExperimentConfig(StudyConfig):
    """Notebook 02: MMDC (step I, App. C.1 recipe of the profile, :class:`colalib.clustering.MMDCConfig`) on
    ``per_class`` images per class of ``dataset``'s training split (None: the whole split), with and without its
    RotNet task and its augmentation consistency; then unsupervised COLA on its clusters and GLO on the same images
    (Fig. 4.3), trained for ``generation_epochs`` (the thesis: 500). Each of ``seeds`` draws its own subset and
    seeds every fit of it, so that "each part helps" can be paired by seed (an interval needs at least 3); with
    ``per_class`` None (the paper profile) every seed uses the whole split, and the seeds vary only the training's
    randomness. The generation of Fig. 4.3 uses the first seed."""

    dataset: str = "cifar10"
    per_class: int | None = None
    generation_epochs: int = 500
    seeds: tuple[int, ...] = (0, 1, 2)

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 20, "generation_epochs": 2, "seeds": (0,)},
        "quick": {"per_class": 200, "generation_epochs": 40, "seeds": (0, 1, 2)},
        "paper": {},
    }

    def subset(self, seed: int) -> ImageDataset:
        """The images clustered and generated from with ``seed``."""
        return training_subset(self.dataset, self.per_class, seed)

    def mmdc_variants(self, seed: int) -> dict[str, MMDCConfig]:
        """MMDC as the thesis trains it and its two ablations, by the name the notebook shows; K = the class count."""
        classes = split_of(self.dataset, "train").num_classes  # the split :meth:`subset` draws from, loaded once
        full = MMDCConfig.for_profile(self.profile, num_clusters=classes, seed=seed)
        return {FULL_MMDC: full, "MMDC without RotNet": full.replace(use_rotnet=False),
                "MMDC without consistency": full.replace(use_consistency=False)}

    def generation_config(self, seed: int) -> SCOLAConfig:
        """COLA's and GLO's recipe (App. C.2) shortened to ``generation_epochs`` (lr step every tenth of the run).
        Unsupervised COLA takes its step I from the profile's MMDC with this seed: the first of
        :meth:`mmdc_variants`."""
        return SCOLAConfig.for_profile(self.profile, epochs=self.generation_epochs,
                                       lr_step_epochs=max(1, self.generation_epochs // 10), seed=seed)


def _median_speed(history: list[dict], key: str) -> float:
    values = [h[key] for h in history if key in h and np.isfinite(h[key])]
    return float(np.median(values)) if values else float("nan")


def clustering_experiment(exp: ClusteringExperimentConfig, cache: ArtifactCache | None = None,
                          executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                          device=None, progress: bool = True) -> tuple[dict[int, dict[str, dict]], list[dict]]:
    """Notebook 02's driver. Step I for every seed of ``exp``: ``{seed: {variant name: clustering_unit result}}`` and
    one row per seed and method (the MMDC variants with their training time and median throughputs; k-means on
    pixels and on PCA-50, the non-deep baselines), each with its ``seed``. ``executor`` (None, ``"local"``,
    ``"dask"``): :func:`colalib.experiments.executors.prefill` of the MMDC fits of :func:`clustering_plan`."""
    prefill(clustering_plan(exp, with_generation=False), cache, executor, workers, scheduler, progress)
    results, rows = {}, []
    for seed in exp.seeds:
        data = exp.subset(seed)
        results[seed] = {name: clustering_unit(c, data, cache, device, progress)
                         for name, c in exp.mmdc_variants(seed).items()}
        k = exp.mmdc_variants(seed)[FULL_MMDC].num_clusters
        rows += [{"seed": seed, "method": name, "images": len(data), **r["scores"], "train_seconds": r["train_seconds"],
                  "assignment_img_per_s": _median_speed(r["history"], "assignment_img_per_s"),
                  "rotation_img_per_s": _median_speed(r["history"], "rotation_img_per_s"), "device": r["device"]}
                 for name, r in results[seed].items()]
        rows.append({"seed": seed, "method": "k-means on pixels", "images": len(data),
                     **clustering_scores(data.labels, kmeans_baseline(data.images, k, seed=seed))})
        rows.append({"seed": seed, "method": "k-means on PCA-50", "images": len(data),
                     **clustering_scores(data.labels, kmeans_baseline(data.images, k, 50, seed))})
    return results, rows


def clustering_plan(exp: ClusteringExperimentConfig, with_generation: bool = True) -> list[Task]:
    """Notebook 02's units with their dependencies: per seed, the three MMDC fits; with ``with_generation``, for the
    first seed, unsupervised COLA on the first fit's clusters (:func:`colalib.experiments.units.fit_model` runs the
    same step I) and GLO. The same units, with the same keys, as :func:`clustering_experiment` and the notebook's
    ``fit_or_load`` calls."""
    tags = ("mmdc", "mmdc-no-rotnet", "mmdc-no-consistency")
    tasks, size = [], exp.per_class
    for seed in exp.seeds:
        at = f"{exp.dataset}/{exp.per_class or 0}/{seed}"
        tasks += [Task(f"{tag}/{at}", cluster_task, dict(config=cfg, dataset=exp.dataset, size=size, seed=seed))
                  for tag, cfg in zip(tags, exp.mmdc_variants(seed).values())]
    if not with_generation:
        return tasks
    first, gen = exp.seeds[0], exp.generation_config(exp.seeds[0])
    at = f"{exp.dataset}/{exp.per_class or 0}/{first}"
    tasks.insert(1, Task(f"fit/cola/{at}", fit_task, dict(method="cola", dataset=exp.dataset, size=size, seed=first,
                                                          config=gen), deps=(tasks[0].key,)))
    tasks.append(Task(f"fit/glo/{at}", fit_task, dict(method="glo", dataset=exp.dataset, size=size, seed=first,
                                                      config=gen)))
    return tasks
