"""Summaries over subsets and paired differences with 95 % intervals: the statistics every ordering claim of the
notebooks rests on ("A beats B" needs the paired differences of at least 3 subsets, with their interval).

Kept free of the experiment modules so that :mod:`colalib.experiments`, :mod:`colalib.experiments.gap_study` and
:mod:`colalib.verdicts` all import it without cycles.
"""
from __future__ import annotations

import numpy as np
from scipy import stats


def interval_half_width(values: np.ndarray, level: float = 0.95) -> float:
    """Half-width of the two-sided Student-t interval at ``level`` of the mean of ``values`` (nan for fewer than 2)."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))


def interval95(values: np.ndarray) -> float:
    """Half-width of the 95 % Student-t interval of the mean of ``values`` (nan for fewer than 2)."""
    return interval_half_width(values, 0.95)


MIN_SUBSETS = 3   # a claim of order needs paired differences over at least this many subsets
MAX_SUBSETS_NEEDED = 10_000   # beyond this, "subsets needed" is reported as more than it (an effect near 0)


def subsets_needed(sd: float, effect: float, alpha: float = 0.05, power: float = 0.80,
                   max_n: int = MAX_SUBSETS_NEEDED) -> float:
    """How many paired subsets a two-sided paired t-test at level ``alpha`` needs to detect a mean difference of
    ``effect`` with probability ``power``, when the differences have standard deviation ``sd``: the smallest n >= 2
    with P(|T| > t_{1-alpha/2, n-1}) >= power, T noncentral t with n - 1 degrees of freedom and noncentrality
    ``effect / sd * sqrt(n)`` (the textbook paired-sample power calculation; e.g. sd 1, effect 0.5: 34). ``inf``
    when ``effect`` is 0 or more than ``max_n`` subsets would be needed; nan when ``sd`` is unknown (nan)."""
    if not np.isfinite(sd) or not np.isfinite(effect):
        return float("nan")
    if effect == 0:
        return float("inf")
    if sd == 0:
        return float(MIN_SUBSETS)
    ratio = abs(effect) / sd

    def achieved(n: int) -> float:
        crit = stats.t.ppf(1 - alpha / 2, n - 1)
        nc = ratio * np.sqrt(n)
        return float(stats.nct.sf(crit, n - 1, nc) + stats.nct.cdf(-crit, n - 1, nc))

    lo, hi = 2, 2
    while achieved(hi) < power:
        if hi >= max_n:
            return float("inf")
        lo, hi = hi, min(2 * hi, max_n)
    while lo < hi:  # power grows with n: the smallest n that reaches it
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if achieved(mid) < power else (lo, mid)
    return float(hi)


def verdict(mean: float, ci95: float, n: int) -> str:
    """'better' / 'worse' when the 95 % interval excludes 0, 'no difference resolved' when it does not, and
    'not a ranking' with fewer than :data:`MIN_SUBSETS` subsets."""
    if n < 2 or not np.isfinite(ci95):
        return "one subset: not a ranking"
    if n < MIN_SUBSETS:
        return f"{n} subsets: not a ranking"
    if mean - ci95 > 0:
        return "better"
    if mean + ci95 < 0:
        return "worse"
    return "no difference resolved"


def summarise(rows: list[dict], by: tuple[str, ...] = ("size", "arm"), value: str = "accuracy") -> list[dict]:
    """Mean, standard deviation (ddof 1; 0 for one run) and count of ``value`` grouped by ``by``."""
    groups: dict[tuple, list[float]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in by), []).append(float(r[value]))
    out = []
    for key, vals in groups.items():
        arr = np.array(vals)
        out.append({**dict(zip(by, key)), "mean": float(arr.mean()),
                    "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, "n": len(arr)})
    return out


def paired_differences(rows: list[dict], a: str = "mix", b: str = "real") -> list[dict]:
    """Per size: mean, std and 95 % interval half-width (Student t) over seeds of accuracy(a) - accuracy(b) on
    the same subset (paired by seed)."""
    acc = {(r["size"], r["seed"], r["arm"]): r["accuracy"] for r in rows}
    out = []
    for size in sorted({r["size"] for r in rows}):
        diffs = [acc[(size, s, a)] - acc[(size, s, b)] for s in sorted({r["seed"] for r in rows})
                 if (size, s, a) in acc and (size, s, b) in acc]
        if diffs:
            d = np.array(diffs)
            out.append({"size": size, f"{a}_minus_{b}": float(d.mean()),
                        "std": float(d.std(ddof=1)) if len(d) > 1 else 0.0, "ci95": interval95(d), "n": len(d)})
    return out


# Appendix B: a class-transfer panel whose plain reconstructions (own-class column) have an RMS error above this
# fraction of the training mean image's is flagged as not reconstructing its images (SCOLA.class_transfer).
# Measured on CIFAR-10 (quick profile): InfoGAN sCOLAs reconstruct recognisably at 0.19 (10 per class) and 0.30
# (100 per class, notebook 06); a width-64 CGAN sCOLA after 100 epochs on 20 per class gives colour blobs at 0.41.
TRANSFER_MAX_RELATIVE_ERROR = 0.35


def relative_reconstruction_error(recon: np.ndarray, originals: np.ndarray,
                                  mean_image: np.ndarray | None = None) -> float:
    """The RMS pixel error of ``recon`` against ``originals``, divided by that of ``mean_image`` (default: the
    originals' mean) against the same originals: 0 is a perfect reconstruction, 1 no better than the mean image.
    Above :data:`TRANSFER_MAX_RELATIVE_ERROR` a model does not reproduce its own images (App. B)."""
    originals = np.asarray(originals, dtype=np.float64)
    mean = originals.mean(axis=0) if mean_image is None else np.asarray(mean_image, dtype=np.float64)
    err = np.sqrt(((np.asarray(recon, dtype=np.float64) - originals) ** 2).mean())
    base = np.sqrt(((mean[None] - originals) ** 2).mean())
    return float(err / max(base, 1e-12))


def above_chance(accuracy: float, n: int, num_classes: int, alpha: float = 0.05) -> bool:
    """Whether an accuracy measured on ``n`` test images is above chance (1 / ``num_classes``) by a one-sided
    binomial test at level ``alpha``: a classifier that does worse carries no class information (a CAS at chance
    marks its generator's samples as failed, :func:`colalib.metrics.degenerate_reason`)."""
    k = int(round(accuracy * n))
    return stats.binomtest(k, int(n), 1.0 / num_classes, alternative="greater").pvalue < alpha


def ordering_kept(committed: np.ndarray, cheaper: np.ndarray) -> bool:
    """Whether a cheaper recipe keeps an ordering (the test of a cut): its paired differences (one per subset) have a
    mean of the same sign as the committed recipe's, inside the committed recipe's 95 % interval, **and** the same
    :func:`verdict` (a cut that turns "better" into "no difference resolved" does not keep the claim). A wide
    committed interval makes the first two easy to pass; the third is what a reader's verdict sees."""
    committed, cheaper = np.asarray(committed, float), np.asarray(cheaper, float)
    same_verdict = (verdict(committed.mean(), interval95(committed), len(committed))
                    == verdict(cheaper.mean(), interval95(cheaper), len(cheaper)))
    return bool(np.sign(committed.mean()) == np.sign(cheaper.mean())
                and abs(cheaper.mean() - committed.mean()) <= interval95(committed) and same_verdict)
