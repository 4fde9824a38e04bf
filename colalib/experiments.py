"""Experiment runners behind the notebooks: each unit of work (one model fit, one classifier, one FID) is cached
by the hash of everything that determines it, so an interrupted ``make figures`` resumes where it stopped.

  * :func:`classification_experiment` — chapter 5 (Table 5.1, Fig. 5.1, Table 5.2);
  * :func:`generation_experiment` — chapter 4 (Fig. 4.1, 4.5): FID and CAS per method and training size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

import numpy as np

from .cache import ArtifactCache
from .classification import ClassifierConfig, train_and_evaluate
from .cola import SCOLA, SCOLAConfig, dataset_fingerprint, fit_or_load
from .config import ExperimentConfig
from .data import ImageDataset, load_dataset, small_sample
from .utils import get_device


@dataclass(frozen=True)
class ClassificationExperimentConfig(ExperimentConfig):
    """Chapter 5 protocol: sizes x seeds, sCOLA per subset, Real / Synthetic / Mix classifiers."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (5, 10, 20, 50, 100)
    seeds: tuple[int, ...] = (0, 1, 2)
    arms: tuple[str, ...] = ("real", "synthetic", "mix")
    synthetic_per_class: int = 500

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5, 10), "seeds": (0,), "synthetic_per_class": 20},
        "quick": {"sizes": (10, 50), "seeds": (0,), "synthetic_per_class": 200},
        "paper": {},
    }


def _unit_key(**parts: Any) -> dict:
    return {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in parts.items()}


def classification_experiment(exp: ClassificationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                              cache: ArtifactCache | None = None, device=None, progress: bool = True,
                              on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Rows ``{dataset, size, seed, arm, accuracy, ...}`` for every size, seed and arm (cached per unit)."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            scola_cfg = scola.replace(seed=seed)
            synthetic = None
            for arm in exp.arms:
                clf_cfg = clf.replace(seed=seed)
                key = _unit_key(unit="classification", arm=arm, data=dataset_fingerprint(subset),
                                test=dataset_fingerprint(test), clf=clf_cfg,
                                scola=scola_cfg if arm != "real" else None,
                                synthetic_per_class=exp.synthetic_per_class if arm != "real" else None)

                def compute() -> dict:
                    nonlocal synthetic
                    if arm != "real" and synthetic is None:
                        model = fit_or_load(SCOLA, scola_cfg, subset, cache, device, progress)
                        synthetic = model.sample(exp.synthetic_per_class * subset.num_classes, seed=seed)
                    out = train_and_evaluate(arm, (subset.images, subset.labels), synthetic,
                                             (test.images, test.labels), subset.num_classes, clf_cfg, device,
                                             progress)
                    return {**out, "device": str(device)}

                result = cache.get_or_compute("classification", key, compute)
                row = {"dataset": exp.dataset, "size": size, "seed": seed, **result}
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


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
    """Per size: mean and std over seeds of accuracy(a) - accuracy(b) on the same subset (paired by seed)."""
    acc = {(r["size"], r["seed"], r["arm"]): r["accuracy"] for r in rows}
    out = []
    for size in sorted({r["size"] for r in rows}):
        diffs = [acc[(size, s, a)] - acc[(size, s, b)] for s in sorted({r["seed"] for r in rows})
                 if (size, s, a) in acc and (size, s, b) in acc]
        if diffs:
            d = np.array(diffs)
            out.append({"size": size, f"{a}_minus_{b}": float(d.mean()),
                        "std": float(d.std(ddof=1)) if len(d) > 1 else 0.0, "n": len(d)})
    return out


def main(argv: list[str] | None = None) -> int:
    """Fill the cache headlessly (e.g. on a GPU machine): ``python -m colalib.experiments classification
    --profile paper --seeds 0``. The notebooks then reuse every finished unit."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("experiment", choices=["classification"])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--seeds", type=int, nargs="*")
    parser.add_argument("--dataset")
    args = parser.parse_args(argv)
    over = {k: tuple(v) if isinstance(v, list) else v for k, v in
            (("sizes", args.sizes), ("seeds", args.seeds), ("dataset", args.dataset)) if v}
    exp = ClassificationExperimentConfig.for_profile(args.profile, **over)
    rows = classification_experiment(exp, SCOLAConfig.for_profile(args.profile),
                                     ClassifierConfig.for_profile(args.profile), progress=False,
                                     on_row=lambda r: print(json.dumps(r), flush=True))
    print(json.dumps(paired_differences(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
