"""Sample scores beside FID and CAS: memorisation's nearest training neighbours, and MM-GAN's (paper 003) quality
score against the real features, MS-SSIM (Wang, Simoncelli & Bovik 2003) with the intra-class MS-SSIM diversity
(Eq. 3.4), and the inter-class diversity of a classifier's predictions (notebooks 03, 07 and 08)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .classification import classifier_features, classifier_probabilities  # noqa: F401  (public here too)
from .data import to_tensor
from .sampling import clustering_accuracy, match_clusters_to_labels  # noqa: F401  (public here too)


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
    from scipy.special import expit  # local: scipy costs start-up time, one function needs it
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
