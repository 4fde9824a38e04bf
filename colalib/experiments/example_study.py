"""The example of ``docs/adding_a_study.md``: a whole study in one module. Does sCOLA's Mix arm beat the Real arm
at every size? One config, the units it needs (declared once), and the rows assembled from their results; the plan,
the parallel fill and the in-process driver all derive from :func:`mix_gain_units`."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..config import StudyConfig
from . import steps
from .graph import Unit, run_study
from .registry import ProfileRecipes


@dataclass(frozen=True)
class MixGainConfig(StudyConfig, ProfileRecipes):
    """Mix − Real accuracy of sCOLA (ch. 5) at each of ``sizes`` images per class, on the subsets ``seeds``."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (10, 50)
    seeds: tuple[int, ...] = (0, 1, 2)
    synthetic_per_class: int = 500
    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5,), "seeds": (0,), "synthetic_per_class": 20},
        "quick": {"synthetic_per_class": 200}, "paper": {}}


def mix_gain_units(exp: MixGainConfig) -> dict[tuple, Unit]:
    """Per size and subset: one sCOLA fit, then the Real and Mix arms (the same units, hence cache entries, as
    notebook 05's)."""
    units = {}
    for size in exp.sizes:
        for seed in exp.seeds:
            at, clf, cfg = f"{exp.dataset}/{size}/{seed}", exp.classifier_config(seed), exp.scola_config(seed)
            fitted = steps.fit(f"scola/{at}", "scola", exp.dataset, size, seed, cfg)
            units["real", size, seed] = steps.arm(f"real/{at}", "real", exp.dataset, size, seed, clf)
            units["mix", size, seed] = steps.arm(f"mix/{at}", "mix", exp.dataset, size, seed, clf, cfg,
                                                 exp.synthetic_per_class, fitted=fitted)
    return units


def mix_gain_rows(exp: MixGainConfig, results: Mapping) -> list[dict]:
    """One row per size and subset: the two accuracies and their paired difference."""
    return [{"size": size, "seed": seed, "real": results["real", size, seed]["accuracy"],
             "mix": results["mix", size, seed]["accuracy"],
             "mix_minus_real": results["mix", size, seed]["accuracy"] - results["real", size, seed]["accuracy"]}
            for size in exp.sizes for seed in exp.seeds]


def mix_gain(exp: MixGainConfig, cache=None, executor: str | None = None, **options: Any) -> list[dict]:
    """The driver: :func:`mix_gain_rows` of :func:`mix_gain_units` (``executor``: fill them in parallel first)."""
    return run_study(mix_gain_units, mix_gain_rows, exp, cache, executor, **options)
