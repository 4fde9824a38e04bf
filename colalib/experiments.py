"""Experiment runners behind the notebooks: each unit of work (one model fit, one classifier, one FID) is cached
by the hash of everything that determines it, so an interrupted ``make figures`` resumes where it stopped.

  * :func:`classification_experiment` — chapter 5 (Table 5.1, Fig. 5.1, Table 5.2);
  * :func:`generation_experiment` — chapter 4 (Fig. 4.1, 4.5): FID and CAS per method and training size;
  * :func:`generator_ablation` / :func:`similarity_ablation` — Sec. 4.3.1 (Table 4.3) and Sec. 5.3.1 (Fig. 5.2),
    notebook 04, configured by :class:`AblationExperimentConfig`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from .cache import ArtifactCache
from .classification import ClassifierConfig, train_and_evaluate
from .cola import COLA, SCOLA, SCOLAConfig, dataset_fingerprint, fit_or_load
from .config import ExperimentConfig
from .data import ImageDataset, load_dataset, small_sample
from .gan import CGANPD, GANConfig
from .stats import paired_differences, summarise  # noqa: F401  (re-exported)
from .utils import get_device


@dataclass(frozen=True)
class ClassificationExperimentConfig(ExperimentConfig):
    """Chapter 5 protocol: sizes x seeds, sCOLA per subset, Real / Synthetic / Mix classifiers."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (5, 10, 20, 50, 100)
    seeds: tuple[int, ...] = (0, 1, 2)
    arms: tuple[str, ...] = ("real", "synthetic", "mix")
    synthetic_per_class: int = 500

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5, 10), "seeds": (0,), "synthetic_per_class": 20},
        "quick": {"sizes": (10, 50), "seeds": (0, 1), "synthetic_per_class": 200},
        "paper": {},
    }


def _unit_key(**parts: Any) -> dict:
    return {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in parts.items()}


def arm_unit(arm: str, subset: ImageDataset, test: ImageDataset, scola: SCOLAConfig, clf: ClassifierConfig,
             synthetic_per_class: int, cache: ArtifactCache, device, progress: bool = True,
             model_cls: type = SCOLA, synthetic: dict | None = None, sampling: dict | None = None) -> dict:
    """One classifier unit (cached): ``real``, ``synthetic`` (= CAS of ``model_cls``) or ``mix``.

    ``synthetic`` is a dict shared between the arms of one subset, filled on first use with the generated set, so
    the model is fitted (or loaded) and sampled once per subset. ``sampling``: keyword arguments of
    ``model.sample`` other than the thesis's default (e.g. ``{"method": "convex"}``), part of the cache key.
    """
    key = _unit_key(unit="classification", arm=arm, data=dataset_fingerprint(subset), test=dataset_fingerprint(test),
                    clf=clf, scola=scola if arm != "real" else None,
                    synthetic_per_class=synthetic_per_class if arm != "real" else None)
    if arm != "real" and model_cls is not SCOLA:
        key["model"] = model_cls.__name__
    if arm != "real" and sampling:
        key["sampling"] = dict(sorted(sampling.items()))
    synthetic = {} if synthetic is None else synthetic

    def compute() -> dict:
        refresh = None
        if arm != "real" and ("set" not in synthetic or (arm == "mix" and clf.synthetic_refresh)):
            model = fit_model(model_cls, scola, subset, cache, device, progress)
            n_syn = synthetic_per_class * subset.num_classes
            synthetic["set"] = model.sample(n_syn, seed=scola.seed, **(sampling or {}))
            if arm == "mix" and clf.synthetic_refresh:  # GLICO's unlimited pool: a new set every epoch
                refresh = lambda epoch: model.sample(n_syn, seed=scola.seed + 7919 * epoch,  # noqa: E731
                                                     **(sampling or {}))
        out = train_and_evaluate(arm, (subset.images, subset.labels), synthetic.get("set"),
                                 (test.images, test.labels), subset.num_classes, clf, device, progress,
                                 refresh=refresh)
        return {**out, "device": str(device)}

    return cache.get_or_compute("classification", key, compute)


def classification_experiment(exp: ClassificationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                              cache: ArtifactCache | None = None, device=None, progress: bool = True,
                              on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Rows ``{dataset, size, seed, arm, accuracy, ...}`` for every size, seed and arm (cached per unit)."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            shared: dict = {}
            for arm in exp.arms:
                result = arm_unit(arm, subset, test, scola.replace(seed=seed), clf.replace(seed=seed),
                                  exp.synthetic_per_class, cache, device, progress, synthetic=shared)
                row = {"dataset": exp.dataset, "size": size, "seed": seed, **result}
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


@dataclass(frozen=True)
class GenerationExperimentConfig(ExperimentConfig):
    """Chapter 4 protocol (Fig. 4.1, 4.5; App. C.4): FID and CAS per method, training size and run."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (10, 100, 1000, 5000)
    seeds: tuple[int, ...] = (0, 1, 2)
    methods: tuple[str, ...] = ("scola", "glo", "cola", "cgan_pd")
    n_fid: int = 10_000
    n_real_fid: int | None = None  # None: the whole test split (10K for CIFAR)
    cas_per_class: int = 500

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5,), "seeds": (0,), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10},
        "quick": {"sizes": (10, 50), "seeds": (0,), "n_fid": 1000, "n_real_fid": 1000, "cas_per_class": 200},
        "paper": {},
    }


def _method_classes() -> dict[str, tuple[type, type | None]]:
    """Method name -> (estimator class, its own config class or None when it is trained with the sCOLA config)."""
    from .baselines import GLO
    from .mmgan import MMGAN, MMGANConfig
    from .peers import AugIntAE, AugIntAEConfig, ReGene, ReGeneConfig
    return {"scola": (SCOLA, None), "glo": (GLO, None), "cola": (COLA, None), "cgan_pd": (CGANPD, GANConfig),
            "regene": (ReGene, ReGeneConfig), "mmgan": (MMGAN, MMGANConfig), "augintae": (AugIntAE, AugIntAEConfig)}


def _method_class(method: str) -> type:
    classes = _method_classes()
    if method not in classes:
        raise ValueError(f"Unknown method {method!r}; choose from {sorted(classes)}")
    return classes[method][0]


def model_config(method: str, scola: ExperimentConfig, gan: GANConfig | None = None) -> ExperimentConfig:
    """The configuration ``method`` is trained with: sCOLA, GLO and COLA use ``scola``; CGAN-PD (``"cgan_pd"``)
    uses ``gan``, by default ``GANConfig.for_profile(scola.profile, seed=scola.seed)``; the related methods of
    notebook 07 (``"regene"``, ``"mmgan"``, ``"augintae"``) their own config class's profile of ``scola.profile``
    with ``scola``'s seed. A config that already is of the method's class is used as it is."""
    if method == "real":  # the real subset: no model
        return scola
    _method_class(method)  # fail early on an unknown method
    own = _method_classes()[method][1]
    if own is None or type(scola) is own:
        return scola
    if method == "cgan_pd" and gan is not None:
        return gan
    return own.for_profile(scola.profile, seed=scola.seed)


def fit_model(model_cls: type, config: ExperimentConfig, subset: ImageDataset, cache: ArtifactCache | None = None,
              device=None, progress: bool = True) -> Any:
    """``model_cls`` trained on ``subset`` (cached, :func:`colalib.cola.fit_or_load`).

    Unsupervised COLA (``COLA``) first runs step I, MMDC (Sec. 3.1), on the same images with the
    ``MMDCConfig`` of ``config``'s profile and seed (:func:`clustering_unit`, cached), initialises t with its targets
    and uses its clusters in step III; its clusters are then Hungarian-matched to the true labels (scoring only,
    ``COLA.match_clusters``), so that CAS and Mix accuracy can be computed as for GLO.
    """
    if model_cls is not COLA:
        n_unlabelled = getattr(config, "transductive", 0)
        if n_unlabelled:  # a labelled, non-default variant: codes for unlabelled test images too (notebook 05)
            pool = transductive_images(subset, n_unlabelled, config.seed)
            return fit_or_load(model_cls, config, subset, cache, device, progress, unlabelled=pool)
        return fit_or_load(model_cls, config, subset, cache, device, progress)
    from .clustering import MMDCConfig
    step1 = MMDCConfig.for_profile(config.profile, num_clusters=subset.num_classes, seed=config.seed)
    mmdc = clustering_unit(step1, subset, cache, device, progress)
    model = fit_or_load(COLA, config, subset, cache, device, progress, targets=mmdc["targets"],
                        clusters=mmdc["clusters"])
    return model.match_clusters(subset.labels)


def transductive_images(subset: ImageDataset, n: int, seed: int) -> np.ndarray:
    """``n`` images of ``subset``'s dataset's *test* split (a seeded random draw, labels discarded): the unlabelled
    images a transductive sCOLA also fits (GLICO's ``--tr``). The classifiers are then evaluated on a test set that
    contains them: transduction, never the reproduction."""
    test = load_dataset(subset.name, "test")
    if n > len(test):
        raise ValueError(f"transductive={n} exceeds the {len(test)} test images of {subset.name}")
    idx = np.sort(np.random.default_rng(10_000 + seed).choice(len(test), n, replace=False))
    return test.images[idx]


def method_model(method: str, subset: ImageDataset, scola: SCOLAConfig, gan: GANConfig | None = None,
                 cache: ArtifactCache | None = None, device=None, progress: bool = True) -> Any:
    """The trained model of ``method`` (``"scola"``, ``"glo"``, ``"cola"``, ``"cgan_pd"``) on ``subset``, as the
    generation experiment trains it (cached): :func:`model_config` then :func:`fit_model`."""
    return fit_model(_method_class(method), model_config(method, scola, gan), subset, cache, device, progress)


def fid_unit(method: str, subset: ImageDataset, scola: ExperimentConfig, exp: GenerationExperimentConfig,
             cache: ArtifactCache, device, progress: bool = True, gan: GANConfig | None = None) -> dict:
    """FID of ``exp.n_fid`` samples of ``method`` trained on ``subset`` against the test split (cached).
    ``method="real"`` scores the real subset itself (its own size). The model's configuration is
    :func:`model_config` of ``method``, ``scola`` and ``gan``."""
    from .metrics import fid_against_dataset, fid_weights_info
    scola = model_config(method, scola, gan)
    key = _unit_key(unit="fid", method=method, data=dataset_fingerprint(subset), n_fid=exp.n_fid,
                    n_real=exp.n_real_fid, scola=scola if method != "real" else None,
                    weights=fid_weights_info()["sha256"], with_diversity=True)

    def compute() -> dict:
        if method == "real":
            images, labels = subset.images, subset.labels
        else:
            model = fit_model(_method_class(method), scola, subset, cache, device, progress)
            images, labels = model.sample(exp.n_fid, seed=scola.seed + 1)
        return fid_against_dataset(images, exp.dataset, "test", exp.n_real_fid, device=device, progress=progress,
                                   gen_labels=labels)

    return cache.get_or_compute("fid", key, compute)


def generation_experiment(exp: GenerationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                          cache: ArtifactCache | None = None, device=None, progress: bool = True,
                          gan: GANConfig | None = None) -> list[dict]:
    """Rows ``{method, size, seed, fid, cas, ...}`` for each method and the real subset (``method="real"``).
    ``gan``: the CGAN-PD configuration (method ``"cgan_pd"``; None: ``GANConfig`` of ``scola``'s profile); its
    seed is replaced by each run's seed, as ``scola``'s is."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
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
                rows.append({"dataset": exp.dataset, "method": method, "size": size, "seed": seed,
                             "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"], "cas": c["accuracy"],
                             "cas_train_images": size * subset.num_classes if method == "real"
                             else exp.cas_per_class * subset.num_classes, "fid_weights": f["weights"],
                             "diversity": f.get("diversity", float("nan")),
                             "real_diversity": f.get("real_diversity", float("nan")),
                             "device": c.get("device", "")})
    return rows


def main(argv: list[str] | None = None) -> int:
    """Fill the cache headlessly (e.g. on a GPU machine): ``python -m colalib.experiments classification
    --profile paper --seeds 0`` (or ``mix-variants``, or ``generation --methods cola cgan_pd``). The notebooks then
    reuse every finished unit."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("experiment", choices=["classification", "mix-variants", "generation", "peers"])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--seeds", type=int, nargs="*")
    parser.add_argument("--dataset")
    parser.add_argument("--arch", help="classifier (Table 5.2 ablation)")
    parser.add_argument("--arms", nargs="*")
    parser.add_argument("--methods", nargs="*", help="generation: e.g. cola cgan_pd")
    args = parser.parse_args(argv)
    from .utils import set_num_threads
    set_num_threads()  # COLA_THREADS or every core
    over = {k: tuple(v) if isinstance(v, list) else v for k, v in
            (("sizes", args.sizes), ("seeds", args.seeds), ("dataset", args.dataset), ("arms", args.arms)) if v}
    if args.experiment == "peers":
        pover = {k: v for k, v in over.items() if k != "arms"}
        if args.methods:
            pover["methods"] = tuple(args.methods)
        peers_experiment(PeersExperimentConfig.for_profile(args.profile, **pover), SCOLAConfig.for_profile(args.profile),
                         ClassifierConfig.for_profile(args.profile), progress=False,
                         on_row=lambda r: print(json.dumps(r), flush=True))
        return 0
    if args.experiment == "generation":
        gen_over = {k: v for k, v in over.items() if k != "arms"}
        if args.methods:
            gen_over["methods"] = tuple(args.methods)
        gexp = GenerationExperimentConfig.for_profile(args.profile, **gen_over)
        rows = generation_experiment(gexp, SCOLAConfig.for_profile(args.profile),
                                     ClassifierConfig.for_profile(args.profile), progress=False,
                                     gan=GANConfig.for_profile(args.profile))
        for r in rows:
            print(json.dumps(r), flush=True)
        return 0
    exp = ClassificationExperimentConfig.for_profile(args.profile, **over)
    if args.experiment == "mix-variants":
        rows = mix_variant_experiment(exp.dataset, exp.sizes, exp.seeds, SCOLAConfig.for_profile(args.profile),
                                      ClassifierConfig.for_profile(args.profile), exp.synthetic_per_class,
                                      progress=False, on_row=lambda r: print(json.dumps(r), flush=True))
        print(json.dumps(summarise(rows, ("size", "variant"))))
        return 0
    rows = classification_experiment(exp, SCOLAConfig.for_profile(args.profile),
                                     ClassifierConfig.for_profile(args.profile, **({"arch": args.arch} if args.arch else {})),
                                     progress=False,
                                     on_row=lambda r: print(json.dumps(r), flush=True))
    print(json.dumps(paired_differences(rows)))
    return 0



def reference_classifier(dataset: str, per_class: int, clf: ClassifierConfig, cache: ArtifactCache | None = None,
                         device=None, progress: bool = True) -> tuple[Any, float]:
    """A classifier trained on ``per_class`` real images per class (cached weights) and its test accuracy:
    the judge of the GAN-test score (accuracy of a real-data classifier on generated images; Shmelkov et al.)."""
    from .classification import evaluate, train_classifier
    from .models import build_classifier
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    subset = small_sample(train, per_class, clf.seed)
    key = _unit_key(unit="reference_classifier", data=dataset_fingerprint(subset), clf=clf)
    state = cache.load("reference_classifier", key, kind="torch")
    model = build_classifier(clf.arch, train.num_classes, train.image_size)
    if state is None:
        trained = train_classifier(subset.images, subset.labels, train.num_classes, clf, device, progress)
        state = {"weights": {k: v.cpu() for k, v in trained.state_dict().items()},
                 "test_accuracy": evaluate(trained, test.images, test.labels, device=device)}
        cache.save("reference_classifier", key, state, kind="torch")
    model.load_state_dict(state["weights"])
    return model.to(device).eval(), state["test_accuracy"]


def t_scale_experiment(dataset: str, size: int, t_scales: tuple[float, ...], scola: SCOLAConfig, judge: Any,
                       n_samples: int = 1000, cache: ArtifactCache | None = None, device=None,
                       progress: bool = True) -> list[dict]:
    """Settles the relative scale of the t and v parts of the code (Sec. 3.2 is ambiguous) by experiment: for
    each ``t_scale``, sCOLA's final reconstruction loss and the GAN-test accuracy of its samples (how often a
    real-data classifier recognises the intended class)."""
    from .classification import evaluate
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


def clustering_unit(config: Any, subset: ImageDataset, cache: ArtifactCache | None = None, device=None,
                    progress: bool = True) -> dict:
    """Fit MMDC (step I) on ``subset`` (cached): final targets, clusters, embeddings, scores against the labels."""
    from .clustering import MMDC
    from .metrics import clustering_scores
    cache = cache or ArtifactCache()
    key = _unit_key(unit="mmdc", config=config, data=dataset_fingerprint(subset))

    def compute() -> dict:
        model = MMDC(config, device=device, progress=progress).fit(subset.images)
        return {"targets": model.targets_, "clusters": model.labels_, "embeddings": model.embeddings_,
                "predicted": model.predict(subset.images), "history": model.history_,
                "train_seconds": model.train_seconds_, "scores": clustering_scores(subset.labels, model.labels_),
                "device": str(get_device(device))}

    return cache.get_or_compute("mmdc", key, compute, kind="torch")


# The Mix variants behind "why the gap to the thesis" (notebook 05): the thesis's sampler and mixing, and
# alternatives that change one thing each. Values: (sCOLA config overrides, ``model.sample`` keyword arguments).
MIX_VARIANTS: dict[str, tuple[dict, dict]] = {
    "Gaussian (thesis)": ({}, {}),
    "Gaussian, spread 0.5": ({}, {"spread": 0.5}),
    "Gaussian, spread 2": ({}, {"spread": 2.0}),
    "convex, 3 codes (ReGene)": ({}, {"method": "convex", "n_mix": 3}),
    "reconstructions (no new codes)": ({}, {"method": "reconstruction"}),
    "Gaussian, t scale 2": ({"t_scale": 2.0}, {}),
}


def mix_variant_experiment(dataset: str, sizes: tuple[int, ...], seeds: tuple[int, ...], scola: SCOLAConfig,
                           clf: ClassifierConfig, synthetic_per_class: int,
                           variants: dict[str, tuple[dict, dict]] | None = None, cache: ArtifactCache | None = None,
                           device=None, progress: bool = True,
                           on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Real and Mix accuracy of each variant of step III / mixing on the same subsets (paired by seed): which
    change closes the gap between our Mix and the thesis's? Rows ``{size, seed, variant, accuracy, ...}``; the
    variant ``"real"`` is the Real arm. Every unit is cached like the classification experiment's."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    variants = MIX_VARIANTS if variants is None else variants
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



# Notebook 07: the seeds' related methods on the thesis's small-sample protocol (issue: 07_peers).
PEER_METHODS: tuple[str, ...] = ("scola", "glo", "cgan_pd", "regene", "mmgan", "augintae")

# Step-III samplers of the related methods, applied to one trained sCOLA (scored by Mix accuracy).
PEER_SAMPLERS: dict[str, tuple[dict, dict]] = {
    "Gaussian (thesis)": MIX_VARIANTS["Gaussian (thesis)"],
    "convex, 3 codes (ReGene)": MIX_VARIANTS["convex, 3 codes (ReGene)"],
    "SLERP, 2 codes (AugIntAE)": ({}, {"method": "slerp"}),
}


@dataclass(frozen=True)
class PeersExperimentConfig(ExperimentConfig):
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


def sample_quality_unit(method: str, subset: ImageDataset, config: ExperimentConfig, judge: Any, judge_key: dict,
                        n: int, cache: ArtifactCache, device, progress: bool = True) -> dict:
    """GAN-test accuracy (ReGene's measure: the real-data ``judge`` classifies the samples), MM-GAN's quality,
    diversity and combined scores (paper 003 Eqs. 3.2-3.7, features and predictions of the same judge) and the
    mean pixel distance of each sample to its nearest training image (memorisation: 0 = a copy) of ``n`` samples
    of ``method`` trained on ``subset`` (cached)."""
    from .metrics import gan_test_accuracy, nearest_training_neighbours, quality_diversity_scores
    key = _unit_key(unit="sample_quality", method=method, data=dataset_fingerprint(subset), config=config,
                    judge=judge_key, n=n)

    def compute() -> dict:
        model = fit_model(_method_class(method), config, subset, cache, device, progress)
        images, labels = model.sample(n, seed=config.seed + 2)
        qd = quality_diversity_scores(judge, images, subset.images, subset.num_classes, device=device)
        _, dist = nearest_training_neighbours(images, subset.images)
        _, real_dist = nearest_training_neighbours(subset.images, subset.images, k=2)
        return {"gan_test": gan_test_accuracy(judge, images, labels, device=device)["gan_test"],
                **{k: qd[k] for k in ("quality", "diversity", "diversity_intra", "diversity_inter", "combined",
                                      "alpha")},
                "nn_distance": float(dist[:, 0].mean()), "train_nn_distance": float(real_dist[:, 1].mean()),
                "train_seconds": float(getattr(model, "train_seconds_", float("nan")))}

    return cache.get_or_compute("sample_quality", key, compute)


def peers_experiment(exp: PeersExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                     cache: ArtifactCache | None = None, device=None, progress: bool = True,
                     on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """One row per method, size and seed: FID and CAS (the generation experiment's units), Mix accuracy (the
    classification experiment's recipe, ``model_cls`` = the method), Real accuracy of the same subset, the samples'
    GAN-test / quality / diversity / nearest-neighbour scores, and the method's training time. Each method is
    trained with :func:`model_config` of ``scola``'s profile and the run's seed. ``failed`` says why a method's
    result is degenerate (:func:`colalib.metrics.degenerate_reason`; empty when it is not)."""
    from .metrics import degenerate_reason
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
                row["failed"] = degenerate_reason(row["cas"], row.get("diversity"), train.num_classes)
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


def toy_unit(config: Any, spreads: tuple[float, ...] = (1.0,), cache: ArtifactCache | None = None,
             progress: bool = False) -> dict:
    """The MM-GAN toy (paper 003 Sec. 4.1; :func:`colalib.toy.toy_experiment`) for ``config`` (a ``ToyConfig``),
    cached: scatter points, negative log-likelihood under the true mixture and mode coverage per method."""
    from .toy import toy_experiment
    cache = cache or ArtifactCache()
    key = _unit_key(unit="toy", config=config, spreads=list(spreads))
    return cache.get_or_compute("toy", key, lambda: toy_experiment(config, spreads=spreads, progress=progress),
                                kind="torch")


@dataclass(frozen=True)
class FIDInadequacyConfig(ExperimentConfig):
    """Appendix A (FID inadequacy) and B (class-content transfer): one sCOLA, sampled at several spreads.

    ``per_class`` None: the whole training split (the thesis's full-data sCOLA). The "concentrated" and "sparse"
    sets of the thesis are the smallest and the largest of ``spreads``. Class-content transfer also uses a
    conditional-batch-norm sCOLA (``cgan_res``) trained on ``transfer_per_class`` images per class,
    ``transfer_generator_width`` channels (0: the thesis's 256) and ``transfer_epochs`` epochs (0: the profile's).
    ``spread_space`` / ``covariance``: the step-III reading the sweep samples with (:mod:`colalib.sampling`). The
    ambient Ledoit-Wolf reading does not let ``spread`` act beyond about 1 (the re-projection divides it out), so
    the sweep samples in the tangent space, where spread 0 is the class mean and the angle grows with it.
    """

    def step_iii(self) -> dict:
        """The sCOLA config overrides of this sweep's step-III reading."""
        return {"spread_space": self.spread_space, "covariance": self.covariance}

    dataset: str = "cifar10"
    per_class: int | None = None
    spreads: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0)
    n_fid: int = 10_000
    n_real_fid: int | None = None
    cas_per_class: int = 5000
    transfer_per_class: int | None = None
    transfer_generator_width: int = 0
    transfer_epochs: int = 0
    spread_space: str = "tangent"   # where spread acts: the tangent space, so the re-projection cannot cancel it
    covariance: str = "ledoit_wolf"

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 10, "spreads": (0.25, 1.0), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10, "transfer_per_class": 5, "transfer_generator_width": 16},
        "quick": {"per_class": 100, "spreads": (0.25, 0.5, 1.0, 2.0), "n_fid": 1000, "n_real_fid": 1000,
                  "cas_per_class": 200, "transfer_per_class": 20, "transfer_generator_width": 64,
                  "transfer_epochs": 100},
        "paper": {},
    }


def spread_unit(model: Any, model_key: dict, spread: float, dataset: str, n_fid: int, n_real_fid: int | None,
                cas_per_class: int, clf: ClassifierConfig, cache: ArtifactCache, device, test: ImageDataset,
                progress: bool = True) -> dict:
    """Appendix A at one ``spread`` (factor on the step-III standard deviation): FID of ``n_fid`` samples against the test
    split, their intra-class diversity (mean pairwise Inception pool3 distance within a class, what a single
    Gaussian over all classes does not see) and CAS of ``cas_per_class`` samples per class (cached)."""
    from .metrics import (fid_weights_info, frechet_distance, frechet_stats, inception_features,
                          intra_class_diversity, real_stats)
    key = _unit_key(unit="spread", model=model_key, spread=spread, n_fid=n_fid, n_real=n_real_fid,
                    cas_per_class=cas_per_class, clf=clf, weights=fid_weights_info()["sha256"])

    def compute() -> dict:
        images, labels = model.sample(n_fid, spread=spread, seed=clf.seed + 1)
        feats = inception_features(images, device=device, progress=progress)
        real = real_stats(dataset, "test", n_real_fid, device=device, progress=progress)
        cas_x, cas_y = model.sample(cas_per_class * model.num_classes_, spread=spread, seed=clf.seed)
        out = train_and_evaluate("synthetic", (test.images[:0], test.labels[:0]), (cas_x, cas_y),
                                 (test.images, test.labels), model.num_classes_, clf, device, progress)
        return {"spread": spread, "fid": frechet_distance(frechet_stats(feats), (real["mu"], real["sigma"])),
                "n_fake": len(images), "n_real": real["n"], "diversity": intra_class_diversity(feats, labels)["mean"],
                "real_diversity": real.get("diversity", float("nan")), "cas": out["accuracy"],
                "cas_train_images": len(cas_x), "cas_seconds": out["train_seconds"],
                "fid_weights": fid_weights_info()["weights"], "device": str(device)}

    return cache.get_or_compute("fid", key, compute)


def spread_sweep(dataset: str, per_class: int | None, spreads: tuple[float, ...], scola: SCOLAConfig,
                 clf: ClassifierConfig, n_fid: int, n_real_fid: int | None, cas_per_class: int,
                 cache: ArtifactCache | None = None, device=None, progress: bool = True) -> tuple[Any, list[dict]]:
    """Appendix A (FID inadequacy): one sCOLA trained on ``per_class`` images per class (None: the whole training
    split), sampled at every ``spread``; returns the model and one row per spread (see :func:`spread_unit`)."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    subset = train if per_class is None else small_sample(train, per_class, scola.seed)
    model = fit_or_load(SCOLA, scola, subset, cache, device, progress)
    model_key = {"config": scola.to_dict(), "data": dataset_fingerprint(subset)}
    rows = [spread_unit(model, model_key, s, dataset, n_fid, n_real_fid, cas_per_class, clf, cache, device, test,
                        progress) for s in spreads]
    return model, rows


# ------------------------------------------------------------------------------- ablations (notebook 04)
# Thesis Sec. 4.3.1 (generator architecture, Tables 4.2-4.3) and Sec. 5.3.1 (similarity measure, Fig. 5.2).

SIMILARITY_MEASURES: dict[str, dict[str, Any]] = {
    # name -> SCOLAConfig overrides (Sec. 5.3.1, items 1-6)
    "laplacian": {"loss": "laplacian"},
    "l1": {"loss": "l1"},
    "resnet32_random": {"loss": "perceptual_net", "perceptual_net": "resnet32_random"},
    "resnet32_trained": {"loss": "perceptual_net", "perceptual_net": "resnet32_trained"},
    "resnet32_kmeans": {"loss": "perceptual_net", "perceptual_net": "resnet32_kmeans"},
    "vgg16": {"loss": "perceptual_vgg16"},
}
SIMILARITY_LABELS = {"laplacian": "Laplacian pyramid", "l1": "L1 (pixels)", "resnet32_random": "ResNet-32, random",
                     "resnet32_trained": "ResNet-32, trained on the sample",
                     "resnet32_kmeans": "ResNet-32, stacked k-means", "vgg16": "ImageNet VGG16"}


@dataclass(frozen=True)
class AblationExperimentConfig(ExperimentConfig):
    """Protocols of notebook 04: Table 4.3 (Sec. 4.3.1) and Fig. 5.2 (Sec. 5.3.1); defaults are the thesis's.

    Table 4.3: sCOLA with each generator of Table 4.2 on ``arch_per_class`` images per class (0: the whole training
    split, as the thesis), with App. C.2's full-data settings (d = ``arch_latent_dim`` = 128, the perceptual loss
    ``arch_loss``; the Laplacian loss when the VGG16 weights are missing, said in every row); FID of ``n_fid``
    samples against ``n_real_fid`` test images and CAS with ``arch_cas_per_class`` samples per class.
    Fig. 5.2: sCOLA (InfoGAN generator, d = 64, App. C.2 small-sample settings) on ``similarity_per_class`` images
    per class (50 = 1% of CIFAR-10) with each similarity measure of :data:`SIMILARITY_MEASURES`, scored by CAS
    with ``cas_per_class`` samples per class (the Synthetic arm of ch. 5).
    ``scola_epochs`` / ``scola_lr_step_epochs`` / ``classifier_epochs`` (0: the profile's own values of
    :class:`SCOLAConfig` / :class:`ClassifierConfig`) shorten the recipes for a CPU; ``classifier_epochs`` also
    sets the recipe of the ``resnet32_trained`` perceptual network. ``generator_width`` narrows the residual
    generators (0: 256 channels, thesis Table 4.2).
    """

    dataset: str = "cifar10"
    seeds: tuple[int, ...] = (0,)
    generators: tuple[str, ...] = ("infogan", "dcgan_res", "cgan_res")
    arch_per_class: int = 0
    generator_width: int = 0
    arch_latent_dim: int = 128
    arch_loss: str = "perceptual_vgg16"
    arch_cas_per_class: int = 5000
    n_fid: int = 10_000
    n_real_fid: int | None = None
    similarity_per_class: int = 50
    losses: tuple[str, ...] = tuple(SIMILARITY_MEASURES)
    cas_per_class: int = 500
    scola_epochs: int = 0
    scola_lr_step_epochs: int = 0
    classifier_epochs: int = 0
    perceptual_epochs: int = 0   # the trained ResNet-32 of Fig. 5.2 (0: classifier_epochs)

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        # smoke: one generator (the narrowed conditional residual one) for one FID (scipy's sqrtm of a 2048x2048
        # matrix costs 10-20 s on a CPU whatever the sample size); InfoGAN runs in the similarity ablation
        "smoke": {"dataset": "digits", "generators": ("cgan_res",), "arch_per_class": 10,
                  "generator_width": 16, "arch_latent_dim": 64, "arch_loss": "laplacian", "arch_cas_per_class": 10,
                  "n_fid": 20, "n_real_fid": 20, "similarity_per_class": 10, "cas_per_class": 10,
                  "classifier_epochs": 1, "perceptual_epochs": 40,  # a ResNet-32 above chance on digits
                  # the trained network and the missing-weights path (L1 and the random and k-means ResNet-32s are
                  # covered by tests/test_losses.py and tests/test_cola.py; the k-means one costs 10-20 s on a CPU)
                  "losses": ("laplacian", "resnet32_trained", "vgg16")},
        # the generator ablation on the same 1% subset and recipe as the similarity ablation, so that its InfoGAN
        # unit is the Laplacian unit of Fig. 5.2 (trained and scored once)
        "quick": {"arch_per_class": 50, "generator_width": 64, "arch_latent_dim": 64, "arch_loss": "laplacian",
                  "arch_cas_per_class": 200, "n_fid": 500, "n_real_fid": 1000, "cas_per_class": 200,
                  "scola_epochs": 40, "scola_lr_step_epochs": 10, "classifier_epochs": 20},
        "paper": {},
    }

    def scola_config(self, seed: int, **overrides: Any) -> SCOLAConfig:
        """sCOLA's recipe of this profile (shortened by ``scola_epochs`` when set), with ``overrides``."""
        base = {k: v for k, v in (("epochs", self.scola_epochs), ("lr_step_epochs", self.scola_lr_step_epochs)) if v}
        if overrides.get("loss") == "perceptual_net" and (self.perceptual_epochs or self.classifier_epochs):
            # the trained perceptual net: the CAS recipe (or its own length)
            base["perceptual_epochs"] = self.perceptual_epochs or self.classifier_epochs
        return SCOLAConfig.for_profile(self.profile, seed=seed, **{**base, **overrides})

    def classifier_config(self, seed: int) -> ClassifierConfig:
        """The CAS classifier (ResNet-20, App. C.3 recipe of this profile, shortened by ``classifier_epochs``)."""
        over = {"epochs": self.classifier_epochs} if self.classifier_epochs else {}
        return ClassifierConfig.for_profile(self.profile, seed=seed, **over)

    def arch_loss_used(self) -> str:
        """``arch_loss``, or ``laplacian`` when it is the VGG16 loss and the weights are missing."""
        from .losses import vgg16_available
        return "laplacian" if self.arch_loss == "perceptual_vgg16" and not vgg16_available() else self.arch_loss

    def arch_scola_config(self, generator: str, seed: int) -> SCOLAConfig:
        """sCOLA with ``generator`` for Table 4.3 (the width reduction applies to the residual generators)."""
        width = self.generator_width if generator != "infogan" else 0
        return self.scola_config(seed, generator=generator, generator_width=width, latent_dim=self.arch_latent_dim,
                                 loss=self.arch_loss_used())

    def similarity_scola_config(self, measure: str, seed: int) -> SCOLAConfig:
        """sCOLA (InfoGAN, d = 64, small-sample settings) with similarity measure ``measure`` for Fig. 5.2."""
        if measure not in SIMILARITY_MEASURES:
            raise ValueError(f"Unknown similarity measure {measure!r}; choose one of {', '.join(SIMILARITY_MEASURES)}")
        return self.scola_config(seed, generator="infogan", latent_dim=64, **SIMILARITY_MEASURES[measure])


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    import time
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def generator_ablation(exp: AblationExperimentConfig, cache: ArtifactCache | None = None, device=None,
                       progress: bool = True, on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Table 4.3: one row per generator and seed with FID, CAS, the parameter count of the network trained (and
    at the thesis's width), sCOLA's training time, and the published values. ``*_s_this_run`` are the seconds this
    call spent on a unit (about 0 when it came from the cache); ``scola_train_s`` / ``cas_train_s`` are the
    units' own training times, whenever they ran."""
    from .models import build_generator, count_parameters
    from .published import LABEL, TABLE_4_2_PARAMS, TABLE_4_3
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    rows = []
    for seed in exp.seeds:
        subset = train if exp.arch_per_class == 0 else small_sample(train, exp.arch_per_class, seed)
        clf = exp.classifier_config(seed)
        for generator in exp.generators:
            cfg = exp.arch_scola_config(generator, seed)
            model, fit_s = _timed(lambda: fit_or_load(SCOLA, cfg, subset, cache, device, progress))
            f, fid_s = _timed(lambda: fid_unit("scola", subset, cfg, exp, cache, device, progress))
            c, cas_s = _timed(lambda: arm_unit("synthetic", subset, test, cfg, clf, exp.arch_cas_per_class, cache,
                                               device, progress))
            full = build_generator(generator, subset.num_classes + cfg.latent_dim, subset.image_size,
                                   num_classes=subset.num_classes)
            row = {"dataset": exp.dataset, "generator": generator, "seed": seed, "train_images": len(subset),
                   "width": (cfg.generator_width or 256) if generator != "infogan" else None,
                   "latent_dim": cfg.latent_dim, "loss": cfg.loss,
                   "loss_note": "" if cfg.loss != "laplacian" or exp.arch_loss == "laplacian" else
                   "VGG16 weights not available: Laplacian loss instead of the thesis's perceptual loss",
                   "epochs": cfg.epochs, "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"],
                   "cas": c["accuracy"], "cas_train_images": exp.arch_cas_per_class * subset.num_classes,
                   "parameters": count_parameters(model.generator), "parameters_thesis_width": count_parameters(full),
                   "published_parameters": TABLE_4_2_PARAMS.get(generator),
                   "published_fid": TABLE_4_3.get(generator, {}).get("fid"),
                   "published_cas": TABLE_4_3.get(generator, {}).get("cas"), "published_source": LABEL,
                   "scola_train_s": model.train_seconds_, "scola_images_per_s": model.images_per_second_,
                   "cas_train_s": c["train_seconds"], "fit_s_this_run": fit_s, "fid_s_this_run": fid_s,
                   "cas_s_this_run": cas_s, "fid_weights": f["weights"], "device": c.get("device", "")}
            rows.append(row)
            if on_row:
                on_row(row)
    return rows


def similarity_ablation(exp: AblationExperimentConfig, cache: ArtifactCache | None = None, device=None,
                        progress: bool = True, on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Fig. 5.2: CAS of sCOLA trained with each similarity measure on ``exp.similarity_per_class`` images per
    class, and the Real arm (the same classifier on the real sample) as reference (``measure="real"``).
    A measure that cannot run here (VGG16 without its weights) gives a row with ``available=False`` and no CAS."""
    from .losses import vgg16_available
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    rows = []
    for seed in exp.seeds:
        subset = small_sample(train, exp.similarity_per_class, seed)
        clf = exp.classifier_config(seed)
        for measure in ("real",) + tuple(exp.losses):
            base = {"dataset": exp.dataset, "measure": measure,
                    "label": "real images (Real arm)" if measure == "real" else SIMILARITY_LABELS[measure],
                    "seed": seed, "train_images": len(subset)}
            if measure == "vgg16" and not vgg16_available():
                row = {**base, "available": False, "cas": None, "note": "weights not available"}
            elif measure == "real":
                c, cas_s = _timed(lambda: arm_unit("real", subset, test, exp.scola_config(seed), clf,
                                                   exp.cas_per_class, cache, device, progress))
                row = {**base, "available": True, "cas": c["accuracy"], "cas_train_images": len(subset),
                       "cas_train_s": c["train_seconds"], "cas_s_this_run": cas_s, "device": c.get("device", "")}
            else:
                cfg = exp.similarity_scola_config(measure, seed)
                model, fit_s = _timed(lambda: fit_or_load(SCOLA, cfg, subset, cache, device, progress))
                c, cas_s = _timed(lambda: arm_unit("synthetic", subset, test, cfg, clf, exp.cas_per_class, cache,
                                                   device, progress))
                row = {**base, "available": True, "cas": c["accuracy"],
                       "cas_train_images": exp.cas_per_class * subset.num_classes, "epochs": cfg.epochs,
                       "final_loss": model.history_[-1] if model.history_ else None,
                       "scola_train_s": model.train_seconds_, "scola_images_per_s": model.images_per_second_,
                       "cas_train_s": c["train_seconds"], "fit_s_this_run": fit_s, "cas_s_this_run": cas_s,
                       "device": c.get("device", "")}
            rows.append(row)
            if on_row:
                on_row(row)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
