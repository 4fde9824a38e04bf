"""Step I (Sec. 3.1, App. C.1), Fig. 4.3 and Fig. 4.1 without labels, notebook 02: MMDC and its ablations, then
unsupervised COLA and GLO on the same images, scored by FID and CAS."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..cache import ArtifactCache
from ..clustering import MMDCConfig, kmeans_baseline
from ..cola import SCOLAConfig
from ..config import StudyConfig, check_seeds
from ..data import ImageDataset
from ..metrics import clustering_scores
from . import steps
from .graph import Unit, run_study
from .registry import ProfileRecipes, method_failure
from .subsets import split_of, training_subset

FULL_MMDC = "MMDC (RotNet + consistency)"


@dataclass(frozen=True)
class ClusteringExperimentConfig(StudyConfig, ProfileRecipes):
    """Notebook 02: MMDC (step I, App. C.1 recipe of the profile, :class:`colalib.clustering.MMDCConfig`) on
    ``per_class`` images per class of ``dataset``'s training split (None: the whole split), with and without its
    RotNet task and its augmentation consistency; then unsupervised COLA on its clusters and GLO on the same images
    (Fig. 4.3), trained for ``generation_epochs`` (the thesis: 500). Each of ``seeds`` draws its own subset and
    seeds every fit of it, so that "each part helps" can be paired by seed (an interval needs at least 3); with
    ``per_class`` None (the paper profile) every seed uses the whole split, and the seeds vary only the training's
    randomness. ``step_i_seeds`` (None: ``seeds``) are the subsets of step I's comparison alone (MMDC, its ablations
    and k-means): a superset of ``seeds`` (given ``seeds`` alone, :meth:`for_profile` sets it to None), for a step-I
    claim whose effect needs more subsets than the generators' (the quick profile: the consistency ablation, 9
    subsets). The samples of Fig. 4.3 show the first seed. Fig. 4.1 (COLA against GLO, both without labels, FID
    and CAS) runs on every seed's images: ``n_fid`` samples against ``n_real_fid`` test images, CAS with
    ``cas_per_class`` samples per class and the profile's classifier (clusters Hungarian-matched to the classes)."""

    dataset: str = "cifar10"
    per_class: int | None = None
    generation_epochs: int = 500
    seeds: tuple[int, ...] = (0, 1, 2)
    n_fid: int = 10_000
    n_real_fid: int | None = None
    cas_per_class: int = 500
    step_i_seeds: tuple[int, ...] | None = None
    SEED_DERIVED: ClassVar[tuple[str, ...]] = ("step_i_seeds",)  # a notebook's SEEDS sets step I's subsets too

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 20, "generation_epochs": 2, "seeds": (0,), "n_fid": 60,
                  "n_real_fid": 60, "cas_per_class": 10},
        # five paired subsets: on three, Fig. 4.1's FID difference (+14.1 ± 14.1) and RotNet's (+3.6 ± 5.3) were
        # close to resolving (4-6 subsets needed); "where more subsets are cheap and an interval is close, use 5"
        "quick": {"per_class": 200, "generation_epochs": 40, "seeds": (0, 1, 2, 3, 4), "n_fid": 1000,
                  "n_real_fid": 1000, "cas_per_class": 200,
                  # step I alone on nine: the consistency ablation was +2.23 ± 2.49 pp on five (9 needed at 80 % power)
                  "step_i_seeds": tuple(range(9))},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.step_i_seeds is None:
            return
        check_seeds(self.step_i_seeds)
        if not set(self.seeds) <= set(self.step_i_seeds):
            raise ValueError(f"step_i_seeds {self.step_i_seeds} must include every seed of seeds {self.seeds} "
                             "(unsupervised COLA needs its seed's MMDC); pass step_i_seeds=None to use seeds")

    @property
    def clustering_seeds(self) -> tuple[int, ...]:
        """The subsets of step I's comparison: ``step_i_seeds``, or ``seeds`` when it is None."""
        return self.seeds if self.step_i_seeds is None else tuple(self.step_i_seeds)

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


UNSUPERVISED = ("cola", "glo")  # Fig. 4.1: COLA against GLO, both trained without labels


def mmdc_units(exp: ClusteringExperimentConfig) -> dict[tuple, Unit]:
    """Step I's units: per seed of :attr:`~ClusteringExperimentConfig.clustering_seeds`, the three MMDC fits of
    :meth:`~ClusteringExperimentConfig.mmdc_variants`, named ``("mmdc", variant name, seed)``."""
    tags = ("mmdc", "mmdc-no-rotnet", "mmdc-no-consistency")
    units: dict[tuple, Unit] = {}
    for seed in exp.clustering_seeds:
        at = f"{exp.dataset}/{exp.per_class or 0}/{seed}"
        for tag, (name, cfg) in zip(tags, exp.mmdc_variants(seed).items()):
            units["mmdc", name, seed] = steps.clusters(f"{tag}/{at}", cfg, exp.dataset, exp.per_class, seed)
    return units


def unsupervised_units(exp: ClusteringExperimentConfig) -> dict[tuple, Unit]:
    """Fig. 4.1 without labels: per seed of ``seeds`` (not step I's extra subsets), unsupervised COLA after that
    seed's MMDC (:func:`colalib.experiments.units.fit_model` runs the same step I) and GLO, then each one's FID and
    CAS, named ``(kind, method, seed)``."""
    step_i, protocol = mmdc_units(exp), steps.FIDProtocol.of(exp)
    units: dict[tuple, Unit] = {}
    for seed in exp.seeds:
        gen, clf = exp.generation_config(seed), exp.classifier_config(seed)
        at = f"{exp.dataset}/{exp.per_class or 0}/{seed}"
        for method in UNSUPERVISED:
            fitted = units["fit", method, seed] = steps.fit(
                f"fit/{method}/{at}", method, exp.dataset, exp.per_class, seed, gen,
                deps=(step_i["mmdc", FULL_MMDC, seed],) if method == "cola" else ())
            units["fid", method, seed] = steps.fid(f"fid/{method}/{at}/n{exp.n_fid}", method, exp.dataset,
                                                   exp.per_class, seed, gen, protocol, fitted=fitted)
            units["cas", method, seed] = steps.arm(f"cas/{method}/{at}/n{exp.cas_per_class}", "synthetic",
                                                   exp.dataset, exp.per_class, seed, clf, gen, exp.cas_per_class,
                                                   method=method, fitted=fitted)
    return units


def clustering_units(exp: ClusteringExperimentConfig) -> dict[tuple, Unit]:
    """Notebook 02's units: :func:`mmdc_units` and :func:`unsupervised_units`."""
    return {**mmdc_units(exp), **unsupervised_units(exp)}


def clustering_rows(exp: ClusteringExperimentConfig, results: Mapping) -> tuple[dict[int, dict[str, dict]], list[dict]]:
    """Step I for every seed of ``exp.clustering_seeds``: ``{seed: {variant name: clustering_unit result}}`` and one
    row per seed and method (the MMDC variants with their training time and median throughputs; k-means on pixels
    and on PCA-50, the non-deep baselines), each with its ``seed``."""
    out, rows = {}, []
    for seed in exp.clustering_seeds:
        data = exp.subset(seed)
        out[seed] = {name: results["mmdc", name, seed] for name in exp.mmdc_variants(seed)}
        k = exp.mmdc_variants(seed)[FULL_MMDC].num_clusters
        rows += [{"seed": seed, "method": name, "images": len(data), **r["scores"], "train_seconds": r["train_seconds"],
                  "assignment_img_per_s": _median_speed(r["history"], "assignment_img_per_s"),
                  "rotation_img_per_s": _median_speed(r["history"], "rotation_img_per_s"), "device": r["device"]}
                 for name, r in out[seed].items()]
        rows.append({"seed": seed, "method": "k-means on pixels", "images": len(data),
                     **clustering_scores(data.labels, kmeans_baseline(data.images, k, seed=seed))})
        rows.append({"seed": seed, "method": "k-means on PCA-50", "images": len(data),
                     **clustering_scores(data.labels, kmeans_baseline(data.images, k, 50, seed))})
    return out, rows


def clustering_experiment(exp: ClusteringExperimentConfig, cache: ArtifactCache | None = None,
                          executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                          device=None, progress: bool = True) -> tuple[dict[int, dict[str, dict]], list[dict]]:
    """Notebook 02's driver of step I: :func:`clustering_rows` of :func:`mmdc_units`
    (:func:`.graph.run_study`; ``executor`` None, ``"local"`` or ``"dask"``)."""
    return run_study(mmdc_units, clustering_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)


def unsupervised_rows(exp: ClusteringExperimentConfig, results: Mapping) -> list[dict]:
    """Fig. 4.1 without labels: on every seed's images, unsupervised COLA (step I: that seed's MMDC) and GLO, each with
    its FID against the test split and its CAS (classes Hungarian-matched to the clusters or mixture components), one
    row per seed and method; ``failed`` says why a result is degenerate (CAS at chance, near-copies of training
    images)."""
    rows, n_test = [], len(split_of(exp.dataset, "test"))
    for seed in exp.seeds:
        data, gen = exp.subset(seed), exp.generation_config(seed)
        for method in UNSUPERVISED:
            f, c = results["fid", method, seed], results["cas", method, seed]
            mem = f.get("memorisation")
            rows.append({"dataset": exp.dataset, "method": method, "seed": seed, "images": len(data),
                         "epochs": gen.epochs, "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"],
                         "cas": c["accuracy"], "cas_train_images": exp.cas_per_class * data.num_classes,
                         "copy_fraction": mem["copy_fraction"] if mem else float("nan"),
                         "failed": method_failure(method, c["accuracy"], {}, data.num_classes, exp.n_fid, mem, n_test),
                         "fid_weights": f["weights"], "device": c.get("device", "")})
    return rows


def unsupervised_generation(exp: ClusteringExperimentConfig, cache: ArtifactCache | None = None,
                            executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                            device=None, progress: bool = True) -> list[dict]:
    """Notebook 02's driver of Fig. 4.1 without labels: :func:`unsupervised_rows` of :func:`unsupervised_units`
    (COLA's MMDC fits come with them as dependencies)."""
    return run_study(unsupervised_units, unsupervised_rows, exp, cache, executor, workers=workers,
                     scheduler=scheduler, device=device, progress=progress)
