"""Step I (Sec. 3.1, App. C.1) and Fig. 4.3, notebook 02: MMDC and its ablations, then unsupervised COLA and GLO."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..clustering import MMDCConfig
from ..cola import SCOLAConfig
from ..config import ExperimentConfig
from ..data import ImageDataset
from .tasks import Task, cluster_task, fit_task, split_of, training_subset


@dataclass(frozen=True)
class ClusteringExperimentConfig(ExperimentConfig):
    """Notebook 02: MMDC (step I, App. C.1 recipe of the profile, :class:`colalib.clustering.MMDCConfig`) on
    ``per_class`` images per class of ``dataset``'s training split (None: the whole split), with and without its
    RotNet task and its augmentation consistency; then unsupervised COLA on its clusters and GLO on the same images
    (Fig. 4.3), trained for ``generation_epochs`` (the thesis: 500). ``seed`` draws the subset and seeds every fit."""

    dataset: str = "cifar10"
    per_class: int | None = None
    generation_epochs: int = 500

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 20, "generation_epochs": 2},
        "quick": {"per_class": 200, "generation_epochs": 40},
        "paper": {},
    }

    def subset(self) -> ImageDataset:
        """The images clustered and generated from."""
        return training_subset(self.dataset, self.per_class, self.seed)

    def mmdc_variants(self) -> dict[str, MMDCConfig]:
        """MMDC as the thesis trains it and its two ablations, by the name the notebook shows; K = the class count."""
        classes = split_of(self.dataset, "train").num_classes  # the split :meth:`subset` draws from, loaded once
        full = MMDCConfig.for_profile(self.profile, num_clusters=classes, seed=self.seed)
        return {"MMDC (RotNet + consistency)": full, "MMDC without RotNet": full.replace(use_rotnet=False),
                "MMDC without consistency": full.replace(use_consistency=False)}

    def generation_config(self) -> SCOLAConfig:
        """COLA's and GLO's recipe (App. C.2) shortened to ``generation_epochs`` (lr step every tenth of the run).
        Unsupervised COLA takes its step I from the profile's MMDC with this seed: the first of :meth:`mmdc_variants`."""
        return SCOLAConfig.for_profile(self.profile, epochs=self.generation_epochs,
                                       lr_step_epochs=max(1, self.generation_epochs // 10), seed=self.seed)


def clustering_plan(exp: ClusteringExperimentConfig) -> list[Task]:
    """Notebook 02's units with their dependencies: the three MMDC fits, then unsupervised COLA on the first one's
    clusters (:func:`colalib.experiments.units.fit_model` runs the same step I) and GLO. The same units, with the same
    keys, as the notebook's ``clustering_unit`` and ``fit_or_load`` calls."""
    at, size = f"{exp.dataset}/{exp.per_class or 0}/{exp.seed}", exp.per_class
    variants = list(exp.mmdc_variants().values())
    tags = ("mmdc", "mmdc-no-rotnet", "mmdc-no-consistency")
    tasks = [Task(f"{tag}/{at}", cluster_task, dict(config=cfg, dataset=exp.dataset, size=size, seed=exp.seed))
             for tag, cfg in zip(tags, variants)]
    gen = exp.generation_config()
    tasks.insert(1, Task(f"fit/cola/{at}", fit_task, dict(method="cola", dataset=exp.dataset, size=size,
                                                          seed=exp.seed, config=gen), deps=(tasks[0].key,)))
    tasks.append(Task(f"fit/glo/{at}", fit_task, dict(method="glo", dataset=exp.dataset, size=size, seed=exp.seed,
                                                      config=gen)))
    return tasks
