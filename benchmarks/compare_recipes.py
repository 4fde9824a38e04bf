#!/usr/bin/env python
"""Evidence for a cheaper classifier recipe (a benchmark, not a test): does a candidate (``--recipe``: bf16 autocast,
half the steps in fp32, or bf16 with half the steps) keep the orderings of notebook 05's arms? Notebook 05's quick
arms (ResNet-20, 600 steps) at ``--size`` images per class on the subsets ``--seeds``, trained under fp32 (the
committed recipe; the very units notebook 05 uses) and under the candidate, filled in parallel (2 workers x 1 thread).
Prints, per recipe, every arm's accuracy and training speed, the paired differences (Mix − Real, and Mix − Synthetic
when that arm runs) with their 95 % intervals, and what the candidate changes, paired by subset: each arm's accuracy
and each difference, judged against a ±2 pp margin (``margin_claim``). The recipes agree on an ordering when its mean
difference has the same sign under both and the candidate's paired change of it lies inside the margin (the whole 95 %
interval); :func:`colalib.stats.ordering_kept` (same sign, inside the committed recipe's interval, same verdict) is
printed beside it. Writes ``benchmarks/results/recipes/<candidate>/<candidate>_vs_fp32.csv`` and its ``run.json``
(config, seeds, commit, device, wall time).

    python benchmarks/compare_recipes.py                          # bf16, 10 per class, seeds 0 1 2, Real and Mix
    python benchmarks/compare_recipes.py --recipe bf16-half --arms real synthetic mix
    python benchmarks/compare_recipes.py --recipe half --arms real synthetic mix --seeds 0 1 2 3 4
    python benchmarks/compare_recipes.py --arms real synthetic mix --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common import benchmark_run, save_record  # noqa: E402

from colalib.cache import ArtifactCache  # noqa: E402
from colalib.classification import ClassifierConfig  # noqa: E402
from colalib.experiments import ClassificationExperimentConfig  # noqa: E402
from colalib.experiments.classification_study import classification_units  # noqa: E402
from colalib.experiments.executors import fill  # noqa: E402
from colalib.experiments.graph import Results, Unit, plan  # noqa: E402
from colalib.stats import interval95, ordering_kept  # noqa: E402
from colalib.verdicts import NOTABLE_PP, margin_claim  # noqa: E402


def _half_steps(clf: ClassifierConfig) -> dict:
    """Half the profile's epochs with the same schedule shape (quick: 30 epochs of 10 iterations, lr halved every 5)."""
    return {"epochs": max(1, clf.epochs // 2), "lr_step_epochs": max(1, clf.lr_step_epochs // 2)}


# the committed recipe (fp32, the profile's steps) and the cheaper candidates: each a change of the classifier config
CANDIDATES: dict[str, Callable[[ClassifierConfig], dict]] = {
    "bf16": lambda clf: {"precision": "bf16"},
    "half": _half_steps,  # fp32, half the steps: the step count's own effect, apart from bf16's
    "bf16-half": lambda clf: {"precision": "bf16", **_half_steps(clf)},
}
RECIPES: dict[str, Callable[[ClassifierConfig], dict]] = {"fp32": lambda clf: {}, **CANDIDATES}  # keys end in /<name>


def recipe_units(exp: ClassificationExperimentConfig, recipe: str) -> dict[tuple, Unit]:
    """Notebook 05's units for ``exp`` with the classifier of ``recipe`` (fp32: the units themselves, same keys)."""
    units = classification_units(exp)
    if recipe == "fp32":
        return units
    return {
        name: Unit(
            f"{u.key}/{recipe}",
            u.fn,
            {**u.kwargs, "clf": u.kwargs["clf"].replace(**RECIPES[recipe](u.kwargs["clf"]))},
            u.deps,
        )
        for name, u in units.items()
    }


def arm_results(exp: ClassificationExperimentConfig, recipe: str) -> dict[tuple[int, str], dict]:
    """(seed, arm) -> the cached arm unit of ``recipe`` (accuracy, train_seconds, images_per_second, ...)."""
    results = Results(recipe_units(exp, recipe), ArtifactCache(), "cpu", progress=False)
    return {(seed, arm): results["arm", arm, exp.sizes[0], seed, exp.arch] for seed in exp.seeds for arm in exp.arms}


def difference(acc: dict, seeds: tuple[int, ...], a: str, b: str) -> tuple[np.ndarray, float]:
    d = 100 * np.array([acc[(s, a)] - acc[(s, b)] for s in seeds])
    return d, interval95(d)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--arms", nargs="+", default=["real", "mix"], choices=["real", "synthetic", "mix"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", default="quick", help="quick (the evidence) or smoke (digits, seconds: a check)")
    parser.add_argument(
        "--recipe",
        default="bf16",
        choices=sorted(CANDIDATES),
        help="the cheaper recipe compared with the committed fp32 one",
    )
    args = parser.parse_args()
    if len(args.seeds) < 3:
        raise SystemExit("an ordering needs at least 3 subsets: pass --seeds with 3 or more")
    if "mix" not in args.arms or len(args.arms) < 2:
        raise SystemExit("compare Mix with Real and/or Synthetic: --arms must hold mix and one more")
    exp = ClassificationExperimentConfig.for_profile(
        args.profile, sizes=(args.size,), seeds=tuple(args.seeds), arms=tuple(args.arms)
    )
    new = args.recipe
    recipes = {"fp32": {}, new: RECIPES[new](exp.classifier_config(0))}  # what each changes, for the record
    run = benchmark_run(
        f"recipes/{new}",
        args.profile,
        dict(
            size=args.size,
            seeds=list(exp.seeds),
            arms=list(exp.arms),
            classifier=exp.classifier_config(0).to_dict(),
            recipes=recipes,
        ),
    )
    tasks = plan(u for recipe in recipes for u in recipe_units(exp, recipe).values())
    tasks = list({t.key: t for t in tasks}.values())  # the fits are shared
    os.environ["COLA_THREADS"] = "1"
    start = time.time()
    computed = sum(r["computed"] for r in fill(tasks, "local", workers=args.workers, progress=False))
    print(
        f"filled {len(tasks)} units ({computed} computed) in {time.time() - start:.0f} s "
        f"({args.workers} workers x 1 thread)"
    )
    units = {recipe: arm_results(exp, recipe) for recipe in recipes}
    acc = {recipe: {k: u["accuracy"] for k, u in units[recipe].items()} for recipe in recipes}
    rows = []
    for recipe in recipes:
        for seed in exp.seeds:
            for arm in exp.arms:
                u = units[recipe][(seed, arm)]
                rows.append(
                    {
                        "kind": "arm",
                        "recipe": recipe,
                        "seed": seed,
                        "arm": arm,
                        "accuracy (%)": round(100 * u["accuracy"], 2),
                        "train seconds": round(u["train_seconds"], 1),
                        "images per second": round(u["images_per_second"], 1),
                        "device": u.get("device", ""),
                    }
                )
    agree = True
    for arm in exp.arms:  # what the candidate does to each arm's accuracy, paired by subset
        change = [acc[new][(s, arm)] - acc["fp32"][(s, arm)] for s in exp.seeds]
        row = margin_claim(
            f"{new} changes the {arm} arm's accuracy by less than {NOTABLE_PP:g} pp",
            "",
            change,
            upper=NOTABLE_PP,
            lower=-NOTABLE_PP,
        )
        rows.append(
            {
                "kind": "recipe change",
                "recipe": f"{new} − fp32",
                "seed": "all",
                "arm": arm,
                "accuracy (%)": row["ours"],
                "status": row["status"],
            }
        )
        print(f"{arm}: {new} − fp32 {row['ours']}: {row['status']}")
    for other in [a for a in exp.arms if a != "mix"]:
        stats = {r: difference(acc[r], exp.seeds, "mix", other) for r in recipes}
        (d32, ci32), (d16, ci16) = stats["fp32"], stats[new]
        change = margin_claim(
            f"{new} changes Mix − {other} by less than {NOTABLE_PP:g} pp",
            "",
            (d16 - d32) / 100,
            upper=NOTABLE_PP,
            lower=-NOTABLE_PP,
        )
        same = bool(np.sign(d32.mean()) == np.sign(d16.mean()) and change["status"] == "holds")
        kept = ordering_kept(d32, d16)  # same sign, inside fp32's interval, same verdict
        agree &= same
        for recipe, (d, ci) in stats.items():
            rows.append(
                {
                    "kind": "difference",
                    "recipe": recipe,
                    "seed": "all",
                    "arm": f"mix − {other}",
                    "accuracy (%)": f"{d.mean():+.2f} ± {ci:.2f} (95 %, {len(d)} subsets)",
                    "per subset (pp)": " ".join(f"{v:+.2f}" for v in d),
                }
            )
        rows.append(
            {
                "kind": "recipe change",
                "recipe": f"{new} − fp32",
                "seed": "all",
                "arm": f"mix − {other}",
                "accuracy (%)": change["ours"],
                "status": change["status"],
                "recipes agree": same,
                "ordering kept (sign, interval, verdict)": kept,
            }
        )
        print(
            f"Mix − {other.capitalize()}: fp32 {d32.mean():+.2f} ± {ci32:.2f} pp, "
            f"{new} {d16.mean():+.2f} ± {ci16:.2f} pp (95 %, {len(d32)} subsets); paired change "
            f"{change['ours']}: {change['status']}; {'agree' if same else 'do NOT agree'} (within a "
            f"{NOTABLE_PP:g}-pp margin); ordering kept (same sign, inside fp32's interval, same verdict): {kept}"
        )
    for recipe in recipes:
        speed = [r["images per second"] for r in rows if r["kind"] == "arm" and r["recipe"] == recipe]
        secs = [r["train seconds"] for r in rows if r["kind"] == "arm" and r["recipe"] == recipe]
        print(
            f"{recipe}: median {np.median(secs):.0f} s of training per arm, {np.median(speed):.0f} images/s "
            "(one thread per worker)"
        )
    stem = f"{new}_vs_fp32"
    record = save_record(run, rows, stem, recipes_agree=agree)
    print(
        f"recipes agree on every ordering: {agree}; wall time {record['wall_time_s']} s; "
        f"{run.results_dir / (stem + '.csv')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
