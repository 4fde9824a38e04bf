"""Step III: one Gaussian per cluster/class in latent space, sampled as a uniform mixture (thesis Sec. 3.3).

With 5 images per class and 74-dimensional codes the sample covariance is singular, so every covariance
is estimated with the Ledoit-Wolf shrinkage estimator (scikit-learn ``LedoitWolf``), for every class size
alike. Sampled codes are projected back onto the product of spheres on which the training codes live
(``colalib.latent.project_codes``), as GLICO does with its sphere.

``spread`` scales every covariance (``cov * spread**2``): ``spread=0`` gives the class means, small values
"concentrated" codes, large values "sparse" codes (appendix A, FID inadequacy).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.covariance import LedoitWolf


@dataclass
class ClassGaussians:
    """Per-class means ``(K, D)`` and Cholesky factors ``(K, D, D)`` of the fitted covariances."""

    classes: np.ndarray
    means: np.ndarray
    chol: np.ndarray
    shrinkage: np.ndarray

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("classes", "means", "chol", "shrinkage")}


def fit_class_gaussians(codes: np.ndarray, labels: np.ndarray) -> ClassGaussians:
    """Fit one full-covariance Gaussian per class (Ledoit-Wolf shrinkage; a single image gives a zero covariance)."""
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    d = codes.shape[1]
    means, chols, shrink = [], [], []
    for c in classes:
        x = codes[labels == c]
        means.append(x.mean(0))
        if len(x) < 2:
            cov, s = np.zeros((d, d)), 1.0
        else:
            est = LedoitWolf().fit(x)
            cov, s = est.covariance_, est.shrinkage_
        chols.append(np.linalg.cholesky(cov + 1e-9 * np.eye(d)))
        shrink.append(s)
    return ClassGaussians(classes, np.stack(means), np.stack(chols), np.array(shrink))


def balanced_labels(n: int, classes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels from the uniform mixture over ``classes``, stratified: every class gets n//K or n//K+1."""
    k = len(classes)
    labels = np.concatenate([np.repeat(classes, n // k), rng.choice(classes, n % k, replace=False)])
    return rng.permutation(labels)


def sample_codes(gaussians: ClassGaussians, labels: np.ndarray, spread: float = 1.0,
                 seed: int | None = None) -> np.ndarray:
    """Draw one code per entry of ``labels`` from that class's Gaussian, covariance scaled by ``spread**2``."""
    rng = np.random.default_rng(seed)
    pos = {c: i for i, c in enumerate(gaussians.classes)}
    missing = set(np.unique(labels)) - set(pos)
    if missing:
        raise ValueError(f"No fitted Gaussian for classes {sorted(missing)}; fitted: {list(gaussians.classes)}")
    idx = np.array([pos[c] for c in labels], dtype=np.int64)
    eps = rng.standard_normal((len(labels), gaussians.means.shape[1]))
    noise = np.einsum("nij,nj->ni", gaussians.chol[idx], eps)
    return gaussians.means[idx] + spread * noise
