"""Verdict tables recomputed from a notebook's saved tables (``results/NN_name/*.csv``): :func:`claims_from_results`,
and ``python -m colalib.verdicts <folders>``, which rewrites their ``vs_thesis.csv``."""
from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path
from typing import Callable, Sequence

from .. import published
from ..tables import read_csv, rows_to_csv
from .chapters import (
    ablation_claims,
    class_transfer_claims,
    classification_claims,
    classifier_size_claims,
    clustering_claims,
    fid_inadequacy_claims,
    theory_claims,
)
from .generation import COMPARISONS, generation_claims, unsupervised_generation_claims
from .rules import STATUSES, hours_per_subset, with_cost
from .studies import gap_claims, peers_claims


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
    return _typed(read_csv(folder / f"{stem}.csv"))


def cola_glo_units(profile: str) -> frozenset[str]:
    """The keys of COLA's and GLO's units (fits, FIDs, CAS arms, judge scores) in notebook 03's study plan: what the
    study run (``make studies``) adds to the thesis run, and what its claims cost. Read from the plan's own
    declaration (each unit's ``method``), not from how its key is spelled. Imported here, not at the top: the
    verdicts read saved tables without torch, and only this price needs the plan."""
    from ..experiments.plan import notebook_plan

    return frozenset(t.key for t in notebook_plan("03", profile, cola_glo=True)
                     if t.kwargs.get("method") in ("cola", "glo"))


def generation_verdicts(tables: Sequence[Sequence[dict]], profile: str, folder: str | Path,
                        cola_glo: bool = False) -> list[dict]:
    """Notebook 03's verdict table from its tables (one per dataset, CIFAR-10's first), priced from the fill record
    in ``folder`` (:func:`hours_per_subset`). The thesis run judges every comparison of chapter 4 its methods allow
    (:data:`~colalib.verdicts.generation.COMPARISONS`), at its whole plan per subset; the study run (``cola_glo``,
    ``make studies``) only COLA against GLO, at COLA's and GLO's own units per subset (the rest of its plan is the
    thesis run's, cached)."""
    comparisons = ("cola_glo",) if cola_glo else COMPARISONS
    priced = [r for r in (tables[0] if tables else ()) if not cola_glo or r.get("method") in ("cola", "glo")]
    subsets = len({r["seed"] for r in priced}) or None  # the study's: COLA's and GLO's subsets (the baselines')
    if cola_glo:
        own = cola_glo_units(profile)
        price = hours_per_subset(folder, subsets, lambda r: r.get("key") in own)
    else:
        price = hours_per_subset(folder, subsets)
    return with_cost([c for rows in tables for c in generation_claims(rows, profile, comparisons)], price)


def _generation_verdicts_from(folder: Path, record: dict, cola_glo: bool = False) -> list[dict]:
    beside = [_table(folder, p.stem) for p in sorted(folder.glob("fid_cas_runs_*.csv"))]
    return generation_verdicts([_table(folder, "fid_cas_runs")] + beside, record["profile"], folder, cola_glo)


def _classification_claims_from(folder: Path, record: dict) -> list[dict]:
    out = classification_claims(_table(folder, "runs"), record["params"].get("dataset", "cifar10"), record["profile"])
    if (folder / "table5_2.csv").exists():
        out += classifier_size_claims([{**r, "seed_accuracies": ast.literal_eval(r["seed_accuracies"])}
                                       for r in _table(folder, "table5_2")])
    return out


def clustering_verdicts(rows: Sequence[dict], gen_rows: Sequence[dict], folder: str | Path) -> list[dict]:
    """Notebook 02's verdict table, each claim priced by its own units (:func:`hours_per_subset` over the fill record
    in ``folder``): step I's claims (:func:`clustering_claims`, on ``rows``) at the clustering units per step-I subset;
    Fig. 4.1's (:func:`unsupervised_generation_claims`, on ``gen_rows``) at the rest of the plan per generator subset
    plus one full MMDC fit (unsupervised COLA's step I; the ``mmdc/`` units, the full variant) per step-I subset.
    Step I runs on more subsets than the generators in the quick profile, so one price per subset of the whole plan
    would be wrong for both. A slight overcount: the step-I subsets that have no generators yet already hold their
    MMDC fit."""
    def seeds(table: Sequence[dict]) -> int:
        return len({r["seed"] for r in table})

    def step_i(r: dict) -> bool:
        return r.get("task") == "cluster_step"

    record = Path(folder) / "fill_units.csv"
    fill_rows = read_csv(record) if record.exists() else None  # read once for the three prices
    i_seeds, gen_seeds = seeds(rows), seeds(gen_rows)
    per_i = hours_per_subset(folder, i_seeds, step_i, fill_rows) if rows else None
    rest = hours_per_subset(folder, gen_seeds, lambda r: not step_i(r), fill_rows) if gen_rows else None
    mmdc = (hours_per_subset(folder, i_seeds, lambda r: r.get("key", "").startswith("mmdc/"), fill_rows)
            if rows else None)
    per_gen = rest + mmdc if rest is not None and mmdc is not None else None
    return with_cost(clustering_claims(rows), per_i) + with_cost(unsupervised_generation_claims(gen_rows), per_gen)


def _per_subset_of_the_plan(claims: Callable[[Path, dict], list[dict]]) -> Callable[[Path, dict], list[dict]]:
    """``claims`` priced as their notebook prices them: every open claim at the whole plan's cost per subset."""
    return lambda folder, record: with_cost(claims(folder, record), hours_per_subset(folder))


# notebook -> its priced verdict table from its saved tables and run record (the functions the notebook calls); a
# results folder takes the longest entry its name starts with (03_generation_cola_glo is the study run of 03)
FROM_RESULTS = {
    "01_theory": _per_subset_of_the_plan(lambda folder, record: _theory_claims_from(folder)),
    "02_clustering": lambda folder, record: clustering_verdicts(
        _table(folder, "clustering_scores"),
        _table(folder, "fig4_1_unsupervised") if (folder / "fig4_1_unsupervised.csv").exists() else [], folder),
    "03_generation_cola_glo": lambda folder, record: _generation_verdicts_from(folder, record, cola_glo=True),
    "03_generation": _generation_verdicts_from,
    "04_ablations": _per_subset_of_the_plan(lambda folder, record: ablation_claims(
        _table(folder, "table4_3_generators"), _table(folder, "fig5_2_similarity"), record["profile"])),
    "05_classification": _per_subset_of_the_plan(_classification_claims_from),
    "06_fid_inadequacy": _per_subset_of_the_plan(
        lambda folder, record: fid_inadequacy_claims(_table(folder, "spread_sweep"))
        + (class_transfer_claims(_table(folder, "class_transfer")) if (folder / "class_transfer.csv").exists()
           else [])),
    "07_peers": _per_subset_of_the_plan(lambda folder, record: peers_claims(_table(folder, "peers_runs"))),
    "08_gap_study": _per_subset_of_the_plan(lambda folder, record: _gap_claims_from(folder, record)),
}


def _gap_claims_from(folder: Path, record: dict) -> list[dict]:
    runs = [{**r, "mix": float(r["mix"])} for r in _table(folder, "gap_runs")]
    return gap_claims(runs, published.scola_mix(record["params"].get("dataset", "cifar10")))


def claims_from_results(folder: str | Path) -> list[dict]:
    """The verdict table of a notebook recomputed from its saved result tables (``results/NN_name/*.csv``) with the
    functions the notebook calls, and the CPU hours of the subsets still needed (:func:`with_cost`): for committed
    results whose notebook has not been re-run since, and to check that a committed ``vs_thesis.csv`` is what the
    current verdict rules give (``results/05_classification_cifar100`` is notebook 05's)."""
    folder = Path(folder)
    base = max((b for b in FROM_RESULTS if folder.name.startswith(b)), key=len, default=None)  # the longest match
    if base is None:
        raise ValueError(f"No verdict table is defined for {folder.name}; known: {sorted(FROM_RESULTS)}")
    record = json.loads((folder / "run.json").read_text())
    return FROM_RESULTS[base](folder, record)


def _theory_claims_from(folder: Path) -> list[dict]:
    """:func:`theory_claims` from notebook 01's saved tables."""
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

    from ..cache import atomic_write_text  # local: cache and utils import torch (start-up ~1 s vs ~3 s)
    from ..utils import git_commit  # local: utils imports torch (verdicts CLI start-up)
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
