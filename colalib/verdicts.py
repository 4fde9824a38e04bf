""""Result vs thesis" tables: each notebook ends with the thesis's claims, the published value, ours and a status
computed from our results (never typed by hand), saved as ``results/NN_name/vs_thesis.csv``.

Statuses:
  ``holds``            our result supports the claim (an ordering claim: the paired 95 % interval excludes 0 in the
                       claimed direction);
  ``does not hold``    our result contradicts it (the interval excludes 0 the other way, or a value falls short of
                       the published one beyond our interval);
  ``not resolved``     the interval contains 0, or only one subset was run (not a ranking);
  ``not comparable``   our protocol differs from the thesis's so much that no comparison is meaningful (said why).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .gap import interval95

STATUSES = ("holds", "does not hold", "not resolved", "not comparable")


def claim_row(claim: str, published: str, ours: str, status: str, why: str) -> dict:
    """One row of a verdict table (``status`` one of :data:`STATUSES`)."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {STATUSES}")
    return {"claim": claim, "published": published, "ours": ours, "status": status, "why": why}


def ordering_claim(claim: str, published: str, differences: Sequence[float], unit: str = "pp",
                   scale: float = 100.0) -> dict:
    """A claim "A beats B" judged on paired differences A - B over subsets: holds when the 95 % interval lies above
    0, does not hold when it lies below, else not resolved (one subset: not a ranking)."""
    d = np.asarray(differences, dtype=float) * scale
    if len(d) == 0:
        return claim_row(claim, published, "not measured", "not comparable", "no run of ours")
    ci = interval95(d)
    ours = f"{d.mean():+.2f} {unit}" + (f" ± {ci:.2f} (95 %, {len(d)} subsets)" if np.isfinite(ci) else
                                        " (one subset)")
    if not np.isfinite(ci):
        return claim_row(claim, published, ours, "not resolved", "one subset: not a ranking")
    if d.mean() - ci > 0:
        return claim_row(claim, published, ours, "holds", "the paired 95 % interval lies above 0")
    if d.mean() + ci < 0:
        return claim_row(claim, published, ours, "does not hold", "the paired 95 % interval lies below 0")
    return claim_row(claim, published, ours, "not resolved", "the paired 95 % interval contains 0")


def value_claim(claim: str, published: float | None, values: Sequence[float], comparable: bool = True,
                why_not: str = "", unit: str = "%", scale: float = 100.0) -> dict:
    """A published number reproduced: holds when it lies inside our 95 % interval (or within 1 unit for a single
    run), does not hold when our whole interval lies below or above it."""
    v = np.asarray(values, dtype=float) * scale
    pub = "" if published is None else f"{published:.2f} {unit}"
    if len(v) == 0:
        return claim_row(claim, pub, "not measured", "not comparable", why_not or "no run of ours")
    ci = interval95(v)
    ours = f"{v.mean():.2f} {unit}" + (f" ± {ci:.2f} (95 %, {len(v)} subsets)" if np.isfinite(ci) else " (one run)")
    if published is None:
        return claim_row(claim, "illegible in the thesis", ours, "not comparable", "no published value to compare")
    if not comparable:
        return claim_row(claim, pub, ours, "not comparable", why_not)
    half = ci if np.isfinite(ci) else 1.0
    if abs(v.mean() - published) <= half:
        return claim_row(claim, pub, ours, "holds", "the published value lies inside our interval")
    side = "below" if v.mean() < published else "above"
    return claim_row(claim, pub, ours, "does not hold", f"ours lies {abs(v.mean() - published):.2f} {unit} {side}")


def _paired(rows: Sequence[dict], size: int, a: str, b: str) -> list[float]:
    acc = {(r["seed"], r["arm"]): r["accuracy"] for r in rows if r["size"] == size}
    return [acc[(s, a)] - acc[(s, b)] for s in sorted({r["seed"] for r in rows if r["size"] == size})
            if (s, a) in acc and (s, b) in acc]


def classification_claims(rows: Sequence[dict], dataset: str, profile: str) -> list[dict]:
    """Chapter 5's claims, judged on the rows of :func:`colalib.experiments.classification_experiment`:
    Mix beats Real and Synthetic at every size (Sec. 5.2), Synthetic beats Real at the smallest size ("in the
    extreme small sample scenario"), and the published Table 5.1 values (comparable only in the paper profile, and
    even then on the offline JPEG copy of the data)."""
    from . import published
    out = []
    sizes = sorted({r["size"] for r in rows})
    for size in sizes:
        out.append(ordering_claim(f"Mix beats Real at {size} per class (Sec. 5.2)", "Mix > Real",
                                  _paired(rows, size, "mix", "real")))
        out.append(ordering_claim(f"Mix beats Synthetic at {size} per class (Sec. 5.2)", "Mix > Synthetic",
                                  _paired(rows, size, "mix", "synthetic")))
    smallest = sizes[0] if sizes else None
    if smallest is not None:
        out.append(ordering_claim(f"Synthetic beats Real at the smallest size, {smallest} per class (Sec. 5.2)",
                                  "Synthetic > Real for a handful of images per class",
                                  _paired(rows, smallest, "synthetic", "real")))
    pub = published.scola_mix(dataset)
    why = ("" if profile == "paper" else
           f"profile {profile}: a shorter classifier and fewer synthetic images than App. C.3")
    for size in sizes:
        mix = [r["accuracy"] for r in rows if r["size"] == size and r["arm"] == "mix"]
        out.append(value_claim(f"sCOLA Mix accuracy at {size} per class (Table 5.1)", pub.get(size), mix,
                               comparable=profile == "paper", why_not=why))
    return out


def theory_claims(lemma1: Sequence[dict], prop1: Sequence[dict], prop2: Sequence[dict], prop2_violations: int,
                  prop3: Sequence[dict]) -> list[dict]:
    """Chapter 6's statements against notebook 01's Monte Carlo tables."""
    ok1 = sum(bool(r["within 3 se"]) for r in lemma1)
    ok2 = sum(bool(r["agree"]) for r in prop1)
    out = [claim_row("Lemma 1: Var[mean(X^m)] = Var[X] / m", "exact", f"{ok1} of {len(lemma1)} cases within 3 se",
                     "holds" if ok1 == len(lemma1) else "does not hold", "Monte Carlo against the closed form"),
           claim_row("Prop. 1 / Cor. 1.1: Z's mean beats X's once n > m Var[Z] / (Var[X] - m d^2)", "threshold",
                     f"the simulated crossover is the first grid n past the threshold in {ok2} of {len(prop1)} cases",
                     "holds" if ok2 == len(prop1) else "does not hold", "Monte Carlo expected squared errors"),
           claim_row("Prop. 2 / Cor. 2.1: Hoeffding bounds hold; Z's is tighter once n >= m e^2 / (e - d)^2",
                     "n >= m / (1 - d)^2 as printed", f"{prop2_violations} of {2 * len(prop2)} empirical tails above "
                     "their bound", "holds" if prop2_violations == 0 else "does not hold",
                     "the printed threshold is the exact one at e = 1 only (see the table)")]
    for r in prop3:
        resolved = r["first n higher beyond noise (95 %)"]
        status = "not resolved" if resolved == "not resolved" else "holds"
        out.append(claim_row(f"Prop. 3 / Cor. 3.1 (m={r['m']}, d={r['d']}): a surrogate-trained classifier "
                             "overtakes near the mean-estimation threshold", f"n > {r['predicted n']:.1f}",
                             f"first n higher beyond noise: {resolved}", status,
                             "logistic regression; a resolved win needs > 1.96 se of the difference"))
    return out
