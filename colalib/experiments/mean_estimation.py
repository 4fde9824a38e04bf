"""Beyond the thesis: does chapter 6 predict chapter 5? (Notebook 05; issue "does chapter 6 predict chapter 5".)

Chapter 6 (Prop. 1 / Cor. 1.1) compares the class mean estimated from ``m`` real images with the one estimated from
``n`` surrogate images whose mean is off by ``d``: the surrogate wins when ``Var[X]/m > Var[Z]/n + d^2``. Chapter 5
measures whether sCOLA's images help a classifier. The thesis connects them by Prop. 3 (a classifier of Gaussian
classes estimates class means) but never measures ``d`` or the variances on images. Here they are measured in one
fixed feature space, the GAN-test judge's penultimate layer (a ResNet-20 trained on real images, the judge of
notebooks 03, 07 and 08), for every size and subset of notebook 05: the population mean and ``Var[X]`` from the
test split, ``Var[Z]`` and ``d`` from the very synthetic set the Synthetic and Mix arms train on. The prediction
(surrogate better or worse, and the real size ``m*`` at which it stops helping) is then set beside the measured
Synthetic − Real and Mix − Real of the same subsets.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..cache import ArtifactCache
from ..classification import ClassifierConfig, classifier_features
from ..cola import SCOLA, SCOLAConfig
from ..data import ImageDataset, dataset_fingerprint
from ..stats import interval95, verdict
from ..theory import class_mean_errors, largest_winning_real_size
from ..utils import get_device
from . import steps
from .classification_study import ClassificationExperimentConfig, classification_units, scola_fit
from .graph import Unit, run_study
from .subsets import split_of, training_subset
from .units import _loaded, _unit_key, fit_model


def mean_estimation_unit(subset: ImageDataset, test: ImageDataset, scola: SCOLAConfig, synthetic_per_class: int,
                         judge: Any, judge_key: dict, cache: ArtifactCache, device, progress: bool = False) -> dict:
    """:func:`colalib.theory.class_mean_errors` (cached) in the judge's penultimate features: the real ``subset``
    (``m`` per class), sCOLA's synthetic set of the Synthetic / Mix arms (``synthetic_per_class`` per class, the
    arms' sampling seed) and the ``test`` split (the population). ``judge``: the judge, or a function that loads
    it."""
    key = _unit_key(unit="mean_estimation", data=dataset_fingerprint(subset), test=dataset_fingerprint(test),
                    scola=scola, synthetic_per_class=synthetic_per_class, judge=judge_key)

    def compute() -> dict:
        net = _loaded(judge)
        model = fit_model(SCOLA, scola, subset, cache, device, progress)
        images, labels = model.sample(synthetic_per_class * subset.num_classes, seed=scola.seed)  # arm_unit's set
        feats = [classifier_features(net, x, device=device) for x in (subset.images, images)]
        feats.append(population_features(net, judge_key, test, cache, device))
        out = class_mean_errors(feats[0], subset.labels, feats[1], labels, feats[2], test.labels)
        return {**out, "feature_dim": int(feats[0].shape[1]), "device": str(device)}

    return cache.get_or_compute("mean_estimation", key, compute)


def population_features(net: Any, judge_key: dict, test: ImageDataset, cache: ArtifactCache, device) -> Any:
    """The judge's penultimate features of the ``test`` split (chapter 6's population), computed once per judge and
    split and cached (``judge_features``): every mean-estimation unit of a study shares them. Like every unit key
    here, the key names no device: features computed on a GPU and on the CPU share one entry."""
    key = _unit_key(unit="judge_features", data=dataset_fingerprint(test), judge=judge_key)
    return cache.get_or_compute("judge_features", key, lambda: classifier_features(net, test.images, device=device),
                                kind="torch")


def mean_estimation_step(dataset: str, size: int, seed: int, scola: SCOLAConfig, synthetic_per_class: int,
                         judge_per_class: int, judge_clf: ClassifierConfig, cache: ArtifactCache | None = None,
                         device=None, progress: bool = False) -> dict:
    """The run step of :func:`mean_estimation_unit` on subset ``seed`` of ``size`` per class of ``dataset``."""
    cache, device = cache or ArtifactCache(), get_device(device)
    load, judge_key = steps.judge_loader(dataset, judge_per_class, judge_clf, cache, device, progress)
    return mean_estimation_unit(training_subset(dataset, size, seed), split_of(dataset, "test"), scola,
                                synthetic_per_class, load, judge_key, cache, device, progress)


def mean_estimation_units(exp: ClassificationExperimentConfig) -> dict[tuple, Unit]:
    """Notebook 05's arms (:func:`.classification_study.classification_units`) and, per size and subset, the
    mean-estimation unit after the sCOLA fit and the judge (``exp.judge_per_class`` real images per class; none
    when it is 0), named ``("mean_estimation", size, seed)``."""
    units = dict(classification_units(exp))
    if not exp.judge_per_class:
        return units
    judge = steps.judge(exp.dataset, exp.judge_per_class, exp.judge_config())
    for size in exp.sizes:
        for seed in exp.seeds:
            cfg, fitted = exp.scola_config(seed), scola_fit(exp, size, seed)
            units["mean_estimation", size, seed] = Unit(
                f"mean_estimation/{exp.dataset}/{size}/{seed}", mean_estimation_step,
                dict(dataset=exp.dataset, size=size, seed=seed, scola=cfg, synthetic_per_class=exp.synthetic_per_class,
                     judge_per_class=exp.judge_per_class, judge_clf=exp.judge_config()), (fitted, judge))
    return units


def mean_estimation_rows(exp: ClassificationExperimentConfig, results: Mapping) -> list[dict]:
    """Per size and subset: the measured ``d``, variances, expected and observed errors, ``m*`` and the prediction,
    beside the subset's Real, Synthetic and Mix accuracies (%) and their paired differences (pp)."""
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            acc = {arm: 100 * results["arm", arm, size, seed, exp.arch]["accuracy"] for arm in exp.arms}
            m = results["mean_estimation", size, seed]
            rows.append({"size": size, "seed": seed, **{k: v for k, v in m.items() if k != "device"},
                         **{f"{arm} accuracy": a for arm, a in acc.items()},
                         "synthetic - real": acc["synthetic"] - acc["real"], "mix - real": acc["mix"] - acc["real"]})
    return rows


COLLAPSED_VARIANCE_RATIO = 0.01  # Var[Z] below 1 % of Var[X]: the synthetic set is (nearly) one point per class


def collapse_flag(var_z: float, var_x: float) -> str:
    """A flag for a synthetic set whose feature variance is below :data:`COLLAPSED_VARIANCE_RATIO` of the real one's
    (collapsed samples: then d, not the variance, decides the prediction); empty otherwise."""
    return (f"COLLAPSED: Var[Z] is {var_z / var_x:.1%} of Var[X]" if var_z < COLLAPSED_VARIANCE_RATIO * var_x
            else "")


def mean_estimation_summary(rows: list[dict]) -> list[dict]:
    """Per size: the prediction of Cor. 1.1 (the variances and expected errors averaged over the subsets, ``d`` their
    root mean square, ``m*`` of these averages) beside the
    measured Synthetic − Real and Mix − Real (mean ± 95 % interval over the paired subsets, with their verdicts),
    whether the prediction's sign matches the measured Synthetic − Real, and a flag for a collapsed synthetic set."""
    out = []
    for size in sorted({r["size"] for r in rows}):
        at = [r for r in rows if r["size"] == size]
        gain = np.array([r["expected_real"] - r["expected_surrogate"] for r in at])
        syn, mix = (np.array([r[k] for r in at]) for k in ("synthetic - real", "mix - real"))
        measured = verdict(syn.mean(), interval95(syn), len(at))
        predicted = "synthetic better" if gain.mean() > 0 else "real better"
        agrees = ("yes" if measured == ("better" if gain.mean() > 0 else "worse") else
                  "no" if measured in ("better", "worse") else "not resolved: " + measured)
        var_x, var_z = (float(np.mean([r[k] for r in at])) for k in ("var_x", "var_z"))
        d = float(np.sqrt(np.mean([r["d"] ** 2 for r in at])))   # root mean square: the columns recompute each other
        n = float(np.mean([r["n"] for r in at]))
        out.append({"size": size, "subsets": len(at), "d": d, "Var[X]": var_x, "Var[Z]": var_z,
                    "expected error, real": float(np.mean([r["expected_real"] for r in at])),
                    "expected error, synthetic": float(np.mean([r["expected_surrogate"] for r in at])),
                    "m* (images per class)": largest_winning_real_size(n, var_x, var_z, d),
                    "predicted": predicted, "synthetic - real (pp)": float(syn.mean()),
                    "synthetic - real, 95 % half-width": interval95(syn), "synthetic - real, verdict": measured,
                    "mix - real (pp)": float(mix.mean()), "mix - real, 95 % half-width": interval95(mix),
                    "mix - real, verdict": verdict(mix.mean(), interval95(mix), len(at)),
                    "prediction matches synthetic - real": agrees,
                    "flag": collapse_flag(float(np.mean([r["var_z"] for r in at])),
                                          float(np.mean([r["var_x"] for r in at])))})
    return out


def mean_estimation_study(exp: ClassificationExperimentConfig, cache: ArtifactCache | None = None,
                          executor: str | None = None, *, workers: int | None = None, scheduler: str | None = None,
                          device=None, progress: bool = True) -> list[dict]:
    """Notebook 05's driver of the chapter-6 check: :func:`mean_estimation_rows` of :func:`mean_estimation_units`."""
    if not exp.judge_per_class:
        raise ValueError(f"the chapter-6 check needs the judge: judge_per_class is 0 for {exp.dataset} in profile "
                         f"{exp.profile!r}; pass judge_per_class > 0")
    return run_study(mean_estimation_units, mean_estimation_rows, exp, cache, executor, workers=workers,
                     scheduler=scheduler, device=device, progress=progress)
