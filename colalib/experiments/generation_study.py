"""Chapter 4 (Fig. 4.1, 4.5; notebook 03): FID and CAS per method and training size, and the t/v scale study."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..cache import ArtifactCache
from ..classification import ClassifierConfig, evaluate
from ..cola import SCOLA
from ..config import StudyConfig
from ..data import load_dataset, small_sample
from ..stats import summarise
from ..utils import get_device
from .executors import prefill
from .registry import ProfileRecipes, _method_class, method_failure, model_config
from .tasks import Task, arm_task, fid_task, fit_task, judge_task, quality_task
from .units import arm_unit, fid_unit, fit_or_load, method_model, reference_classifier, sample_quality_unit


@dataclass(frozen=True)
class GenerationExperimentConfig(StudyConfig, ProfileRecipes):
    """Chapter 4 protocol (Fig. 4.1, 4.5; App. C.4): FID and CAS per method, training size and run, with the
    profile's recipes (:class:`~colalib.experiments.registry.ProfileRecipes`)."""

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

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5,), "seeds": (0,), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10, "judge_per_class": 20, "n_quality": 40, "beside": ()},
        "quick": {"sizes": (10, 50), "seeds": (0, 1, 2), "n_fid": 1000, "n_real_fid": 1000, "cas_per_class": 200,
                  "judge_per_class": 500, "n_quality": 1000},
        "paper": {},
    }
    # CIFAR-100 beside CIFAR-10: 100 classes cost 10x per image per class, so the quick profile takes the sizes of
    # notebook 05's CIFAR-100 run (whose sCOLA fits and Real/CAS arms it reuses) and leaves out CGAN-PD, as the
    # thesis's CIFAR-100 panels do (sCOLA, COLA, GLO).
    DATASET_PROFILES: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {
        # no judge on CIFAR-100 in quick (a ResNet-20 on 50,000 images): the collapse check concerns CGAN-PD, which
        # runs on CIFAR-10 only
        ("cifar100", "quick"): {"sizes": (5, 20), "methods": ("scola", "glo", "cola"), "n_quality": 0},
        # CIFAR-100 has 500 training images per class: the thesis's sizes up to 500, and a judge of 500 per class
        ("cifar100", "paper"): {"sizes": (10, 100, 500), "methods": ("scola", "glo", "cola"), "judge_per_class": 500},
    }

    def beside_configs(self) -> list["GenerationExperimentConfig"]:
        """The same protocol on each dataset of ``beside`` other than this one, with that dataset's profile settings
        (and nothing beside)."""
        return [type(self).for_profile(self.profile, dataset=d, beside=()) for d in self.beside if d != self.dataset]

    def judge_config(self) -> ClassifierConfig:
        """The GAN-test judge's recipe: the profile's classifier with seed 0, trained on ``judge_per_class`` real
        images per class (:func:`colalib.experiments.units.reference_classifier`; the same judge as notebook 07's)."""
        return self.classifier_config(seed=0)

    def judge(self, cache: ArtifactCache | None = None, device=None, progress: bool = True) -> tuple[Any, float]:
        """The GAN-test judge (cached) and its test accuracy."""
        return reference_classifier(self.dataset, self.judge_per_class, self.judge_config(), cache or ArtifactCache(),
                                    get_device(device), progress)

    def equal_n_fid(self, num_classes: int, size: int) -> "GenerationExperimentConfig":
        """This protocol with ``n_fid`` equal to the real subset's image count at ``size`` per class: the generated
        FID that can be set against the real subset's own (FID is biased upwards at small n)."""
        return self.replace(n_fid=size * num_classes)


def generation_experiment(exp: GenerationExperimentConfig, cache: ArtifactCache | None = None,
                          executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                          device=None, progress: bool = True) -> list[dict]:
    """Notebook 03's driver. Rows ``{method, size, seed, fid, cas, ...}`` for each method and the real subset
    (``method="real"``), each run trained with ``exp``'s recipes at its seed. ``executor`` (None, ``"local"``,
    ``"dask"``): :func:`colalib.experiments.executors.prefill` of :func:`generation_plan` (this dataset's units).

    With ``exp.n_quality``, each generator's samples are also scored by the GAN-test judge
    (:func:`colalib.experiments.units.sample_quality_unit`: ``gan_test``, MM-GAN's ``mmgan_diversity``), and
    ``failed`` says why a generator's result is degenerate (:func:`colalib.metrics.degenerate_reason`: CAS at chance,
    collapsed samples, or, for a class-conditional generator, samples whose class the judge does not recognise;
    Fig. 4.4's collapse is measured, not assumed). sCOLA's rows also hold ``fid_equal_n``: its FID at the real
    subset's sample count (Fig. 4.5: sCOLA against the real images "by both scores")."""
    cache = cache or ArtifactCache()
    prefill(generation_plan(exp, with_beside=False, with_t_scale=False), cache, executor, workers, scheduler, progress)
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    judge = judge_key = None
    if exp.n_quality:
        judge, _ = exp.judge(cache, device, progress)
        judge_key = {"per_class": exp.judge_per_class, "clf": exp.judge_config().to_dict()}
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            cfg, clf_s, gan_s = exp.scola_config(seed), exp.classifier_config(seed), exp.gan_config(seed)
            for method in ("real",) + tuple(exp.methods):
                cfg_m = model_config(method, cfg, gan_s)
                f = fid_unit(method, subset, cfg_m, exp, cache, device, progress)
                arm = "real" if method == "real" else "synthetic"
                c = arm_unit(arm, subset, test, cfg_m, clf_s, exp.cas_per_class, cache, device, progress,
                             model_cls=SCOLA if method == "real" else _method_class(method))
                row = {"dataset": exp.dataset, "method": method, "size": size, "seed": seed,
                       "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"], "cas": c["accuracy"],
                       "cas_train_images": size * subset.num_classes if method == "real"
                       else exp.cas_per_class * subset.num_classes, "fid_weights": f["weights"],
                       "diversity": f.get("diversity", float("nan")),
                       "real_diversity": f.get("real_diversity", float("nan")),
                       "device": c.get("device", "")}
                if method == "scola":
                    row["fid_equal_n"] = fid_unit(method, subset, cfg_m, exp.equal_n_fid(subset.num_classes, size),
                                                  cache, device, progress)["fid"]
                if method != "real":
                    q = (sample_quality_unit(method, subset, cfg_m, judge, judge_key, exp.n_quality, cache, device,
                                             progress) if judge is not None else {})
                    if q:
                        row["gan_test"], row["mmgan_diversity"] = q["gan_test"], q["diversity"]
                    mem = f.get("memorisation")
                    row["copy_fraction"] = mem["copy_fraction"] if mem else float("nan")
                    row["failed"] = method_failure(method, row["cas"], q, subset.num_classes, exp.n_quality, mem)
                rows.append(row)
    return rows


def t_scale_experiment(exp: GenerationExperimentConfig, cache: ArtifactCache | None = None,
                       executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                       device=None, progress: bool = True) -> list[dict]:
    """Settles the relative scale of the t and v parts of the code (Sec. 3.2 is ambiguous) by experiment: for
    each of ``exp.t_scales``, sCOLA (seed 0, on the smallest size of ``exp``) with its final reconstruction loss and
    the GAN-test accuracy of ``min(exp.n_fid, 1000)`` samples (how often :meth:`~GenerationExperimentConfig.judge`
    recognises the intended class). ``executor``: as :func:`generation_experiment`'s (the judge and the fits)."""
    cache = cache or ArtifactCache()
    prefill(t_scale_plan(exp), cache, executor, workers, scheduler, progress)
    judge, _ = exp.judge(cache, device, progress)
    scola, n_samples = exp.scola_config(0), min(exp.n_fid, 1000)
    subset = small_sample(load_dataset(exp.dataset, "train"), min(exp.sizes), scola.seed)
    rows = []
    for t_scale in exp.t_scales:
        cfg = scola.replace(t_scale=t_scale)
        model = fit_or_load(SCOLA, cfg, subset, cache, device, progress)
        images, labels = model.sample(n_samples, seed=cfg.seed)
        rows.append({"t_scale": t_scale, "final_reconstruction_loss": model.history_[-1],
                     "gan_test_accuracy": evaluate(judge, images, labels, device=device)})
    return rows


def generation_summary(row_sets: list[list[dict]]) -> list[dict]:
    """Mean and spread of FID, CAS and intra-class diversity per dataset, method and size (notebook 03's summary
    table), over the rows of one or more :func:`generation_experiment` runs."""
    return [{"metric": metric, **s} for rows in row_sets for metric in ("fid", "cas", "diversity")
            for s in summarise(rows, by=("dataset", "method", "size"), value=metric)]


def train_times(exp: GenerationExperimentConfig, cache: ArtifactCache | None = None) -> list[dict]:
    """Each trained model's own training time and speed (images per second where the model records it), per method,
    size and subset of ``exp``; the models come from the cache (:func:`colalib.experiments.units.method_model`)."""
    train, out = load_dataset(exp.dataset, "train"), []
    for size in sorted(exp.sizes):
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            for method in exp.methods:
                m = method_model(method, subset, exp.scola_config(seed), exp.gan_config(seed), cache, progress=False)
                out.append({"method": method, "size": size, "seed": seed, "train_seconds": round(m.train_seconds_, 1),
                            "images_per_second": round(getattr(m, "images_per_second_", float("nan")), 1)})
    return out


# the slowest fits first, so that two workers finish together (CGAN-PD and COLA's MMDC + fit dominate notebook 03)
_FIT_ORDER = ("cgan_pd", "cola", "glo", "scola")


def generation_plan(exp: GenerationExperimentConfig, with_beside: bool = True, with_t_scale: bool = True) -> list[Task]:
    """Notebook 03's runs (Fig. 4.1, 4.5; the t/v scale study): per dataset (``exp`` and, when ``with_beside``, each of
    ``exp.beside_configs()``), size, subset and method one fit, then its FID and CAS units (and, with ``n_quality``,
    the judge's scores of its samples; for sCOLA its FID at the real subset's sample count); the real subset's FID and
    Real arm need no model; the judge and, when ``with_t_scale``, the t-scale fits of the scale study. The same units,
    with the same keys, as :func:`generation_experiment` and :func:`t_scale_experiment`."""
    fits, scored = [], []
    judges = [_judge_task(exp)]
    for e in [exp] + (exp.beside_configs() if with_beside else []):
        e_judge = _judge_task(e).key
        if e.n_quality and e_judge != judges[0].key:
            judges.append(_judge_task(e))
        for size in sorted(e.sizes, reverse=True):
            for seed in e.seeds:
                cfg, clf_s, gan_s = e.scola_config(seed), e.classifier_config(seed), e.gan_config(seed)
                at = f"{e.dataset}/{size}/{seed}"
                for method in ("real",) + tuple(e.methods):
                    cfg_m = model_config(method, cfg, gan_s)
                    deps: tuple[str, ...] = ()
                    if method != "real":
                        deps = (f"fit/{method}/{at}",)
                        fits.append((_FIT_ORDER.index(method) if method in _FIT_ORDER else 0,
                                     Task(deps[0], fit_task, dict(method=method, dataset=e.dataset, size=size,
                                                                  seed=seed, config=cfg_m))))
                    scored.append(Task(f"fid/{method}/{at}/n{e.n_fid}", fid_task, dict(method=method, dataset=e.dataset,
                                                                           size=size, seed=seed, config=cfg_m, exp=e),
                                       deps=deps))
                    scored.append(Task(f"cas/{method}/{at}/n{e.cas_per_class}", arm_task,
                                       dict(arm="real" if method == "real" else "synthetic", dataset=e.dataset,
                                            size=size, seed=seed, scola=cfg_m, clf=clf_s,
                                            synthetic_per_class=e.cas_per_class,
                                            method="scola" if method == "real" else method), deps=deps))
                    if method == "scola":
                        scored.append(Task(f"fid/{method}/{at}/n_real", fid_task,
                                           dict(method=method, dataset=e.dataset, size=size, seed=seed, config=cfg_m,
                                                exp=e, equal_n=True), deps=deps))
                    if method != "real" and e.n_quality:
                        scored.append(Task(f"quality/{method}/{at}/n{e.n_quality}", quality_task,
                                           dict(method=method, dataset=e.dataset, size=size, seed=seed, config=cfg_m,
                                                judge_per_class=e.judge_per_class, judge_clf=e.judge_config(),
                                                n=e.n_quality), deps=deps + (e_judge,)))
    def once(ts):  # a dataset beside itself: the same units (keys name everything that differs), planned once
        kept: dict[str, Task] = {}
        for t in ts:
            kept.setdefault(t.key, t)
        return list(kept.values())

    tasks = once(t for _, t in sorted(fits, key=lambda p: p[0]))
    scored = once(scored)
    if with_t_scale:
        known, default = {t.key for t in tasks}, exp.scola_config(0)
        own_fit = f"fit/scola/{exp.dataset}/{min(exp.sizes)}/{default.seed}"  # the default scale's fit, when planned
        tasks += [t for t in t_scale_plan(exp) if t.fn is fit_task
                  and not (t.kwargs["config"].t_scale == default.t_scale and own_fit in known)]
    return judges + tasks + scored


def _judge_task(exp: GenerationExperimentConfig) -> Task:
    """The plan task of ``exp``'s GAN-test judge (:meth:`GenerationExperimentConfig.judge`)."""
    return Task(f"judge/{exp.dataset}/{exp.judge_per_class}", judge_task,
                dict(dataset=exp.dataset, per_class=exp.judge_per_class, clf=exp.judge_config()))


def t_scale_plan(exp: GenerationExperimentConfig) -> list[Task]:
    """The units of :func:`t_scale_experiment`: the judge, and one sCOLA fit per ``exp.t_scales`` (seed 0, the
    smallest size)."""
    small, scola = min(exp.sizes), exp.scola_config(0)
    return [_judge_task(exp)] + [Task(f"fit/scola-t{t_scale}/{exp.dataset}/{small}/{scola.seed}", fit_task,
                           dict(method="scola", dataset=exp.dataset, size=small, seed=scola.seed,
                                config=scola.replace(t_scale=t_scale)))
                      for t_scale in exp.t_scales]
