"""Chapter 6: when does a large surrogate sample beat a small real one? Closed forms and Monte Carlo checks.

Setting (Sec. 6.1): ``X^m`` is an i.i.d. sample of size ``m`` of the real class-conditional variable ``X``
(mean ``mu``), ``Z^n`` an i.i.d. sample of size ``n`` of the surrogate ``Z`` whose mean is offset:
``|mu_Z - mu| = d``. The class statistic of interest is the mean, estimated by the sample means.

* Lemma 1: ``Var[mean(X^m)] = Var[X] / m``.
* Proposition 1 / Corollary 1.1: ``E[(mean(X^m) - mu)^2] = Var[X]/m`` and
  ``E[(mean(Z^n) - mu)^2] = Var[Z]/n + d^2``; if ``Var[X] > m d^2`` the surrogate has the smaller expected error
  exactly when ``n > m Var[Z] / (Var[X] - m d^2)``.
* Proposition 2 / Corollary 2.1 (variables in [0, 1]): Hoeffding gives
  ``P(|mean(X^m) - mu| >= eps) <= 2 exp(-2 m eps^2)`` and, for ``eps > d``,
  ``P(|mean(Z^n) - mu| >= eps) <= 2 exp(-2 n (eps - d)^2)``. The surrogate's bound is the tighter one exactly when
  ``n >= m eps^2 / (eps - d)^2 = m / (1 - d/eps)^2``. The thesis states ``n >= m / (1 - d)^2``: the OCR'd proof
  compares the two exponents, and the stated threshold is the exact one at ``eps = 1`` (the largest deviation
  possible in [0, 1]); for smaller ``eps`` the exact threshold is larger. Both are implemented.
* Proposition 3 / Corollary 3.1: a cross-entropy minimiser is a maximum-likelihood estimator, so for Gaussian
  classes learning reduces to estimating class means (and covariances); :func:`classifier_crossover_experiment`
  trains logistic regression (scikit-learn) on real versus surrogate Gaussian samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.linear_model import LogisticRegression

from .config import StudyConfig


@dataclass(frozen=True)
class TheoryConfig(StudyConfig):
    """Monte Carlo sizes for notebook 01. ``seeds``: the one seed of its simulations (named as every notebook names
    its seeds); their precision is set by the repeats, not by more seeds."""

    repeats: int = 200_000
    classifier_repeats: int = 200
    test_points: int = 4000
    seeds: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.seeds) != 1:
            raise ValueError(f"notebook 01's simulations take one seed, got {self.seeds!r}; raise `repeats` or "
                             "`classifier_repeats` for more precision")

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"repeats": 2_000, "classifier_repeats": 4, "test_points": 500},
        "quick": {"repeats": 40_000, "classifier_repeats": 400, "test_points": 2000},
        "paper": {},
    }


# ---------------------------------------------------------------------------- closed forms

def expected_sq_error_real(var_x: float, m: int) -> float:
    """E[(mean(X^m) - mu)^2] = Var[X] / m (Lemma 1)."""
    return var_x / m


def expected_sq_error_surrogate(var_z: float, n: int | np.ndarray, d: float) -> float | np.ndarray:
    """E[(mean(Z^n) - mu)^2] = Var[Z] / n + d^2 (proof of Proposition 1)."""
    return var_z / np.asarray(n, dtype=float) + d ** 2


def prop1_threshold_n(m: int, var_x: float, var_z: float, d: float) -> float:
    """Corollary 1.1: the surrogate wins for ``n > m Var[Z] / (Var[X] - m d^2)``; ``inf`` when
    ``Var[X] <= m d^2`` (then no surrogate sample size is enough: its bias alone exceeds the real error)."""
    gap = var_x - m * d ** 2
    return float("inf") if gap <= 0 else m * var_z / gap


def hoeffding_bound(n: int | np.ndarray, eps: float) -> np.ndarray:
    """Two-sided Hoeffding bound 2 exp(-2 n eps^2) for means of variables in [0, 1]; ``eps <= 0`` gives 2."""
    eps = max(eps, 0.0)
    return 2.0 * np.exp(-2.0 * np.asarray(n, dtype=float) * eps ** 2)


def prop2_threshold_n(m: int, d: float, eps: float) -> float:
    """Exact condition for the surrogate's Hoeffding bound to be the tighter: ``n >= m eps^2 / (eps - d)^2``."""
    return float("inf") if eps <= d else m * eps ** 2 / (eps - d) ** 2


def prop2_threshold_n_thesis(m: int, d: float) -> float:
    """Corollary 2.1 as stated in the thesis: ``n >= m / (1 - d)^2`` (the exact threshold at eps = 1)."""
    return float("inf") if d >= 1 else m / (1.0 - d) ** 2


# ---------------------------------------------------------------------------- Monte Carlo

def _mean_of_samples(rng: np.random.Generator, sampler, size: int, repeats: int, chunk: int = 20_000) -> np.ndarray:
    """Sample means of ``repeats`` independent samples of ``size`` drawn by ``sampler(rng, shape)``."""
    out = np.empty(repeats)
    per_chunk = max(1, min(chunk, 5_000_000 // max(size, 1)))
    for s in range(0, repeats, per_chunk):
        r = min(per_chunk, repeats - s)
        out[s:s + r] = sampler(rng, (r, size)).mean(1)
    return out


def simulate_sq_errors(m: int, n: int, var_x: float, var_z: float, d: float, repeats: int, seed: int = 0) -> dict:
    """Monte Carlo E[Err(X)] and E[Err(Z)] (Eq. 6.2) for Gaussian X ~ N(0, var_x), Z ~ N(d, var_z), with
    standard errors. ``mu = 0``."""
    rng = np.random.default_rng(seed)
    ex = _mean_of_samples(rng, lambda g, s: g.normal(0.0, np.sqrt(var_x), s), m, repeats) ** 2
    ez = _mean_of_samples(rng, lambda g, s: g.normal(d, np.sqrt(var_z), s), n, repeats) ** 2
    se = lambda a: float(a.std(ddof=1) / np.sqrt(len(a)))  # noqa: E731
    return {"err_real": float(ex.mean()), "err_real_se": se(ex), "err_surrogate": float(ez.mean()),
            "err_surrogate_se": se(ez)}


def simulate_mean_variance(m: int, var_x: float, repeats: int, seed: int = 0) -> dict:
    """Monte Carlo Var[mean(X^m)] for X ~ N(0, var_x) with its standard error (Lemma 1)."""
    rng = np.random.default_rng(seed)
    means = _mean_of_samples(rng, lambda g, s: g.normal(0.0, np.sqrt(var_x), s), m, repeats)
    var = float(means.var(ddof=1))
    # standard error of a sample variance of normal data: var * sqrt(2 / (R - 1))
    return {"var": var, "se": var * np.sqrt(2.0 / (repeats - 1)), "closed_form": var_x / m}


def empirical_crossover(n_grid: np.ndarray, err_real: float, err_surrogate: np.ndarray,
                        err_surrogate_se: np.ndarray, z: float = 2.0) -> dict:
    """The first ``n`` of the grid whose surrogate error is below the real one, with the range of ``n`` where the
    difference is within ``z`` standard errors (the crossover's uncertainty)."""
    below = np.flatnonzero(err_surrogate < err_real)
    unclear = np.flatnonzero(np.abs(err_surrogate - err_real) <= z * err_surrogate_se)
    return {"n": float(n_grid[below[0]]) if len(below) else float("inf"),
            "n_low": float(n_grid[unclear[0]]) if len(unclear) else None,
            "n_high": float(n_grid[unclear[-1]]) if len(unclear) else None}


def simulate_tail_probabilities(m: int, n: int, d: float, eps: float, repeats: int, seed: int = 0,
                                p: float = 0.5) -> dict:
    """Empirical P(|mean - mu| >= eps) for Bernoulli(p) real data and Bernoulli(p + d) surrogate data (both in
    [0, 1]), beside their Hoeffding bounds (Proposition 2)."""
    rng = np.random.default_rng(seed)
    mx = rng.binomial(m, p, repeats) / m
    mz = rng.binomial(n, p + d, repeats) / n
    return {"p_real": float(np.mean(np.abs(mx - p) >= eps)), "bound_real": float(hoeffding_bound(m, eps)),
            "p_surrogate": float(np.mean(np.abs(mz - p) >= eps)),
            "bound_surrogate": float(hoeffding_bound(n, eps - d))}


# ---------------------------------------------------------------------------- Proposition 3 bridge

def classifier_crossover_experiment(m: int, n_grid: list[int], d: float, dim: int = 2, separation: float = 1.0,
                                    repeats: int = 40, test_points: int = 2000, seed: int = 0) -> dict:
    """Logistic regression on two Gaussian classes N(+-mu, I) in R^dim: accuracy when trained on ``m`` real points
    per class versus ``n`` surrogate points per class whose class means are shifted by ``d`` (a random direction
    per repeat and class), averaged over repeats. Also returns the crossover predicted by Corollary 1.1 for the
    per-class mean estimate in R^dim: E|mean_X - mu|^2 = dim / m, E|mean_Z - mu|^2 = dim / n + d^2."""
    rng = np.random.default_rng(seed)
    mu = np.zeros(dim)
    mu[0] = separation
    x_test = np.concatenate([rng.normal(mu, 1.0, (test_points // 2, dim)), rng.normal(-mu, 1.0, (test_points // 2, dim))])
    y_test = np.repeat([0, 1], test_points // 2)

    def fit_acc(n_per_class: int, offset: float) -> float:
        shifts = rng.normal(size=(2, dim))
        shifts = offset * shifts / np.linalg.norm(shifts, axis=1, keepdims=True)
        x = np.concatenate([rng.normal(mu + shifts[0], 1.0, (n_per_class, dim)),
                            rng.normal(-mu + shifts[1], 1.0, (n_per_class, dim))])
        y = np.repeat([0, 1], n_per_class)
        return LogisticRegression(C=1e4).fit(x, y).score(x_test, y_test)

    real = np.array([fit_acc(m, 0.0) for _ in range(repeats)])
    surrogate = np.array([[fit_acc(n, d) for _ in range(repeats)] for n in n_grid])
    gap = dim - m * d ** 2
    predicted = float("inf") if gap <= 0 else m * dim / gap
    return {"n_grid": list(n_grid), "real_mean": float(real.mean()), "real_se": float(real.std(ddof=1) / np.sqrt(repeats)),
            "surrogate_mean": surrogate.mean(1).tolist(),
            "surrogate_se": (surrogate.std(1, ddof=1) / np.sqrt(repeats)).tolist(), "predicted_n": predicted}


def crossover_resolution(result: dict, z: float = 1.96) -> dict:
    """Where the surrogate-trained classifier of :func:`classifier_crossover_experiment` overtakes the real one:
    ``first_n_higher`` (mean accuracy higher, whatever the noise) and ``first_n_resolved`` (higher by more than ``z``
    standard errors of the difference of the two independent means, i.e. a 95 % resolved win); None when none."""
    real, real_se = result["real_mean"], result["real_se"]
    higher = resolved = None
    for n, mean, se in zip(result["n_grid"], result["surrogate_mean"], result["surrogate_se"]):
        diff = mean - real
        if higher is None and diff > 0:
            higher = n
        if resolved is None and diff > z * np.hypot(se, real_se):
            resolved = n
    return {"first_n_higher": higher, "first_n_resolved": resolved}
