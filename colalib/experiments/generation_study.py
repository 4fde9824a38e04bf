"""Chapter 4 (Fig. 4.1, 4.5; notebook 03): FID and CAS per method and training size, and the t/v scale study."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..cache import ArtifactCache
from ..classification import evaluate
from ..config import StudyConfig
from ..stats import summarise
from ..utils import get_device
from . import steps
from .graph import Results, Unit, run_study
from .registry import ProfileRecipes, method_failure, model_config
from .subsets import split_of
from .units import reference_classifier

#: the order of the methods in notebook 03's tables and figures
METHOD_ORDER = ("scola", "glo", "cola", "cgan_pd")


@dataclass(frozen=True)
class GenerationExperimentConfig(StudyConfig, ProfileRecipes):
    """Chapter 4 protocol (Fig. 4.1, 4.5; App. C.4): FID and CAS per method, training size and run, with the
    profile's recipes (:class:`~colalib.experiments.registry.ProfileRecipes`). The quick profile runs Fig. 4.5's
    methods; ``cola_glo`` adds Fig. 4.1's COLA and GLO at the same small sizes (a study beyond the thesis there)."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (10, 100, 1000, 5000)
    seeds: tuple[int, ...] = (0, 1, 2)
    methods: tuple[str, ...] = ("scola", "glo", "cola", "cgan_pd")
    n_fid: int = 10_000
    n_real_fid: int | None = None  # None: the whole test split (10K for CIFAR)
    cas_per_class: int = 500
    judge_per_class: int = 5000          # the GAN-test judge (real images per class): t/v scale study, collapse check
    n_quality: int = 10_000              # samples per generator the judge scores (GAN-test, MM-GAN scores); 0: none
    t_scales: tuple[float, ...] = (0.5, 1.0, 2.0)
    beside: tuple[str, ...] = ("cifar100",)  # datasets drawn beside this one in Figs. 4.1 / 4.5 (issue #14)
    # Beyond the thesis in the quick profile (``make studies``): also COLA and GLO, Fig. 4.1's pair, at these small
    # sizes. Fig. 4.1 trains both without labels on the full datasets; notebook 02 runs its comparable variant.
    cola_glo: bool = False
    # The generators other than sCOLA (CGAN-PD; COLA and GLO in the study run) train on the first ``baseline_subsets``
    # of ``seeds`` (None: all of them); sCOLA and the real images on every seed. sCOLA's fits and its and the real
    # subset's CAS arms are notebook 05's units (same keys), so its subsets beyond the baselines' cost notebook 03
    # only their FIDs.
    baseline_subsets: int | None = None
    SEED_DERIVED: ClassVar[tuple[str, ...]] = ("baseline_subsets",)  # a notebook's SEEDS: every method on each
    # the real subset and sCOLA run on every seed: sCOLA's fits and both CAS arms are notebook 05's units
    EVERY_SUBSET: ClassVar[tuple[str, ...]] = ("real", "scola")

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5,), "seeds": (0,), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10, "judge_per_class": 20, "n_quality": 40, "beside": ()},
        # Fig. 4.5's methods (sCOLA against CGAN-PD and the real images); COLA and GLO below the full datasets are a
        # study (``cola_glo``): they cost notebook 03 more than half of its fill and test no protocol of the thesis.
        # sCOLA and the real images on notebook 05's five subsets (whose fits and CAS arms they share), so that
        # sCOLA against the real images is judged on the same five paired subsets in both notebooks; the baselines,
        # whose quick-profile claims are not comparable with the thesis (protocol), on the first three
        "quick": {"sizes": (10, 50), "seeds": (0, 1, 2, 3, 4), "baseline_subsets": 3, "n_fid": 1000,
                  "n_real_fid": 1000, "cas_per_class": 200, "judge_per_class": 500, "n_quality": 1000,
                  "methods": ("scola", "cgan_pd")},
        "paper": {},
    }
    # CIFAR-100 beside CIFAR-10: 100 classes cost 10x per image per class, so the quick profile takes the sizes of
    # notebook 05's CIFAR-100 run (whose sCOLA fits and Real/CAS arms it reuses) and leaves out CGAN-PD, as the
    # thesis's CIFAR-100 panels do (sCOLA, COLA, GLO).
    DATASET_PROFILES: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {
        # no judge on CIFAR-100 in quick (a ResNet-20 on 50,000 images): the collapse check concerns CGAN-PD, which
        # runs on CIFAR-10 only
        ("cifar100", "quick"): {"sizes": (5, 20), "methods": ("scola",), "n_quality": 0},
        # CIFAR-100 has 500 training images per class: the thesis's sizes up to 500, and a judge of 500 per class
        ("cifar100", "paper"): {"sizes": (10, 100, 500), "methods": ("scola", "glo", "cola"), "judge_per_class": 500},
    }

    @property
    def all_methods(self) -> tuple[str, ...]:
        """The methods this run draws: ``methods``; with ``cola_glo`` also COLA and GLO, all in the tables' order
        (:data:`METHOD_ORDER`, then any other method)."""
        if not self.cola_glo:
            return tuple(self.methods)
        wanted = set(self.methods) | {"glo", "cola"}
        return tuple(m for m in METHOD_ORDER if m in wanted) + tuple(m for m in self.methods if m not in METHOD_ORDER)

    def seeds_of(self, method: str) -> tuple[int, ...]:
        """The subsets ``method`` runs on: every seed for :attr:`EVERY_SUBSET` (sCOLA and the real images), the
        first :attr:`baseline_subsets` for the other generators."""
        if method in self.EVERY_SUBSET or self.baseline_subsets is None:
            return tuple(self.seeds)
        return tuple(self.seeds)[: self.baseline_subsets]

    def methods_on(self, seed: int) -> tuple[str, ...]:
        """The real subset and the generators of :attr:`all_methods` that run on subset ``seed``
        (:meth:`seeds_of`), in the tables' order."""
        return tuple(m for m in ("real",) + self.all_methods if seed in self.seeds_of(m))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.baseline_subsets is not None and self.baseline_subsets < 1:
            raise ValueError(f"baseline_subsets must be at least 1 (None: every seed), got {self.baseline_subsets}")

    def beside_configs(self) -> list["GenerationExperimentConfig"]:
        """The same protocol on each dataset of ``beside`` other than this one, with that dataset's profile settings
        and this config's ``seeds`` (the notebook's SEEDS: ``SEEDS=0`` is one subset on every dataset),
        ``baseline_subsets`` and ``cola_glo``, and nothing beside."""
        return [type(self).for_profile(self.profile, dataset=d, beside=(), seeds=self.seeds, cola_glo=self.cola_glo,
                                       baseline_subsets=self.baseline_subsets)
                for d in self.beside if d != self.dataset]

    def judge(self, cache: ArtifactCache | None = None, device=None, progress: bool = True) -> tuple[Any, float]:
        """The GAN-test judge (cached) and its test accuracy."""
        return reference_classifier(self.dataset, self.judge_per_class, self.judge_config(), cache or ArtifactCache(),
                                    get_device(device), progress)



# the slowest fits first, so that two workers finish together (CGAN-PD and COLA's MMDC + fit dominate notebook 03)
_FIT_ORDER = ("cgan_pd", "cola", "glo", "scola")


def _fit_rank(method: str) -> float:
    """A fit's place in a fill (:attr:`.graph.Unit.rank`): the slowest methods of :data:`_FIT_ORDER` first, across
    every dataset of the plan."""
    return -(len(_FIT_ORDER) - _FIT_ORDER.index(method)) if method in _FIT_ORDER else 0.0


def generation_units(exp: GenerationExperimentConfig) -> dict[tuple, Unit]:
    """Notebook 03's units (Fig. 4.1, 4.5) on ``exp.dataset``: per size, subset and method one fit (the slowest
    methods first), then its FID and CAS units; sCOLA's FID at the real subset's sample count (``fid_equal_n``); with
    ``n_quality``, the judge and its scores of each generator's samples. The real subset's FID and Real arm need no
    model. Named ``(kind, method, size, seed)``."""
    units: dict[tuple, Unit] = {}
    judge = steps.judge(exp.dataset, exp.judge_per_class, exp.judge_config())
    if exp.n_quality:
        units["judge"] = judge
    methods = sorted(exp.all_methods, key=_fit_rank)
    runs = [(size, seed) for size in sorted(exp.sizes, reverse=True) for seed in exp.seeds]
    for method in methods:
        for size in sorted(exp.sizes, reverse=True):
            for seed in exp.seeds_of(method):
                cfg = model_config(method, exp.scola_config(seed), exp.gan_config(seed))
                units["fit", method, size, seed] = steps.fit(f"fit/{method}/{exp.dataset}/{size}/{seed}", method,
                                                             exp.dataset, size, seed, cfg, rank=_fit_rank(method))
    protocol = steps.FIDProtocol.of(exp)
    for size, seed in runs:
        at, clf = f"{exp.dataset}/{size}/{seed}", exp.classifier_config(seed)
        for method in exp.methods_on(seed):
            fitted = units.get(("fit", method, size, seed))
            cfg = fitted.kwargs["config"] if fitted else None
            units["fid", method, size, seed] = steps.fid(f"fid/{method}/{at}/n{exp.n_fid}", method, exp.dataset, size,
                                                         seed, cfg, protocol, fitted=fitted)
            units["cas", method, size, seed] = steps.arm(
                f"cas/{method}/{at}/n{exp.cas_per_class}", "real" if method == "real" else "synthetic", exp.dataset,
                size, seed, clf, cfg, exp.cas_per_class, method="scola" if method == "real" else method,
                fitted=fitted)
            if method == "scola":
                units["fid_equal_n", method, size, seed] = steps.fid(f"fid/{method}/{at}/n_real", method, exp.dataset,
                                                                     size, seed, cfg, protocol, equal_n=True,
                                                                     fitted=fitted)
            if method != "real" and exp.n_quality:
                units["quality", method, size, seed] = steps.quality(f"quality/{method}/{at}/n{exp.n_quality}",
                                                                     method, exp.dataset, size, seed, cfg, judge,
                                                                     exp.n_quality, fitted)
    return units


def generation_rows(exp: GenerationExperimentConfig, results: Mapping) -> list[dict]:
    """Notebook 03's table from the results of :func:`generation_units`: one row ``{method, size, seed, fid, cas,
    ...}`` per method and the real subset (``method="real"``). ``failed`` says why a generator's result is degenerate
    (:func:`colalib.metrics.degenerate_reason`: CAS at chance, collapsed samples, near-copies of training images,
    or, for a class-conditional generator, samples whose class the judge does not recognise; Fig. 4.4's collapse is
    measured, not assumed). sCOLA's rows also hold ``fid_equal_n``: its FID at the real subset's sample count (Fig.
    4.5: sCOLA against the real images "by both scores")."""
    classes, n_test, rows = split_of(exp.dataset, "train").num_classes, len(split_of(exp.dataset, "test")), []
    for size in exp.sizes:
        for seed in exp.seeds:
            for method in exp.methods_on(seed):
                f, c = results["fid", method, size, seed], results["cas", method, size, seed]
                row = {"dataset": exp.dataset, "method": method, "size": size, "seed": seed,
                       "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"], "cas": c["accuracy"],
                       "cas_train_images": size * classes if method == "real" else exp.cas_per_class * classes,
                       "fid_weights": f["weights"], "diversity": f.get("diversity", float("nan")),
                       "real_diversity": f.get("real_diversity", float("nan")), "device": c.get("device", "")}
                if method == "scola":
                    row["fid_equal_n"] = results["fid_equal_n", method, size, seed]["fid"]
                if method != "real":
                    q = results["quality", method, size, seed] if exp.n_quality else {}
                    if q:
                        row["gan_test"], row["mmgan_diversity"] = q["gan_test"], q["diversity"]
                    mem = f.get("memorisation")
                    row["copy_fraction"] = mem["copy_fraction"] if mem else float("nan")
                    row["failed"] = method_failure(method, row["cas"], q, classes, exp.n_quality, mem, n_test)
                rows.append(row)
    return rows


def generation_experiment(exp: GenerationExperimentConfig, cache: ArtifactCache | None = None,
                          executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                          device=None, progress: bool = True) -> list[dict]:
    """Notebook 03's driver: :func:`generation_rows` of :func:`generation_units` (:func:`.graph.run_study`;
    ``executor`` None, ``"local"`` or ``"dask"``: compute in this process, or fill the units in parallel first)."""
    return run_study(generation_units, generation_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)


def t_scale_units(exp: GenerationExperimentConfig) -> dict[Any, Unit]:
    """The t/v scale study's units: the judge, and one sCOLA fit per ``exp.t_scales`` (seed 0, the smallest size)."""
    small, scola = min(exp.sizes), exp.scola_config(0)
    units: dict[Any, Unit] = {"judge": steps.judge(exp.dataset, exp.judge_per_class, exp.judge_config())}
    for t_scale in exp.t_scales:
        units["fit", t_scale] = steps.fit(f"fit/scola-t{t_scale}/{exp.dataset}/{small}/{scola.seed}", "scola",
                                          exp.dataset, small, scola.seed, scola.replace(t_scale=t_scale))
    return units


def t_scale_rows(exp: GenerationExperimentConfig, results: Results) -> list[dict]:
    """Per t scale: sCOLA's final reconstruction loss and the GAN-test accuracy of ``min(exp.n_fid, 1000)`` samples
    (how often the judge recognises the intended class)."""
    judge, _ = results["judge"]
    n_samples, rows = min(exp.n_fid, 1000), []
    for t_scale in exp.t_scales:
        model = results["fit", t_scale]
        images, labels = model.sample(n_samples, seed=exp.scola_config(0).seed)
        rows.append({"t_scale": t_scale, "final_reconstruction_loss": model.history_[-1],
                     "gan_test_accuracy": evaluate(judge, images, labels, device=results.device)})
    return rows


def t_scale_experiment(exp: GenerationExperimentConfig, cache: ArtifactCache | None = None,
                       executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                       device=None, progress: bool = True) -> list[dict]:
    """Settles the relative scale of the t and v parts of the code (Sec. 3.2 is ambiguous) by experiment:
    :func:`t_scale_rows` of :func:`t_scale_units`."""
    return run_study(t_scale_units, t_scale_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)


def generation_summary(row_sets: list[list[dict]]) -> list[dict]:
    """Mean and spread of FID, CAS and intra-class diversity per dataset, method and size (notebook 03's summary
    table), over the rows of one or more :func:`generation_experiment` runs."""
    return [{"metric": metric, **s} for rows in row_sets for metric in ("fid", "cas", "diversity")
            for s in summarise(rows, by=("dataset", "method", "size"), value=metric)]


def train_times(exp: GenerationExperimentConfig, cache: ArtifactCache | None = None) -> list[dict]:
    """Each trained model's own training time and speed (images per second where the model records it), per method,
    size and subset of ``exp``: the fits of :func:`generation_units`, loaded from the cache one at a time."""
    units, cache, out = generation_units(exp), cache or ArtifactCache(), []
    for size in sorted(exp.sizes):
        for seed in exp.seeds:
            for method in (m for m in exp.methods_on(seed) if m != "real"):  # the real subset has no model
                m = units["fit", method, size, seed](cache)
                out.append({"method": method, "size": size, "seed": seed, "train_seconds": round(m.train_seconds_, 1),
                            "images_per_second": round(getattr(m, "images_per_second_", float("nan")), 1)})
    return out
