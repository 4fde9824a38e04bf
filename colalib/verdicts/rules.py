"""The rules every verdict follows (:data:`STATUSES`): an ordering claim on paired differences
(:func:`ordering_claim`), a "barely" / "no notable" claim against a stated margin (:func:`margin_claim`), a published
value reproduced (:func:`value_claim`); and, for a claim still open, the subsets that would settle it
(:func:`needed_for`) and their CPU hours (:func:`with_cost`)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..stats import MAX_SUBSETS_NEEDED, MIN_SUBSETS, interval95, subsets_needed
from ..tables import read_csv

STATUSES = ("holds", "does not hold", "not resolved", "not comparable")


def claim_row(claim: str, published: str, ours: str, status: str, why: str, subsets: int | str = "",
              subsets_needed: str = "") -> dict:
    """One row of a verdict table (``status`` one of :data:`STATUSES`); ``subsets``: how many paired subsets it rests
    on, ``subsets_needed``: for an open claim, how many would settle it (:func:`needed_for`)."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {STATUSES}")
    return {"claim": claim, "published": published, "ours": ours, "status": status, "why": why,
            "subsets": subsets, "subsets_needed": subsets_needed}


def needed_for(d: np.ndarray, effect: float | None = None) -> str:
    """"Subsets needed" of an open claim from its paired differences ``d``: the paired t-test's sample size at 95 %
    (two-sided) and 80 % power (:func:`colalib.stats.subsets_needed`) at the observed standard deviation and the
    observed mean difference (or ``effect``), at least :data:`colalib.stats.MIN_SUBSETS`: a planning figure from the
    data so far, not a guarantee. With fewer than :data:`colalib.stats.MIN_SUBSETS` subsets the standard deviation
    is not trusted (one degree of freedom at most) and only the minimum is given; says when the effect is too near 0
    for any affordable number of subsets."""
    if len(d) < MIN_SUBSETS:
        return (f"at least {MIN_SUBSETS}; more unknown: {len(d)} subset{'s' * (len(d) > 1)} give no reliable "
                "standard deviation")
    n = subsets_needed(float(np.std(d, ddof=1)), float(d.mean()) if effect is None else effect)
    if not np.isfinite(n):
        return f"more than {MAX_SUBSETS_NEEDED:,} (effect near 0)"
    return str(int(max(n, MIN_SUBSETS)))


def with_cost(rows: Sequence[dict], hours_per_subset: float | None) -> list[dict]:
    """``rows`` with ``cpu_hours_needed``: for each claim with a number of subsets needed, the single-thread
    worker-hours (2-core reference machine, the run's profile) of the subsets still missing at ``hours_per_subset``
    (:func:`hours_per_subset`; blank when it is unknown), written "≥ h" where only the minimum number of subsets is
    known."""
    out = []
    for r in rows:
        need = re.match(r"(?:at least )?(\d+)", str(r.get("subsets_needed", "")))
        hours = ""
        if need and hours_per_subset and str(r.get("subsets", "")).isdigit():
            hours = f"{max(0, int(need.group(1)) - int(r['subsets'])) * hours_per_subset:.1f}"
            hours = ("≥ " if str(r["subsets_needed"]).startswith("at least") else "") + hours
        out.append({**r, "cpu_hours_needed": hours})
    return out


def recorded_subsets(folder: str | Path) -> int | None:
    """How many subsets the run in ``folder`` had: the length of the ``seeds`` its ``run.json`` records
    (:meth:`colalib.runner.NotebookRun.record`; one seed as an integer counts 1), None where it records none."""
    path = Path(folder) / "run.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    seeds = record.get("seeds", record.get("params", {}).get("seeds"))
    if seeds is None or seeds == []:
        return None
    return len(seeds) if isinstance(seeds, list) else 1


def hours_per_subset(folder: str | Path, subsets: int | None = None,
                     counts: Callable[[dict], bool] | None = None,
                     fill_rows: Sequence[dict] | None = None) -> float | None:
    """The worker-hours one more subset of a notebook costs, estimated from its results folder: the seconds of every
    unit its last fill recorded (``fill_units.csv``, written by ``make figures``) divided by its number of subsets
    (``subsets``, by default the ``seeds`` that ``run.json`` records). An estimate, not a bound: a claim needs only
    some of those units (notebook 05's also holds its gap study and Table 5.2, on their own seeds), and units the fill
    found cached (computed by another notebook) count nothing. None (a blank cost, never a guess) without a fill
    record, without recorded seeds, or without a recorded unit that ``counts``. ``counts``: which rows of the record
    a claim needs (None: all), e.g. only the clustering units for a step-I claim, priced over step I's own subsets.
    ``fill_rows``: the rows of ``fill_units.csv`` when the caller has read them already (several claims, one read)."""
    folder = Path(folder)
    if fill_rows is None and not (folder / "fill_units.csv").exists():
        return None
    if subsets is None:
        subsets = recorded_subsets(folder)
        if subsets is None:
            return None
    recorded = read_csv(folder / "fill_units.csv") if fill_rows is None else fill_rows
    rows = [r for r in recorded if counts is None or counts(r)]
    if not rows:
        return None  # no unit of the claim was recorded: no price, rather than a free subset
    return sum(float(r["seconds"]) for r in rows) / 3600 / subsets


def paired_by_seed(rows: Sequence[dict], a: str, b: str, *, group: str, value: str) -> list[float]:
    """``value(a) - value(b)`` per seed that has both, where ``rows[group]`` names a and b (an arm, a reading): the
    one pairing of every ordering claim on the same subsets."""
    by = {(r["seed"], r[group]): float(r[value]) for r in rows if r.get(value) not in (None, "")}
    return [by[(s, a)] - by[(s, b)] for s in sorted({r["seed"] for r in rows}) if (s, a) in by and (s, b) in by]


def ordering_claim(claim: str, published: str, differences: Sequence[float], unit: str = "pp",
                   scale: float = 100.0) -> dict:
    """A claim "A beats B" judged on paired differences A - B over subsets: holds when the 95 % interval lies above
    0, does not hold when it lies below, else not resolved. Fewer than :data:`colalib.stats.MIN_SUBSETS` subsets
    are not a ranking (the interval is still shown)."""
    d = np.asarray(differences, dtype=float) * scale
    if len(d) == 0:
        return claim_row(claim, published, "not measured", "not comparable", "no run of ours")
    ci = interval95(d)
    ours = f"{d.mean():+.2f} {unit}" + (f" ± {ci:.2f} (95 %, {len(d)} subsets)" if np.isfinite(ci) else
                                        " (one subset)")
    n = len(d)
    if not np.isfinite(ci):
        return claim_row(claim, published, ours, "not resolved", "one subset: not a ranking", n, needed_for(d))
    if n < MIN_SUBSETS:
        return claim_row(claim, published, ours, "not resolved",
                         f"{n} subsets: an order needs at least {MIN_SUBSETS}, not a ranking", n, needed_for(d))
    if d.mean() - ci > 0:
        return claim_row(claim, published, ours, "holds", "the paired 95 % interval lies above 0", n)
    if d.mean() + ci < 0:
        return claim_row(claim, published, ours, "does not hold", "the paired 95 % interval lies below 0", n)
    return claim_row(claim, published, ours, "not resolved", "the paired 95 % interval contains 0", n, needed_for(d))


# "Barely" and "notable" read as margins (ours; the thesis gives none): an FID change under 10 % of the concentrated
# set's FID is "barely" a change (App. A); an accuracy advantage under 2 pp is not "notable" (Sec. 5.3.2).
BARELY_RELATIVE_PCT = 10.0


NOTABLE_PP = 2.0


def margin_claim(claim: str, published: str, differences: Sequence[float], upper: float, lower: float | None = None,
                 unit: str = "pp", scale: float = 100.0) -> dict:
    """A claim that a difference is small ("barely changes", "no notable advantage"), judged on paired differences
    over subsets against a stated margin: holds when the whole 95 % interval lies inside ``[lower, upper]`` (``lower``
    None: one-sided, only the upper bound), does not hold when it lies wholly above ``upper`` or below ``lower``, else
    not resolved. An interval that merely contains 0 is not evidence of a small difference. Fewer than
    :data:`colalib.stats.MIN_SUBSETS` subsets are not resolved."""
    d = np.asarray(differences, dtype=float) * scale
    if len(d) == 0:
        return claim_row(claim, published, "not measured", "not comparable", "no run of ours")
    ci = interval95(d)
    bounds = f"[{lower:+g}, {upper:+g}] {unit}" if lower is not None else f"below {upper:+g} {unit}"
    ours = f"{d.mean():+.2f} {unit}" + (f" ± {ci:.2f} (95 %, {len(d)} subsets)" if np.isfinite(ci) else
                                        " (one subset)") + f"; margin {bounds}"
    n = len(d)
    # how far the mean lies from the margin it must be told apart from: the subsets needed to settle either way
    to_margin = min(abs(d.mean() - upper), abs(d.mean() - lower) if lower is not None else float("inf"))
    if n < MIN_SUBSETS or not np.isfinite(ci):
        return claim_row(claim, published, ours, "not resolved",
                         f"{n} subset{'s' * (n > 1)}: a margin needs an interval over at least {MIN_SUBSETS}", n,
                         needed_for(d, to_margin))
    lo, hi = d.mean() - ci, d.mean() + ci
    if hi <= upper and (lower is None or lo >= lower):
        return claim_row(claim, published, ours, "holds", f"the paired 95 % interval lies inside the margin {bounds}",
                         n)
    if lo > upper or (lower is not None and hi < lower):
        return claim_row(claim, published, ours, "does not hold",
                         f"the paired 95 % interval lies wholly outside the margin {bounds}", n)
    return claim_row(claim, published, ours, "not resolved", f"the paired 95 % interval crosses the margin {bounds}",
                     n, needed_for(d, to_margin))


def value_claim(claim: str, published: float | None, values: Sequence[float], comparable: bool = True,
                why_not: str = "", unit: str = "%", scale: float = 100.0,
                missing: str = "illegible in the thesis", missing_why: str = "no published value to compare") -> dict:
    """A published number reproduced: holds when it lies inside our 95 % interval (or within 1 unit for a single
    run), does not hold when our whole interval lies below or above it. ``missing`` / ``missing_why``: the published
    column and the reason when there is no published value."""
    v = np.asarray(values, dtype=float) * scale
    pub = "" if published is None else f"{published:.2f} {unit}"
    if len(v) == 0:
        return claim_row(claim, pub, "not measured", "not comparable", why_not or "no run of ours")
    ci = interval95(v)
    ours = f"{v.mean():.2f} {unit}" + (f" ± {ci:.2f} (95 %, {len(v)} subsets)" if np.isfinite(ci) else " (one run)")
    if published is None:
        return claim_row(claim, missing, ours, "not comparable", missing_why)
    if not comparable:
        return claim_row(claim, pub, ours, "not comparable", why_not)
    half = ci if np.isfinite(ci) else 1.0
    if abs(v.mean() - published) <= half:
        return claim_row(claim, pub, ours, "holds", "the published value lies inside our interval")
    side = "below" if v.mean() < published else "above"
    gap_unit = "pp" if unit == "%" else unit
    return claim_row(claim, pub, ours, "does not hold", f"ours lies {abs(v.mean() - published):.2f} {gap_unit} {side}")


def not_comparable(row: dict, why: str) -> dict:
    """``row`` (a claim) marked *not comparable* for ``why``, its measured value kept."""
    return {**row, "status": "not comparable", "why": why}
