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


def arm_unit(arm: str, subset: ImageDataset, test: ImageDataset, scola: SCOLAConfig, clf: ClassifierConfig,
             synthetic_per_class: int, cache: ArtifactCache, device, progress: bool = True,
             model_cls: type = SCOLA, synthetic: dict | None = None) -> dict:
    """One classifier unit (cached): ``real``, ``synthetic`` (= CAS of ``model_cls``) or ``mix``.

    ``synthetic`` is a dict shared between the arms of one subset, filled on first use with the generated set, so
    the model is fitted (or loaded) and sampled once per subset.
    """
    key = _unit_key(unit="classification", arm=arm, data=dataset_fingerprint(subset), test=dataset_fingerprint(test),
                    clf=clf, scola=scola if arm != "real" else None,
                    synthetic_per_class=synthetic_per_class if arm != "real" else None)
    if arm != "real" and model_cls is not SCOLA:
        key["model"] = model_cls.__name__
    synthetic = {} if synthetic is None else synthetic

    def compute() -> dict:
        if arm != "real" and "set" not in synthetic:
            model = fit_or_load(model_cls, scola, subset, cache, device, progress)
            synthetic["set"] = model.sample(synthetic_per_class * subset.num_classes, seed=scola.seed)
        out = train_and_evaluate(arm, (subset.images, subset.labels), synthetic.get("set"),
                                 (test.images, test.labels), subset.num_classes, clf, device, progress)
        return {**out, "device": str(device)}

    return cache.get_or_compute("classification", key, compute)


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
            shared: dict = {}
            for arm in exp.arms:
                result = arm_unit(arm, subset, test, scola.replace(seed=seed), clf.replace(seed=seed),
                                  exp.synthetic_per_class, cache, device, progress, synthetic=shared)
                row = {"dataset": exp.dataset, "size": size, "seed": seed, **result}
                rows.append(row)
                if on_row:
                    on_row(row)
    return rows


@dataclass(frozen=True)
class GenerationExperimentConfig(ExperimentConfig):
    """Chapter 4 protocol (Fig. 4.1, 4.5; App. C.4): FID and CAS per method, training size and run."""

    dataset: str = "cifar10"
    sizes: tuple[int, ...] = (10, 100, 1000, 5000)
    seeds: tuple[int, ...] = (0, 1, 2)
    methods: tuple[str, ...] = ("scola", "glo")
    n_fid: int = 10_000
    n_real_fid: int | None = None  # None: the whole test split (10K for CIFAR)
    cas_per_class: int = 500

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"dataset": "digits", "sizes": (5,), "seeds": (0,), "n_fid": 60, "n_real_fid": 60,
                  "cas_per_class": 10},
        "quick": {"sizes": (10, 50), "seeds": (0,), "n_fid": 1000, "n_real_fid": 1000, "cas_per_class": 200},
        "paper": {},
    }


def _method_class(method: str) -> type:
    from .baselines import GLO
    classes = {"scola": SCOLA, "glo": GLO}
    if method not in classes:
        raise ValueError(f"Unknown method {method!r}; choose from {sorted(classes)}")
    return classes[method]


def fid_unit(method: str, subset: ImageDataset, scola: SCOLAConfig, exp: GenerationExperimentConfig,
             cache: ArtifactCache, device, progress: bool = True) -> dict:
    """FID of ``exp.n_fid`` samples of ``method`` trained on ``subset`` against the test split (cached).
    ``method="real"`` scores the real subset itself (its own size)."""
    from .metrics import fid_against_dataset, fid_weights_info
    key = _unit_key(unit="fid", method=method, data=dataset_fingerprint(subset), n_fid=exp.n_fid,
                    n_real=exp.n_real_fid, scola=scola if method != "real" else None,
                    weights=fid_weights_info()["sha256"])

    def compute() -> dict:
        if method == "real":
            images = subset.images
        else:
            model = fit_or_load(_method_class(method), scola, subset, cache, device, progress)
            images, _ = model.sample(exp.n_fid, seed=scola.seed + 1)
        return fid_against_dataset(images, exp.dataset, "test", exp.n_real_fid, device=device, progress=progress)

    return cache.get_or_compute("fid", key, compute)


def generation_experiment(exp: GenerationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                          cache: ArtifactCache | None = None, device=None, progress: bool = True) -> list[dict]:
    """Rows ``{method, size, seed, fid, cas, ...}`` for each method and the real subset (``method="real"``)."""
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(exp.dataset, "train"), load_dataset(exp.dataset, "test")
    rows = []
    for size in exp.sizes:
        for seed in exp.seeds:
            subset = small_sample(train, size, seed)
            cfg, clf_s = scola.replace(seed=seed), clf.replace(seed=seed)
            for method in ("real",) + tuple(exp.methods):
                f = fid_unit(method, subset, cfg, exp, cache, device, progress)
                arm = "real" if method == "real" else "synthetic"
                c = arm_unit(arm, subset, test, cfg, clf_s, exp.cas_per_class, cache, device, progress,
                             model_cls=SCOLA if method == "real" else _method_class(method))
                rows.append({"dataset": exp.dataset, "method": method, "size": size, "seed": seed,
                             "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"], "cas": c["accuracy"],
                             "cas_train_images": size * subset.num_classes if method == "real"
                             else exp.cas_per_class * subset.num_classes, "fid_weights": f["weights"],
                             "device": c.get("device", "")})
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
    parser.add_argument("--arch", help="classifier (Table 5.2 ablation)")
    parser.add_argument("--arms", nargs="*")
    args = parser.parse_args(argv)
    over = {k: tuple(v) if isinstance(v, list) else v for k, v in
            (("sizes", args.sizes), ("seeds", args.seeds), ("dataset", args.dataset), ("arms", args.arms)) if v}
    exp = ClassificationExperimentConfig.for_profile(args.profile, **over)
    rows = classification_experiment(exp, SCOLAConfig.for_profile(args.profile),
                                     ClassifierConfig.for_profile(args.profile, **({"arch": args.arch} if args.arch else {})),
                                     progress=False,
                                     on_row=lambda r: print(json.dumps(r), flush=True))
    print(json.dumps(paired_differences(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def reference_classifier(dataset: str, per_class: int, clf: ClassifierConfig, cache: ArtifactCache | None = None,
                         device=None, progress: bool = True) -> tuple[Any, float]:
    """A classifier trained on ``per_class`` real images per class (cached weights) and its test accuracy:
    the judge of the GAN-test score (accuracy of a real-data classifier on generated images; Shmelkov et al.)."""
    from .classification import evaluate, train_classifier
    from .models import build_classifier
    cache = cache or ArtifactCache()
    device = get_device(device)
    train, test = load_dataset(dataset, "train"), load_dataset(dataset, "test")
    subset = small_sample(train, per_class, clf.seed)
    key = _unit_key(unit="reference_classifier", data=dataset_fingerprint(subset), clf=clf)
    state = cache.load("reference_classifier", key, kind="torch")
    model = build_classifier(clf.arch, train.num_classes, train.image_size)
    if state is None:
        trained = train_classifier(subset.images, subset.labels, train.num_classes, clf, device, progress)
        state = {"weights": {k: v.cpu() for k, v in trained.state_dict().items()},
                 "test_accuracy": evaluate(trained, test.images, test.labels, device=device)}
        cache.save("reference_classifier", key, state, kind="torch")
    model.load_state_dict(state["weights"])
    return model.to(device).eval(), state["test_accuracy"]


def t_scale_experiment(dataset: str, size: int, t_scales: tuple[float, ...], scola: SCOLAConfig, judge: Any,
                       n_samples: int = 1000, cache: ArtifactCache | None = None, device=None,
                       progress: bool = True) -> list[dict]:
    """Settles the relative scale of the t and v parts of the code (Sec. 3.2 is ambiguous) by experiment: for
    each ``t_scale``, sCOLA's final reconstruction loss and the GAN-test accuracy of its samples (how often a
    real-data classifier recognises the intended class)."""
    from .classification import evaluate
    cache = cache or ArtifactCache()
    subset = small_sample(load_dataset(dataset, "train"), size, scola.seed)
    rows = []
    for t_scale in t_scales:
        cfg = scola.replace(t_scale=t_scale)
        model = fit_or_load(SCOLA, cfg, subset, cache, device, progress)
        images, labels = model.sample(n_samples, seed=cfg.seed)
        rows.append({"t_scale": t_scale, "final_reconstruction_loss": model.history_[-1],
                     "gan_test_accuracy": evaluate(judge, images, labels, device=device)})
    return rows


def clustering_unit(config: Any, subset: ImageDataset, cache: ArtifactCache | None = None, device=None,
                    progress: bool = True) -> dict:
    """Fit MMDC (step I) on ``subset`` (cached): final targets, clusters, embeddings, scores against the labels."""
    from .clustering import MMDC
    from .metrics import clustering_scores
    cache = cache or ArtifactCache()
    key = _unit_key(unit="mmdc", config=config, data=dataset_fingerprint(subset))

    def compute() -> dict:
        model = MMDC(config, device=device, progress=progress).fit(subset.images)
        return {"targets": model.targets_, "clusters": model.labels_, "embeddings": model.embeddings_,
                "predicted": model.predict(subset.images), "history": model.history_,
                "train_seconds": model.train_seconds_, "scores": clustering_scores(subset.labels, model.labels_),
                "device": str(get_device(device))}

    return cache.get_or_compute("mmdc", key, compute, kind="torch")
