"""Units of work: each a function of frozen configs whose result is cached by the hash of everything that
determines it (one model fit, one classifier arm, one FID, one reference classifier...), so an interrupted run
resumes where it stopped."""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import torch

from ..cache import ArtifactCache
from ..classification import ClassifierConfig, evaluate, train_and_evaluate, train_classifier
from ..clustering import MMDC, MMDCConfig
from ..cola import COLA, SCOLA, LatentGenerativeModel, SCOLAConfig
from ..config import RunConfig
from ..data import ImageDataset, dataset_fingerprint, fingerprint, load_dataset, small_sample
from ..gan import GANConfig
from ..memorisation import memorisation_check
from ..metrics import (
    clustering_scores,
    fid_against_dataset,
    fid_weights_info,
    frechet_distance,
    frechet_stats,
    gan_test_accuracy,
    inception_features,
    intra_class_diversity,
    intra_diversity_ms_ssim,
    nearest_training_neighbours,
    quality_diversity_scores,
    real_stats,
)
from ..models import build_classifier
from ..toy import toy_experiment
from ..utils import get_device
from .registry import method_class, model_config
from .subsets import split_of, training_subset


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


def fit_or_load(model_cls: type, config: RunConfig, dataset: ImageDataset,
                cache: ArtifactCache | None = None, device: str | torch.device | None = None,
                progress: bool = True, **fit_kwargs: Any) -> Any:
    """Fit ``model_cls`` on ``dataset`` unless a model with the same config and data is cached.

    Any estimator class works that has ``model_cls(config, device=, progress=)``, ``fit(dataset, **fit_kwargs)``,
    ``state()`` and ``model_cls.from_state(state, device)``: sCOLA, COLA, GLO, and CGAN-PD (``colalib.gan``)
    with its ``GANConfig``. The key holds the class name, every config field and the data fingerprint.
    """
    cache = cache or ArtifactCache()
    sampling_only = getattr(config, "SAMPLING_FIELDS", ())
    fit_config = config.fit_key() if sampling_only else config.to_dict()  # step III: sampling, not fitting
    key = {"model": model_cls.__name__, "config": fit_config, "data": dataset_fingerprint(dataset),
           "fit": {k: fingerprint(v) for k, v in fit_kwargs.items()}}
    state = cache.load("models", key, kind="torch")
    if state is None:
        with cache.claim("models", key, kind="torch"):  # parallel fill processes fit each model once
            state = cache.load("models", key, kind="torch")
            if state is None:
                model = model_cls(config, device=device, progress=progress)
                if isinstance(model, LatentGenerativeModel):
                    model.cache = cache  # a trained perceptual network (loss "perceptual_net") is cached there too
                model.fit(dataset, **fit_kwargs) if fit_kwargs else model.fit(dataset)
                cache.save("models", key, model.state(), kind="torch")
                return model
    model = model_cls.from_state(state, device)
    if sampling_only and model.config != config:  # the same fit, another reading of step III
        model.use_sampling(config)
    return model


def fit_model(model_cls: type, config: RunConfig, subset: ImageDataset, cache: ArtifactCache | None = None,
              device=None, progress: bool = True) -> Any:
    """``model_cls`` trained on ``subset`` (cached, :func:`fit_or_load`).

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


def fid_unit(method: str, subset: ImageDataset, scola: RunConfig, exp: Any,
             cache: ArtifactCache, device, progress: bool = True, gan: GANConfig | None = None) -> dict:
    """FID of ``exp.n_fid`` samples of ``method`` trained on ``subset`` against the test split (cached), and for a
    generator the memorisation check of the same samples against ``subset`` (``memorisation``:
    :func:`colalib.memorisation.memorisation_check`; added to a unit cached before the check existed on its first
    read).
    ``method="real"`` scores the real subset itself (its own size). The model's configuration is
    :func:`model_config` of ``method``, ``scola`` and ``gan``."""
    scola = model_config(method, scola, gan)
    key = _unit_key(unit="fid", method=method, data=dataset_fingerprint(subset), n_fid=exp.n_fid,
                    n_real=exp.n_real_fid, scola=scola if method != "real" else None,
                    weights=fid_weights_info()["sha256"], with_diversity=True)

    def compute() -> dict:
        if method == "real":
            images, labels = subset.images, subset.labels
        else:
            model = fit_model(method_class(method), scola, subset, cache, device, progress)
            images, labels = model.sample(exp.n_fid, seed=scola.seed + 1)
        result = fid_against_dataset(images, exp.dataset, "test", exp.n_real_fid, device=device, progress=progress,
                                     gen_labels=labels, cache=cache)
        if method != "real":
            result["memorisation"] = memorisation_check(images, subset.images)
        return result

    result = cache.get_or_compute("fid", key, compute)
    if method != "real" and "memorisation" not in result:
        # a unit cached before the check existed: check the same samples now (the model is cached, sampling is
        # seeded) and store the result under the same key, so that no generator goes unchecked
        model = fit_model(method_class(method), scola, subset, cache, device, progress)
        images, _ = model.sample(exp.n_fid, seed=scola.seed + 1)
        result = {**result, "memorisation": memorisation_check(images, subset.images)}
        cache.save("fid", key, result)
    return result


def reference_classifier(dataset: str, per_class: int, clf: ClassifierConfig, cache: ArtifactCache | None = None,
                         device=None, progress: bool = True) -> tuple[Any, float]:
    """A classifier trained on ``per_class`` real images per class (cached weights) and its test accuracy:
    the judge of the GAN-test score (accuracy of a real-data classifier on generated images; Shmelkov et al.)."""
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


def clustering_unit(config: Any, subset: ImageDataset, cache: ArtifactCache | None = None, device=None,
                    progress: bool = True) -> dict:
    """Fit MMDC (step I) on ``subset`` (cached): final targets, clusters, embeddings, scores against the labels."""
    cache = cache or ArtifactCache()
    key = _unit_key(unit="mmdc", config=config, data=dataset_fingerprint(subset))

    def compute() -> dict:
        model = MMDC(config, device=device, progress=progress).fit(subset.images)
        return {"targets": model.targets_, "clusters": model.labels_, "embeddings": model.embeddings_,
                "predicted": model.predict(subset.images), "history": model.history_,
                "train_seconds": model.train_seconds_, "scores": clustering_scores(subset.labels, model.labels_),
                "device": str(get_device(device))}

    return cache.get_or_compute("mmdc", key, compute, kind="torch")


def _nearest_distances(images: np.ndarray, subset: ImageDataset) -> dict[str, float]:
    """Memorisation: ``nn_distance``, the mean over samples of the Euclidean distance to the nearest training image
    (the norm over all pixel values in [0, 1], 3,072 of them for CIFAR; 0 = a copy), beside the training images' own
    mean nearest-other distance, ``train_nn_distance``."""
    _, dist = nearest_training_neighbours(images, subset.images)
    _, own = nearest_training_neighbours(subset.images, subset.images, k=2)
    return {"nn_distance": float(dist[:, 0].mean()), "train_nn_distance": float(own[:, 1].mean())}


def sample_quality_unit(method: str, subset: ImageDataset, config: RunConfig, judge: Any, judge_key: dict,
                        n: int, cache: ArtifactCache, device, progress: bool = True) -> dict:
    """GAN-test accuracy (ReGene's measure: the real-data ``judge`` classifies the samples), MM-GAN's quality,
    diversity and combined scores (paper 003 Eqs. 3.2-3.7, features and predictions of the same judge) and the
    memorisation distances of :func:`_nearest_distances`, of ``n`` samples of ``method`` trained on ``subset``
    (cached).
    ``judge``: the judge, or a function that loads it, called only when the unit is computed."""
    key = _unit_key(unit="sample_quality", method=method, data=dataset_fingerprint(subset), config=config,
                    judge=judge_key, n=n)

    def compute() -> dict:
        judge_net = _loaded(judge)
        model = fit_model(method_class(method), config, subset, cache, device, progress)
        images, labels = model.sample(n, seed=config.seed + 2)
        qd = quality_diversity_scores(judge_net, images, subset.images, subset.num_classes, device=device)
        return {"gan_test": gan_test_accuracy(judge_net, images, labels, device=device)["gan_test"],
                **{k: qd[k] for k in ("quality", "diversity", "diversity_intra", "diversity_inter", "combined",
                                      "alpha")},
                **_nearest_distances(images, subset),
                "train_seconds": float(getattr(model, "train_seconds_", float("nan")))}

    return cache.get_or_compute("sample_quality", key, compute)


def toy_unit(config: Any, spreads: tuple[float, ...] = (1.0,), cache: ArtifactCache | None = None,
             progress: bool = False) -> dict:
    """The MM-GAN toy (paper 003 Sec. 4.1; :func:`colalib.toy.toy_experiment`) for ``config`` (a ``ToyConfig``),
    cached: scatter points, negative log-likelihood under the true mixture and mode coverage per method."""
    cache = cache or ArtifactCache()
    key = _unit_key(unit="toy", config=config, spreads=list(spreads))
    return cache.get_or_compute("toy", key, lambda: toy_experiment(config, spreads=spreads, progress=progress),
                                kind="torch")


def spread_unit(model: Any, model_key: dict, spread: float, dataset: str, n_fid: int, n_real_fid: int | None,
                cas_per_class: int, clf: ClassifierConfig, cache: ArtifactCache, device, test: ImageDataset,
                progress: bool = True) -> dict:
    """Appendix A at one ``spread`` (factor on the step-III standard deviation): FID of ``n_fid`` samples against the
    test
    split, their intra-class diversity (mean pairwise Inception pool3 distance within a class, what a single
    Gaussian over all classes does not see) and CAS of ``cas_per_class`` samples per class (cached)."""
    key = _unit_key(unit="spread", model=model_key, spread=spread, n_fid=n_fid, n_real=n_real_fid,
                    cas_per_class=cas_per_class, clf=clf, weights=fid_weights_info()["sha256"])

    def compute() -> dict:
        images, labels = model.sample(n_fid, spread=spread, seed=clf.seed + 1)
        feats = inception_features(images, device=device, progress=progress)
        real = real_stats(dataset, "test", n_real_fid, device=device, progress=progress, cache=cache)
        cas_x, cas_y = model.sample(cas_per_class * model.num_classes_, spread=spread, seed=clf.seed)
        out = train_and_evaluate("synthetic", (test.images[:0], test.labels[:0]), (cas_x, cas_y),
                                 (test.images, test.labels), model.num_classes_, clf, device, progress)
        return {"spread": spread, "fid": frechet_distance(frechet_stats(feats), (real["mu"], real["sigma"])),
                "n_fake": len(images), "n_real": real["n"], "diversity": intra_class_diversity(feats, labels)["mean"],
                "real_diversity": real.get("diversity", float("nan")), "cas": out["accuracy"],
                "cas_train_images": len(cas_x), "cas_seconds": out["train_seconds"],
                "fid_weights": fid_weights_info()["weights"], "device": str(device)}

    return cache.get_or_compute("fid", key, compute)


def _loaded(judge: Any) -> Any:
    """A judge passed as a network, or as a function that loads it (so that a cached unit never loads it)."""
    return judge if isinstance(judge, torch.nn.Module) or not callable(judge) else judge()


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def method_model(method: str, subset: ImageDataset, scola: SCOLAConfig, gan: GANConfig | None = None,
                 cache: ArtifactCache | None = None, device=None, progress: bool = True) -> Any:
    """The trained model of ``method`` (``"scola"``, ``"glo"``, ``"cola"``, ``"cgan_pd"``) on ``subset``, as the
    generation experiment trains it (cached): :func:`model_config` then :func:`fit_model`."""
    return fit_model(method_class(method), model_config(method, scola, gan), subset, cache, device, progress)


def intra_class_ms_ssim_diversity(images: np.ndarray, labels: np.ndarray, max_pairs: int = 500, seed: int = 0) -> float:
    """Mean over classes of MM-GAN's MS-SSIM diversity (paper 003 Eq. 3.4) of that class's images."""
    return float(np.mean([intra_diversity_ms_ssim(images[labels == c], max_pairs=max_pairs, seed=seed)
                          for c in np.unique(labels)]))


def step_iii_quality_unit(name: str, subset: ImageDataset, scola: SCOLAConfig, judge: Any, judge_key: dict, n: int,
                          cache: ArtifactCache, device, progress: bool = True) -> dict:
    """Scores of ``n`` samples of one step-III reading of the sCOLA trained on ``subset`` (cached): GAN-test
    accuracy (realism), intra-class MS-SSIM diversity and the memorisation distances of :func:`_nearest_distances`.
    ``judge``: the judge, or a function that loads it, called only when the unit is computed."""
    key = _unit_key(unit="step_iii_quality", data=dataset_fingerprint(subset), scola=scola, judge=judge_key, n=n)

    def compute() -> dict:
        judge_net = _loaded(judge)
        start = time.perf_counter()
        model = fit_model(SCOLA, scola, subset, cache, device, progress)
        images, labels = model.sample(n, seed=scola.seed + 2)
        return {"gan_test": gan_test_accuracy(judge_net, images, labels, device=device)["gan_test"],
                "diversity_ms_ssim": intra_class_ms_ssim_diversity(images, labels, seed=scola.seed),
                **_nearest_distances(images, subset), "seconds": time.perf_counter() - start, "device": str(device)}

    return cache.get_or_compute("step_iii_quality", key, compute)


def _sweep_model(dataset: str, per_class: int | None, scola: SCOLAConfig, cache: ArtifactCache, device,
                 progress: bool) -> tuple[Any, dict]:
    """The swept sCOLA (cached fit) on ``per_class`` images per class (None: the whole split) and its unit key."""
    subset = training_subset(dataset, per_class, scola.seed)
    model = fit_or_load(SCOLA, scola, subset, cache, device, progress)
    return model, {"config": scola.to_dict(), "data": dataset_fingerprint(subset)}


def spread_point(dataset: str, per_class: int | None, spread: float, scola: SCOLAConfig, clf: ClassifierConfig,
                 n_fid: int, n_real_fid: int | None, cas_per_class: int, cache: ArtifactCache | None = None,
                 device=None, progress: bool = True) -> dict:
    """Appendix A at one ``spread``: the row of :func:`spread_unit` for the swept sCOLA (fitted or loaded)."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    model, model_key = _sweep_model(dataset, per_class, scola, cache, device, progress)
    return spread_unit(model, model_key, spread, dataset, n_fid, n_real_fid, cas_per_class, clf, cache, device,
                       split_of(dataset, "test"), progress)
