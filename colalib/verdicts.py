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

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from .stats import interval95

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


def _by_seed(rows: Sequence[dict], method: str, size: int, key: str) -> dict:
    return {r["seed"]: float(r[key]) for r in rows if r.get("method") == method and r["size"] == size
            and r.get(key) not in (None, "")}


def _paired_methods(rows: Sequence[dict], a: str, b: str, size: int, key: str, sign: float = 1.0) -> list[float]:
    """``sign * (key(a) - key(b))`` per seed present for both (sign -1 for lower-is-better scores such as FID)."""
    ra, rb = _by_seed(rows, a, size, key), _by_seed(rows, b, size, key)
    return [sign * (ra[s] - rb[s]) for s in sorted(set(ra) & set(rb))]


def generation_claims(rows: Sequence[dict]) -> list[dict]:
    """Chapter 4's claims (Fig. 4.1, 4.5) on the rows of :func:`colalib.experiments.generation_experiment`; each
    claim names its dataset when the rows are not CIFAR-10 (the thesis's panels: CIFAR-10 and CIFAR-100)."""
    dataset = rows[0].get("dataset", "cifar10") if rows else "cifar10"
    out = _generation_claims(rows)
    if dataset != "cifar10":
        out = [{**r, "claim": f"{r['claim']} [{_DATASET_NAMES.get(dataset, dataset)}]"} for r in out]
    return out


_DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "stl10": "STL-10", "digits": "digits"}


def _generation_claims(rows: Sequence[dict]) -> list[dict]:
    out = []
    methods = {r["method"] for r in rows}
    sizes = sorted({r["size"] for r in rows})
    for size in sizes:
        if {"cola", "glo"} <= methods:
            out.append(ordering_claim(f"COLA beats GLO on FID at {size} per class (Fig. 4.1)", "COLA < GLO",
                                      _paired_methods(rows, "cola", "glo", size, "fid", -1.0),
                                      unit="FID, GLO − COLA (> 0: COLA lower)", scale=1))
            out.append(ordering_claim(f"COLA beats GLO on CAS at {size} per class (Fig. 4.1)", "COLA > GLO",
                                      _paired_methods(rows, "cola", "glo", size, "cas")))
        if {"scola", "cgan_pd"} <= methods:
            out.append(ordering_claim(f"sCOLA beats CGAN-PD on CAS at {size} per class (Fig. 4.5, small sample)",
                                      "sCOLA > CGAN-PD", _paired_methods(rows, "scola", "cgan_pd", size, "cas")))
            out.append(ordering_claim(f"sCOLA beats CGAN-PD on FID at {size} per class (Fig. 4.5, small sample)",
                                      "sCOLA < CGAN-PD", _paired_methods(rows, "scola", "cgan_pd", size, "fid", -1.0),
                                      unit="FID, CGAN-PD − sCOLA (> 0: sCOLA lower)", scale=1))
    if sizes and {"scola", "real"} <= methods:
        out.append(ordering_claim(f"sCOLA's samples beat the real images on CAS at the smallest size, {sizes[0]} per "
                                  "class (Fig. 4.5, extremely scarce data)", "sCOLA > real",
                                  _paired_methods(rows, "scola", "real", sizes[0], "cas")))
    return out


def clustering_claims(rows: Sequence[dict]) -> list[dict]:
    """Sec. 3.1's claims on notebook 02's clustering table: MMDC beats k-means, and RotNet and the augmentation
    consistency each help. One run each: the status says so unless the table holds several seeds."""
    acc = {r["method"]: float(r["acc"]) for r in rows}
    full = acc.get("MMDC (RotNet + consistency)")
    out = []
    for other, claim, pub in (("k-means on pixels", "MMDC beats k-means on pixels", "MMDC > k-means"),
                              ("MMDC without RotNet", "the RotNet task helps MMDC", "with > without"),
                              ("MMDC without consistency", "the augmentation consistency helps MMDC",
                               "with > without")):
        if full is not None and other in acc:
            out.append(ordering_claim(f"{claim} (Sec. 3.1, clustering accuracy)", pub, [full - acc[other]]))
    if full is not None:
        out.append(value_claim("MMDC clustering accuracy on CIFAR-10 (Sec. 3.1)", 84.3, [full], comparable=False,
                               why_not="a short run on a 2,000-image subset; the published run: 60,000 images, "
                                       "400 epochs"))
    return out


def fid_inadequacy_claims(rows: Sequence[dict]) -> list[dict]:
    """Appendix A: the concentrated and sparse sets get nearly the same FID while CAS tells them apart. Judged on
    notebook 06's spread sweep (one model, one run per spread): the relative FID change between the smallest and
    largest spread against the CAS change."""
    if len(rows) < 2:
        return []
    lo, hi = min(rows, key=lambda r: float(r["spread"])), max(rows, key=lambda r: float(r["spread"]))
    fid_change = 100 * abs(float(hi["fid"]) - float(lo["fid"])) / float(lo["fid"])
    cas_change = 100 * (float(hi["cas"]) - float(lo["cas"]))
    ours = (f"spread {lo['spread']} -> {hi['spread']}: FID {float(lo['fid']):.1f} -> {float(hi['fid']):.1f} "
            f"({fid_change:.1f} %), CAS {100 * float(lo['cas']):.1f} -> {100 * float(hi['cas']):.1f} % "
            f"({cas_change:+.1f} pp)")
    return [claim_row("FID barely separates concentrated from sparse sets while CAS does (App. A, Fig. 2)",
                      "near-equal FID, different CAS", ours, "not resolved",
                      "one model and one sample set per spread: no interval; read the curves")]


def ablation_claims(arch_rows: Sequence[dict], sim_rows: Sequence[dict]) -> list[dict]:
    """Sec. 4.3.1 (Table 4.3: the conditional-batch-norm generator gives the best FID and CAS) and Sec. 5.3.1
    (Fig. 5.2: the Laplacian pyramid gives the best CAS of the unsupervised similarity measures), on notebook 04's
    tables. Paired over seeds; a single seed is not a ranking."""
    def per_seed(rows: Sequence[dict], name_key: str, name: str, key: str) -> dict:
        return {r["seed"]: float(r[key]) for r in rows if r.get(name_key) == name
                and r.get(key) not in (None, "") and str(r.get("available", True)) != "False"}

    out = []
    cgan_fid, cgan_cas = (per_seed(arch_rows, "generator", "cgan_res", k) for k in ("fid", "cas"))
    for other in ("infogan", "dcgan_res"):
        fid, cas = (per_seed(arch_rows, "generator", other, k) for k in ("fid", "cas"))
        out.append(ordering_claim(f"the conditional-BN generator beats {other} on FID (Table 4.3)", "CGAN < others",
                                  [fid[s] - cgan_fid[s] for s in sorted(set(fid) & set(cgan_fid))],
                                  unit=f"FID, {other} − CGAN (> 0: CGAN lower)", scale=1))
        out.append(ordering_claim(f"the conditional-BN generator beats {other} on CAS (Table 4.3)", "CGAN > others",
                                  [cgan_cas[s] - cas[s] for s in sorted(set(cas) & set(cgan_cas))]))
    lap = per_seed(sim_rows, "measure", "laplacian", "cas")
    for other in ("l1", "resnet32_random", "resnet32_kmeans", "resnet32_trained", "vgg16"):
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


def failed_methods(rows: Sequence[dict]) -> dict[str, str]:
    """Method -> why its result is degenerate (the rows' ``failed`` field, :func:`colalib.metrics.degenerate_reason`),
    for the methods that failed in any row."""
    return {r["method"]: r["failed"] for r in rows if r.get("failed")}


def peers_claims(rows: Sequence[dict]) -> list[dict]:
    """Beyond the thesis (notebook 07): sCOLA against the related methods on the same subsets, on the measures the
    thesis argues for (CAS, Mix - Real). Paired over seeds."""
    out = []
    methods = [m for m in dict.fromkeys(r["method"] for r in rows) if m != "scola"]
    failed = failed_methods(rows)
    for size in sorted({r["size"] for r in rows}):
        for m in methods:
            if m in failed or "scola" in failed:
                bad = m if m in failed else "scola"
                for measure in ("CAS", "Mix accuracy"):
                    out.append(claim_row(f"sCOLA beats {m} on {measure} at {size} per class", "sCOLA best",
                                         "not ranked", "not comparable", f"{bad} failed here: {failed[bad]}"))
                continue
            out.append(ordering_claim(f"sCOLA beats {m} on CAS at {size} per class", "sCOLA best (ch. 4)",
                                      _paired_methods(rows, "scola", m, size, "cas")))
            out.append(ordering_claim(f"sCOLA beats {m} on Mix accuracy at {size} per class", "sCOLA best (ch. 5)",
                                      _paired_methods(rows, "scola", m, size, "mix")))
    return out


def peers_reading(rows: Sequence[dict], names: dict[str, str]) -> str:
    """Notebook 07's reading, computed from its rows: per size and metric (CAS, Mix, FID) the methods in order of
    their mean, failed methods (a ``failed`` reason, :func:`colalib.metrics.degenerate_reason`) left out of the
    order and named as failed, and how many subsets stand behind it. With fewer than 3 subsets the order is said to
    be a single run, not a ranking; the paired intervals are in the "Result vs thesis" table. Markdown text."""
    lines = []
    failed = failed_methods(rows)
    for m, why in failed.items():
        lines.append(f"- **{names.get(m, m)} failed** ({why}): left out of every order below.")
    for size in sorted({r["size"] for r in rows}):
        here = [r for r in rows if r["size"] == size]
        n_seeds = len({r["seed"] for r in here})
        caveat = (f"{n_seeds} subsets; paired intervals in the verdict table" if n_seeds >= 3 else
                  "one subset: a single run, not a ranking" if n_seeds == 1 else
                  f"{n_seeds} subsets: not a ranking")
        for metric, higher in (("cas", True), ("mix", True), ("fid", False)):
            means = {m: float(np.mean([float(r[metric]) for r in here if r["method"] == m]))
                     for m in dict.fromkeys(r["method"] for r in here) if m not in failed}
            order = sorted(means, key=means.get, reverse=higher)
            fmt = (lambda v: f"{100 * v:.1f}%") if metric != "fid" else (lambda v: f"{v:.1f}")
            lines.append(f"- {size} per class, {metric.upper()} ({'higher' if higher else 'lower'} is better): "
                         + " > ".join(f"{names.get(m, m)} {fmt(means[m])}" for m in order) + f" ({caveat})")
    return "\n".join(lines)


# notebook -> (claims function, the result tables it reads, in order)
FROM_RESULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "02_clustering": ("clustering_claims", ("clustering_scores",)),
    "03_generation": ("generation_claims", ("fid_cas_runs",)),
    "04_ablations": ("ablation_claims", ("table4_3_generators", "fig5_2_similarity")),
    "05_classification": ("classification_claims", ("runs",)),
    "06_fid_inadequacy": ("fid_inadequacy_claims", ("spread_sweep",)),
    "07_peers": ("peers_claims", ("peers_runs",)),
}


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


def claims_from_results(folder: str | Path) -> list[dict]:
    """The verdict table of a notebook recomputed from its saved result tables (``results/NN_name/*.csv``), with
    the same functions the notebook calls: for committed results whose notebook has not been re-run since."""
    from .runner import read_csv
    folder = Path(folder)
    base = folder.name
    for suffix in ("_smoke", "_paper"):
        base = base.removesuffix(suffix)
    if base not in FROM_RESULTS:
        raise ValueError(f"No verdict table is defined for {folder.name}; known: {sorted(FROM_RESULTS)}")
    fn, tables = FROM_RESULTS[base]
    args = [_typed(read_csv(folder / f"{t}.csv")) for t in tables]
    if fn == "classification_claims":
        record = json.loads((folder / "run.json").read_text())
        args += [record["params"].get("dataset", "cifar10"), record["profile"]]
    return globals()[fn](*args)


def main(argv: list[str] | None = None) -> int:
    """Write ``vs_thesis.csv`` into each given results folder from its saved tables:
    ``python -m colalib.verdicts results/03_generation results/06_fid_inadequacy``."""
    import argparse

    from .cache import atomic_write_text
    from .runner import rows_to_csv
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args(argv)
    for folder in args.folders:
        rows = claims_from_results(folder)
        record = json.loads((Path(folder) / "run.json").read_text())
        for r in rows:
            r["from"] = f"saved tables of the {record['profile']} run at {record['git_commit'][:12]}"
        atomic_write_text(Path(folder) / "vs_thesis.csv", rows_to_csv(rows))
        print(f"{folder}/vs_thesis.csv: " + ", ".join(f"{s} {sum(r['status'] == s for r in rows)}" for s in STATUSES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def collapse_reading(rows: Sequence[dict]) -> str:
    """Fig. 4.4 / 4.5's small-sample collapse of CGAN-PD, read from notebook 03's rows: per size, the mean intra-class
    diversity (pool3) of CGAN-PD's and sCOLA's samples against the real training subset and the test set; collapse is
    measured where CGAN-PD's lies below sCOLA's. Markdown lines."""
    def mean_div(method: str, size: int) -> float | None:
        vals = [r["diversity"] for r in rows if r["method"] == method and r["size"] == size]
        return float(np.mean(vals)) if vals else None

    lines = []
    for size in sorted({r["size"] for r in rows}):
        gan, scola, real = mean_div("cgan_pd", size), mean_div("scola", size), mean_div("real", size)
        if gan is None or scola is None:
            continue
        verdict = ("CGAN-PD below sCOLA: collapse measured" if gan < scola else
                   "CGAN-PD not below sCOLA: no collapse measured")
        real_text = f", real training subset {real:.2f}" if real is not None else ""
        lines.append(f"- {size} per class: intra-class diversity CGAN-PD {gan:.2f}, sCOLA {scola:.2f}{real_text}, "
                     f"test set {rows[0]['real_diversity']:.2f} ({verdict}).")
    return "\n".join(lines) or "CGAN-PD or sCOLA not in METHODS."
