""""Result vs thesis" tables: each notebook ends with the thesis's claims, the published value, ours and a status
computed from our results (never typed by hand), saved as ``results/NN_name/vs_thesis.csv``.

Statuses:
  ``holds``            our result supports the claim (an ordering claim: the paired 95 % interval excludes 0 in the
                       claimed direction; a claim of "barely" or "no notable" difference: the whole interval lies
                       inside a stated margin, :func:`margin_claim`);
  ``does not hold``    our result contradicts it (the interval excludes 0 the other way, or a value falls short of
                       the published one beyond our interval);
  ``not resolved``     the interval contains 0, or fewer than 3 subsets were run (not a ranking);
  ``not comparable``   our protocol differs from the thesis's so much that no comparison is meaningful (said why).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .stats import MAX_SUBSETS_NEEDED, MIN_SUBSETS, interval95, interval_half_width, subsets_needed

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


def hours_per_subset(folder: str | Path, subsets: int | None = None) -> float | None:
    """The worker-hours one more subset of a notebook costs, estimated from its results folder: the seconds of every
    unit its last fill recorded (``fill_units.csv``, written by ``make figures``) divided by its number of subsets
    (``subsets``, by default ``run.json``'s ``seeds``). An estimate, not a bound: a claim needs only some of those
    units (notebook 05's also holds its gap study and Table 5.2, on their own seeds), and units the fill found cached
    (computed by another notebook) count nothing. None without a record."""
    from .runner import read_csv
    folder = Path(folder)
    if not (folder / "fill_units.csv").exists():
        return None
    if subsets is None:
        if not (folder / "run.json").exists():
            return None
        subsets = len(json.loads((folder / "run.json").read_text())["params"].get("seeds") or [0])
    seconds = sum(float(r["seconds"]) for r in read_csv(folder / "fill_units.csv"))
    return seconds / 3600 / subsets


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
    gap_unit = "pp" if unit == "%" else unit
    return claim_row(claim, pub, ours, "does not hold", f"ours lies {abs(v.mean() - published):.2f} {gap_unit} {side}")


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
    source = "Table 5.1" if published.table_5_1(dataset) else "Fig. 5.1, values not legible in the thesis"
    for size in sizes:
        mix = [r["accuracy"] for r in rows if r["size"] == size and r["arm"] == "mix"]
        out.append(value_claim(f"sCOLA Mix accuracy at {size} per class ({source})", pub.get(size), mix,
                               comparable=profile == "paper", why_not=why))
    return out


def classifier_size_claims(ablation_rows: Sequence[dict]) -> list[dict]:
    """Sec. 5.3.2 / Table 5.2: "no notable advantage in using deeper and larger nets". For each classifier other than
    ResNet-20, the paired Mix-accuracy difference (it − ResNet-20) over the seeds both ran
    (:func:`colalib.experiments.classifier_ablation`'s ``seed_accuracies``), judged by :func:`margin_claim`: holds
    when the whole 95 % interval lies below :data:`NOTABLE_PP`, does not hold when it lies wholly above it."""
    acc = {r["classifier"]: r["seed_accuracies"] for r in ablation_rows}
    if "resnet20" not in acc:
        return []
    out = []
    for arch, per_seed in acc.items():
        if arch == "resnet20":
            continue
        seeds = sorted(set(per_seed) & set(acc["resnet20"]))
        out.append(margin_claim(f"{arch} brings no notable advantage over resnet20 (Sec. 5.3.2, Table 5.2)",
                                "no notable advantage", [per_seed[s] - acc["resnet20"][s] for s in seeds],
                                upper=NOTABLE_PP))
    return out


def theory_claims(lemma1: Sequence[dict], prop1: Sequence[dict], prop2_check: dict, prop2_violations: int,
                  prop2_tails: int, prop3: Sequence[dict]) -> list[dict]:
    """Chapter 6's statements against notebook 01's Monte Carlo tables and checks. ``prop2_check``:
    :func:`colalib.theory.prop2_threshold_disagreements` of the thesis's threshold (the statement itself, a check
    that a wrong threshold fails); ``prop2_violations`` of ``prop2_tails`` empirical tails above their Hoeffding bound
    (the premise). ``prop3``: notebook 01's classifier rows with :func:`colalib.theory.crossover_near_prediction`'s
    ``status`` and ``at``."""
    ok1 = sum(bool(r["within 3 se"]) for r in lemma1)
    ok2 = sum(bool(r["agree"]) for r in prop1)
    wrong = prop2_check["disagreements"]
    out = [claim_row("Lemma 1: Var[mean(X^m)] = Var[X] / m", "exact", f"{ok1} of {len(lemma1)} cases within 3 se",
                     "holds" if ok1 == len(lemma1) else "does not hold", "Monte Carlo against the closed form"),
           claim_row("Prop. 1 / Cor. 1.1: Z's mean beats X's once n > m Var[Z] / (Var[X] - m d^2)", "threshold",
                     f"the simulated crossover is the first grid n past the threshold in {ok2} of {len(prop1)} cases",
                     "holds" if ok2 == len(prop1) else "does not hold", "Monte Carlo expected squared errors"),
           claim_row("Prop. 2 / Cor. 2.1: for every e > d, Z's Hoeffding bound is the tighter once "
                     "n >= m (e / (e - d))^2 (the statement about the bounds, verified on a grid: for the right "
                     "threshold an identity, so the check's value is that a wrong threshold fails it)",
                     "n >= m (e / (e - d))^2",
                     f"{wrong} of {prop2_check['checked']:,} grid points (m, d, e, n) where the "
                     "threshold and the two bounds computed directly disagree; premise: "
                     f"{prop2_violations} of {prop2_tails} empirical tails above their bound",
                     "holds" if wrong == 0 and prop2_violations == 0 else "does not hold",
                     "the threshold must predict which bound is tighter at every grid point (a wrong threshold, e.g. "
                     "m / (1 - d)^2, fails); Hoeffding's bounds must hold in the simulation")]
    for r in prop3:
        out.append(claim_row(f"Prop. 3 / Cor. 3.1 (m={r['m']}, d={r['d']}): a surrogate-trained classifier "
                             "overtakes near the mean-estimation threshold (our bridge: Cor. 3.1 states only that a "
                             "cross-entropy classifier is an MLE)", f"n > {r['predicted n']:.1f} (Cor. 1.1)",
                             r["near prediction"], r["status"],
                             "logistic regression; a resolved win needs > 1.96 se of the difference; 'near' = the "
                             "first grid point past the prediction"))
    return out


def _by_seed(rows: Sequence[dict], method: str, size: int, key: str) -> dict:
    return {r["seed"]: float(r[key]) for r in rows if r.get("method") == method and r["size"] == size
            and r.get(key) not in (None, "")}


def _paired_methods(rows: Sequence[dict], a: str, b: str, size: int, key: str, sign: float = 1.0) -> list[float]:
    """``sign * (key(a) - key(b))`` per seed present for both (sign -1 for lower-is-better scores such as FID)."""
    ra, rb = _by_seed(rows, a, size, key), _by_seed(rows, b, size, key)
    return [sign * (ra[s] - rb[s]) for s in sorted(set(ra) & set(rb))]


def generation_claims(rows: Sequence[dict], profile: str = "paper") -> list[dict]:
    """Chapter 4's claims (Fig. 4.1, 4.5) on the rows of :func:`colalib.experiments.generation_experiment`; each
    claim names its dataset when the rows are not CIFAR-10 (the thesis's panels: CIFAR-10 and CIFAR-100).

    A claim is *not comparable* (our paired difference still shown) where our protocol is not the thesis's:
    COLA against GLO below the full dataset (Fig. 4.1 trains both unsupervised on the full datasets), sCOLA against
    CGAN-PD outside the ``paper`` profile (a GAN trained for a few hundred steps at reduced width is not the thesis's
    CGAN-PD), and any claim about a generator whose result is degenerate (``failed``)."""
    dataset = rows[0].get("dataset", "cifar10") if rows else "cifar10"
    out = _generation_claims(rows, profile)
    if dataset != "cifar10":
        out = [{**r, "claim": f"{r['claim']} [{_DATASET_NAMES.get(dataset, dataset)}]"} for r in out]
    return out


METHOD_NAMES = {"real": "real subset", "scola": "sCOLA", "glo": "GLO", "cola": "COLA", "cgan_pd": "CGAN-PD",
                "regene": "ReGene", "mmgan": "MM-GAN", "augintae": "AugIntAE"}


_DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "stl10": "STL-10", "digits": "digits"}
# Training images per class of each dataset's full training split (Fig. 4.1 trains on the full datasets).
FULL_PER_CLASS = {"cifar10": 5000, "cifar100": 500, "stl10": 500, "digits": 180}


def not_comparable(row: dict, why: str) -> dict:
    """``row`` (a claim) marked *not comparable* for ``why``, its measured value kept."""
    return {**row, "status": "not comparable", "why": why}


def _generation_claims(rows: Sequence[dict], profile: str) -> list[dict]:
    out = []
    methods = {r["method"] for r in rows}
    sizes = sorted({r["size"] for r in rows})
    dataset = rows[0].get("dataset", "cifar10") if rows else "cifar10"

    def judged(row: dict, *compared: str, protocol: str = "", size: int) -> dict:
        failed = failed_methods(rows, size)  # a generator degenerate at this size
        bad = [m for m in compared if m in failed]
        if bad:
            return not_comparable(row, f"{METHOD_NAMES.get(bad[0], bad[0])} failed here: {failed[bad[0]]}")
        return not_comparable(row, protocol) if protocol else row

    for size in sizes:
        if {"cola", "glo"} <= methods:
            full = FULL_PER_CLASS.get(dataset)
            protocol = ("" if full is not None and size >= full else
                        f"Fig. 4.1 compares COLA and GLO trained without labels on the full dataset; here {size} "
                        "images per class")
            out.append(judged(ordering_claim(f"COLA beats GLO on FID at {size} per class (Fig. 4.1)", "COLA < GLO",
                                             _paired_methods(rows, "cola", "glo", size, "fid", -1.0),
                                             unit="FID, GLO − COLA (> 0: COLA lower)", scale=1),
                              "cola", "glo", protocol=protocol, size=size))
            out.append(judged(ordering_claim(f"COLA beats GLO on CAS at {size} per class (Fig. 4.1)", "COLA > GLO",
                                             _paired_methods(rows, "cola", "glo", size, "cas")),
                              "cola", "glo", protocol=protocol, size=size))
        if {"scola", "cgan_pd"} <= methods:
            protocol = ("" if profile == "paper" else
                        f"profile {profile}: CGAN-PD trained briefly at reduced width, not the thesis's GAN")
            out.append(judged(ordering_claim(f"sCOLA beats CGAN-PD on CAS at {size} per class (Fig. 4.5, small "
                                             "sample)", "sCOLA > CGAN-PD",
                                             _paired_methods(rows, "scola", "cgan_pd", size, "cas")),
                              "scola", "cgan_pd", protocol=protocol, size=size))
            out.append(judged(ordering_claim(f"sCOLA beats CGAN-PD on FID at {size} per class (Fig. 4.5, small "
                                             "sample)", "sCOLA < CGAN-PD",
                                             _paired_methods(rows, "scola", "cgan_pd", size, "fid", -1.0),
                                             unit="FID, CGAN-PD − sCOLA (> 0: sCOLA lower)", scale=1),
                              "scola", "cgan_pd", protocol=protocol, size=size))
    if sizes and {"scola", "real"} <= methods:
        smallest = sizes[0]
        out.append(judged(ordering_claim(f"sCOLA's samples beat the real images on CAS at the smallest size, "
                                         f"{smallest} per class (Fig. 4.5, extremely scarce data)", "sCOLA > real",
                                         _paired_methods(rows, "scola", "real", smallest, "cas")), "scola",
                          size=smallest))
        scola_eq = {r["seed"]: float(r["fid_equal_n"]) for r in rows if r["method"] == "scola"
                    and r["size"] == smallest and r.get("fid_equal_n") not in (None, "")}
        real_fid = _by_seed(rows, "real", smallest, "fid")
        n = next((int(float(r["n_fake"])) for r in rows if r["method"] == "real" and r["size"] == smallest), None)
        if scola_eq:
            out.append(judged(ordering_claim(f"sCOLA's samples beat the real images on FID at the smallest size, "
                                             f"{smallest} per class, both scored with {n} images (Fig. 4.5)",
                                             "sCOLA < real", [real_fid[s] - scola_eq[s] for s in sorted(scola_eq)
                                                              if s in real_fid],
                                             unit=f"FID at n = {n}, real − sCOLA (> 0: sCOLA lower)", scale=1),
                              "scola", size=smallest))
    return out


def clustering_claims(rows: Sequence[dict]) -> list[dict]:
    """Step I's claims on notebook 02's clustering table: MMDC beats k-means, and RotNet and the augmentation
    consistency each help. The thesis (Sec. 3.1) only adopts MMDC "enhanced with" RotNet and consistency; the
    ablations and the 84.3 % accuracy are the MMDC paper's, and each claim says so. Differences are paired by
    ``seed`` (one seed when the rows have none): a single seed is not a ranking."""
    acc: dict[str, dict[Any, float]] = {}
    for r in rows:
        acc.setdefault(r["method"], {})[r.get("seed", 0)] = float(r["acc"])
    full = acc.get("MMDC (RotNet + consistency)")
    out = []
    for other, claim, pub in (("k-means on pixels", "MMDC beats k-means on pixels", "MMDC > k-means"),
                              ("MMDC without RotNet", "the RotNet task helps MMDC", "with > without"),
                              ("MMDC without consistency", "the augmentation consistency helps MMDC",
                               "with > without")):
        if full is not None and other in acc:
            seeds = sorted(set(full) & set(acc[other]))
            out.append(ordering_claim(f"{claim} (the MMDC paper's design, adopted in Sec. 3.1; clustering accuracy)",
                                      pub, [full[s] - acc[other][s] for s in seeds]))
    if full is not None:
        images = sorted({int(float(r["images"])) for r in rows if r.get("images") not in (None, "")})
        run = f"{', '.join(f'{n:,}' for n in images)} images" if images else "our run"
        out.append(value_claim("MMDC clustering accuracy on CIFAR-10 (the MMDC paper's number, cited for step I; the "
                               "thesis gives none)", 84.3, list(full.values()), comparable=False,
                               why_not=f"{run}, at the profile's epochs; the published run: 60,000 images (train + "
                                       "test), 400 epochs"))
    return out


def fid_inadequacy_claims(rows: Sequence[dict]) -> list[dict]:
    """Appendix A (Fig. 1, 2): a sparse set gets a higher CAS than the concentrated one, while FID barely tells them
    apart. The concentrated set is the smallest spread of notebook 06's sweep; the thesis gives no spread for its
    sparse set, so every larger spread is a candidate, each judged against the concentrated set, paired by ``seed``:
    CAS as an ordering claim (sparse − concentrated, 95 %), FID "barely" as a relative change within
    ±:data:`BARELY_RELATIVE_PCT` % of the concentrated set's FID (:func:`margin_claim`, 95 %).

    A first row judges the thesis's claim, which needs one such pair (rule fixed before notebook 06's 3-subset run):
    it **holds** when some candidate passes both its rows at the Bonferroni-adjusted level 1 − 0.05 / k (k
    candidates), so that trying k spreads cannot manufacture a pass; it **does not hold** when every candidate fails
    one of its rows (an interval wholly on the wrong side, 95 %); else it is not resolved."""
    spreads = sorted({float(r["spread"]) for r in rows})
    if len(spreads) < 2:
        return []
    lo, candidates = spreads[0], spreads[1:]
    level = 1 - 0.05 / len(candidates)

    def by_seed(spread: float, key: str) -> dict:
        return {r.get("seed", 0): float(r[key]) for r in rows if float(r["spread"]) == spread}

    out, passes, fails = [], [], []
    for hi in candidates:
        seeds = sorted(set(by_seed(lo, "cas")) & set(by_seed(hi, "cas")))
        d_cas = [by_seed(hi, "cas")[s] - by_seed(lo, "cas")[s] for s in seeds]
        rel = [100 * (by_seed(hi, "fid")[s] / by_seed(lo, "fid")[s] - 1) for s in seeds]
        d_fid = [by_seed(hi, "fid")[s] - by_seed(lo, "fid")[s] for s in seeds]
        cas_row = ordering_claim(f"the sparse set (spread {hi:g}) gets a higher CAS than the concentrated one "
                                 f"(spread {lo:g}) (App. A, Fig. 2)", "sparse > concentrated on CAS", d_cas)
        fid_row = margin_claim(f"FID barely changes between the concentrated set (spread {lo:g}) and the sparse one "
                               f"(spread {hi:g}) (App. A, Fig. 2)", "near-equal FID", [r / 100 for r in rel],
                               upper=BARELY_RELATIVE_PCT, lower=-BARELY_RELATIVE_PCT, unit="%")
        fid_row["ours"] = (f"{np.mean(d_fid):+.1f} FID, sparse − concentrated, i.e. " + fid_row["ours"]
                           + " of the concentrated set's FID")
        out += [cas_row, fid_row]
        enough = len(seeds) >= MIN_SUBSETS
        cas_hw, fid_hw = interval_half_width(100 * np.array(d_cas), level), interval_half_width(np.array(rel), level)
        passes.append(enough and 100 * np.mean(d_cas) - cas_hw > 0
                      and abs(np.mean(rel)) + fid_hw <= BARELY_RELATIVE_PCT)
        fails.append("does not hold" in (cas_row["status"], fid_row["status"]))
    overall = "holds" if any(passes) else "does not hold" if all(fails) else "not resolved"
    why = {"holds": f"spread {', '.join(f'{c:g}' for c, p in zip(candidates, passes) if p)} passes both rows at "
                    f"the Bonferroni-adjusted {100 * level:.1f} % level",
           "does not hold": "every sparser spread fails one of its rows (95 %)",
           "not resolved": f"no spread passes both rows at the Bonferroni-adjusted {100 * level:.1f} % level, and "
                           "not every spread fails"}[overall]
    curve = "; ".join(f"spread {sp:g}: CAS {100 * np.mean(list(by_seed(sp, 'cas').values())):.1f} %, FID "
                      f"{np.mean(list(by_seed(sp, 'fid').values())):.1f}" for sp in spreads)
    n = len(set(by_seed(lo, "cas")))
    sparser = ", ".join(f"{s:g}" for s in candidates)
    summary = claim_row(f"App. A: some sparse set (a spread of {sparser}) gets a higher CAS than the concentrated one "
                        f"(spread {lo:g}) at a barely different FID", "sparse > concentrated on CAS, near-equal FID",
                        f"means over {n} subset(s): {curve}", overall, why, n)
    return [summary] + out


# Sec. 5.3.1: the Laplacian pyramid is best "compared to other unsupervised measures"; the ImageNet VGG16 and the
# ResNet-32 trained with labels are supervised measures, about which the thesis claims no order.
UNSUPERVISED_SIMILARITIES = ("l1", "resnet32_random", "resnet32_kmeans")


def ablation_claims(arch_rows: Sequence[dict], sim_rows: Sequence[dict], profile: str = "paper") -> list[dict]:
    """Sec. 4.3.1 (Table 4.3: the conditional-batch-norm generator gives the best FID and CAS) and Sec. 5.3.1
    (Fig. 5.2: the Laplacian pyramid gives the best CAS of the unsupervised similarity measures,
    :data:`UNSUPERVISED_SIMILARITIES`), on notebook 04's tables. Paired over seeds; a single seed is not a ranking.
    Table 4.3's rows are *not comparable* outside the ``paper`` profile (narrowed generators trained on a subset; the
    thesis: full data at its widths), their paired differences still shown."""
    def per_seed(rows: Sequence[dict], name_key: str, name: str, key: str) -> dict:
        return {r["seed"]: float(r[key]) for r in rows if r.get(name_key) == name
                and r.get(key) not in (None, "") and str(r.get("available", True)) != "False"}

    out = []
    cgan_fid, cgan_cas = (per_seed(arch_rows, "generator", "cgan_res", k) for k in ("fid", "cas"))
    images = sorted({int(float(r["train_images"])) for r in arch_rows if r.get("train_images") not in (None, "")})
    protocol = ("" if profile == "paper" else
                f"profile {profile}: generators trained on {', '.join(map(str, images))} images at reduced width; "
                "Table 4.3: the full training set at the thesis's widths")
    for other in ("infogan", "dcgan_res"):
        fid, cas = (per_seed(arch_rows, "generator", other, k) for k in ("fid", "cas"))
        rows = [ordering_claim(f"the conditional-BN generator beats {other} on FID (Table 4.3)", "CGAN < others",
                               [fid[s] - cgan_fid[s] for s in sorted(set(fid) & set(cgan_fid))],
                               unit=f"FID, {other} − CGAN (> 0: CGAN lower)", scale=1),
                ordering_claim(f"the conditional-BN generator beats {other} on CAS (Table 4.3)", "CGAN > others",
                               [cgan_cas[s] - cas[s] for s in sorted(set(cas) & set(cgan_cas))])]
        out += [not_comparable(r, protocol) if protocol else r for r in rows]
    lap = per_seed(sim_rows, "measure", "laplacian", "cas")
    for other in UNSUPERVISED_SIMILARITIES:
        cas = per_seed(sim_rows, "measure", other, "cas")
        if not cas:
            out.append(claim_row(f"the Laplacian pyramid beats {other} on CAS (Fig. 5.2)", "Laplacian best",
                                 "not measured", "not comparable", f"{other} did not run here (see the table)"))
            continue
        out.append(ordering_claim(f"the Laplacian pyramid beats {other} on CAS (Fig. 5.2)", "Laplacian best",
                                  [lap[s] - cas[s] for s in sorted(set(lap) & set(cas))]))
    return out


def generator_ordering_reading(arch_rows: Sequence[dict]) -> str:
    """The reading of Table 4.3 (Sec. 4.3.1) computed from notebook 04's rows: our ranking of the generators by mean
    FID and by mean CAS beside the thesis's, whether ours reverses it, how many subsets back it, and the capacity
    confound (parameters actually trained per generator). Markdown text."""
    from .published import TABLE_4_3
    names = {"infogan": "InfoGAN", "dcgan_res": "DCGAN-res", "cgan_res": "CGAN-res"}
    gens = [g for g in dict.fromkeys(r["generator"] for r in arch_rows) if g in TABLE_4_3]
    if len(gens) < 2:
        return "Fewer than two generators ran: no ordering to read."

    def mean(g: str, key: str) -> float:
        return float(np.mean([float(r[key]) for r in arch_rows if r["generator"] == g]))

    def ranking(score: dict, lower_is_better: bool) -> list[str]:
        return sorted(gens, key=lambda g: score[g] if lower_is_better else -score[g])

    lines = []
    for key, label, lower in (("fid", "FID", True), ("cas", "CAS", False)):
        ours = ranking({g: mean(g, key) for g in gens}, lower)
        thesis = ranking({g: TABLE_4_3[g][key] for g in gens}, lower)
        relation = ("the same order" if ours == thesis else
                    "the reverse order" if ours == thesis[::-1] else "a different order")
        if relation == "a different order" and ours[0] == thesis[-1]:
            relation += f": the thesis's worst, {names[ours[0]]}, is our best"
        lines.append(f"- **{label}**: ours {' > '.join(names[g] for g in ours)}; thesis "
                     f"{' > '.join(names[g] for g in thesis)} (best first): {relation}.")
    seeds = sorted({r["seed"] for r in arch_rows})
    lines.append(f"- **Noise**: {len(seeds)} subset(s). " + (
        "One subset: not a ranking, whichever way it points." if len(seeds) < 3 else
        "See the paired intervals in the verdict table below."))
    params = {g: mean(g, "parameters") for g in gens}
    big, small = max(params, key=params.get), min(params, key=params.get)
    ratio = params[big] / params[small]
    if ratio > 1.5:
        lines.append(f"- **Confounded by capacity**: the generators trained here do not have equal capacity "
                     f"({', '.join(f'{names[g]} {params[g] / 1e6:.2f}M' for g in gens)} parameters; "
                     f"{names[big]} has {ratio:.0f}x the parameters of {names[small]}), so a difference between "
                     "them mixes the design with the size; the thesis's own widths are listed in the table.")
    else:
        lines.append(f"- **Capacity**: within {ratio:.2f}x across generators "
                     f"({', '.join(f'{names[g]} {params[g] / 1e6:.2f}M' for g in gens)}).")
    return "\n".join(lines)


def failed_methods(rows: Sequence[dict], size: int | None = None) -> dict[str, str]:
    """Method -> why its result is degenerate (the rows' ``failed`` field, :func:`colalib.metrics.degenerate_reason`),
    for the methods that failed in any row (of ``size`` images per class, when given)."""
    return {r["method"]: r["failed"] for r in rows if r.get("failed") and (size is None or r["size"] == size)}


def failed_sizes(rows: Sequence[dict]) -> dict[str, list[int]]:
    """Method -> the sizes (images per class) at which its result is degenerate, for the methods that failed."""
    out: dict[str, list[int]] = {}
    for r in rows:
        if r.get("failed") and r["size"] not in out.setdefault(r["method"], []):
            out[r["method"]].append(r["size"])
    return {m: sorted(v) for m, v in out.items()}


# The peers the thesis itself compares sCOLA with, and where (Fig. 4.1 / 4.5: GLO and CGAN-PD on generation); it never
# runs ReGene, MM-GAN or AugIntAE, nor any peer's Mix arm.
THESIS_PEER_COMPARISONS = {("glo", "CAS"): "thesis: unsupervised COLA > GLO (Fig. 4.1, full data); sCOLA on small "
                                           "subsets is not that comparison",
                           ("cgan_pd", "CAS"): "thesis: sCOLA > CGAN-PD in almost all configurations (Fig. 4.5)"}


def _peer_published(method: str, measure: str) -> str:
    """The ``published`` column of notebook 07's claims: the thesis's own comparison where it made one, else said to
    be beyond the thesis (it never ran the method, or never on that measure)."""
    return THESIS_PEER_COMPARISONS.get((method, measure), f"beyond the thesis: it never compares sCOLA with {method} "
                                                          f"on {measure}")


def peers_claims(rows: Sequence[dict]) -> list[dict]:
    """Beyond the thesis (notebook 07): sCOLA against the related methods on the same subsets, on the measures the
    thesis argues for (CAS, Mix - Real). Paired over seeds."""
    out = []
    methods = [m for m in dict.fromkeys(r["method"] for r in rows) if m != "scola"]
    for size in sorted({r["size"] for r in rows}):
        failed = failed_methods(rows, size)
        for m in methods:
            if m in failed or "scola" in failed:
                bad = m if m in failed else "scola"
                for measure in ("CAS", "Mix accuracy"):
                    out.append(claim_row(f"sCOLA beats {m} on {measure} at {size} per class",
                                         _peer_published(m, measure), "not ranked", "not comparable",
                                         f"{bad} failed here: {failed[bad]}"))
                continue
            out.append(ordering_claim(f"sCOLA beats {m} on CAS at {size} per class", _peer_published(m, "CAS"),
                                      _paired_methods(rows, "scola", m, size, "cas")))
            out.append(ordering_claim(f"sCOLA beats {m} on Mix accuracy at {size} per class",
                                      _peer_published(m, "Mix accuracy"),
                                      _paired_methods(rows, "scola", m, size, "mix")))
    return out


def peers_reading(rows: Sequence[dict], names: dict[str, str]) -> str:
    """Notebook 07's reading, computed from its rows: per size and metric (CAS, Mix, FID) the methods in order of
    their mean, failed methods (a ``failed`` reason, :func:`colalib.metrics.degenerate_reason`) left out of the
    order and named as failed, and how many subsets stand behind it. With fewer than 3 subsets the order is said to
    be a single run, not a ranking; the paired intervals are in the "Result vs thesis" table. Markdown text."""
    lines = []
    for m, sizes in failed_sizes(rows).items():
        lines.append(f"- **{names.get(m, m)} failed** at {', '.join(map(str, sizes))} per class "
                     f"({failed_methods(rows, sizes[0])[m]}): left out of the orders at "
                     f"{'that size' if len(sizes) == 1 else 'those sizes'}.")
    for size in sorted({r["size"] for r in rows}):
        here = [r for r in rows if r["size"] == size]
        failed = failed_methods(rows, size)
        n_seeds = len({r["seed"] for r in here})
        caveat = (f"{n_seeds} subsets; paired intervals in the verdict table" if n_seeds >= MIN_SUBSETS else
                  "one subset: a single run, not a ranking" if n_seeds == 1 else
                  f"{n_seeds} subsets: not a ranking")
        for metric, higher in (("cas", True), ("mix", True), ("fid", False)):
            means = {m: float(np.mean([float(r[metric]) for r in here if r["method"] == m]))
                     for m in dict.fromkeys(r["method"] for r in here) if m not in failed}
            order = sorted(means, key=means.get, reverse=higher)
            fmt = (lambda v: f"{100 * v:.1f}%") if metric != "fid" else (lambda v: f"{v:.1f}")
            lines.append(f"- {size} per class, {metric.upper()}, best first ({'higher' if higher else 'lower'} is "
                         "better): " + ", ".join(f"{names.get(m, m)} {fmt(means[m])}" for m in order) + f" ({caveat})")
    return "\n".join(lines)


def _typed(rows: Sequence[dict]) -> list[dict]:
    """CSV rows with ``size`` / ``seed`` as integers and numeric columns as floats where they parse."""
    out = []
    for r in rows:
        d = {}
        for k, v in r.items():
            if k in ("size", "seed") and v not in ("", None):
                d[k] = int(float(v))
            else:
                try:
                    d[k] = float(v) if k in ("accuracy", "fid", "cas", "mix", "acc", "spread") else v
                except (TypeError, ValueError):
                    d[k] = v
        out.append(d)
    return out


def _table(folder: Path, stem: str) -> list[dict]:
    from .runner import read_csv
    return _typed(read_csv(folder / f"{stem}.csv"))


def _generation_claims_from(folder: Path, record: dict) -> list[dict]:
    beside = [_table(folder, p.stem) for p in sorted(folder.glob("fid_cas_runs_*.csv"))]
    return [c for rows in [_table(folder, "fid_cas_runs")] + beside for c in generation_claims(rows, record["profile"])]


def _classification_claims_from(folder: Path, record: dict) -> list[dict]:
    import ast
    out = classification_claims(_table(folder, "runs"), record["params"].get("dataset", "cifar10"), record["profile"])
    if (folder / "table5_2.csv").exists():
        out += classifier_size_claims([{**r, "seed_accuracies": ast.literal_eval(r["seed_accuracies"])}
                                       for r in _table(folder, "table5_2")])
    return out


# notebook -> its verdict table from its saved tables and run record (the functions the notebook calls)
FROM_RESULTS = {
    "01_theory": lambda folder, record: _theory_claims_from(folder),
    "02_clustering": lambda folder, record: clustering_claims(_table(folder, "clustering_scores")),
    "03_generation": _generation_claims_from,
    "04_ablations": lambda folder, record: ablation_claims(_table(folder, "table4_3_generators"),
                                                           _table(folder, "fig5_2_similarity"), record["profile"]),
    "05_classification": _classification_claims_from,
    "06_fid_inadequacy": lambda folder, record: fid_inadequacy_claims(_table(folder, "spread_sweep")),
    "07_peers": lambda folder, record: peers_claims(_table(folder, "peers_runs")),
}


def claims_from_results(folder: str | Path) -> list[dict]:
    """The verdict table of a notebook recomputed from its saved result tables (``results/NN_name/*.csv``) with the
    functions the notebook calls, and the CPU hours of the subsets still needed (:func:`with_cost`): for committed
    results whose notebook has not been re-run since, and to check that a committed ``vs_thesis.csv`` is what the
    current verdict rules give (``results/05_classification_cifar100`` is notebook 05's)."""
    folder = Path(folder)
    base = next((b for b in FROM_RESULTS if folder.name.startswith(b)), None)
    if base is None:
        raise ValueError(f"No verdict table is defined for {folder.name}; known: {sorted(FROM_RESULTS)}")
    record = json.loads((folder / "run.json").read_text())
    return with_cost(FROM_RESULTS[base](folder, record), hours_per_subset(folder))


def _theory_claims_from(folder: Path) -> list[dict]:
    """:func:`theory_claims` from notebook 01's saved tables."""
    from .runner import read_csv
    truth = {"True": True, "False": False}
    lemma1 = [{**r, "within 3 se": truth[r["within 3 se"]]} for r in read_csv(folder / "lemma1.csv")]
    prop1 = [{**r, "agree": truth[r["agree"]]} for r in read_csv(folder / "prop1_thresholds.csv")]
    tails = read_csv(folder / "prop2_tails.csv")
    violations = sum((float(r["p_real"]) > float(r["bound_real"]))
                     + (float(r["p_surrogate"]) > float(r["bound_surrogate"])) for r in tails)
    thesis = read_csv(folder / "prop2_statement.csv")[0]
    check = {"checked": int(thesis["grid points checked"]), "disagreements": int(thesis["disagreements"])}
    prop3 = [{**r, "predicted n": float(r["predicted n"])} for r in read_csv(folder / "prop3_classifier.csv")]
    return theory_claims(lemma1, prop1, check, violations, 2 * len(tails), prop3)


def main(argv: list[str] | None = None) -> int:
    """Write ``vs_thesis.csv`` into each given results folder from its saved tables:
    ``python -m colalib.verdicts results/03_generation results/06_fid_inadequacy``."""
    import argparse

    from .cache import atomic_write_text
    from .runner import rows_to_csv
    from .utils import git_commit
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args(argv)
    for folder in args.folders:
        rows = claims_from_results(folder)
        record = json.loads((Path(folder) / "run.json").read_text())
        rules = git_commit()[:12]
        for r in rows:
            r["from"] = (f"saved tables of the {record['profile']} run at {record['git_commit'][:12]}; verdict rules "
                         f"at {rules}")
        atomic_write_text(Path(folder) / "vs_thesis.csv", rows_to_csv(rows))
        print(f"{folder}/vs_thesis.csv: " + ", ".join(f"{s} {sum(r['status'] == s for r in rows)}" for s in STATUSES))
    return 0


def collapse_reading(rows: Sequence[dict]) -> str:
    """Fig. 4.4's small-sample collapse of CGAN-PD, measured on notebook 03's rows rather than assumed: per size and
    generator, the ``failed`` reason (:func:`colalib.metrics.degenerate_reason`: CAS at chance, collapsed MM-GAN
    diversity, or, for a class-conditional generator, a GAN-test not above chance), the GAN-test accuracy, and the
    pool3 intra-class diversity as a fraction of the real training subset's. Says when the pool3 diversity does not
    single out a degenerate generator (its value is not the lowest), so that it is not read as a collapse test.
    Markdown lines."""
    def mean_of(method: str, size: int, key: str) -> float | None:
        vals = [float(r[key]) for r in rows if r["method"] == method and r["size"] == size
                and r.get(key) not in (None, "") and np.isfinite(float(r[key]))]
        return float(np.mean(vals)) if vals else None

    lines = []
    generators = [m for m in dict.fromkeys(r["method"] for r in rows) if m != "real"]
    for size in sorted({r["size"] for r in rows}):
        real = mean_of("real", size, "diversity")
        pool3, failed_here = {}, {}
        for m in generators:
            failed = sorted({r["failed"] for r in rows if r["method"] == m and r["size"] == size and r.get("failed")})
            gan, div = mean_of(m, size, "gan_test"), mean_of(m, size, "diversity")
            if div is not None:
                pool3[m] = div
            if failed:
                failed_here[m] = failed
            state = (f"**degenerate**: {'; '.join(failed)}" if failed else
                     "not degenerate" if gan is not None else "no GAN-test run here: only the CAS rule checked")
            parts = ([f"GAN-test {100 * gan:.1f}%"] if gan is not None else []) + (
                [f"pool3 intra-class diversity {div:.2f} = {100 * div / real:.0f}% of the real subset's ({real:.2f})"]
                if div is not None and real else [])
            lines.append(f"- {size} per class, {METHOD_NAMES.get(m, m)}: {state}" + (f" ({'; '.join(parts)})" if parts
                                                                                      else "") + ".")
        for m in failed_here:
            others = [v for k, v in pool3.items() if k not in failed_here]
            if m in pool3 and others and pool3[m] >= min(others):
                lines.append(f"- {size} per class: the pool3 diversity does not single out {METHOD_NAMES.get(m, m)} "
                             f"({pool3[m]:.2f}, not below the working generators' lowest, {min(others):.2f}); it "
                             "is no collapse test on its own.")
    return "\n".join(lines) or "No generator in METHODS."


if __name__ == "__main__":
    raise SystemExit(main())
