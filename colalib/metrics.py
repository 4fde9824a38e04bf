"""Evaluation: FID (pytorch-fid), CAS, clustering scores, intra-class diversity.

FID (Heusel et al. 2017; thesis Eq. 4.2, App. C.4) uses pytorch-fid's Inception network (pool3, 2048-d).
Its weights are read from the torch hub cache (``$TORCH_HOME/hub/checkpoints/pt_inception-2015-12-05-6726825d.pth``).
Offline, ``scripts/install_fid_weights.py`` puts the reconstruction from ``../shared/weights`` there (identical
up to pool3; its unused ``fc`` layer is NaN). :func:`fid_weights_info` says which file is in use; every FID
result carries it and both sample sizes (FID is biased by sample size: compare equal sizes only). Without
weights and without network, FID fails before any download attempt; it never switches to another network.

CAS (Ravuri & Vinyals 2019; thesis Sec. 4.1): a classifier trained only on generated images, top-1 accuracy on
the real test set, with the classifier recipe of :mod:`colalib.classification`.

Peers' metrics (issue #8): GAN-test (:func:`gan_test_accuracy`, ReGene's measure), MM-GAN's quality / diversity
scores (:func:`quality_diversity_scores`, paper 003 Sec. 3.3) and the memorisation check
(:func:`nearest_training_neighbours`; grid: :func:`colalib.plotting.show_nearest_neighbours`).
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from .cache import ArtifactCache
from .classification import classifier_features, classifier_probabilities, evaluate, predict  # noqa: F401  (public here too)
from .data import load_dataset
from .diversity import (  # noqa: F401  (re-exported)
    MS_SSIM_WEIGHTS,
    _gaussian_window,
    calibrate_quality_alpha,
    inter_diversity,
    intra_diversity_ms_ssim,
    ms_ssim,
    nearest_training_neighbours,
    quality_diversity_scores,
    quality_score,
)
from .sampling import clustering_accuracy, match_clusters_to_labels  # noqa: F401  (public here too)
from .stats import above_chance
from .utils import get_device, precision_context, progress_bar

FID_WEIGHTS_NAME = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL = ("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + FID_WEIGHTS_NAME)
OFFICIAL_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
RECONSTRUCTED_SHA256 = "b819afcf1ffe1e4f23ada6407c24766ae79043acfba4ada367f8cf920e64aa39"


def fid_weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_NAME


@lru_cache(maxsize=4)
def _sha256(path: str, size: int, mtime: float) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def fid_weights_info() -> dict:
    """Which Inception weights FID uses: path, sha256 and a human-readable name."""
    path = fid_weights_path()
    if not path.exists():
        raise FileNotFoundError(
            f"FID Inception weights not found at {path}. Offline: run `make fid-weights` (copies the "
            f"reconstruction from ../shared/weights into the torch hub cache). Online: download {FID_WEIGHTS_URL} "
            f"to that path. FID is never computed with another network.")
    stat = path.stat()
    digest = _sha256(str(path), stat.st_size, stat.st_mtime)
    name = {OFFICIAL_SHA256: "pytorch-fid official Inception (pt_inception-2015-12-05)",
            RECONSTRUCTED_SHA256: "pytorch-fid Inception reconstructed up to pool3 (fc NaN; "
                                  "pool3 features identical to the official weights)"}.get(digest, "unrecognised file")
    return {"path": str(path), "sha256": digest, "weights": name}


@lru_cache(maxsize=2)
def _inception(device_str: str) -> torch.nn.Module:
    fid_weights_info()  # fail early with the clear message, before pytorch-fid tries to download
    from pytorch_fid.inception import InceptionV3  # local: pytorch-fid only when an FID is computed
    model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]])  # pool3 only: fc is never used
    return model.to(device_str).eval()


@torch.no_grad()
def inception_features(images: np.ndarray, batch_size: int = 100, device: str | torch.device | None = None,
                       progress: bool = True, precision: str = "fp32") -> np.ndarray:
    """Pool3 (2048-d) Inception features of uint8 NHWC images (pytorch-fid resizes to 299 internally).
    ``precision="bf16"``: under bfloat16 autocast, a candidate cheaper FID that no unit uses
    (``benchmarks/compare_fid_precision.py`` measures what it changes)."""
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
    device = get_device(device)
    model = _inception(str(device))
    autocast = precision_context(precision, device)
    feats = []
    for s in progress_bar(range(0, len(images), batch_size), "Inception features", progress):
        x = torch.from_numpy(np.ascontiguousarray(images[s:s + batch_size])).to(device)
        x = x.permute(0, 3, 1, 2).float() / 255.0
        with autocast:
            out = model(x)[0]
        feats.append(out.flatten(1).float().cpu().numpy().astype(np.float64))
    return np.concatenate(feats)


def frechet_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(stats_a: tuple[np.ndarray, np.ndarray], stats_b: tuple[np.ndarray, np.ndarray]) -> float:
    """pytorch-fid's Frechet distance, its BLAS on one thread: scipy's ``sqrtm`` of the 2048x2048 product was 4-5x
    slower with two BLAS threads beside torch's on a busy 2-core CPU (measured 100 s against 22 s)."""
    from pytorch_fid.fid_score import calculate_frechet_distance  # local: pytorch-fid only when an FID is computed
    from threadpoolctl import threadpool_limits  # local: only around the k-means / FID maths
    with threadpool_limits(limits=1, user_api="blas"):
        return float(calculate_frechet_distance(stats_a[0], stats_a[1], stats_b[0], stats_b[1]))


def real_stats(dataset: str, split: str = "test", n: int | None = None, seed: int = 0, device=None,
               progress: bool = True, cache: Any = None) -> dict:
    """Inception statistics of ``n`` images of a real split (all when None), cached per dataset/split/size in
    ``cache`` (an :class:`~colalib.cache.ArtifactCache`; the default one when None), with their intra-class diversity
    (:func:`intra_class_diversity`) as the real reference of appendix A. Computed once: Inception is the slow part."""
    key = {"dataset": dataset, "split": split, "n": n, "seed": seed, "weights": fid_weights_info()["sha256"],
           "data_dir": os.environ.get("COLA_DATA_DIR", "")}
    cache = cache or ArtifactCache()
    cached = cache.load("fid_stats", key, kind="torch")
    if cached is not None:
        return cached
    ds = load_dataset(dataset, split)
    images = ds.images
    if n is not None and n < len(images):
        images = images[np.sort(np.random.default_rng(seed).choice(len(images), n, replace=False))]
    labels = ds.labels
    if n is not None and n < len(ds.images):
        labels = labels[np.sort(np.random.default_rng(seed).choice(len(ds.images), n, replace=False))]
    features = inception_features(images, device=device, progress=progress)
    mu, sigma = frechet_stats(features)
    stats = {"mu": mu, "sigma": sigma, "n": len(images), "source": ds.source,
             "diversity": intra_class_diversity(features, labels)["mean"]}
    cache.save("fid_stats", key, stats, kind="torch")
    return stats


def fid_against_dataset(gen_images: np.ndarray, dataset: str, split: str = "test", n_real: int | None = None,
                        device=None, progress: bool = True, gen_labels: np.ndarray | None = None,
                        cache: Any = None) -> dict:
    """FID of generated images against a real split (thesis App. C.4: the test set). With ``gen_labels``, also the
    intra-class diversity of the same Inception features (:func:`intra_class_diversity`, ``diversity``) beside
    the real split's (``real_diversity``): a collapsed generator has a low diversity whatever its FID."""
    real = real_stats(dataset, split, n_real, device=device, progress=progress, cache=cache)
    feats = inception_features(gen_images, device=device, progress=progress)
    out = {"fid": frechet_distance(frechet_stats(feats), (real["mu"], real["sigma"])), "n_fake": len(gen_images),
           "n_real": real["n"], "real": f"{dataset}/{split} ({real['source']})", **fid_weights_info()}
    if gen_labels is not None:
        out.update(diversity=intra_class_diversity(feats, gen_labels)["mean"],
                   real_diversity=real.get("diversity", float("nan")))
    return out


def clustering_scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Hungarian-matched accuracy, NMI and ARI (scikit-learn)."""
    return {"acc": clustering_accuracy(y_true, y_pred), "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
            "ari": float(adjusted_rand_score(y_true, y_pred))}


def intra_class_diversity(features: np.ndarray, labels: np.ndarray, max_per_class: int = 500, seed: int = 0) -> dict:
    """Mean pairwise Euclidean feature distance within each class, and their average (what FID misses, App. A)."""
    rng = np.random.default_rng(seed)
    per_class = {}
    for c in np.unique(labels):
        f = features[labels == c]
        if len(f) > max_per_class:
            f = f[rng.choice(len(f), max_per_class, replace=False)]
        if len(f) < 2:
            continue
        sq = (f ** 2).sum(1)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * f @ f.T, 0.0)
        iu = np.triu_indices(len(f), 1)
        per_class[int(c)] = float(np.sqrt(d2[iu]).mean())
    return {"mean": float(np.mean(list(per_class.values()))) if per_class else float("nan"), "per_class": per_class}


# ------------------------------------------------------------------------------ peers' metrics (issue #8)
# GAN-test (ReGene, paper 002 Sec. 4.3), MM-GAN's quality and diversity scores (paper 003 Sec. 3.3), and the
# memorisation check by nearest training neighbour (ReGene Sec. 5.3; AugIntAE Fig. 3).

# A generator's samples are flagged as collapsed when MM-GAN's diversity score (Eq. 3.6, in [0, 1]; 0 when every
# sample is identical or all fall in one class) is below this. The methods that work score 0.65-0.92 (notebook 07).
COLLAPSED_DIVERSITY = 0.2


def degenerate_reason(cas: float, diversity: float | None, num_classes: int, gan_test: float | None = None,
                      n_samples: int | None = None, alpha: float = 0.05, memorisation: dict | None = None,
                      cas_n: int | None = None) -> str:
    """Why a generator's result is degenerate, or "" when it is not: a classifier trained on its samples alone (CAS)
    not above chance (1 / ``num_classes``): with ``cas_n``, the test images it was measured on, by the one-sided
    binomial test of :func:`colalib.stats.above_chance` at level ``alpha`` (the rule of every verdict), else at or
    below chance; collapsed samples (``diversity`` below :data:`COLLAPSED_DIVERSITY`);
    or, for a class-conditional generator, samples whose class the real-data judge does not recognise: ``gan_test``
    (GAN-test accuracy of ``n_samples`` samples, ReGene Sec. 4.3) not above chance by a one-sided binomial test at
    level ``alpha`` (scipy). The last catches samples that collapse to the same few images for every class (CGAN-PD
    at 10 images per class, notebooks 03 and 07), which a pool3 or MM-GAN diversity need not detect. Give no
    ``gan_test`` for an unsupervised generator (GLO, COLA): its labels are clusters matched to classes, so a GAN-test
    near chance measures the clustering, not a failure. ``memorisation``
    (:func:`colalib.memorisation.memorisation_check` of the samples, any generator): samples that copy the training
    images, whose FID would otherwise look good. A degenerate row is marked as failed wherever it is shown, never
    ranked as a result."""
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}")
    if gan_test is not None and not n_samples:
        raise ValueError("a GAN-test accuracy needs its sample count (n_samples) for the binomial test")
    reasons = []
    chance = 1.0 / num_classes
    if cas is not None and cas_n:
        if not above_chance(cas, cas_n, num_classes, alpha):
            reasons.append(f"CAS {100 * cas:.1f}% not above chance ({100 / num_classes:.0f}%; one-sided binomial "
                           f"test on {cas_n} test images, level {alpha})")
    elif cas is not None and cas <= chance:
        reasons.append(f"CAS {100 * cas:.1f}% at or below chance ({100 / num_classes:.0f}%)")
    if diversity is not None and diversity < COLLAPSED_DIVERSITY:
        reasons.append(f"collapsed samples (diversity {diversity:.2f} < {COLLAPSED_DIVERSITY})")
    if gan_test is not None and not above_chance(gan_test, n_samples, num_classes, alpha):
        reasons.append(f"the real-data judge does not recognise the samples' classes (GAN-test "
                       f"{100 * gan_test:.1f}% of {n_samples} samples, chance {100 * chance:.0f}%: not above it by "
                       f"a one-sided binomial test, level {alpha})")
    if memorisation and memorisation.get("memorising"):
        reasons.append(memorisation["reason"])
    return "; ".join(reasons)


def checked_feature_network_accuracy(net: torch.nn.Module, test_images: np.ndarray, test_labels: np.ndarray,
                                     num_classes: int, n_eval: int | None = None, seed: int = 0, name: str = "network",
                                     device=None) -> dict:
    """Top-1 accuracy of a trained feature ``net`` on a class-balanced random draw of ``n_eval`` test images (all when
    None), and a clear error when it is not above chance (1 / ``num_classes``): a network that scores below chance is
    not a trained network, and a similarity measure built on it would measure nothing (notebook 04, Fig. 5.2).

    The draw is random and balanced because test sets are often stored class by class: the first 2,000 images of
    the offline CIFAR-10 test split are all airplanes and cars."""
    labels = np.asarray(test_labels)
    idx = np.arange(len(labels))
    if n_eval is not None and n_eval < len(labels):
        rng = np.random.default_rng(seed)
        per_class = max(1, n_eval // num_classes)
        idx = np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), min(per_class, (labels == c).sum()),
                                                 replace=False) for c in np.unique(labels)]))
    acc = evaluate(net, np.asarray(test_images)[idx], labels[idx], device=device)
    chance = 1.0 / num_classes
    if acc <= chance:
        raise ValueError(f"The {name} scores {100 * acc:.1f} % on {len(idx)} class-balanced test images, not above "
                         f"chance ({100 * chance:.1f} %): it is not a trained network. Train it longer or check its "
                         "recipe before using it as a feature network.")
    return {"accuracy": acc, "n_eval": int(len(idx)), "chance": chance}


def gan_test_accuracy(classifier: torch.nn.Module, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000,
                      device=None) -> dict:
    """GAN-test (Shmelkov et al. 2018; ReGene's "generation classification accuracy", paper 002 Sec. 4.3, Fig. 4):
    the top-1 accuracy of a classifier trained on *real* data (ReGene: a "neutral" ResNet-56 trained on the
    original data set; here any ``classifier``, e.g. :func:`colalib.classification.train_classifier` on the real
    training set) on generated ``images`` with the ``labels`` they were generated for. It measures how recognisable
    the generated images are (precision), not their diversity; CAS is the reverse test.

    Returns ``gan_test`` (in [0, 1]), ``per_class`` (accuracy by label) and ``n``.
    """
    labels = np.asarray(labels)
    correct = predict(classifier, images, batch_size, device) == labels
    per_class = {int(c): float(correct[labels == c].mean()) for c in np.unique(labels)}
    return {"gan_test": float(correct.mean()), "per_class": per_class, "n": int(len(labels))}


