"""Step III: one Gaussian per cluster/class in latent space, sampled as a uniform mixture (thesis Sec. 3.3).

The thesis only says "we fit a unique multivariate Gaussian to each cluster" and samples the uniform mixture.
Three things it leaves open are parameters here, each settled by experiment in notebook 05 ("Where the gap to
Table 5.1 comes from"):

``covariance`` — the estimator of each class's covariance (5 to 100 codes in 74 dimensions, so the plain
    sample covariance is singular):
      ``"sample"``       the maximum-likelihood sample covariance (scikit-learn ``EmpiricalCovariance``),
                         sampled through its eigendecomposition: noise only in the span of the class's codes;
      ``"ledoit_wolf"``  Ledoit-Wolf shrinkage (``LedoitWolf``): adds variance in every direction;
      ``"oas"``          Oracle Approximating Shrinkage (``OAS``);
      ``"diagonal"``     per-coordinate variances only.
``spread_space`` — where the Gaussian lives and where ``spread`` (a factor on the *standard deviation*,
    ``spread=0`` giving the class mean) acts:
      ``"ambient"``  the Gaussian of the raw codes in R^(K+d); samples are then projected back onto the code's
                     spheres (when ``reproject``). When the noise is larger than the norm of the class mean,
                     the projection divides the scale back out and ``spread`` stops acting (issue #13);
      ``"tangent"``  the Gaussian of the codes' log-map at the class mean direction, separately on each sphere
                     of the code (t and v): the mean direction is ``mean/|mean|`` per part, training codes are
                     mapped to its tangent space (Riemannian log map), the covariance is fitted there, and
                     samples ``u ~ N(0, spread^2 Cov)`` are mapped back with the exponential map. Samples stay
                     on the spheres, ``spread=0`` gives the projected class mean, and the angular distance to it
                     grows linearly with ``spread``.
``reproject`` — ambient samples are projected onto the spheres before decoding (GLICO does so); ``False``
    decodes them as drawn (the tangent space samples are on the spheres either way).

The thesis's protocol as first implemented here (``ledoit_wolf``, ``ambient``, ``reproject``) stays available as
the ``legacy`` reading; see :data:`LEGACY_STEP_III`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.covariance import OAS, EmpiricalCovariance, LedoitWolf

COVARIANCES: tuple[str, ...] = ("sample", "ledoit_wolf", "oas", "diagonal")
SPREAD_SPACES: tuple[str, ...] = ("ambient", "tangent")
LEGACY_STEP_III: dict = {"covariance": "ledoit_wolf", "spread_space": "ambient", "reproject": True}


def check_step_iii(covariance: str, spread_space: str, spread: float | None = None) -> None:
    """Fail early, with the valid choices, on an unknown estimator or space or a negative spread."""
    if covariance not in COVARIANCES:
        raise ValueError(f"Unknown covariance estimator {covariance!r}; choose one of {COVARIANCES}.")
    if spread_space not in SPREAD_SPACES:
        raise ValueError(f"Unknown spread_space {spread_space!r}; choose one of {SPREAD_SPACES}.")
    if spread is not None and not (np.isfinite(spread) and spread >= 0):
        raise ValueError(f"spread must be a finite number >= 0 (a factor on the standard deviation; 0 gives the "
                         f"class mean), got {spread!r}.")


@dataclass
class ClassGaussians:
    """Per-class means ``(K, D)`` and noise factors ``(K, D, D)``: a sample is ``mean + factor @ eps`` with
    ``eps ~ N(0, I)`` (in ``space``; for ``"tangent"`` the means are the unit mean directions of each part
    and the noise is a tangent vector, mapped back by :func:`exp_map_parts`)."""

    classes: np.ndarray
    means: np.ndarray
    factors: np.ndarray
    shrinkage: np.ndarray
    covariance: str = "ledoit_wolf"
    space: str = "ambient"
    parts: list = field(default_factory=list)   # (start, stop) of each sphere of the code, tangent space only
    radii: list = field(default_factory=list)   # the radius of each sphere (t_scale for t, 1 for v)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("classes", "means", "factors", "shrinkage", "covariance", "space",
                                               "parts", "radii")}

    @classmethod
    def from_dict(cls, state: dict) -> "ClassGaussians":
        state = dict(state)
        if "chol" in state:  # saved before the estimator was a parameter (Ledoit-Wolf, ambient)
            state["factors"] = state.pop("chol")
        return cls(**state)


def _noise_factor(x: np.ndarray, covariance: str) -> tuple[np.ndarray, float]:
    """``F`` with ``F F^T`` = the estimated covariance of the rows of ``x`` (and the shrinkage, if any)."""
    d = x.shape[1]
    if len(x) < 2:
        return np.zeros((d, d)), float("nan")
    if covariance == "sample":
        cov = EmpiricalCovariance(assume_centered=False).fit(x).covariance_
        vals, vecs = np.linalg.eigh(cov)
        keep = vals > 1e-12 * max(vals.max(), 1e-300)
        f = np.zeros((d, d))
        f[:, :keep.sum()] = vecs[:, keep] * np.sqrt(vals[keep])
        return f, 0.0
    if covariance == "diagonal":
        return np.diag(x.std(axis=0)), float("nan")
    # store_precision=False: the precision matrix (a pseudo-inverse per class) is never used; skipping it makes the
    # fit 5x faster at CIFAR-100's code dimension (benchmarks/bench_classes.py)
    est = (LedoitWolf(store_precision=False) if covariance == "ledoit_wolf" else OAS(store_precision=False)).fit(x)
    return np.linalg.cholesky(est.covariance_ + 1e-9 * np.eye(d)), float(est.shrinkage_)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def log_map(x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Riemannian log map of unit vectors ``x`` (rows) at the unit vector ``mu``: tangent vectors whose norm is
    the angle between each ``x`` and ``mu``."""
    cos = np.clip(x @ mu, -1.0, 1.0)
    theta = np.arccos(cos)[:, None]
    perp = x - cos[:, None] * mu
    scale = np.where(theta > 1e-9, theta / np.maximum(np.sin(theta), 1e-12), 1.0)
    return perp * scale


def exp_map(u: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Exponential map at the unit vector ``mu`` of tangent vectors ``u`` (rows; their component along ``mu``
    is removed first): unit vectors at angle ``|u|`` from ``mu``."""
    u = u - (u @ mu)[:, None] * mu
    norm = np.linalg.norm(u, axis=1, keepdims=True)
    direction = u / np.maximum(norm, 1e-12)
    return np.cos(norm) * mu + np.sin(norm) * direction


def fit_class_gaussians(codes: np.ndarray, labels: np.ndarray, covariance: str = "ledoit_wolf",
                        space: str = "ambient", parts: list[tuple[int, int]] | None = None,
                        radii: list[float] | None = None) -> ClassGaussians:
    """One Gaussian per class of ``codes`` (see the module docstring for ``covariance`` and ``space``).

    ``parts`` / ``radii``: the spheres of the code, ``[(start, stop), ...]`` and their radii (tangent space
    only; default: the whole code on the unit sphere). A class with a single code gets a zero covariance.
    """
    check_step_iii(covariance, space)
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    d = codes.shape[1]
    parts = [tuple(p) for p in (parts or [(0, d)])]
    radii = list(radii or [1.0] * len(parts))
    means, factors, shrink = [], [], []
    for c in classes:
        x = codes[labels == c]
        if space == "tangent":
            mu = np.concatenate([_unit(x[:, a:b].mean(0)) for a, b in parts])
            x = np.concatenate([log_map(_unit(x[:, a:b]), mu[a:b]) * r for (a, b), r in zip(parts, radii)], axis=1)
        else:
            mu = x.mean(0)
        f, s = _noise_factor(x, covariance)
        means.append(mu)
        factors.append(f)
        shrink.append(s)
    return ClassGaussians(classes, np.stack(means), np.stack(factors), np.array(shrink), covariance, space,
                          [list(p) for p in parts], radii)


def balanced_labels(n: int, classes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` labels from the uniform mixture over ``classes``, stratified: every class gets n//K or n//K+1."""
    k = len(classes)
    labels = np.concatenate([np.repeat(classes, n // k), rng.choice(classes, n % k, replace=False)])
    return rng.permutation(labels)


def sample_codes(gaussians: ClassGaussians, labels: np.ndarray, spread: float = 1.0,
                 seed: int | None = None) -> np.ndarray:
    """Draw one code per entry of ``labels`` from that class's Gaussian, standard deviation scaled by ``spread``.

    Ambient space: ``mean + spread * F eps`` (not projected here). Tangent space: per sphere of the code,
    ``radius * exp_mu(spread * F eps / radius)``, on the spheres by construction.
    """
    check_step_iii(gaussians.covariance, gaussians.space, spread)
    rng = np.random.default_rng(seed)
    pos = {c: i for i, c in enumerate(gaussians.classes)}
    missing = set(np.unique(labels)) - set(pos)
    if missing:
        raise ValueError(f"No fitted Gaussian for classes {sorted(missing)}; fitted: {list(gaussians.classes)}")
    idx = np.array([pos[c] for c in labels], dtype=np.int64)
    d = gaussians.means.shape[1]
    out = np.empty((len(labels), d))
    eps = rng.standard_normal((len(labels), d))
    for i in np.unique(idx):  # one matrix product per class, not one (D, D) factor per sample
        sel = idx == i
        noise = spread * eps[sel] @ gaussians.factors[i].T
        if gaussians.space == "ambient":
            out[sel] = gaussians.means[i] + noise
        else:
            for (a, b), r in zip(gaussians.parts, gaussians.radii):
                out[sel, a:b] = r * exp_map(noise[:, a:b] / r, gaussians.means[i, a:b])
    return out


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


def slerp_on_spheres(a: np.ndarray, b: np.ndarray, s: np.ndarray, parts: list[slice],
                     norm: str = "first") -> np.ndarray:
    """Row-wise SLERP from codes ``a`` to codes ``b`` (``(n, d)`` arrays) at fractions ``s`` (``(n,)``), separately
    on each unit-sphere ``part`` of the code (sCOLA: the t and v parts of Sec. 3.2; GLO: the whole code): each part
    is rescaled to unit norm, interpolated on the sphere, then given the norm of ``a``'s part (``norm="first"``) or
    the linear interpolation of the two parts' norms (``norm="linear"``)."""
    if norm not in ("first", "linear"):
        raise ValueError(f"norm must be 'first' or 'linear', got {norm!r}")
    out = np.empty(a.shape)
    for part in parts:
        na = np.linalg.norm(a[:, part], axis=1, keepdims=True)
        nb = np.linalg.norm(b[:, part], axis=1, keepdims=True)
        unit = slerp(a[:, part] / np.maximum(na, 1e-12), b[:, part] / np.maximum(nb, 1e-12), s)
        out[:, part] = unit * (na if norm == "first" else (1 - s)[:, None] * na + s[:, None] * nb)
    return out


def interpolate_codes(a: np.ndarray, b: np.ndarray, steps: int, parts: list[slice]) -> np.ndarray:
    """``steps`` codes on the path from code ``a`` to code ``b`` (1-D arrays), SLERP on each unit-sphere ``part``
    (sCOLA: ``[slice(0, K), slice(K, None)]``, the t and v parts of Sec. 3.2), each part's norm interpolated
    linearly: what the generator makes of the space between two training codes."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return slerp_on_spheres(np.tile(a, (steps, 1)), np.tile(b, (steps, 1)), np.linspace(0.0, 1.0, steps), parts,
                            norm="linear")


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
    return slerp_on_spheres(codes[pairs[:, 0]], codes[pairs[:, 1]], s, parts)


def match_clusters_to_labels(y_true: np.ndarray, y_pred: np.ndarray, clusters: np.ndarray | None = None,
                             labels: np.ndarray | None = None) -> dict[int, int]:
    """Cluster -> label mapping maximising agreement (Hungarian algorithm, scipy) on the (cluster, label) contingency
    table; ``clusters`` / ``labels``: the values to match (default: those that occur), so that an empty cluster is
    matched too. The one matcher of the library (clustering accuracy, and scoring GLO / COLA by classes)."""
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    clusters = np.unique(y_pred) if clusters is None else np.asarray(clusters)
    table = np.zeros((len(clusters), len(labels)), dtype=np.int64)
    ci = {c: i for i, c in enumerate(clusters)}
    li = {c: i for i, c in enumerate(labels)}
    np.add.at(table, ([ci[c] for c in y_pred], [li[c] for c in y_true]), 1)
    rows, cols = linear_sum_assignment(-table)
    return {int(clusters[r]): int(labels[c]) for r, c in zip(rows, cols)}


def clustering_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Accuracy after the best one-to-one matching of clusters to labels (unmatched clusters count as wrong)."""
    mapping = match_clusters_to_labels(y_true, y_pred)
    mapped = np.array([mapping.get(int(c), -1) for c in y_pred])
    return float((mapped == np.asarray(y_true)).mean())


def match_components_to_classes(components: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """``mapping[c]`` = the class matched to component (cluster) ``c`` (:func:`match_clusters_to_labels` over
    components and classes ``0..k-1``). Used only to *score* unsupervised models (GLO, COLA) with class-based
    metrics such as CAS; the models never see the labels while training."""
    matched = match_clusters_to_labels(np.asarray(labels), np.asarray(components), clusters=np.arange(k),
                                       labels=np.arange(k))
    return np.array([matched[c] for c in range(k)], dtype=np.int64)
