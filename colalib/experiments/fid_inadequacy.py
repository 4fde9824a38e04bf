"""Appendix A (notebook 06): one sCOLA per subset sampled at several spreads, scored by FID, CAS and intra-class
diversity."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..cache import ArtifactCache
from ..cola import SCOLAConfig
from ..config import StudyConfig
from ..data import ImageDataset
from . import steps
from .graph import Unit, run_study
from .registry import ProfileRecipes
from .subsets import training_subset


@dataclass(frozen=True)
class FIDInadequacyConfig(StudyConfig, ProfileRecipes):
    """Appendix A (FID inadequacy) and B (class-content transfer): one sCOLA per subset, sampled at several spreads.

    ``per_class`` None: the whole training split (the thesis's full-data sCOLA). The thesis's "concentrated" set is
    the smallest of ``spreads``; every larger spread is a candidate "sparse" set (the verdict judges each).
    Class-content transfer also uses a conditional-batch-norm sCOLA (``cgan_res``) trained on ``transfer_per_class``
    images per class, ``transfer_generator_width`` channels (0: the thesis's 256) and ``transfer_epochs`` epochs (0:
    the profile's).
    ``spread_space`` / ``covariance``: the step-III reading the sweep samples with (:mod:`colalib.sampling`). The
    ambient Ledoit-Wolf reading does not let ``spread`` act beyond about 1 (the re-projection divides it out), so
    the sweep samples in the tangent space, where spread 0 is the class mean and the angle grows with it.
    ``seeds``: one subset, sCOLA and classifier per seed, so that the verdict can pair the sparse and concentrated
    sets by seed (:func:`colalib.verdicts.fid_inadequacy_claims`: an interval needs at least 3; the thesis reports
    one model). With ``per_class`` None (the paper profile) every seed trains on the whole split, and the seeds vary
    only the training's and the sampling's randomness. The transfer grids (App. B) use the first seed.
    """

    dataset: str = "cifar10"
    per_class: int | None = None
    spreads: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0)
    n_fid: int = 10_000
    n_real_fid: int | None = None
    cas_per_class: int = 5000
    transfer_per_class: int | None = None
    transfer_generator_width: int = 0
    transfer_epochs: int = 0
    judge_per_class: int = 5000         # the GAN-test judge (notebook 03's): the spreads' samples, App. B's transfers
    spread_space: str = "tangent"   # where spread acts: the tangent space, so the re-projection cannot cancel it
    covariance: str = "ledoit_wolf"
    seeds: tuple[int, ...] = (0, 1, 2)

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "per_class": 10, "spreads": (0.25, 1.0), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10, "transfer_per_class": 5, "transfer_generator_width": 16, "seeds": (0,),
                  "judge_per_class": 20},
        "quick": {"per_class": 100, "spreads": (0.25, 0.5, 1.0, 2.0), "n_fid": 1000, "n_real_fid": 1000,
                  "cas_per_class": 200, "transfer_per_class": 20, "transfer_generator_width": 64,
                  "judge_per_class": 500, "transfer_epochs": 100, "seeds": (0, 1, 2, 3, 4)},
        # five subsets: on three (vs_thesis.csv at 28f24a2), "FID barely changes" was open at spreads 1 and 2 (7 and
        # 5 subsets needed; CAS at spread 2: 27)
        "paper": {},
    }

    def step_iii(self) -> dict:
        """The sCOLA config overrides of this sweep's step-III reading."""
        return {"spread_space": self.spread_space, "covariance": self.covariance}

    def scola_config(self, seed: int) -> SCOLAConfig:
        """The swept sCOLA: the profile's recipe (App. C.2) with this sweep's step-III reading, seed ``seed``."""
        return SCOLAConfig.for_profile(self.profile, seed=seed, **self.step_iii())

    def subset(self, seed: int) -> ImageDataset:
        """The images the swept sCOLA is trained on: ``per_class`` per class (None: the whole split), subset
        ``seed``."""
        return training_subset(self.dataset, self.per_class, seed)

    def transfer_subset(self, seed: int | None = None) -> ImageDataset:
        """The images of App. B's conditional-batch-norm sCOLA: ``transfer_per_class`` per class of subset ``seed``
        (None: the first seed, whose model the grids show)."""
        return training_subset(self.dataset, self.transfer_per_class, self.seeds[0] if seed is None else seed)

    def transfer_config(self, scola: SCOLAConfig) -> SCOLAConfig:
        """App. B's conditional-batch-norm sCOLA (``cgan_res``): ``scola`` with this profile's width and epochs."""
        epochs = ({"epochs": self.transfer_epochs, "lr_step_epochs": max(1, self.transfer_epochs // 5)}
                  if self.transfer_epochs else {})
        return scola.replace(generator="cgan_res", generator_width=self.transfer_generator_width, **epochs)


def fid_inadequacy_units(exp: FIDInadequacyConfig) -> dict[tuple, Unit]:
    """Notebook 06's units: per seed, the swept sCOLA's fit (``("fit", seed)``), then per spread one FID + CAS +
    diversity unit (``("spread", spread, seed)``; App. A) and the judge's GAN-test of that CAS arm's samples
    (``("spread_gan_test", spread, seed)``); App. B's conditional-batch-norm sCOLA (``("transfer", seed)``) and
    the transfers of both models read by the judge (``("class_transfer", generator, seed)``). The first seed's
    transfer model keeps its key of the one-model runs."""
    units: dict[tuple, Unit] = {}
    judge = steps.judge(exp.dataset, exp.judge_per_class, exp.judge_config())
    for seed in exp.seeds:
        at = f"{exp.dataset}/{exp.per_class or 0}/{seed}"
        units["fit", seed] = steps.fit(f"fit/scola/{at}", "scola", exp.dataset, exp.per_class, seed,
                                       exp.scola_config(seed))
        units["transfer", seed] = steps.fit(f"fit/scola-cgan_res/{exp.dataset}/{exp.transfer_per_class or 0}/"
                                            f"{seed}", "scola", exp.dataset, exp.transfer_per_class, seed,
                                            exp.transfer_config(exp.scola_config(seed)))
    units["judge",] = judge
    for seed in exp.seeds:
        at, fitted = f"{exp.dataset}/{exp.per_class or 0}/{seed}", units["fit", seed]
        for s in exp.spreads:
            units["spread", s, seed] = steps.spread(f"spread/{s}/{at}", exp.dataset, exp.per_class, s,
                                                    exp.scola_config(seed), exp.classifier_config(seed), exp.n_fid,
                                                    exp.n_real_fid, exp.cas_per_class, fitted)
            units["spread_gan_test", s, seed] = steps.spread_gan_test(
                f"spread_gan_test/{s}/{at}", exp.dataset, exp.per_class, s, exp.scola_config(seed),
                exp.classifier_config(seed), exp.cas_per_class, judge, fitted)
        for per_class, fit in ((exp.per_class, fitted), (exp.transfer_per_class, units["transfer", seed])):
            generator = fit.kwargs["config"].generator  # infogan (the swept sCOLA), cgan_res (App. B's model)
            if ("class_transfer", generator, seed) in units:
                raise ValueError(f"both App. B models use the generator {generator!r}: give the transfer model another")
            units["class_transfer", generator, seed] = steps.class_transfer(
                f"class_transfer/{generator}/{exp.dataset}/{per_class or 0}/{seed}", exp.dataset, per_class,
                fit.kwargs["config"], judge, fit)
    return units


_TRANSFER_KINDS = ("transfer", "class_transfer", "judge")  # App. B's units: its models, the judge, the readings
_SWEEP_KINDS = ("fit", "judge", "spread", "spread_gan_test")  # App. A's units


def _units_of(exp: FIDInadequacyConfig, kinds: tuple[str, ...]) -> dict[tuple, Unit]:
    """The units of :func:`fid_inadequacy_units` whose name starts with one of ``kinds``; every unit of the plan must
    belong to App. A or App. B, so that a new kind of unit cannot drop out of both drivers."""
    units = fid_inadequacy_units(exp)
    unclaimed = {name[0] for name in units} - set(_SWEEP_KINDS) - set(_TRANSFER_KINDS)
    if unclaimed:
        raise AssertionError(f"notebook 06's units {sorted(unclaimed)} belong to neither App. A nor App. B")
    return {name: u for name, u in units.items() if name[0] in kinds}


def _sweep_units(exp: FIDInadequacyConfig) -> dict[tuple, Unit]:
    return _units_of(exp, _SWEEP_KINDS)


def _transfer_units(exp: FIDInadequacyConfig) -> dict[tuple, Unit]:
    return _units_of(exp, _TRANSFER_KINDS)


def fid_inadequacy_rows(exp: FIDInadequacyConfig, results: Mapping) -> tuple[dict[int, Any], list[dict]]:
    """Appendix A for every seed of ``exp``: the swept sCOLA of each seed (``{seed: model}``) and one row per seed and
    spread (:func:`colalib.experiments.units.spread_unit`), seed by seed."""
    models = {seed: results["fit", seed] for seed in exp.seeds}
    rows = [{"seed": seed, **results["spread", s, seed], "cas_samples_gan_test":
             results["spread_gan_test", s, seed]["gan_test"]} for seed in exp.seeds for s in exp.spreads]
    return models, rows


def class_transfer_rows(exp: FIDInadequacyConfig, results: Mapping) -> list[dict]:
    """App. B measured: one row per seed and generator, in the plan's order (``infogan``: the swept sCOLA, the class
    through the t part; ``cgan_res``: the conditional-batch-norm sCOLA), with the rates of
    :func:`colalib.experiments.judge_readings.transfer_rates`."""
    return [{"seed": name[2], "generator": name[1], **results[name]} for name in results if name[0] == "class_transfer"]


def class_transfer_experiment(exp: FIDInadequacyConfig, cache: ArtifactCache | None = None,
                              executor: str | None = None, *, workers: int | None = None,
                              scheduler: str | None = None, device=None, progress: bool = True) -> list[dict]:
    """App. B's driver: :func:`class_transfer_rows` of App. B's units (:func:`.graph.run_study`)."""
    return run_study(_transfer_units, class_transfer_rows, exp, cache, executor, workers=workers,
                     scheduler=scheduler, device=device, progress=progress)


def fid_inadequacy_experiment(exp: FIDInadequacyConfig, cache: ArtifactCache | None = None,
                              executor: str | None = None, *, workers: int | None = None,
                              scheduler: str | None = None, device=None,
                              progress: bool = True) -> tuple[dict[int, Any], list[dict]]:
    """Notebook 06's driver: :func:`fid_inadequacy_rows` of App. A's units (:func:`.graph.run_study`; ``executor``
    None, ``"local"`` or ``"dask"``)."""
    return run_study(_sweep_units, fid_inadequacy_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)
