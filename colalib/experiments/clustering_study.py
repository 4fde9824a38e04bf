"""Step I (Sec. 3.1, App. C.1), Fig. 4.3 and Fig. 4.1 without labels, notebook 02: MMDC and its ablations, then
unsupervised COLA and GLO on the same images, scored by FID and CAS."""
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
from ..utils import get_device
from .executors import prefill
from .registry import ProfileRecipes, _method_class, method_failure
from .tasks import Task, arm_task, cluster_task, fid_task, fit_task, split_of, training_subset
from .units import arm_unit, clustering_unit, fid_unit

FULL_MMDC = "MMDC (RotNet + consistency)"


@dataclass(frozen=True)
class ClusteringExperimentConfig(StudyConfig, ProfileRecipes):
    """Notebook 02: MMDC (step I, App. C.1 recipe of the profile, :class:`colalib.clustering.MMDCConfig`) on
    ``per_class`` images per class of ``dataset``'s training split (None: the whole split), with and without its
    RotNet task and its augmentation consistency; then unsupervised COLA on its clusters and GLO on the same images
    (Fig. 4.3), trained for ``generation_epochs`` (the thesis: 500). Each of ``seeds`` draws its own subset and
    seeds every fit of it, so that "each part helps" can be paired by seed (an interval needs at least 3); with
    ``per_class`` None (the paper profile) every seed uses the whole split, and the seeds vary only the training's
    randomness. The samples of Fig. 4.3 show the first seed. Fig. 4.1 (COLA against GLO, both without labels, FID
    and CAS) runs on every seed's images: ``n_fid`` samples against ``n_real_fid`` test images, CAS with
    ``cas_per_class`` samples per class and the profile's classifier (clusters Hungarian-matched to the classes)."""

    dataset: str = "cifar10"
    per_class: int | None = None
    generation_epochs: int = 500
    seeds: tuple[int, ...] = (0, 1, 2)
    n_fid: int = 10_000
    n_real_fid: int | None = None
    cas_per_class: int = 500

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 20, "generation_epochs": 2, "seeds": (0,), "n_fid": 60,
                  "n_real_fid": 60, "cas_per_class": 10},
        "quick": {"per_class": 200, "generation_epochs": 40, "seeds": (0, 1, 2), "n_fid": 1000, "n_real_fid": 1000,
                  "cas_per_class": 200},
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


UNSUPERVISED = ("cola", "glo")  # Fig. 4.1: COLA against GLO, both trained without labels


def unsupervised_generation(exp: ClusteringExperimentConfig, cache: ArtifactCache | None = None,
                            executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                            device=None, progress: bool = True) -> list[dict]:
    """Notebook 02's driver of Fig. 4.1 without labels: on every seed's images, unsupervised COLA (step I: that seed's
    MMDC) and GLO, each with its FID against the test split and its CAS (classes Hungarian-matched to the clusters or
    mixture components), one row per seed and method; ``failed`` says why a result is degenerate (CAS at chance,
    near-copies of training images). ``executor``: :func:`colalib.experiments.executors.prefill` of these units."""
    cache = cache or ArtifactCache()
    prefill([t for t in clustering_plan(exp) if t.key.split("/")[0] in ("fit", "fid", "cas", "mmdc")], cache,
            executor, workers, scheduler, progress)
    device, test, rows = get_device(device), split_of(exp.dataset, "test"), []
    for seed in exp.seeds:
        data, gen, clf = exp.subset(seed), exp.generation_config(seed), exp.classifier_config(seed)
        for method in UNSUPERVISED:
            f = fid_unit(method, data, gen, exp, cache, device, progress)
            c = arm_unit("synthetic", data, test, gen, clf, exp.cas_per_class, cache, device, progress,
                         model_cls=_method_class(method))
            mem = f.get("memorisation")
            rows.append({"dataset": exp.dataset, "method": method, "seed": seed, "images": len(data),
                         "epochs": gen.epochs, "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"],
                         "cas": c["accuracy"], "cas_train_images": exp.cas_per_class * data.num_classes,
                         "copy_fraction": mem["copy_fraction"] if mem else float("nan"),
                         "failed": method_failure(method, c["accuracy"], {}, data.num_classes, exp.n_fid, mem),
                         "fid_weights": f["weights"], "device": c.get("device", "")})
    return rows


def clustering_plan(exp: ClusteringExperimentConfig, with_generation: bool = True) -> list[Task]:
    """Notebook 02's units with their dependencies: per seed, the three MMDC fits; with ``with_generation``, per seed,
    unsupervised COLA on the first fit's clusters (:func:`colalib.experiments.units.fit_model` runs the same step I)
    and GLO, then each one's FID and CAS (Fig. 4.1 without labels). The same units, with the same keys, as
    :func:`clustering_experiment`, :func:`unsupervised_generation` and the notebook's ``fit_or_load`` calls."""
    tags = ("mmdc", "mmdc-no-rotnet", "mmdc-no-consistency")
    tasks, size = [], exp.per_class
    for seed in exp.seeds:
        at = f"{exp.dataset}/{exp.per_class or 0}/{seed}"
        tasks += [Task(f"{tag}/{at}", cluster_task, dict(config=cfg, dataset=exp.dataset, size=size, seed=seed))
                  for tag, cfg in zip(tags, exp.mmdc_variants(seed).values())]
    if not with_generation:
        return tasks
    fits, scored = [], []
    for seed in exp.seeds:
        gen, clf = exp.generation_config(seed), exp.classifier_config(seed)
        at = f"{exp.dataset}/{exp.per_class or 0}/{seed}"
        common = dict(dataset=exp.dataset, size=size, seed=seed)
        for method in UNSUPERVISED:
            fit = f"fit/{method}/{at}"
            fits.append(Task(fit, fit_task, dict(method=method, config=gen, **common),
                             deps=(f"mmdc/{at}",) if method == "cola" else ()))
            scored.append(Task(f"fid/{method}/{at}/n{exp.n_fid}", fid_task,
                               dict(method=method, config=gen, exp=exp, **common), deps=(fit,)))
            scored.append(Task(f"cas/{method}/{at}/n{exp.cas_per_class}", arm_task,
                               dict(arm="synthetic", scola=gen, clf=clf, synthetic_per_class=exp.cas_per_class,
                                    method=method, **common), deps=(fit,)))
    return tasks + fits + scored
