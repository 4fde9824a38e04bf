"""Chapter 5 (Table 5.1, Fig. 5.1, Table 5.2; notebook 05): Real / Synthetic / Mix classifiers per size and subset,
and the sampler variants of the Mix arm."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from .. import published
from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..config import StudyConfig
from ..data import load_dataset, small_sample
from ..models import build_classifier, count_parameters
from ..stats import summarise
from ..utils import get_device
from .executors import prefill
from .registry import ProfileRecipes, model_config
from .tasks import Task, arm_task, fit_task
from .units import arm_unit


@dataclass(frozen=True)
class ClassificationExperimentConfig(StudyConfig, ProfileRecipes):
    """Chapter 5 protocol: sizes x seeds, sCOLA per subset, Real / Synthetic / Mix classifiers (``arch``: the
    classifier; None: the profile's recipe, App. C.3); Table 5.2: the Mix arm with each classifier of
    ``table5_2_archs`` at 100 images per class (or the largest size) on ``table5_2_seeds`` (empty: ``seeds``)."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (5, 10, 20, 50, 100)
    seeds: tuple[int, ...] = (0, 1, 2)
    arms: tuple[str, ...] = ("real", "synthetic", "mix")
    synthetic_per_class: int = 500
    table5_2_archs: tuple[str, ...] = ("resnet20", "resnet32", "wrn28_10")
    table5_2_seeds: tuple[int, ...] = ()
    arch: str | None = None

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5, 10), "seeds": (0,), "synthetic_per_class": 20,
                  "table5_2_archs": ("resnet20",)},
        # five paired subsets on CIFAR-10: three left the size-10 orderings and Table 5.2 open with intervals that
        # 4-6 subsets could close (issue #25: "where more subsets are cheap and an interval is close, use 5")
        "quick": {"sizes": (10, 50), "seeds": (0, 1, 2, 3, 4), "synthetic_per_class": 200,
                  "table5_2_archs": ("resnet20", "resnet32"), "table5_2_seeds": (0, 1, 2, 3, 4)},
        "paper": {},
    }
    # CIFAR-100 (Fig. 5.1): 100 classes make every sCOLA fit 10x larger; on the 2-core CPU (about 25 minutes per
    # subset with two workers) the quick profile runs two sizes on three paired subsets, the fewest that rank.
    DATASET_PROFILES: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {
        ("cifar100", "quick"): {"sizes": (5, 20), "seeds": (0, 1, 2)},
    }

    def classifier_config(self, seed: int = 0) -> ClassifierConfig:
        """The profile's classifier recipe (App. C.3) with ``arch`` when set, seed ``seed``."""
        clf = super().classifier_config(seed)
        return clf if self.arch is None else clf.replace(arch=self.arch)

    def table5_2(self, arch: str | None = None) -> "ClassificationExperimentConfig":
        """Table 5.2's runs (with classifier ``arch``; None: this config's): the Mix arm at 100 images per class (the
        largest size when 100 is not run)."""
        size = 100 if 100 in self.sizes else max(self.sizes)
        return self.replace(sizes=(size,), arms=("mix",), seeds=self.table5_2_seeds or self.seeds,
                            arch=arch or self.arch)


def classification_experiment(exp: ClassificationExperimentConfig, cache: ArtifactCache | None = None,
                              executor: str | None = None, *, workers: int | None = None,
                              scheduler: str | None = None, device=None, progress: bool = True,
                              on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Notebook 05's driver (Table 5.1, Fig. 5.1): rows ``{dataset, size, seed, arm, accuracy, ...}`` for every
    size, seed and arm (cached per unit), with ``exp``'s recipes at each seed. ``executor`` (None, ``"local"``,
    ``"dask"``): :func:`colalib.experiments.executors.prefill` of :func:`classification_plan`."""
    cache = cache or ArtifactCache()
    prefill(classification_plan(exp), cache, executor, workers, scheduler, progress)
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            shared: dict = {}
            for arm in exp.arms:
                result = arm_unit(arm, subset, test, exp.scola_config(seed), exp.classifier_config(seed),
                                  exp.synthetic_per_class, cache, device, progress, synthetic=shared)
                row = {"dataset": exp.dataset, "size": size, "seed": seed, **result}
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def mix_variant_experiment(dataset: str, sizes: tuple[int, ...], seeds: tuple[int, ...], scola: SCOLAConfig,
                           clf: ClassifierConfig, synthetic_per_class: int,
                           variants: dict[str, tuple[dict, dict]], cache: ArtifactCache | None = None,
                           device=None, progress: bool = True,
                           on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Real and Mix accuracy of each variant of step III / mixing on the same subsets (paired by seed): which
    change closes the gap between our Mix and the thesis's? Rows ``{size, seed, variant, accuracy, ...}``; the
    variant ``"real"`` is the Real arm. ``variants``: name -> (sCOLA config overrides, ``model.sample`` keyword
    arguments), e.g. :data:`~colalib.experiments.registry.PEER_SAMPLERS`. Every unit is cached like the
    classification experiment's."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    rows = []
    for size in sizes:
        for seed in seeds:
            subset = small_sample(train, size, seed)
            clf_s = clf.replace(seed=seed)
            units = [("real", "real", scola.replace(seed=seed), None)]
            units += [(name, "mix", scola.replace(seed=seed, **over), samp) for name, (over, samp) in variants.items()]
            for name, arm, cfg, samp in units:
                result = arm_unit(arm, subset, test, cfg, clf_s, synthetic_per_class, cache, device, progress,
                                  sampling=samp)
                row = {"dataset": dataset, "size": size, "seed": seed, "variant": name, **result}
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def classifier_ablation(exp: ClassificationExperimentConfig, cache: ArtifactCache | None = None,
                        executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                        device=None, progress: bool = True) -> list[dict]:
    """Table 5.2: the Mix accuracy of each classifier of ``exp.table5_2_archs`` (:meth:`~ClassificationExperimentConfig.
    table5_2` runs), its parameter count and the published values (accuracy only at the thesis's 100 per class).
    ``executor``: as :func:`classification_experiment`'s, over every classifier's runs."""
    prefill([t for arch in exp.table5_2_archs for t in classification_plan(exp.table5_2(arch))], cache, executor,
            workers, scheduler, progress)
    size, rows = exp.table5_2().sizes[0], []
    for arch in exp.table5_2_archs:
        runs = classification_experiment(exp.table5_2(arch), cache, device=device, progress=progress)
        s = summarise(runs)[0]
        pub = published.TABLE_5_2.get(arch, {})
        notes = ([] if s["n"] >= 3 else [f"{s['n']} run{'s' if s['n'] > 1 else ''}: not a ranking"]) + (
            [] if pub.get("accuracy") is None or size == 100 else
            [f"the published accuracy is at 100 per class, ours at {size}: not comparable"])
        rows.append({"classifier": arch,
                     "params": count_parameters(build_classifier(arch, load_dataset(exp.dataset, "test").num_classes)),
                     "params, published": pub.get("params", ""), "size": size, "mix accuracy": 100 * s["mean"],
                     "std": 100 * s["std"], "seeds": s["n"],
                     "accuracy, published (thesis, 100 per class)": pub.get("accuracy") or "",
                     "note": "; ".join(notes),
                     "seed_accuracies": {r["seed"]: r["accuracy"] for r in runs if r["arm"] == "mix"}})
    return rows


def classification_plan(exp: ClassificationExperimentConfig) -> list[Task]:
    """Notebook 05's runs (Table 5.1, Fig. 5.1): per size and subset one sCOLA fit, then its arms; the Real arm needs
    no model. The same units, with the same keys, as :func:`classification_experiment`; the arms of a config with a
    classifier ``arch`` are keyed by it."""
    tasks, tail = [], f"/{exp.arch}" if exp.arch else ""
    for size in exp.sizes:
        for seed in exp.seeds:
            cfg, clf_s = exp.scola_config(seed), exp.classifier_config(seed)
            fit_key = f"scola/{exp.dataset}/{size}/{seed}"
            tasks.append(Task(fit_key, fit_task, dict(method="scola", dataset=exp.dataset, size=size, seed=seed,
                                                      config=model_config("scola", cfg))))
            for arm in exp.arms:
                tasks.append(Task(f"{arm}/{exp.dataset}/{size}/{seed}{tail}", arm_task,
                                  dict(arm=arm, dataset=exp.dataset, size=size, seed=seed, scola=cfg, clf=clf_s,
                                       synthetic_per_class=exp.synthetic_per_class),
                                  deps=() if arm == "real" else (fit_key,)))
    return tasks
