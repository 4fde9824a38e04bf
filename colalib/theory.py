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
  ``P(|mean(Z^n) - mu| >= eps) <= 2 exp(-2 n (eps - d)^2)``. The thesis states: for every ``eps >= d``, if
  ``n >= m (eps / (eps - d))^2`` the surrogate's bound is the tighter one. (The OCR text reads "82 Ed, if n,
  m(ziid)z", where this OCR writes "8" for the universal quantifier, "2" for epsilon, "E" for >= and "i" for the
  minus sign; an earlier reading of ours, ``n >= m / (1 - d)^2``, is that threshold at ``eps = 1`` only.)
  :func:`prop2_threshold_disagreements` checks a threshold against the two bounds computed directly, so that a
  wrong threshold fails.
* Proposition 3 / Corollary 3.1: a cross-entropy minimiser is a maximum-likelihood estimator, so for Gaussian
  classes learning reduces to estimating class means (and covariances); :func:`classifier_crossover_experiment`
  trains logistic regression (scikit-learn) on real versus surrogate Gaussian samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

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


def log_hoeffding_bound(n: int | np.ndarray, eps: float) -> np.ndarray:
    """The natural logarithm of :func:`hoeffding_bound`: log 2 - 2 n eps^2 (no underflow for large ``n eps^2``)."""
    eps = max(eps, 0.0)
    return np.log(2.0) - 2.0 * np.asarray(n, dtype=float) * eps ** 2


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
    """Proposition 2 / Corollary 2.1: the surrogate's Hoeffding bound is the tighter one once
    ``n >= m (eps / (eps - d))^2`` (``inf`` for ``eps <= d``: then Z's bound is the trivial 2)."""
    return float("inf") if eps <= d else m * eps ** 2 / (eps - d) ** 2


def prop2_threshold_n_eps1(m: int, d: float, eps: float = 1.0) -> float:
    """A misreading of Corollary 2.1 that this repository once used: ``n >= m / (1 - d)^2``, Proposition 2's
    threshold at ``eps = 1`` whatever ``eps`` (``eps`` is ignored). Kept so that notebook 01 can show that
    :func:`prop2_threshold_disagreements` rejects it."""
    return float("inf") if d >= 1 else m / (1.0 - d) ** 2


def prop2_threshold_disagreements(threshold, ms: Sequence[int], ds: Sequence[float], epss: Sequence[float],
                                  ns: Sequence[int]) -> dict:
    """Proposition 2 checked against the bounds themselves: at every ``(m, d, eps, n)`` of the grid with ``eps > d``,
    does ``n >= threshold(m, d, eps)`` say the same as ``2 exp(-2 n (eps - d)^2) <= 2 exp(-2 m eps^2)`` computed
    directly (as logarithms, :func:`log_hoeffding_bound`, so that tiny bounds do not underflow to a tie at 0)?
    Returns the number of grid points checked and of disagreements (the statement holds on the grid when
    there are none), with the first disagreement found. Points within 1e-9 (relative) of the threshold are skipped:
    there both sides are equal up to rounding."""
    checked, wrong, first = 0, 0, None
    n_all = np.asarray(ns, dtype=float)
    for m in ms:
        for d in ds:
            for eps in epss:
                if eps <= d:
                    continue
                thr = float(threshold(m, d, eps))
                n = n_all[~(np.abs(n_all - thr) <= 1e-9 * thr)] if np.isfinite(thr) else n_all
                tighter = log_hoeffding_bound(n, eps - d) <= log_hoeffding_bound(m, eps)
                bad = np.flatnonzero(tighter != (n >= thr))
                checked += len(n)
                wrong += len(bad)
                if len(bad) and first is None:
                    first = {"m": m, "d": d, "eps": eps, "n": int(n[bad[0]]), "threshold": thr,
                             "Z's bound tighter": bool(tighter[bad[0]])}
    return {"checked": checked, "disagreements": wrong, "first": first}


def largest_winning_real_size(n: int, var_x: float, var_z: float, d: float) -> float:
    """Corollary 1.1 read the other way: ``n`` surrogate samples estimate the mean better than ``m`` real ones exactly
    when ``Var[X] / m > Var[Z] / n + d^2``, i.e. for ``m < n Var[X] / (Var[Z] + n d^2)``, the size returned (the real
    size at which the surrogate stops helping)."""
    return n * var_x / (var_z + n * d ** 2)


def class_mean_errors(real: np.ndarray, real_labels: np.ndarray, surrogate: np.ndarray, surrogate_labels: np.ndarray,
                      population: np.ndarray, population_labels: np.ndarray) -> dict:
    """Proposition 1 / Corollary 1.1 measured on vectors (features of images), averaged over the classes.

    Per class ``c``: ``mu_c`` and ``Var[X_c]`` (the trace of the covariance, ``E|X - mu|^2``) from ``population``;
    ``Var[Z_c]`` and the offset ``d_c^2 = |mean(Z) - mu|^2`` from ``surrogate``, less the sampling noise of both
    means (``Var[Z]/n + Var[X]/N``; at least 0); ``m`` and ``n``: the class's real and surrogate counts. The expected
    errors of Prop. 1 (``Var[X]/m``, ``Var[Z]/n + d^2``) and the observed ones (``|mean(X^m) - mu|^2``,
    ``|mean(Z^n) - mu|^2``) are averaged over the classes; ``m_star`` is :func:`largest_winning_real_size` of the
    class averages. Returns the averages and ``surrogate_predicted_better`` (expected error of Z below X's).
    ``d`` is measured from the surrogate sample itself, so ``observed_surrogate`` exceeds ``expected_surrogate`` by
    exactly ``Var[X]/N`` (unless ``d^2`` is clipped): only ``observed_real`` is an independent check of Prop. 1
    (it carries the population mean's own noise, ``Var[X]/N``)."""
    rows = []
    for c in np.unique(population_labels):
        pop, x, z = population[population_labels == c], real[real_labels == c], surrogate[surrogate_labels == c]
        if len(x) == 0 or len(z) < 2:
            raise ValueError(f"class {c}: {len(x)} real and {len(z)} surrogate vectors; each class needs at least 1 "
                             "real and 2 surrogate vectors")
        mu = pop.mean(0)
        var_x, var_z = float(pop.var(0, ddof=1).sum()), float(z.var(0, ddof=1).sum())
        d2 = float(((z.mean(0) - mu) ** 2).sum()) - var_z / len(z) - var_x / len(pop)
        rows.append(dict(m=len(x), n=len(z), var_x=var_x, var_z=var_z, d2=max(d2, 0.0),
                         expected_real=var_x / len(x), expected_surrogate=var_z / len(z) + max(d2, 0.0),
                         observed_real=float(((x.mean(0) - mu) ** 2).sum()),
                         observed_surrogate=float(((z.mean(0) - mu) ** 2).sum())))
    out = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    out["d"] = float(np.sqrt(out.pop("d2")))
    out["m_star"] = largest_winning_real_size(out["n"], out["var_x"], out["var_z"], out["d"])
    out["surrogate_predicted_better"] = bool(out["expected_surrogate"] < out["expected_real"])
    return out


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
    half = test_points // 2
    x_test = np.concatenate([rng.normal(mu, 1.0, (half, dim)), rng.normal(-mu, 1.0, (half, dim))])
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
    return {"n_grid": list(n_grid), "real_mean": float(real.mean()),
            "real_se": float(real.std(ddof=1) / np.sqrt(repeats)),
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


def crossover_near_prediction(result: dict, z: float = 1.96) -> dict:
    """Whether the surrogate-trained classifier overtakes *near* Corollary 1.1's predicted ``n`` (the reading of
    Proposition 3 that notebook 01 tests; the thesis states no numeric crossover for it): ``status`` "holds" when its
    first resolved win (:func:`crossover_resolution`) is the first grid point past the prediction; "does not hold"
    when it wins, resolved, at or below the prediction, or when it is resolved *lower* at the first grid point past
    it and wins only later; else "not resolved" (no resolved win, or a later win with the first point past the
    prediction within noise), and when the grid does not bracket the prediction or the prediction is infinite without a
    resolved win. "Near" is as fine as the grid: on notebook 01's doubling grid, within a factor of 2. ``at`` names the
    grid points compared."""
    predicted, grid = result["predicted_n"], list(result["n_grid"])
    first = crossover_resolution(result, z)["first_n_resolved"]
    if not np.isfinite(predicted):  # Cor. 1.1: no surrogate size is enough (the bias alone exceeds the real error)
        return ({"status": "does not hold", "at": f"predicted never, but a resolved win at n = {first}"} if first else
                {"status": "not resolved", "at": "predicted never; no resolved win on the grid"})
    past = [n for n in grid if n > predicted * (1 + 1e-9)]   # a prediction on a grid point is not past it
    if not past or len(past) == len(grid):
        return {"status": "not resolved", "at": f"the grid {grid} does not bracket the prediction {predicted:.1f}"}
    above = past[0]
    if first is None:
        return {"status": "not resolved", "at": f"no resolved win up to n = {grid[-1]}"}
    if first == above:
        return {"status": "holds", "at": f"first resolved win at n = {first}, the first grid point past "
                                         f"{predicted:.1f}"}
    if first < above:
        return {"status": "does not hold", "at": f"resolved win at n = {first}, not past the prediction "
                                                 f"{predicted:.1f}"}
    i = grid.index(above)
    diff = result["surrogate_mean"][i] - result["real_mean"]
    lower = diff < -z * np.hypot(result["surrogate_se"][i], result["real_se"])
    return {"status": "does not hold" if lower else "not resolved",
            "at": f"first resolved win at n = {first}; at n = {above}, the first point past {predicted:.1f}, the "
                  f"surrogate is {'resolved lower' if lower else 'within noise'}"}
