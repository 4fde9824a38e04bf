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
from scipy.optimize import linear_sum_assignment
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


# ------------------------------------------------------------------------------- alternative code samplers
# Step III of the thesis is the per-class Gaussian above. The seeds' related methods sample differently from the
# same kind of learned codes; they are implemented here on the codes of any fitted latent model so that the
# sampler alone can be compared (notebook 05, "why the gap to the thesis"; notebook 07, sampling ablation).

SAMPLERS = ("gaussian", "convex", "slerp", "reconstruction")


def _same_class_pools(code_labels: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    pools = {int(c): np.flatnonzero(code_labels == c) for c in np.unique(labels)}
    empty = [c for c, idx in pools.items() if len(idx) == 0]
    if empty:
        raise ValueError(f"No training code of classes {empty}: cannot sample them from same-class codes.")
    return pools


def reconstruction_codes(codes: np.ndarray, code_labels: np.ndarray, labels: np.ndarray,
                         seed: int | None = None) -> np.ndarray:
    """The control sampler: for each requested class, the learned code of a random training image of that class
    (no new code; decoding re-renders training images)."""
    pools = _same_class_pools(np.asarray(code_labels), np.asarray(labels))
    rng = np.random.default_rng(seed)
    return np.asarray(codes)[[rng.choice(pools[int(c)]) for c in labels]]


def convex_combination_codes(codes: np.ndarray, code_labels: np.ndarray, labels: np.ndarray, n_mix: int = 3,
                             weights: str = "dirichlet", alpha: float = 1.0, seed: int | None = None) -> np.ndarray:
    """ReGene (paper 002, Sec. 3) sampling: each new code is a convex combination of ``n_mix`` distinct codes of
    its class (all of them when the class has fewer), with equal weights (``"uniform"``) or weights drawn from a
    symmetric Dirichlet(``alpha``) (``"dirichlet"``; alpha = 1 is uniform on the simplex)."""
    if weights not in ("uniform", "dirichlet"):
        raise ValueError(f"weights={weights!r}: use 'uniform' or 'dirichlet'.")
    rng = np.random.default_rng(seed)
    codes = np.asarray(codes, dtype=np.float64)
    pools = _same_class_pools(np.asarray(code_labels), np.asarray(labels))
    out = np.empty((len(labels), codes.shape[1]))
    for i, c in enumerate(labels):
        pool = pools[int(c)]
        chosen = rng.choice(pool, min(n_mix, len(pool)), replace=False)
        w = np.full(len(chosen), 1 / len(chosen)) if weights == "uniform" else rng.dirichlet([alpha] * len(chosen))
        out[i] = w @ codes[chosen]
    return out


def slerp(a: np.ndarray, b: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Spherical linear interpolation between rows of ``a`` and ``b`` (unit vectors) at fractions ``s`` in [0, 1]:
    ``sin((1-s) w)/sin(w) a + sin(s w)/sin(w) b`` with ``w`` the angle between them (linear when w ~ 0)."""
    a, b, s = np.asarray(a, float), np.asarray(b, float), np.asarray(s, float)[:, None]
    cos = np.clip((a * b).sum(1, keepdims=True), -1.0, 1.0)
    omega = np.arccos(cos)
    small = np.sin(omega) < 1e-6
    sin = np.where(small, 1.0, np.sin(omega))
    out = np.where(small, (1 - s) * a + s * b, (np.sin((1 - s) * omega) * a + np.sin(s * omega) * b) / sin)
    return out


def slerp_codes(codes: np.ndarray, code_labels: np.ndarray, labels: np.ndarray, parts: list[slice],
                seed: int | None = None) -> np.ndarray:
    """AugIntAE (papers 001/004) few-shot sampling: SLERP between the codes of two distinct same-class training
    images at a fraction uniform in [0, 1], separately on each unit-sphere ``part`` of the code (sCOLA: the t
    part and the v part; GLO: the whole code). Parts are rescaled to unit norm before and their norm restored."""
    rng = np.random.default_rng(seed)
    codes = np.asarray(codes, dtype=np.float64)
    pools = _same_class_pools(np.asarray(code_labels), np.asarray(labels))
    pairs = np.array([rng.choice(pools[int(c)], 2, replace=len(pools[int(c)]) < 2) for c in labels])
    s = rng.uniform(0, 1, len(labels))
    out = np.empty((len(labels), codes.shape[1]))
    for part in parts:
        a, b = codes[pairs[:, 0], part], codes[pairs[:, 1], part]
        norm = np.linalg.norm(a, axis=1, keepdims=True)
        out[:, part] = slerp(a / np.maximum(norm, 1e-12), b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True),
                                                                          1e-12), s) * norm
    return out


def match_components_to_classes(components: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """``mapping[c]`` = the class matched to component (cluster) ``c``: Hungarian algorithm (scipy) on the
    (component, label) contingency table. Used only to *score* unsupervised models (GLO, COLA) with class-based
    metrics such as CAS; the models never see the labels while training."""
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (components, labels), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.empty(k, dtype=np.int64)
    mapping[rows] = cols
    return mapping
