"""Chapter 4 (Fig. 4.1, 4.5; notebook 03): FID and CAS per method and training size, and the t/v scale study."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..cola import SCOLA, SCOLAConfig
from ..config import StudyConfig
from ..data import load_dataset, small_sample
from ..gan import GANConfig
from ..utils import get_device
from .units import arm_unit, fid_unit, fit_or_load
from .registry import _method_class, model_config


@dataclass(frozen=True)
class GenerationExperimentConfig(StudyConfig):
    """Chapter 4 protocol (Fig. 4.1, 4.5; App. C.4): FID and CAS per method, training size and run."""

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
        "quick": {"sizes": (10, 50), "seeds": (0,), "n_fid": 1000, "n_real_fid": 1000, "cas_per_class": 200,
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

    def judge_config(self, clf: ClassifierConfig) -> ClassifierConfig:
        """The GAN-test judge's recipe: ``clf`` with seed 0, trained on ``judge_per_class`` real images per class
        (:func:`colalib.experiments.units.reference_classifier`; the same judge as notebook 07's)."""
        return clf.replace(seed=0)

    def equal_n_fid(self, num_classes: int, size: int) -> "GenerationExperimentConfig":
        """This protocol with ``n_fid`` equal to the real subset's image count at ``size`` per class: the generated
        FID that can be set against the real subset's own (FID is biased upwards at small n)."""
        return self.replace(n_fid=size * num_classes)


def generation_experiment(exp: GenerationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                          cache: ArtifactCache | None = None, device=None, progress: bool = True,
                          gan: GANConfig | None = None) -> list[dict]:
    """Rows ``{method, size, seed, fid, cas, ...}`` for each method and the real subset (``method="real"``).
    ``gan``: the CGAN-PD configuration (method ``"cgan_pd"``; None: ``GANConfig`` of ``scola``'s profile); its
    seed is replaced by each run's seed, as ``scola``'s is.

    With ``exp.n_quality``, each generator's samples are also scored by the GAN-test judge
    (:func:`colalib.experiments.units.sample_quality_unit`: ``gan_test``, MM-GAN's ``mmgan_diversity``), and
    ``failed`` says why a generator's result is degenerate (:func:`colalib.metrics.degenerate_reason`: CAS at chance,
    collapsed samples, or, for a class-conditional generator, samples whose class the judge does not recognise;
    Fig. 4.4's collapse is measured, not assumed). sCOLA's rows also hold ``fid_equal_n``: its FID at the real
    subset's sample count (Fig. 4.5: sCOLA against the real images "by both scores")."""
    from .registry import method_failure
    from .units import reference_classifier, sample_quality_unit
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    judge = judge_key = None
    if exp.n_quality:
        judge_clf = exp.judge_config(clf)
        judge, _ = reference_classifier(exp.dataset, exp.judge_per_class, judge_clf, cache, device, progress)
        judge_key = {"per_class": exp.judge_per_class, "clf": judge_clf.to_dict()}
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            cfg, clf_s = scola.replace(seed=seed), clf.replace(seed=seed)
            gan_s = gan.replace(seed=seed) if gan is not None else None
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
                    row["failed"] = method_failure(method, row["cas"], q, subset.num_classes, exp.n_quality)
                rows.append(row)
    return rows


def t_scale_experiment(dataset: str, size: int, t_scales: tuple[float, ...], scola: SCOLAConfig, judge: Any,
                       n_samples: int = 1000, cache: ArtifactCache | None = None, device=None,
                       progress: bool = True) -> list[dict]:
    """Settles the relative scale of the t and v parts of the code (Sec. 3.2 is ambiguous) by experiment: for
    each ``t_scale``, sCOLA's final reconstruction loss and the GAN-test accuracy of its samples (how often a
    real-data classifier recognises the intended class)."""
    from ..classification import evaluate
    cache = cache or ArtifactCache()
    subset = small_sample(load_dataset(dataset, "train"), size, scola.seed)
    rows = []
    for t_scale in t_scales:
        cfg = scola.replace(t_scale=t_scale)
        model = fit_or_load(SCOLA, cfg, subset, cache, device, progress)
        images, labels = model.sample(n_samples, seed=cfg.seed)
        rows.append({"t_scale": t_scale, "final_reconstruction_loss": model.history_[-1],
                     "gan_test_accuracy": evaluate(judge, images, labels, device=device)})
    return rows


def generation_summary(row_sets: list[list[dict]]) -> list[dict]:
    """Mean and spread of FID, CAS and intra-class diversity per dataset, method and size (notebook 03's summary
    table), over the rows of one or more :func:`generation_experiment` runs."""
    from ..stats import summarise
    return [{"metric": metric, **s} for rows in row_sets for metric in ("fid", "cas", "diversity")
            for s in summarise(rows, by=("dataset", "method", "size"), value=metric)]


def train_times(exp: GenerationExperimentConfig, scola: SCOLAConfig, gan: GANConfig | None = None,
                cache: ArtifactCache | None = None) -> list[dict]:
    """Each trained model's own training time and speed (images per second where the model records it), per method,
    size and subset of ``exp``; the models come from the cache (:func:`colalib.experiments.units.method_model`)."""
    from .units import method_model
    train, out = load_dataset(exp.dataset, "train"), []
    for size in sorted(exp.sizes):
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            for method in exp.methods:
                m = method_model(method, subset, scola.replace(seed=seed), gan.replace(seed=seed) if gan else None,
                                 cache, progress=False)
                out.append({"method": method, "size": size, "seed": seed, "train_seconds": round(m.train_seconds_, 1),
                            "images_per_second": round(getattr(m, "images_per_second_", float("nan")), 1)})
    return out
