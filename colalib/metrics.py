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
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from .classification import classifier_features, classifier_probabilities  # noqa: F401  (public here too)
from .sampling import clustering_accuracy, match_clusters_to_labels  # noqa: F401  (public here too)
from .utils import get_device, progress_bar

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
    from pytorch_fid.inception import InceptionV3
    model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]])  # pool3 only: fc is never used
    return model.to(device_str).eval()


@torch.no_grad()
def inception_features(images: np.ndarray, batch_size: int = 100, device: str | torch.device | None = None,
                       progress: bool = True) -> np.ndarray:
    """Pool3 (2048-d) Inception features of uint8 NHWC images (pytorch-fid resizes to 299 internally)."""
    device = get_device(device)
    model = _inception(str(device))
    feats = []
    for s in progress_bar(range(0, len(images), batch_size), "Inception features", progress):
        x = torch.from_numpy(np.ascontiguousarray(images[s:s + batch_size])).to(device)
        x = x.permute(0, 3, 1, 2).float() / 255.0
        feats.append(model(x)[0].flatten(1).cpu().numpy().astype(np.float64))
    return np.concatenate(feats)


def frechet_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(stats_a: tuple[np.ndarray, np.ndarray], stats_b: tuple[np.ndarray, np.ndarray]) -> float:
    """pytorch-fid's Frechet distance, its BLAS on one thread: scipy's ``sqrtm`` of the 2048x2048 product was 4-5x
    slower with two BLAS threads beside torch's on a busy 2-core CPU (measured 100 s against 22 s)."""
    from pytorch_fid.fid_score import calculate_frechet_distance
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        return float(calculate_frechet_distance(stats_a[0], stats_a[1], stats_b[0], stats_b[1]))


def real_stats(dataset: str, split: str = "test", n: int | None = None, seed: int = 0, device=None,
               progress: bool = True, cache: Any = None) -> dict:
    """Inception statistics of ``n`` images of a real split (all when None), cached per dataset/split/size in
    ``cache`` (an :class:`~colalib.cache.ArtifactCache`; the default one when None), with their intra-class diversity
    (:func:`intra_class_diversity`) as the real reference of appendix A. Computed once: Inception is the slow part."""
    from .cache import ArtifactCache
    from .data import load_dataset
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


def cas(gen_images: np.ndarray, gen_labels: np.ndarray, test_images: np.ndarray, test_labels: np.ndarray,
        num_classes: int, classifier_config=None, device=None, progress: bool = True) -> dict:
    """Classification Accuracy Score: train on generated images only, accuracy on the real test set."""
    from .classification import ClassifierConfig, evaluate, train_classifier
    config = classifier_config or ClassifierConfig()
    model = train_classifier(gen_images, gen_labels, num_classes, config, device=device, progress=progress)
    return {"cas": evaluate(model, test_images, test_labels, device=device), "n_train": len(gen_images),
            "n_test": len(test_images), "classifier": config.arch}


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
                      n_samples: int | None = None, alpha: float = 0.05, memorisation: dict | None = None) -> str:
    """Why a generator's result is degenerate, or "" when it is not: a classifier trained on its samples alone (CAS)
    at or below chance (1 / ``num_classes``); collapsed samples (``diversity`` below :data:`COLLAPSED_DIVERSITY`);
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
    if cas is not None and cas <= chance:
        reasons.append(f"CAS {100 * cas:.1f}% at or below chance ({100 / num_classes:.0f}%)")
    if diversity is not None and diversity < COLLAPSED_DIVERSITY:
        reasons.append(f"collapsed samples (diversity {diversity:.2f} < {COLLAPSED_DIVERSITY})")
    if gan_test is not None:
        from scipy.stats import binomtest
        p = binomtest(int(round(gan_test * n_samples)), int(n_samples), chance, alternative="greater").pvalue
        if p >= alpha:
            reasons.append(f"the real-data judge does not recognise the samples' classes (GAN-test "
                           f"{100 * gan_test:.1f}% of {n_samples} samples, chance {100 * chance:.0f}%, one-sided "
                           f"binomial p = {p:.2f})")
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
    from .classification import evaluate
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


@torch.no_grad()
def gan_test_accuracy(classifier: torch.nn.Module, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000,
                      device=None) -> dict:
    """GAN-test (Shmelkov et al. 2018; ReGene's "generation classification accuracy", paper 002 Sec. 4.3, Fig. 4):
    the top-1 accuracy of a classifier trained on *real* data (ReGene: a "neutral" ResNet-56 trained on the
    original data set; here any ``classifier``, e.g. :func:`colalib.classification.train_classifier` on the real
    training set) on generated ``images`` with the ``labels`` they were generated for. It measures how recognisable
    the generated images are (precision), not their diversity; CAS is the reverse test.

    Returns ``gan_test`` (in [0, 1]), ``per_class`` (accuracy by label) and ``n``.
    """
    from .classification import predict
    labels = np.asarray(labels)
    correct = predict(classifier, images, batch_size, device) == labels
    per_class = {int(c): float(correct[labels == c].mean()) for c in np.unique(labels)}
    return {"gan_test": float(correct.mean()), "per_class": per_class, "n": int(len(labels))}


def nearest_training_neighbours(generated: np.ndarray, training: np.ndarray, k: int = 1, feature_fn=None,
                                batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest training items of every generated one, by Euclidean distance: indices ``(N, k)`` (nearest
    first) and distances ``(N, k)``.

    The space: ``feature_fn(images) -> (n, F)`` when given (e.g. ``lambda x: classifier_features(net, x)``: ReGene's
    latent / feature-space match, Sec. 5.3); else pixel space when ``generated`` / ``training`` are uint8 images
    ``(n, H, W, 3)`` (pixels scaled to [0, 1], flattened: ReGene's "squared error in image space", AugIntAE Fig. 3's
    nearest training image); 2-D float arrays are taken as features as they are. The candidates are ranked with the
    expanded ``|a|^2 + |b|^2 - 2 a.b`` in float64, and the returned distances are recomputed exactly from the
    differences (an item present in ``training`` is at distance exactly 0).
    """
    def as_vectors(x: np.ndarray) -> np.ndarray:
        if feature_fn is not None:
            x = feature_fn(x)
        elif np.asarray(x).ndim == 4:
            return np.asarray(x, dtype=np.float64).reshape(len(x), -1) / 255.0
        return np.asarray(x, dtype=np.float64).reshape(len(x), -1)

    g, t = as_vectors(generated), as_vectors(training)
    if k < 1 or k > len(t):
        raise ValueError(f"k must be in [1, {len(t)}] (the training set size), got {k}")
    t_sq = (t ** 2).sum(1)
    indices = np.empty((len(g), k), dtype=np.int64)
    distances = np.empty((len(g), k))
    for s in range(0, len(g), batch_size):
        chunk = g[s:s + batch_size]
        d2 = (chunk ** 2).sum(1)[:, None] + t_sq[None, :] - 2.0 * chunk @ t.T
        part = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(t) else np.tile(np.arange(len(t)), (len(chunk), 1))
        exact = np.linalg.norm(chunk[:, None, :] - t[part], axis=2)  # exact distances of the k candidates
        order = exact.argsort(1, kind="stable")
        indices[s:s + batch_size] = np.take_along_axis(part, order, 1)
        distances[s:s + batch_size] = np.take_along_axis(exact, order, 1)
    return indices, distances


def calibrate_quality_alpha(train_features: np.ndarray) -> float:
    """The ``alpha`` of MM-GAN's quality score (Eq. 3.2) used here by default: ``exp(median_i d_i)`` with ``d_i`` the
    distance of training item ``i`` to its nearest *other* training item. Then ``q(x) = 0.5`` exactly when a
    generated image is as far from its nearest training neighbour as a typical training image is from its own,
    ``q -> alpha / (1 + alpha)`` (about 1) for copies of training images and ``q -> 0`` far from the data.
    (MM-GAN only requires ``alpha > 0`` and does not give its value.)"""
    _, dist = nearest_training_neighbours(train_features, train_features, k=2)
    return float(np.exp(np.median(dist[:, 1])))


def quality_score(gen_features: np.ndarray, train_features: np.ndarray, alpha: float) -> dict:
    """MM-GAN's quality score (paper 003 Sec. 3.3.1): Eq. 3.2 ``q(x) = 1 - exp(d) / (exp(d) + alpha)`` with ``d`` the
    Euclidean distance of ``c_l(x)`` to its nearest training neighbour, and Eq. 3.3 the mean over the set. Computed
    as ``sigmoid(log(alpha) - d)`` (the same number, without overflow). Returns ``quality``, ``per_sample``,
    ``nn_distance`` and ``nn_index``."""
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0 (Eq. 3.2), got {alpha}")
    from scipy.special import expit
    idx, dist = nearest_training_neighbours(gen_features, train_features, k=1)
    q = expit(np.log(alpha) - dist[:, 0])
    return {"quality": float(q.mean()), "per_sample": q, "nn_distance": dist[:, 0], "nn_index": idx[:, 0]}


MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)  # Wang, Simoncelli & Bovik 2003


def _gaussian_window(size: int, sigma: float) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    w = torch.exp(-x ** 2 / (2 * sigma ** 2))
    return (w / w.sum()).float()


def ms_ssim(x: torch.Tensor, y: torch.Tensor, win_size: int = 7, sigma: float = 1.5) -> torch.Tensor:
    """Multi-scale SSIM (Wang et al. 2003, MM-GAN's [36]) of image pairs ``x[i], y[i]``: float ``(N, C, H, W)`` in
    [0, 1]; returns ``(N,)``. Gaussian window (``sigma`` 1.5) applied without padding, constants ``(0.01)^2`` and
    ``(0.03)^2``; contrast-structure terms at the coarser scales and SSIM at the coarsest, with the published scale
    weights. A 32x32 image cannot hold the standard 5 scales with an 11-px window, so the window is 7 px and the
    number of scales is the most that keep it inside the image (32 px: 3 scales, 32/16/8), their weights renormalised
    to sum to 1. Negative terms are clipped at 0 (as pytorch-msssim does), so the value lies in [0, 1]."""
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    scales = int(min(5, 1 + math.floor(math.log2(min(x.shape[-2:]) / win_size))))
    if scales < 1:
        raise ValueError(f"images of {tuple(x.shape[-2:])} px are smaller than the {win_size}-px window")
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], dtype=torch.float64)
    weights = (weights / weights.sum()).to(x)
    ch = x.shape[1]
    w = _gaussian_window(win_size, sigma).to(x)
    kx, ky = w.reshape(1, 1, 1, -1).expand(ch, 1, 1, -1), w.reshape(1, 1, -1, 1).expand(ch, 1, -1, 1)
    blur = lambda img: F.conv2d(F.conv2d(img, kx, groups=ch), ky, groups=ch)
    values = []
    for s in range(scales):
        mx, my = blur(x), blur(y)
        vx, vy, cov = blur(x * x) - mx ** 2, blur(y * y) - my ** 2, blur(x * y) - mx * my
        cs = (2 * cov + c2) / (vx + vy + c2)
        if s < scales - 1:
            values.append(cs.mean((1, 2, 3)).clamp_min(0))
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
        else:
            values.append((((2 * mx * my + c1) / (mx ** 2 + my ** 2 + c1)) * cs).mean((1, 2, 3)).clamp_min(0))
    return torch.prod(torch.stack(values, 1) ** weights, dim=1)


def intra_diversity_ms_ssim(images: np.ndarray, max_pairs: int = 2000, seed: int = 0,
                            batch_size: int = 500) -> float:
    """MM-GAN's intra-class diversity (paper 003 Eq. 3.4): ``1 - (1/|X|^2) sum_{x, x'} MS-SSIM(x, x')`` over all
    ordered pairs of the uint8 ``images``, self-pairs (MS-SSIM 1) included as the formula has them. The mean over
    distinct pairs is exact when there are at most ``max_pairs`` unordered pairs, else estimated on ``max_pairs``
    random distinct pairs. Pass one class's images for a per-class value; the paper applies it to the whole set."""
    from .data import to_tensor
    n = len(images)
    if n < 2:
        return 0.0
    iu = np.triu_indices(n, 1)
    if len(iu[0]) > max_pairs:
        rng = np.random.default_rng(seed)
        first = rng.integers(0, n, max_pairs)
        second = (first + rng.integers(1, n, max_pairs)) % n  # never the same image
        iu = (first, second)
    x = (to_tensor(images) + 1) / 2
    vals = [ms_ssim(x[iu[0][s:s + batch_size]], x[iu[1][s:s + batch_size]])
            for s in range(0, len(iu[0]), batch_size)]
    off_diagonal = float(torch.cat(vals).double().mean())
    return 1.0 - (1.0 / n + (1.0 - 1.0 / n) * off_diagonal)


def inter_diversity(predictions: np.ndarray, num_classes: int) -> float:
    """MM-GAN's inter-class diversity (paper 003 Eq. 3.5): entropy of the mean one-hot prediction, divided by
    ``log(N)`` with ``N`` the number of classes: 1 for predictions spread evenly over all classes, 0 for one class."""
    if num_classes < 2:
        raise ValueError("inter-class diversity needs at least 2 classes")
    p = np.bincount(np.asarray(predictions), minlength=num_classes) / len(predictions)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(num_classes))


def quality_diversity_scores(classifier: torch.nn.Module, gen_images: np.ndarray, train_images: np.ndarray,
                             num_classes: int | None = None, alpha: float | None = None, max_pairs: int = 2000,
                             seed: int = 0, batch_size: int = 500, device=None) -> dict:
    """MM-GAN's quality, diversity and combined scores (paper 003 Sec. 3.3, Eqs. 3.2-3.7) of ``gen_images``.

    ``classifier`` must be trained on the same training set as the generative model (Sec. 3.3), e.g.
    :func:`colalib.classification.train_classifier` on ``train_images``. Choices (the thesis gives neither):
      * feature layer ``c_l``: the classifier's penultimate layer, ``classifier.features`` (CIFAR ResNet-20: the
        64-d global-average-pooled output of the last stage, just before the linear classifier);
      * ``alpha``: None -> :func:`calibrate_quality_alpha` on the training features (``q = 0.5`` at the median
        nearest-other-training-image distance); pass a number to fix it across training sets.
    Quality (Eqs. 3.2-3.3) via :func:`quality_score`; intra-class diversity (Eq. 3.4) via
    :func:`intra_diversity_ms_ssim` on the whole generated set; inter-class diversity (Eq. 3.5) via
    :func:`inter_diversity` of the classifier's predictions; diversity ``d = sqrt(d_intra d_inter)`` (Eq. 3.6);
    combined ``s = sqrt(q d)`` (Eq. 3.7). All lie in [0, 1].
    """
    gen_f = classifier_features(classifier, gen_images, batch_size, device)
    train_f = classifier_features(classifier, train_images, batch_size, device)
    alpha = calibrate_quality_alpha(train_f) if alpha is None else float(alpha)
    quality = quality_score(gen_f, train_f, alpha)["quality"]
    probs = classifier_probabilities(classifier, gen_images, batch_size, device)
    d_inter = inter_diversity(probs.argmax(1), num_classes or probs.shape[1])
    d_intra = intra_diversity_ms_ssim(gen_images, max_pairs, seed)
    diversity = math.sqrt(d_intra * d_inter)
    return {"quality": quality, "diversity": diversity, "diversity_intra": d_intra, "diversity_inter": d_inter,
            "combined": math.sqrt(quality * diversity), "alpha": alpha, "n": int(len(gen_images)),
            "layer": "classifier.features (penultimate, global-average-pooled last stage)"}
