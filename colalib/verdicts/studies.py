"""Verdicts of the studies beyond the thesis: notebook 07 (sCOLA against the related methods) and notebook 08 (the
gap to Table 5.1)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..stats import MIN_SUBSETS
from .generation import _paired_methods, failed_methods, failed_sizes
from .rules import claim_row, ordering_claim, paired_by_seed

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


def gap_claims(gap_runs: Sequence[dict], published_mix: dict[int, float | None]) -> list[dict]:
    """Beyond the thesis (notebook 08): for each reading of an ambiguous step
    (:data:`colalib.experiments.readings.READINGS`) and size, whether it raises sCOLA's Mix accuracy over the default
    reading on the same subsets, the claim that it closes part of the gap to the published Table 5.1
    (``published_mix``: size -> %). Ordering claims on the paired differences (reading − default, per subset) of
    :func:`colalib.experiments.gap_study.gap_study`'s rows; the transductive control is named as such (never a
    reproduction)."""
    out = []
    for size in sorted({int(r["size"]) for r in gap_runs}):
        here = [r for r in gap_runs if int(r["size"]) == size]
        default = {r["seed"]: float(r["mix"]) for r in here if r["kind"] == "default"}
        if not default:
            continue
        pub = published_mix.get(size)
        gap = "" if pub is None else f"; the default's gap to it: {pub - 100 * np.mean(list(default.values())):.2f} pp"
        published = (f"Table 5.1: {pub:.2f} % (sCOLA Mix){gap}" if pub is not None else
                     "no published value at this size")
        for name in dict.fromkeys(r["reading"] for r in here if r["kind"] != "default"):
            default_name = next(r["reading"] for r in here if r["kind"] == "default")
            kind = next(r["kind"] for r in here if r["reading"] == name)
            label = " (a transductive control, not a reproduction)" if kind == "transductive" else ""
            out.append(ordering_claim(f"reading '{name}'{label} raises sCOLA's Mix accuracy over the default at {size} "
                                      "per class, closing part of the gap to Table 5.1 (beyond the thesis)",
                                      published, paired_by_seed(here, name, default_name, group="reading",
                                                                value="mix")))
    return out
