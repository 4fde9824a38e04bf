"""The readings of the steps the thesis leaves open, measured by notebook 08's gap study (:mod:`.gap_study`).

* **Step III** (Sec. 3.3 only says "a unique multivariate Gaussian per cluster"): the covariance estimator
  (sample, Ledoit-Wolf, OAS, diagonal), re-projection onto the code's spheres, and the space in which ``spread``
  acts (ambient or the tangent space at the class mean direction); see :mod:`colalib.sampling`.
* **The classifier protocol** (App. C.3 never gives the iterations per epoch): classifier length (about 10K
  steps as GLICO's ``evaluation.py`` instead of 3.6K), a fresh synthetic set every epoch (GLICO's unlimited pool),
  whole-batch swapping (GLICO) instead of 50/50 batches, sCOLA fitted on flipped copies too, and, as a labelled
  non-default variant that is never the reproduction, a transductive sCOLA whose step II also fits the unlabelled
  test images (GLICO's ``--tr``).

Every reading is a (sCOLA overrides, classifier overrides) pair applied to the profile's defaults
(:func:`reading_configs`); :func:`combined_reading` merges the readings whose Mix beat the default's (paired 95 %
interval above 0, the project's standard for "A beats B") into one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..config import StudyConfig
from ..stats import verdict
from .registry import ProfileRecipes

DEFAULT = "default (Ledoit-Wolf, ambient, re-projected)"
TRANSDUCTIVE = "transductive sCOLA (not a reproduction)"
COMBINED = "best readings combined"

# name -> (kind, sCOLA overrides, classifier overrides[, model.sample keyword arguments]). "long" and
# "n_transductive" are resolved per profile.
READINGS: dict[str, tuple] = {
    DEFAULT: ("default", {}, {}),
    "reconstructions only (no new codes)": ("control", {}, {}, {"method": "reconstruction"}),
    "sample covariance, ambient": ("step III", {"covariance": "sample"}, {}),
    "OAS, ambient": ("step III", {"covariance": "oas"}, {}),
    "diagonal, ambient": ("step III", {"covariance": "diagonal"}, {}),
    "sample covariance, ambient, not re-projected": ("step III", {"covariance": "sample", "reproject": False}, {}),
    "sample covariance, tangent": ("step III", {"covariance": "sample", "spread_space": "tangent"}, {}),
    "Ledoit-Wolf, tangent": ("step III", {"covariance": "ledoit_wolf", "spread_space": "tangent"}, {}),
    "classifier ~10K steps": ("protocol", {}, {"iters_per_epoch": "long"}),
    "fresh synthetic set every epoch": ("protocol", {}, {"synthetic_refresh": True}),
    "whole-batch swapping": ("protocol", {}, {"mix_mode": "batch_swap"}),
    "sCOLA on flipped copies too": ("protocol", {"flip_augment": True}, {}),
    TRANSDUCTIVE: ("transductive", {"transductive": "n_transductive"}, {}),
}
STEP_III_READINGS: tuple[str, ...] = tuple(k for k, v in READINGS.items() if v[0] in ("default", "step III"))


@dataclass(frozen=True)
class GapStudyConfig(StudyConfig, ProfileRecipes):
    """The study's sizes and subsets, with the profile's recipes (:class:`~colalib.experiments.registry.
    ProfileRecipes`). ``mix_sizes`` x ``seeds``: Mix - Real of every reading in ``readings``;
    ``quality_sizes`` x ``quality_seeds``: sample scores of every step-III reading in ``quality_readings`` (cheap:
    no classifier);
    ``cas_readings``: the step-III readings also scored by CAS at ``mix_sizes`` on ``cas_seeds``.
    ``long_steps``: the classifier length of the "~10K steps" reading (GLICO: 200 epochs x 500 // shot repeats,
    about 8-10K); ``n_transductive``: unlabelled test images of the transductive variant."""

    dataset: str = "cifar10"
    mix_sizes: tuple[int, ...] = (5, 10, 20, 50, 100)
    seeds: tuple[int, ...] = (0, 1, 2)
    readings: tuple[str, ...] = tuple(READINGS)
    synthetic_per_class: int = 500
    quality_readings: tuple[str, ...] = STEP_III_READINGS
    quality_sizes: tuple[int, ...] = (5, 10, 20)
    quality_seeds: tuple[int, ...] = (0, 1, 2)
    cas_readings: tuple[str, ...] = STEP_III_READINGS
    cas_seeds: tuple[int, ...] = (0, 1, 2)
    judge_per_class: int = 5000
    n_quality: int = 2000
    long_steps: int = 10_000
    n_transductive: int = 10_000

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "mix_sizes": (5,), "seeds": (0, 1), "synthetic_per_class": 10,
                  "readings": (DEFAULT, "sample covariance, tangent", "whole-batch swapping",
                               "fresh synthetic set every epoch", TRANSDUCTIVE),
                  "quality_readings": (DEFAULT, "sample covariance, tangent"),
                  "quality_sizes": (5,), "quality_seeds": (0,), "cas_readings": (DEFAULT,), "cas_seeds": (0,),
                  "judge_per_class": 20, "n_quality": 40, "long_steps": 8, "n_transductive": 20},
        "quick": {"mix_sizes": (10,), "seeds": (0, 1, 2), "synthetic_per_class": 200,
                  "readings": (DEFAULT, "reconstructions only (no new codes)", "sample covariance, ambient",
                               "sample covariance, tangent", "fresh synthetic set every epoch", "whole-batch swapping",
                               "sCOLA on flipped copies too", "classifier ~10K steps", TRANSDUCTIVE),
                  "quality_readings": (DEFAULT, "sample covariance, ambient", "sample covariance, tangent",
                                       "Ledoit-Wolf, tangent"),
                  "quality_sizes": (5, 10, 20), "quality_seeds": (0,),
                  "cas_readings": (DEFAULT, "sample covariance, ambient", "sample covariance, tangent"),
                  "cas_seeds": (0,),
                  "judge_per_class": 500, "n_quality": 1000, "long_steps": 1700, "n_transductive": 200},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = [r for r in (*self.readings, *self.cas_readings, *self.quality_readings)
                   if r not in READINGS and r != COMBINED]
        if unknown:
            raise ValueError(f"Unknown readings {unknown}; choose from {list(READINGS)}.")
        if DEFAULT not in self.readings:
            raise ValueError(f"readings must include the default ({DEFAULT!r}): every reading is paired with it.")


def reading_configs(name: str, scola: SCOLAConfig, clf: ClassifierConfig, exp: GapStudyConfig,
                    overrides: tuple[dict, dict] | None = None) -> tuple[SCOLAConfig, ClassifierConfig]:
    """The sCOLA and classifier configs of reading ``name`` (or of explicit ``overrides``) on top of the
    profile's ``scola`` / ``clf``."""
    s_over, c_over = overrides if overrides is not None else READINGS[name][1:3]
    s_over = {k: (exp.n_transductive if v == "n_transductive" else v) for k, v in s_over.items()}
    c_over = {k: (max(1, round(exp.long_steps / clf.epochs)) if v == "long" else v) for k, v in c_over.items()}
    return scola.replace(**s_over), clf.replace(**c_over)


def combined_reading(summary: list[dict], size: int) -> tuple[str, tuple[dict, dict], list[str]]:
    """Merge the non-transductive readings whose Mix beat the default's at ``size`` (:func:`verdict` "better": the
    paired 95 % interval over the subsets lies above 0): all such protocol readings, and the best such step-III
    reading. Returns the combination's description, its overrides and the names it merges (empty when no reading
    beat the default). A positive mean inside the noise (e.g. +0.04 +- 3 pp) does not qualify."""
    rows = [r for r in summary if r["size"] == size and r["reading"] in READINGS
            and READINGS[r["reading"]][0] in ("step III", "protocol")
            and verdict(r["vs_default_mean"], r["vs_default_ci95"], r["n"]) == "better"]
    step3 = sorted((r for r in rows if READINGS[r["reading"]][0] == "step III"), key=lambda r: -r["vs_default_mean"])
    chosen = [r["reading"] for r in rows if READINGS[r["reading"]][0] == "protocol"] + [r["reading"] for r in step3[:1]]
    s_over: dict = {}
    c_over: dict = {}
    for name in chosen:
        s_over.update(READINGS[name][1])
        c_over.update(READINGS[name][2])
    return " + ".join(chosen) or "none beat the default", (s_over, c_over), chosen
