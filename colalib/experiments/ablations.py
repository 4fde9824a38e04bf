"""Sec. 4.3.1 (Table 4.3) and Sec. 5.3.1 (Fig. 5.2), notebook 04: generator architecture and similarity measure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from ..cache import ArtifactCache
from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..config import StudyConfig
from ..losses import vgg16_available
from ..models import build_generator, count_parameters
from ..published import LABEL, TABLE_4_2_PARAMS, TABLE_4_3
from . import steps
from .graph import Results, Unit, run_study
from .registry import SIMILARITY_LABELS, SIMILARITY_MEASURES, ProfileRecipes
from .subsets import split_of, training_subset


@dataclass(frozen=True)
class AblationExperimentConfig(StudyConfig, ProfileRecipes):
    """Protocols of notebook 04: Table 4.3 (Sec. 4.3.1) and Fig. 5.2 (Sec. 5.3.1); defaults are the thesis's.

    Table 4.3: sCOLA with each generator of Table 4.2 on ``arch_per_class`` images per class (0: the whole training
    split, as the thesis), with App. C.2's full-data settings (d = ``arch_latent_dim`` = 128, the perceptual loss
    ``arch_loss``; the Laplacian loss when the VGG16 weights are missing, said in every row); FID of ``n_fid``
    samples against ``n_real_fid`` test images and CAS with ``arch_cas_per_class`` samples per class.
    Fig. 5.2: sCOLA (InfoGAN generator, d = 64, App. C.2 small-sample settings) on ``similarity_per_class`` images
    per class (50 = 1% of CIFAR-10) with each similarity measure of :data:`SIMILARITY_MEASURES`, scored by CAS
    with ``cas_per_class`` samples per class (the Synthetic arm of ch. 5).
    ``scola_epochs`` / ``scola_lr_step_epochs`` / ``classifier_epochs`` (0: the profile's own values of
    :class:`SCOLAConfig` / :class:`ClassifierConfig`) shorten the recipes for a CPU; ``classifier_epochs`` also
    sets the recipe of the ``resnet32_trained`` perceptual network. ``generator_width`` narrows the residual
    generators (0: 256 channels, thesis Table 4.2).
    """

    dataset: str = "cifar10"
    seeds: tuple[int, ...] = (0,)
    generators: tuple[str, ...] = ("infogan", "dcgan_res", "cgan_res")
    arch_per_class: int = 0
    generator_width: int = 0
    arch_latent_dim: int = 128
    arch_loss: str = "perceptual_vgg16"
    arch_cas_per_class: int = 5000
    n_fid: int = 10_000
    n_real_fid: int | None = None
    similarity_per_class: int = 50
    losses: tuple[str, ...] = tuple(SIMILARITY_MEASURES)
    cas_per_class: int = 500
    scola_epochs: int = 0
    scola_lr_step_epochs: int = 0
    classifier_epochs: int = 0
    perceptual_epochs: int = 0   # the trained ResNet-32 of Fig. 5.2 (0: classifier_epochs)

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        # smoke: one generator (the narrowed conditional residual one) for one FID (scipy's sqrtm of a 2048x2048
        # matrix costs 10-20 s on a CPU whatever the sample size); InfoGAN runs in the similarity ablation
        "smoke": {"dataset": "digits", "generators": ("cgan_res",), "arch_per_class": 10,
                  "generator_width": 16, "arch_latent_dim": 64, "arch_loss": "laplacian", "arch_cas_per_class": 10,
                  "n_fid": 20, "n_real_fid": 20, "similarity_per_class": 10, "cas_per_class": 10,
                  "classifier_epochs": 1, "perceptual_epochs": 40,  # a ResNet-32 above chance on digits
                  # the trained network and the missing-weights path (L1 and the random and k-means ResNet-32s are
                  # covered by tests/test_losses.py and tests/test_cola.py; the k-means one costs 10-20 s on a CPU)
                  "losses": ("laplacian", "resnet32_trained", "vgg16")},
        # the generator ablation on the same 1% subset and recipe as the similarity ablation, so that its InfoGAN
        # unit is the Laplacian unit of Fig. 5.2 (trained and scored once)
        # three paired subsets, the fewest that rank (issue #25)
        "quick": {"seeds": (0, 1, 2), "arch_per_class": 50, "generator_width": 64, "arch_latent_dim": 64,
                  "arch_loss": "laplacian",
                  "arch_cas_per_class": 200, "n_fid": 500, "n_real_fid": 1000, "cas_per_class": 200,
                  "scola_epochs": 40, "scola_lr_step_epochs": 10, "classifier_epochs": 20},
        "paper": {},
    }

    def scola_config(self, seed: int, **overrides: Any) -> SCOLAConfig:
        """sCOLA's recipe of this profile (shortened by ``scola_epochs`` when set), with ``overrides``."""
        base = {k: v for k, v in (("epochs", self.scola_epochs), ("lr_step_epochs", self.scola_lr_step_epochs)) if v}
        if overrides.get("loss") == "perceptual_net" and (self.perceptual_epochs or self.classifier_epochs):
            # the trained perceptual net: the CAS recipe (or its own length)
            base["perceptual_epochs"] = self.perceptual_epochs or self.classifier_epochs
        return SCOLAConfig.for_profile(self.profile, seed=seed, **{**base, **overrides})

    def classifier_config(self, seed: int) -> ClassifierConfig:
        """The CAS classifier (ResNet-20, App. C.3 recipe of this profile, shortened by ``classifier_epochs``)."""
        over = {"epochs": self.classifier_epochs} if self.classifier_epochs else {}
        return ProfileRecipes.classifier_config(self, seed, **over)

    def arch_loss_used(self) -> str:
        """``arch_loss``, or ``laplacian`` when it is the VGG16 loss and the weights are missing."""
        return "laplacian" if self.arch_loss == "perceptual_vgg16" and not vgg16_available() else self.arch_loss

    def arch_scola_config(self, generator: str, seed: int) -> SCOLAConfig:
        """sCOLA with ``generator`` for Table 4.3 (the width reduction applies to the residual generators)."""
        width = self.generator_width if generator != "infogan" else 0
        return self.scola_config(seed, generator=generator, generator_width=width, latent_dim=self.arch_latent_dim,
                                 loss=self.arch_loss_used())

    def similarity_scola_config(self, measure: str, seed: int) -> SCOLAConfig:
        """sCOLA (InfoGAN, d = 64, small-sample settings) with similarity measure ``measure`` for Fig. 5.2."""
        if measure not in SIMILARITY_MEASURES:
            raise ValueError(f"Unknown similarity measure {measure!r}; choose one of {', '.join(SIMILARITY_MEASURES)}")
        return self.scola_config(seed, generator="infogan", latent_dim=64, **SIMILARITY_MEASURES[measure])


def ablation_units(exp: AblationExperimentConfig) -> dict[tuple, Unit]:
    """Notebook 04's units. Table 4.3: per seed and generator the sCOLA fit, its FID and CAS (``(kind, "arch",
    generator, seed)``). Fig. 5.2: per seed the Real arm and each similarity measure's fit and CAS (``(kind,
    "similarity", measure, seed)``; VGG16 only with its weights). A unit both parts share (in the quick profile the
    InfoGAN fit of Table 4.3 is the Laplacian fit of Fig. 5.2) is planned once."""
    units: dict[tuple, Unit] = {}
    protocol = steps.FIDProtocol.of(exp)
    for seed in exp.seeds:
        clf = exp.classifier_config(seed)
        for generator in exp.generators:
            cfg, size = exp.arch_scola_config(generator, seed), exp.arch_per_class
            at = f"{generator}/{exp.dataset}/{size}/{seed}"
            fitted = units["fit", "arch", generator, seed] = steps.fit(f"fit/{at}", "scola", exp.dataset, size, seed,
                                                                       cfg)
            units["fid", "arch", generator, seed] = steps.fid(f"fid/{at}", "scola", exp.dataset, size, seed, cfg,
                                                              protocol, fitted=fitted)
            units["cas", "arch", generator, seed] = steps.arm(f"cas/{at}", "synthetic", exp.dataset, size, seed, clf,
                                                              cfg, exp.arch_cas_per_class, fitted=fitted)
        size = exp.similarity_per_class
        units["cas", "similarity", "real", seed] = steps.arm(f"cas/real/{exp.dataset}/{size}/{seed}", "real",
                                                             exp.dataset, size, seed, clf)
        for measure in exp.losses:
            if measure == "vgg16" and not vgg16_available():
                continue  # the notebook shows "weights not available"
            cfg, at = exp.similarity_scola_config(measure, seed), f"{measure}/{exp.dataset}/{size}/{seed}"
            fitted = units["fit", "similarity", measure, seed] = steps.fit(f"fit/{at}", "scola", exp.dataset, size,
                                                                           seed, cfg)
            units["cas", "similarity", measure, seed] = steps.arm(f"cas/{at}", "synthetic", exp.dataset, size, seed,
                                                                  clf, cfg, exp.cas_per_class, fitted=fitted)
    return units


def _part(part: str) -> Callable[[AblationExperimentConfig], dict[tuple, Unit]]:
    """The units of one part of :func:`ablation_units` (``"arch"``: Table 4.3, ``"similarity"``: Fig. 5.2)."""
    return lambda exp: {name: u for name, u in ablation_units(exp).items() if name[1] == part}


def generator_rows(exp: AblationExperimentConfig, results: Results) -> list[dict]:
    """Table 4.3: one row per generator and seed with FID, CAS, the parameter count of the network trained (and at the
    thesis's width), sCOLA's training time, and the published values. ``*_s_this_run`` are the seconds this run
    spent on a unit (about 0 when it came from the cache); ``scola_train_s`` / ``cas_train_s`` are the units' own
    training times, whenever they ran."""
    classes, rows = split_of(exp.dataset, "train").num_classes, []
    for seed in exp.seeds:
        for generator in exp.generators:
            cfg, kinds = exp.arch_scola_config(generator, seed), ("fit", "fid", "cas")
            model, f, c = (results[kind, "arch", generator, seed] for kind in kinds)
            fit_s, fid_s, cas_s = (results.seconds[kind, "arch", generator, seed] for kind in kinds)
            full = build_generator(generator, classes + cfg.latent_dim, split_of(exp.dataset, "train").image_size,
                                   num_classes=classes)
            rows.append({
                "dataset": exp.dataset, "generator": generator, "seed": seed,
                "train_images": len(training_subset(exp.dataset, exp.arch_per_class, seed)),
                "width": (cfg.generator_width or 256) if generator != "infogan" else None,
                "latent_dim": cfg.latent_dim, "loss": cfg.loss,
                "loss_note": "" if cfg.loss != "laplacian" or exp.arch_loss == "laplacian" else
                "VGG16 weights not available: Laplacian loss instead of the thesis's perceptual loss",
                "epochs": cfg.epochs, "fid": f["fid"], "n_fake": f["n_fake"], "n_real": f["n_real"],
                "cas": c["accuracy"], "cas_train_images": exp.arch_cas_per_class * classes,
                "parameters": count_parameters(model.generator), "parameters_thesis_width": count_parameters(full),
                "published_parameters": TABLE_4_2_PARAMS.get(generator),
                "published_fid": TABLE_4_3.get(generator, {}).get("fid"),
                "published_cas": TABLE_4_3.get(generator, {}).get("cas"), "published_source": LABEL,
                "scola_train_s": model.train_seconds_, "scola_images_per_s": model.images_per_second_,
                "cas_train_s": c["train_seconds"], "fit_s_this_run": fit_s, "fid_s_this_run": fid_s,
                "cas_s_this_run": cas_s, "fid_weights": f["weights"], "device": c.get("device", "")})
    return rows


def similarity_rows(exp: AblationExperimentConfig, results: Results) -> list[dict]:
    """Fig. 5.2: CAS of sCOLA trained with each similarity measure on ``exp.similarity_per_class`` images per class,
    and the Real arm (the same classifier on the real sample) as reference (``measure="real"``). A measure that
    cannot run here (VGG16 without its weights) gives a row with ``available=False`` and no CAS."""
    classes, rows = split_of(exp.dataset, "train").num_classes, []
    for seed in exp.seeds:
        for measure in ("real",) + tuple(exp.losses):
            base = {"dataset": exp.dataset, "measure": measure,
                    "label": "real images (Real arm)" if measure == "real" else SIMILARITY_LABELS[measure],
                    "seed": seed, "train_images": len(training_subset(exp.dataset, exp.similarity_per_class, seed))}
            if ("cas", "similarity", measure, seed) not in results:
                rows.append({**base, "available": False, "cas": None, "note": "weights not available"})
                continue
            if measure == "real":
                c = results["cas", "similarity", "real", seed]
                row = {**base, "available": True, "cas": c["accuracy"], "cas_train_images": base["train_images"],
                       "cas_train_s": c["train_seconds"],
                       "cas_s_this_run": results.seconds["cas", "similarity", "real", seed],
                       "device": c.get("device", "")}
            else:
                model = results["fit", "similarity", measure, seed]   # the fit first: each unit's own seconds
                c = results["cas", "similarity", measure, seed]
                row = {**base, "available": True, "cas": c["accuracy"],
                       "cas_train_images": exp.cas_per_class * classes,
                       "epochs": exp.similarity_scola_config(measure, seed).epochs,
                       "final_loss": model.history_[-1] if model.history_ else None,
                       "scola_train_s": model.train_seconds_, "scola_images_per_s": model.images_per_second_,
                       "cas_train_s": c["train_seconds"],
                       "fit_s_this_run": results.seconds["fit", "similarity", measure, seed],
                       "cas_s_this_run": results.seconds["cas", "similarity", measure, seed],
                       "device": c.get("device", "")}
            rows.append(row)
    return rows


def generator_ablation(exp: AblationExperimentConfig, cache: ArtifactCache | None = None, executor: str | None = None,
                       *, workers: int | None = None, scheduler: str | None = None, device=None,
                       progress: bool = True) -> list[dict]:
    """Notebook 04's driver of Table 4.3: :func:`generator_rows` of its units (:func:`.graph.run_study`;
    ``executor`` None, ``"local"`` or ``"dask"``)."""
    return run_study(_part("arch"), generator_rows, exp, cache, executor, workers=workers, scheduler=scheduler,
                     device=device, progress=progress)


def similarity_ablation(exp: AblationExperimentConfig, cache: ArtifactCache | None = None, executor: str | None = None,
                        *, workers: int | None = None, scheduler: str | None = None, device=None,
                        progress: bool = True) -> list[dict]:
    """Notebook 04's driver of Fig. 5.2: :func:`similarity_rows` of its units."""
    return run_study(_part("similarity"), similarity_rows, exp, cache, executor, workers=workers,
                     scheduler=scheduler, device=device, progress=progress)
