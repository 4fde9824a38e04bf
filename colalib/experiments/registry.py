"""The estimators by name (sCOLA, COLA, GLO, CGAN-PD and the related methods), their configs, and the named
sampler / loss variants the experiments sweep. :class:`GenerativeEstimator` is the interface every generative
estimator offers (fit / sample / state / from_state)."""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..baselines import GLO
from ..classification import ClassifierConfig
from ..cola import COLA, SCOLA, SCOLAConfig
from ..config import RunConfig
from ..gan import CGANPD, GANConfig
from ..metrics import degenerate_reason
from ..mmgan import MMGAN, MMGANConfig
from ..peers import AugIntAE, AugIntAEConfig, ReGene, ReGeneConfig


class ProfileRecipes:
    """The thesis's recipes in a study config's ``profile``, for the runs of subset ``seed``: sCOLA (App. C.2), the
    classifier (App. C.3) and CGAN-PD (App. C.4). Mixed into the study configs of notebooks 03, 05 and 07, so that a
    driver takes one experiment config (its recipes come from it) besides the cache and an executor."""

    profile: str

    def scola_config(self, seed: int = 0) -> SCOLAConfig:
        return SCOLAConfig.for_profile(self.profile, seed=seed)

    def classifier_config(self, seed: int = 0, **overrides: Any) -> ClassifierConfig:
        """The classifier recipe (App. C.3) of this profile: CAS, the Real / Synthetic / Mix arms and the GAN-test
        judge all train it (``overrides``: a study's shortened schedule, e.g. ``epochs``)."""
        return ClassifierConfig.for_profile(self.profile, seed=seed, **overrides)

    def gan_config(self, seed: int = 0) -> GANConfig:
        return GANConfig.for_profile(self.profile, seed=seed)

    def judge_config(self) -> ClassifierConfig:
        """The GAN-test judge's recipe: this profile's classifier with seed 0, trained on real images (the one judge
        of notebooks 03, 07 and 08; :func:`colalib.experiments.steps.judge`)."""
        return self.classifier_config(seed=0)


def method_classes() -> dict[str, tuple[type, type | None]]:
    """Method name -> (estimator class, its own config class or None when it is trained with the sCOLA config)."""
    return {"scola": (SCOLA, None), "glo": (GLO, None), "cola": (COLA, None), "cgan_pd": (CGANPD, GANConfig),
            "regene": (ReGene, ReGeneConfig), "mmgan": (MMGAN, MMGANConfig), "augintae": (AugIntAE, AugIntAEConfig)}


def method_class(method: str) -> type:
    """The estimator class registered as ``method`` (the names of :func:`method_classes`); an unknown name fails."""
    classes = method_classes()
    if method not in classes:
        raise ValueError(f"Unknown method {method!r}; choose from {sorted(classes)}")
    return classes[method][0]


def model_config(method: str, scola: RunConfig, gan: GANConfig | None = None) -> RunConfig:
    """The configuration ``method`` is trained with: sCOLA, GLO and COLA use ``scola``; CGAN-PD (``"cgan_pd"``)
    uses ``gan``, by default ``GANConfig.for_profile(scola.profile, seed=scola.seed)``; the related methods of
    notebook 07 (``"regene"``, ``"mmgan"``, ``"augintae"``) their own config class's profile of ``scola.profile``
    with ``scola``'s seed. A config that already is of the method's class is used as it is."""
    if method == "real":  # the real subset: no model
        return scola
    method_class(method)  # fail early on an unknown method
    own = method_classes()[method][1]
    if own is None or type(scola) is own:
        return scola
    if method == "cgan_pd" and gan is not None:
        return gan
    return own.for_profile(scola.profile, seed=scola.seed)


# Notebook 07: the seeds' related methods on the thesis's small-sample protocol (issue: 07_peers).
PEER_METHODS: tuple[str, ...] = ("scola", "glo", "cgan_pd", "regene", "mmgan", "augintae")

# Methods trained without labels: their samples carry clusters matched to classes (Hungarian, for scoring only), so
# a class-recognition score (GAN-test) measures their clustering rather than a failure of the generator.
UNSUPERVISED_METHODS: tuple[str, ...] = ("glo", "cola")


def method_failure(method: str, cas: float, quality: dict, num_classes: int, n_samples: int,
                   memorisation: dict | None = None, cas_n: int | None = None) -> str:
    """Why ``method``'s result is degenerate, or "" (:func:`colalib.metrics.degenerate_reason`) from its CAS, its
    judged samples (``quality``: a :func:`colalib.experiments.units.sample_quality_unit` result, or {} when no judge
    ran) and the memorisation check of its samples (``memorisation``, from its FID unit; any method); the GAN-test
    rule applies to class-conditional methods only (not :data:`UNSUPERVISED_METHODS`). ``cas_n``: the test images the
    CAS was measured on (its binomial test against chance)."""
    conditional = method not in UNSUPERVISED_METHODS
    return degenerate_reason(cas, quality.get("diversity"), num_classes,
                             gan_test=quality.get("gan_test") if conditional else None, n_samples=n_samples,
                             memorisation=memorisation, cas_n=cas_n)


# Step-III samplers of the related methods, applied to one trained sCOLA (scored by Mix accuracy).
PEER_SAMPLERS: dict[str, tuple[dict, dict]] = {
    "Gaussian (thesis)": ({}, {}),
    "convex, 3 codes (ReGene)": ({}, {"method": "convex", "n_mix": 3}),
    "SLERP, 2 codes (AugIntAE)": ({}, {"method": "slerp"}),
}


SIMILARITY_MEASURES: dict[str, dict[str, Any]] = {
    # name -> SCOLAConfig overrides (Sec. 5.3.1, items 1-6)
    "laplacian": {"loss": "laplacian"},
    "l1": {"loss": "l1"},
    "resnet32_random": {"loss": "perceptual_net", "perceptual_net": "resnet32_random"},
    "resnet32_trained": {"loss": "perceptual_net", "perceptual_net": "resnet32_trained"},
    "resnet32_kmeans": {"loss": "perceptual_net", "perceptual_net": "resnet32_kmeans"},
    "vgg16": {"loss": "perceptual_vgg16"},
    # not a measure of Sec. 5.3.1: the other reading of Eq. 3.5's level weights (the OCR's 2^(-2j), the finest level
    # weighted most), run beside GLO's 2^(2j) that every other sCOLA here uses, to settle the ambiguity by CAS
    "laplacian_ocr": {"loss": "laplacian", "pyramid_weighting": "thesis_ocr"},
}


SIMILARITY_LABELS = {"laplacian": "Laplacian pyramid", "l1": "L1 (pixels)", "resnet32_random": "ResNet-32, random",
                     "resnet32_trained": "ResNet-32, trained on the sample",
                     "resnet32_kmeans": "ResNet-32, stacked k-means", "vgg16": "ImageNet VGG16",
                     "laplacian_ocr": "Laplacian pyramid, 2^(-2j) weights"}


@runtime_checkable
class GenerativeEstimator(Protocol):
    """What the experiments need of a generative estimator (sCOLA, COLA, GLO, CGAN-PD, ReGene, MM-GAN, AugIntAE):
    fit on an :class:`~colalib.data.ImageDataset`, sample ``n`` labelled uint8 images, and round-trip its state
    through the cache."""

    def fit(self, data: Any) -> Any: ...

    def sample(self, n: int, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def state(self) -> dict: ...

    @classmethod
    def from_state(cls, state: dict, device: Any = None) -> Any: ...
