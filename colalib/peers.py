"""Related methods with sCOLA's estimator interface (issue #8): ReGene and AugIntAE.

    model = ReGene(ReGeneConfig.for_profile("quick")).fit(subset)       # an ImageDataset, or (images, labels)
    images, labels = model.sample(1000, seed=0)                         # uint8 NHWC and class ids
    model = fit_or_load(AugIntAE, AugIntAEConfig.for_profile("quick"), subset)   # cached like sCOLA

Both are :class:`colalib.cola.LatentGenerativeModel` subclasses: a generator of :mod:`colalib.models`, one code
per training image, ``decode`` / ``reconstruct`` / ``sample`` / ``state`` / ``from_state`` / ``save`` / ``load``. Their
configs derive from :class:`colalib.cola.DecoderConfig`, the generator, loss and schedule fields they share with
sCOLA (thesis Table 4.2, Sec. 3.2, App. C.2), not from :class:`colalib.cola.SCOLAConfig`: sCOLA's code fields
(``lr_codes``, ``t_scale``, ``noise_std``; Sec. 3.2) and step-III fields (``spread``, ``covariance``,
``spread_space``, ``reproject``; Sec. 3.3) mean nothing here, as these codes are never optimised as free
parameters and have no t/v parts. A model is built from its own config only (``ReGene(SCOLAConfig())`` is a
``TypeError``). ``sample(method="gaussian")``, sCOLA's sampler on a peer's codes (a comparison, never the peer's
own sampling), uses the thesis's first reading of step III, :data:`colalib.sampling.LEGACY_STEP_III` (Ledoit-Wolf,
ambient, re-projected by the peer's own projection), spread 1 by default, the whole code as one part.

**ReGene** (Gopalakrishnan et al., ``../shared/papers/002_*.txt``):
  * Sec. 3.1, Eq. 1-3: a classifier ``f_cls = f_dis(f_enc(x))`` trained with cross-entropy on the small subset; the
    codes are its penultimate features ``z* = f_enc(x)``. Here the classifier recipe of
    :mod:`colalib.classification` (ResNet-20, App. C.3 of the thesis) and its global-average-pooled last stage
    (64-d) stand in for the paper's VGG-style network with a 2048-d latent (Sec. 4.2: "not intended to propose an
    optimal architecture");
  * Sec. 3.2, Eq. 4: a decoder trained on the *frozen* codes: sCOLA's generator and reconstruction loss (Laplacian
    pyramid by default) and its training loop (:func:`colalib.latent.optimise_latent`) with the codes fixed
    (``lr_codes=0``: only the decoder learns); the paper's MAE + SSIM + perceptual mix is not reproduced;
  * Sec. 3.3, Lemma 1, Sec. 5.2: new codes are convex combinations of ``n = 2, 3, 5`` same-class codes with ratio
    ``1/n`` (``weights="uniform"``, the paper's) or Dirichlet weights; Table 1 uses ``n = 2`` (the default);
  * Sec. 5.2, two-step filter: keep a combination only if (i) the classifier head ``f_dis`` gives the code's class a
    confidence above the class's threshold, and (ii) the classifier gives the decoded image one above it too.
    The paper's threshold is "the average class confidence per class over the test/holdout samples". The small
    subset has no holdout, so by default (``confidence_threshold < 0``): step (i) uses the class's mean confidence
    on the training codes, step (ii) the mean confidence on the decoded reconstructions of the training images
    (images the classifier never saw, carrying the same decoder error as generated ones, Sec. 5.4); a number
    ``>= 0`` is a fixed threshold for both steps. Rejected positions are redrawn up to ``filter_rounds`` times; the
    ones still missing get their best-scoring candidate (``filter_stats_`` counts them).

**AugIntAE** (Wertheimer et al., ``../shared/papers/004_*.txt`` Sec. 4; appendix ``001_*.txt`` A.1):
  * an encoder ``E`` with L2-normalised codes and a generator ``G``; for every training image two augmentations
    ``A = f(rho_1)``, ``B = f(rho_2)`` and ``C = f(alpha rho_1 + (1 - alpha) rho_2)``; the loss is Eq. 1,
    ``|C - G(SLERP(E(B), E(A); alpha))|_1`` (App. A.1: L2-normalised codes, SLERP), ``alpha`` the mean of two
    uniform draws (A.1);
  * augmentations (A.1, natural images): rotation +-10 deg, shear +-3 deg, translation +-1/8 of the side (the
    paper's +-8 px at 64 px), scale [0.8, 1.2], reflect ("symmetric") padding; brightness / contrast / saturation
    in [0.75, 1.25] and hue +-0.05, all interpolated linearly in their parameters;
  * the auxiliary LSGAN term on ``G``'s output with the scaling of A.1 Eqs. 1-5: ``L_AE = L_recon + k gamma L_adv``,
    ``gamma = |grad L_recon| / |grad L_adv|`` per image (gradients with respect to the generated image), ``k``
    starting at 1 and updated each step by ``k <- clip(k - 0.001 (1 - (D(real) - D(fake))), 0, 1)``;
  * few-shot sampling (Sec. 4, "Few-shot generation"): SLERP between the codes of two random same-class seed
    images at ``alpha ~ U[0, 1]``; the seeds are the training subset (``sample``), or any images (``encode``).
  Choices where the paper is silent or does not fit a small subset: encoder and discriminator are the repository's
  SNGAN residual discriminator (:class:`colalib.gan.SNResNetDiscriminator`, spectral norm included; the paper's
  are DCGAN's), the encoder with ``latent_dim`` outputs, as the paper uses "the same network architecture for both
  AugIntAE encoders and auxiliary GAN discriminators ... encoders have as many [outputs] as there are latent
  dimensions"; the LSGAN labels are Mao et al.'s ``a = -1, b = 1, c = 0`` (the k rule's margin of 1 needs real
  and fake targets 2 apart: with 0/1 targets k could only fall); the real images of the LSGAN are the targets C
  (the paper applies the GAN loss "on the interpolated C"); latent size 128 (the paper's ~25-fold reduction at
  32x32; it uses 512 at 64x64); batch 64; 500 epochs over the subset (sCOLA's budget; the paper's "100 passes" are
  over datasets of 10^4-10^5 images); Adam lr 0.001 (A.1) with betas (0.5, 0.999), constant (A.1: adversarial
  models keep their learning rate); the reconstruction loss on A and B is left out (the paper found it made no
  noticeable difference).
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .classification import ClassifierConfig, classifier_features, classifier_probabilities, train_classifier
from .cola import DecoderConfig, LatentGenerativeModel, _as_arrays
from .data import ImageDataset, to_tensor
from .gan import SNResNetDiscriminator, _cpu_state
from .latent import project_whole, step_lr
from .models import CLASSIFIERS, build_classifier, build_generator
from .sampling import LEGACY_STEP_III, balanced_labels, convex_combination_codes, fit_class_gaussians
from .utils import progress_bar, seed_everything


class _PeerModel(LatentGenerativeModel):
    """What the peers share beyond :class:`colalib.cola.LatentGenerativeModel`: their own config class (a
    :class:`colalib.cola.DecoderConfig`, without sCOLA's code and step-III fields), so the hooks of the base class
    that read those fields are overridden here (step III, ``reconstruct``) or in each peer (``_project``,
    ``_code_lr``); and extra networks in the state."""

    config_class: ClassVar[type[DecoderConfig]] = DecoderConfig

    def __init__(self, config: DecoderConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True, cache: Any = None):
        config = self.config_class() if config is None else config
        if not isinstance(config, self.config_class):
            cls = self.config_class.__name__
            raise TypeError(f"{type(self).__name__} needs a {cls}, got {type(config).__name__} (nothing is "
                            f"converted: {cls} does not hold sCOLA's fields): build one with {cls}.for_profile(...)")
        super().__init__(config, device, progress, cache)

    # -- sCOLA's Gaussian sampler on the peer's codes (sample(method="gaussian"), a comparison) ---------------
    def _step_iii(self) -> dict[str, Any]:
        """The thesis's first reading of step III (Sec. 3.3; :data:`colalib.sampling.LEGACY_STEP_III`), spread 1:
        the peers' configs hold no step-III fields."""
        return {**LEGACY_STEP_III, "spread": 1.0}

    def _fit_sampler(self) -> None:
        """One Gaussian per class of the codes, the whole code as one part (no t/v split, no ``t_scale``)."""
        step3 = self._step_iii()
        self.gaussians_ = fit_class_gaussians(self.codes_.cpu().numpy(), self.labels_, step3["covariance"],
                                              step3["spread_space"])

    def reconstruct(self, indices: np.ndarray | list[int] | None = None,
                    labels: np.ndarray | None = None) -> np.ndarray:
        """Decoded codes of training images ``indices`` (all when None). The peers' codes have no class part to
        swap (sCOLA's t, Sec. 3.4), so there is no class transfer (App. B): ``labels`` must be None."""
        if labels is not None:
            raise ValueError(f"{self.name} codes have no class part: reconstruct(indices) only")
        return super().reconstruct(indices)

    def _extra_state(self) -> dict:
        return {}

    def _load_extra(self, extra: dict) -> None:
        pass

    def state(self) -> dict:
        return {**super().state(), "extra": self._extra_state()}

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device | None = None) -> "_PeerModel":
        unknown = set(state["config"]) - {f.name for f in dataclasses.fields(cls.config_class)}
        if unknown:
            raise TypeError(f"This {cls.name} state's config has fields {sorted(unknown)} that "
                            f"{cls.config_class.__name__} does not have (saved when the peers' configs inherited "
                            "sCOLA's fields): fit the model again")
        model = super().from_state(state, device)  # config (cls.config_class), generator, codes, sampler
        model._load_extra(state["extra"])
        return model


# =============================================================================================== ReGene

@dataclass(frozen=True)
class ReGeneConfig(DecoderConfig):
    """ReGene (paper 002). Decoder fields: :class:`colalib.cola.DecoderConfig`'s, sCOLA's generator, loss and
    schedule (App. C.2 of the thesis); the code size is the classifier's feature size (no ``latent_dim``); the rest
    see the module docstring.

    ``classifier_arch`` / ``classifier_epochs`` / ``classifier_batch_size``: the classifier of Sec. 3.1, trained with
    this profile's :class:`colalib.classification.ClassifierConfig` (0: the recipe's own number);
    ``n_mix``, ``weights`` (``"uniform"``: ratio 1/n, or ``"dirichlet"``), ``dirichlet_alpha``: Sec. 5.2 sampling;
    ``confidence_filter``, ``confidence_threshold`` (< 0: per-class means, see the module docstring),
    ``filter_rounds``: the two-step filter of Sec. 5.2.
    Profiles: ``smoke`` seconds on digits; ``quick`` the classifier at half the quick recipe (300 iterations) and
    sCOLA's quick decoder (150 epochs): a few minutes on 100-500 CIFAR images on one thread.
    """

    classifier_arch: str = "resnet20"
    classifier_epochs: int = 0
    classifier_batch_size: int = 0
    n_mix: int = 2
    weights: str = "uniform"
    dirichlet_alpha: float = 1.0
    confidence_filter: bool = True
    confidence_threshold: float = -1.0
    filter_rounds: int = 10

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"epochs": 2, "lr_step_epochs": 1},
        "quick": {"epochs": 150, "lr_step_epochs": 30, "classifier_epochs": 30},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.classifier_arch not in CLASSIFIERS:
            raise ValueError(f"classifier_arch must be one of {CLASSIFIERS}, got {self.classifier_arch!r}")
        if self.weights not in ("uniform", "dirichlet"):
            raise ValueError(f"weights must be 'uniform' or 'dirichlet', got {self.weights!r}")
        if self.n_mix < 1 or self.filter_rounds < 1:
            raise ValueError("n_mix and filter_rounds must be >= 1")

    def classifier_config(self) -> ClassifierConfig:
        """The recipe that trains ReGene's classifier (Sec. 3.1) on the subset."""
        over = {name: value for name, value in (("epochs", self.classifier_epochs),
                                                 ("batch_size", self.classifier_batch_size)) if value}
        return ClassifierConfig.for_profile(self.profile, arch=self.classifier_arch, seed=self.seed, **over)


class ReGene(_PeerModel):
    """ReGene: classifier features as frozen codes, a decoder, same-class convex combinations (paper 002, Sec. 3).

    Attributes after ``fit``: ``classifier`` (eval mode), ``codes_`` (its penultimate features of the training
    images), ``thresholds_`` (``{"code": (K,), "image": (K,)}``, Sec. 5.2), ``classifier_seconds_``, and after a
    filtered ``sample``: ``filter_stats_`` and ``filter_mask_`` (True where the returned image passed both steps,
    False where it is the best rejected candidate). ``train_seconds_`` covers classifier and decoder;
    ``images_per_second_`` is the decoder's training throughput.
    """

    name = "ReGene"
    config_class = ReGeneConfig

    def __init__(self, config: ReGeneConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True, cache: Any = None):
        super().__init__(config, device, progress, cache)
        self.classifier: nn.Module | None = None
        self.thresholds_: dict[str, np.ndarray] | None = None
        self.classifier_seconds_: float = 0.0
        self.filter_stats_: dict[str, Any] = {}
        self.filter_mask_: np.ndarray | None = None

    # -- training ------------------------------------------------------------------------------------
    def fit(self, x: ImageDataset | np.ndarray, y: np.ndarray | None = None,
            num_classes: int | None = None) -> "ReGene":
        """Classifier (Sec. 3.1), then the decoder on its frozen features (Sec. 3.2), then the thresholds."""
        images, labels, k = _as_arrays(x, y)
        if labels is None:
            raise ValueError("ReGene.fit needs labels: fit(dataset) or fit(images, labels)")
        k = num_classes or k or int(labels.max()) + 1
        start = time.perf_counter()
        self.classifier = train_classifier(images, labels, k, self.config.classifier_config(), self.device,
                                           self.progress).eval()
        self.classifier_seconds_ = time.perf_counter() - start
        codes = torch.as_tensor(classifier_features(self.classifier, images, device=self.device))
        self._fit_codes(images, codes, labels, k)  # codes fixed (_code_lr): only the decoder learns
        self.train_seconds_ += self.classifier_seconds_
        self.thresholds_ = self._mean_confidences()
        return self

    def _code_lr(self) -> float:
        """0: the codes are the frozen classifier features (Sec. 3.2, Eq. 4); ``optimise_latent`` trains G only."""
        return 0.0

    def _project(self, codes: torch.Tensor) -> torch.Tensor:
        """The identity: ReGene's codes live in R^D, not on a sphere."""
        return codes

    def _code_parts(self) -> list[slice]:
        return [slice(None)]

    def _mean_confidences(self) -> dict[str, np.ndarray]:
        """Per-class mean confidence on the training codes (step i) and on their decoded reconstructions (step ii)."""
        code_conf = self.code_confidence(self.codes_, self.labels_)
        image_conf = self.image_confidence(self.reconstruct(), self.labels_)
        k = self.num_classes_
        mean = lambda c: np.bincount(self.labels_, c, k) / np.maximum(np.bincount(self.labels_, minlength=k), 1)
        return {"code": mean(code_conf), "image": mean(image_conf)}

    # -- the classifier as judge (Sec. 5.2) -------------------------------------------------------------
    @torch.no_grad()
    def code_confidence(self, codes: np.ndarray | torch.Tensor, labels: np.ndarray) -> np.ndarray:
        """Softmax probability of ``labels`` given by the classifier head ``f_dis`` on latent codes (step i)."""
        z = torch.as_tensor(np.asarray(codes), dtype=torch.float32).to(self.device)
        probs = torch.softmax(self.classifier.fc(z), dim=1).cpu().numpy()
        return probs[np.arange(len(labels)), np.asarray(labels)]

    def image_confidence(self, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Softmax probability of ``labels`` given by the classifier on uint8 images (step ii)."""
        probs = classifier_probabilities(self.classifier, images, device=self.device)
        return probs[np.arange(len(labels)), np.asarray(labels)]

    def thresholds(self, threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per-class thresholds of steps (i) and (ii): ``threshold`` (or the config's) when >= 0, else the means."""
        value = self.config.confidence_threshold if threshold is None else threshold
        if value >= 0:
            full = np.full(self.num_classes_, float(value))
            return full, full
        return self.thresholds_["code"], self.thresholds_["image"]

    # -- generation ------------------------------------------------------------------------------------
    def combine_codes(self, labels: np.ndarray, n_mix: int | None = None, weights: str | None = None,
                      seed: int | None = None) -> np.ndarray:
        """One convex combination of ``n_mix`` same-class training codes per label (Sec. 3.3, Eq. 9)."""
        self._check_fitted()
        cfg = self.config
        return convex_combination_codes(self.codes_.cpu().numpy(), self.labels_, np.asarray(labels),
                                        n_mix=n_mix or cfg.n_mix, weights=weights or cfg.weights,
                                        alpha=cfg.dirichlet_alpha, seed=seed)

    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, spread: float | None = None,
               seed: int | None = None, method: str = "convex", n_mix: int | None = None,
               weights: str | None = None, confidence_filter: bool | None = None,
               threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` images and their classes (stratified over ``classes`` as in sCOLA).

        ``method="convex"`` (ReGene, Sec. 5.2): convex combinations of ``n_mix`` codes with ``weights`` (config
        defaults), through the two-step confidence filter when ``confidence_filter`` (default: the config's), with
        ``threshold`` overriding the config's. Other methods (``gaussian``, ``slerp``, ``reconstruction``) are
        sCOLA's samplers on ReGene's codes, unfiltered.
        """
        if method != "convex":
            return super().sample(n, classes, spread, seed, method, n_mix or self.config.n_mix)
        self._check_fitted()
        rng = np.random.default_rng(seed)
        pool = np.arange(self.num_classes_) if classes is None else np.atleast_1d(np.asarray(classes))
        labels = balanced_labels(n, pool, rng)
        use_filter = self.config.confidence_filter if confidence_filter is None else confidence_filter
        if not use_filter:
            self.filter_stats_, self.filter_mask_ = {}, None
            return self.decode(self.combine_codes(labels, n_mix, weights, int(rng.integers(2**31))), labels), labels
        return self._filtered(labels, n_mix, weights, threshold, rng), labels

    def _filtered(self, labels: np.ndarray, n_mix: int | None, weights: str | None, threshold: float | None,
                  rng: np.random.Generator) -> np.ndarray:
        """Sec. 5.2's two-step filter: redraw rejected positions up to ``filter_rounds`` times, then fill the rest
        with each position's best candidate (largest smaller margin over the two thresholds)."""
        thr_code, thr_image = self.thresholds(threshold)
        size = self.image_size_
        out = np.zeros((len(labels), size, size, 3), np.uint8)
        best = np.full(len(labels), -np.inf)
        done = np.zeros(len(labels), bool)
        drawn = accepted = 0
        for _ in range(self.config.filter_rounds):
            todo = np.flatnonzero(~done)
            if len(todo) == 0:
                break
            lab = labels[todo]
            codes = self.combine_codes(lab, n_mix, weights, int(rng.integers(2**31)))
            images = self.decode(codes, lab)
            margin = np.minimum(self.code_confidence(codes, lab) - thr_code[lab],
                                self.image_confidence(images, lab) - thr_image[lab])
            ok = margin >= 0
            keep = ok | (margin > best[todo])
            out[todo[keep]] = images[keep]
            best[todo[keep]] = margin[keep]
            done[todo[ok]] = True
            drawn, accepted = drawn + len(todo), accepted + int(ok.sum())
        self.filter_stats_ = {"candidates": drawn, "accepted": accepted, "filled_with_best": int((~done).sum()),
                              "acceptance_rate": accepted / max(drawn, 1)}
        self.filter_mask_ = done
        return out

    # -- persistence -----------------------------------------------------------------------------------
    def _extra_state(self) -> dict:
        return {"classifier": _cpu_state(self.classifier), "thresholds": self.thresholds_,
                "classifier_seconds": self.classifier_seconds_}

    def _load_extra(self, extra: dict) -> None:
        net = build_classifier(self.config.classifier_arch, self.num_classes_, self.image_size_)
        net.load_state_dict(extra["classifier"])
        self.classifier = net.to(self.device).eval()
        self.thresholds_ = extra["thresholds"]
        self.classifier_seconds_ = extra["classifier_seconds"]


# ============================================================================================= AugIntAE

AUGMENTATIONS = ("angle", "tx", "ty", "scale", "shear", "brightness", "contrast", "saturation", "hue")


@dataclass(frozen=True)
class AugIntAEConfig(DecoderConfig):
    """AugIntAE (papers 004/001); see the module docstring for every choice. Generator, loss and schedule fields
    of :class:`colalib.cola.DecoderConfig` (``loss`` defaults to the paper's L1); ``latent_dim``: the size of the
    encoder's unit-norm codes; ``lr_generator`` is the Adam step of encoder and generator, ``lr_decay`` 1.0 keeps
    it constant (App. A.1).

    ``encoder``: ``"sn_resnet"`` (the discriminator's architecture, width ``ndf``) or a classifier of
    :data:`colalib.models.CLASSIFIERS`; ``ndf``: discriminator (and encoder) width;
    ``adversarial_weight``: 0 switches the LSGAN term off, else it multiplies ``k gamma L_adv``; ``k_rate``: the
    0.001 of A.1 Eq. 4; ``lsgan_a/b/c``: fake, real and generator targets; the augmentation ranges: half-widths
    (``scale_range`` 0.2 means [0.8, 1.2]; ``translation`` in fractions of the side; colour factors 1 +- range).
    Profiles: ``smoke`` seconds on digits; ``quick`` narrow encoder and discriminator (``ndf`` 32) and 30 epochs
    at batch 64: 20-45 training images per second on one (busy to idle) CPU thread, i.e. about 1-2.5 minutes on 100
    CIFAR images and 5-12 on 500; a documented reduction, far from the paper's budget.
    """

    loss: str = "l1"
    latent_dim: int = 128
    batch_size: int = 64
    lr_decay: float = 1.0
    encoder: str = "sn_resnet"
    ndf: int = 128
    lr_discriminator: float = 0.001
    adversarial_weight: float = 1.0
    k_rate: float = 0.001
    lsgan_a: float = -1.0
    lsgan_b: float = 1.0
    lsgan_c: float = 0.0
    rotation: float = 10.0
    shear: float = 3.0
    translation: float = 0.125
    scale_range: float = 0.2
    brightness: float = 0.25
    contrast: float = 0.25
    saturation: float = 0.25
    hue: float = 0.05

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"epochs": 2, "ndf": 16, "batch_size": 16, "latent_dim": 32},
        "quick": {"epochs": 30, "ndf": 32},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.encoder != "sn_resnet" and self.encoder not in CLASSIFIERS:
            raise ValueError(f"encoder must be 'sn_resnet' or one of {CLASSIFIERS}, got {self.encoder!r}")
        if self.batch_size < 2:
            raise ValueError("batch_size must be >= 2 (batch norm)")


class AugIntEncoder(nn.Module):
    """``E`` (App. A.1): the discriminator's architecture with ``latent_dim`` outputs instead of one
    (:class:`colalib.gan.SNResNetDiscriminator`, ``arch="sn_resnet"``), or a classifier of
    :data:`colalib.models.CLASSIFIERS` with ``latent_dim`` outputs; then L2 normalisation."""

    def __init__(self, arch: str, latent_dim: int, image_size: int = 32, width: int = 128):
        super().__init__()
        self.net = (SNResNetDiscriminator(latent_dim, image_size, width) if arch == "sn_resnet"
                    else build_classifier(arch, latent_dim, image_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net(x), dim=1)


def slerp_torch(a: torch.Tensor, b: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Differentiable SLERP between unit rows of ``a`` (s = 0) and ``b`` (s = 1) (as :func:`colalib.sampling.slerp`;
    the angle is kept away from 0 so that the gradient stays finite)."""
    omega = torch.acos((a * b).sum(1).clamp(-1 + 1e-6, 1 - 1e-6))[:, None]
    s = s[:, None]
    return (torch.sin((1 - s) * omega) * a + torch.sin(s * omega) * b) / torch.sin(omega)


def sample_augmentations(n: int, config: AugIntAEConfig, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Augmentation parameters ``rho`` drawn uniformly over the config's ranges (App. A.1)."""
    def uniform(centre: float, half: float) -> torch.Tensor:
        return centre + half * (2 * torch.rand(n, generator=generator) - 1)
    c = config
    return {"angle": uniform(0, c.rotation), "tx": uniform(0, c.translation), "ty": uniform(0, c.translation),
            "scale": uniform(1, c.scale_range), "shear": uniform(0, c.shear),
            "brightness": uniform(1, c.brightness), "contrast": uniform(1, c.contrast),
            "saturation": uniform(1, c.saturation), "hue": uniform(0, c.hue)}


def mix_augmentations(p1: dict[str, torch.Tensor], p2: dict[str, torch.Tensor],
                      alpha: torch.Tensor) -> dict[str, torch.Tensor]:
    """``alpha rho_1 + (1 - alpha) rho_2``, parameter by parameter (Sec. 4, the triplet's C)."""
    return {k: alpha * p1[k] + (1 - alpha) * p2[k] for k in AUGMENTATIONS}


def _affine_theta(p: dict[str, torch.Tensor]) -> torch.Tensor:
    """``affine_grid`` matrices (output -> input, normalised coordinates) of translate . rotate . shear . scale."""
    n = p["angle"].shape[0]
    a, sh = torch.deg2rad(p["angle"]), torch.deg2rad(p["shear"])
    fwd = torch.zeros(n, 3, 3)
    fwd[:, 0, 0] = p["scale"] * torch.cos(a)
    fwd[:, 0, 1] = p["scale"] * (torch.cos(a) * torch.tan(sh) - torch.sin(a))
    fwd[:, 1, 0] = p["scale"] * torch.sin(a)
    fwd[:, 1, 1] = p["scale"] * (torch.sin(a) * torch.tan(sh) + torch.cos(a))
    fwd[:, 0, 2], fwd[:, 1, 2], fwd[:, 2, 2] = 2 * p["tx"], 2 * p["ty"], 1.0
    return torch.linalg.inv(fwd)[:, :2]


_GRAY = torch.tensor([0.299, 0.587, 0.114])
_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def apply_augmentation(x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
    """``f(rho)``: affine warp (bilinear, reflect padding), then brightness, contrast, saturation and hue, per image;
    ``x`` float ``(N, 3, H, W)`` in [-1, 1]. Hue is a rotation of the chroma plane in YIQ space by ``2 pi hue`` (a
    linear stand-in for torchvision's HSV shift, continuous in the parameter, so it can be interpolated)."""
    theta = _affine_theta(p).to(x)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    y = (F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False) + 1) / 2
    col = lambda v: v.to(x)[:, None, None, None]
    gray = lambda img: (img * _GRAY.to(x)[None, :, None, None]).sum(1, keepdim=True)
    y = (y * col(p["brightness"])).clamp(0, 1)
    mean = gray(y).mean((2, 3), keepdim=True)
    y = ((y - mean) * col(p["contrast"]) + mean).clamp(0, 1)
    g = gray(y)
    y = (g + (y - g) * col(p["saturation"])).clamp(0, 1)
    h = 2 * math.pi * p["hue"].to(x)
    cos, sin = torch.cos(h), torch.sin(h)
    rot = torch.zeros(len(h), 3, 3).to(x)
    rot[:, 0, 0], rot[:, 1, 1], rot[:, 2, 2], rot[:, 1, 2], rot[:, 2, 1] = 1, cos, cos, -sin, sin
    m = torch.linalg.inv(_RGB_TO_YIQ).to(x) @ rot @ _RGB_TO_YIQ.to(x)
    y = torch.einsum("nij,njhw->nihw", m, y).clamp(0, 1)
    return y * 2 - 1


class AugIntAE(_PeerModel):
    """Augmentation-Interpolative AutoEncoder (papers 004/001) with the sCOLA estimator interface.

    ``fit(images, labels)`` trains ``encoder``, ``generator`` (and the LSGAN ``discriminator``) without labels; the
    labels only say which seeds share a class at sampling time (unlabelled: ``fit(images)``, one class).
    ``codes_`` are ``E(x)`` of the training images (unit norm). ``history_``: mean L1 per epoch; ``gan_history_``:
    per epoch ``d_loss``, ``d_gap`` (mean D(real) - D(fake)) and the final ``k``.
    """

    name = "AugIntAE"
    config_class = AugIntAEConfig

    def __init__(self, config: AugIntAEConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True, cache: Any = None):
        super().__init__(config, device, progress, cache)
        self.encoder: AugIntEncoder | None = None
        self.discriminator: nn.Module | None = None
        self.gan_history_: list[dict[str, float]] = []
        self.k_: float = 1.0  # the adversarial scaling factor k of App. A.1 (Eqs. 3-5) at the end of training

    def _conditional(self) -> bool:
        return False

    def _project(self, codes: torch.Tensor) -> torch.Tensor:
        return project_whole(codes)

    def _code_parts(self) -> list[slice]:
        return [slice(None)]

    def _build(self, image_size: int) -> None:
        cfg = self.config
        self.image_size_ = int(image_size)
        self.encoder = AugIntEncoder(cfg.encoder, cfg.latent_dim, image_size, cfg.ndf).to(self.device)
        self.generator = build_generator(cfg.generator, cfg.latent_dim, image_size,
                                         width=cfg.generator_width).to(self.device)
        self.discriminator = (SNResNetDiscriminator(1, image_size, cfg.ndf).to(self.device)
                              if cfg.adversarial_weight > 0 else None)

    # -- training ------------------------------------------------------------------------------------
    def fit(self, x: ImageDataset | np.ndarray, y: np.ndarray | None = None,
            num_classes: int | None = None) -> "AugIntAE":
        images, labels, k = _as_arrays(x, y)
        labels = np.zeros(len(images), np.int64) if labels is None else labels
        cfg = self.config
        seed_everything(cfg.seed)
        self.num_classes_ = int(num_classes or k or int(labels.max()) + 1)
        self.labels_ = np.asarray(labels, dtype=np.int64)
        self._build(images.shape[1])
        loss_fn = cfg.build_loss(images, self.labels_, self.num_classes_, self.device, self.cache,
                                 self.progress).to(self.device)
        start = time.perf_counter()
        self._train(to_tensor(images, self.device), loss_fn)
        self.train_seconds_ = time.perf_counter() - start
        self.images_per_second_ = len(images) * cfg.epochs / max(self.train_seconds_, 1e-9)
        self.encoder.eval()
        self.generator.eval()
        if self.discriminator is not None:
            self.discriminator.eval()
        self.codes_ = torch.as_tensor(self.encode(images))
        self._fit_sampler()
        return self

    def _train(self, real: torch.Tensor, loss_fn: nn.Module) -> None:
        cfg = self.config
        params = list(self.encoder.parameters()) + list(self.generator.parameters())
        opt = torch.optim.Adam(params, lr=cfg.lr_generator, betas=(0.5, 0.999))
        opt_d = (torch.optim.Adam(self.discriminator.parameters(), lr=cfg.lr_discriminator, betas=(0.5, 0.999))
                 if self.discriminator is not None else None)
        gen = torch.Generator().manual_seed(cfg.seed)
        n, self.k_ = len(real), 1.0
        self.history_, self.gan_history_ = [], []
        bar = progress_bar(range(cfg.epochs), f"{self.name} ({n} images)", self.progress)
        for epoch in bar:
            for group in opt.param_groups:
                group["lr"] = step_lr(cfg.lr_generator, epoch, cfg.lr_step_epochs, cfg.lr_decay)
            order = torch.randperm(n, generator=gen)
            sums = np.zeros(3)
            for s in range(0, n, cfg.batch_size):
                idx = order[s:s + cfg.batch_size]
                if idx.numel() < 2:  # batch norm needs two samples
                    continue
                rec, d_loss, gap = self._step(real[idx.to(real.device)], loss_fn, opt, opt_d, gen)
                sums += (rec * idx.numel(), d_loss * idx.numel(), gap * idx.numel())
            self.history_.append(float(sums[0] / n))
            if opt_d is not None:
                self.gan_history_.append({"epoch": epoch + 1, "d_loss": float(sums[1] / n),
                                          "d_gap": float(sums[2] / n), "k": self.k_})
            bar.set_postfix(l1=f"{self.history_[-1]:.4f}", k=f"{self.k_:.3f}")

    def triplet(self, x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, ...]:
        """``A = f(rho_1)``, ``B = f(rho_2)``, ``C = f(alpha rho_1 + (1 - alpha) rho_2)`` and ``alpha`` (Sec. 4)."""
        n = x.shape[0]
        p1, p2 = (sample_augmentations(n, self.config, gen) for _ in range(2))
        alpha = (torch.rand(n, generator=gen) + torch.rand(n, generator=gen)) / 2  # biased to the midpoint, A.1
        c = apply_augmentation(x, mix_augmentations(p1, p2, alpha))
        return apply_augmentation(x, p1), apply_augmentation(x, p2), c, alpha.to(x.device)

    def _step(self, x: torch.Tensor, loss_fn: nn.Module, opt: torch.optim.Optimizer,
              opt_d: torch.optim.Optimizer | None, gen: torch.Generator) -> tuple[float, float, float]:
        """One update of E and G on Eq. 1 (+ the scaled LSGAN term), and one of D. Returns (L1, D loss, D gap)."""
        cfg = self.config
        a, b, c, alpha = self.triplet(x, gen)
        z = self.encoder(torch.cat([a, b]))
        out = self.generator(slerp_torch(z[len(x):], z[:len(x)], alpha))
        recon = loss_fn(out, c)
        opt.zero_grad(set_to_none=True)
        if opt_d is None:
            recon.backward()
            opt.step()
            return float(recon.detach()), 0.0, 0.0
        d = self.discriminator
        # discriminator: LSGAN, real C against the decoded interpolation
        d_real, d_fake = d(c), d(out.detach())
        d_loss = 0.5 * ((d_real - cfg.lsgan_b) ** 2).mean() + 0.5 * ((d_fake - cfg.lsgan_a) ** 2).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        gap = float((d_real.mean() - d_fake.mean()).detach())
        self.k_ = min(1.0, max(0.0, self.k_ - cfg.k_rate * (1.0 - gap)))  # A.1 Eqs. 3-5
        # encoder + generator: gradients of both terms with respect to the image, adversarial one rescaled per image
        for p in d.parameters():
            p.requires_grad_(False)
        adv = 0.5 * ((d(out) - cfg.lsgan_c) ** 2).mean()
        g_rec, = torch.autograd.grad(recon, out, retain_graph=True)
        g_adv, = torch.autograd.grad(adv, out, retain_graph=True)
        gamma = g_rec.flatten(1).norm(dim=1) / g_adv.flatten(1).norm(dim=1).clamp_min(1e-12)  # A.1 Eq. 2
        out.backward(g_rec + cfg.adversarial_weight * self.k_ * gamma[:, None, None, None] * g_adv)
        opt.step()
        for p in d.parameters():
            p.requires_grad_(True)
        return float(recon.detach()), float(d_loss.detach()), gap

    # -- codes and images ------------------------------------------------------------------------------
    @torch.no_grad()
    def encode(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Unit-norm codes ``E(x)`` of uint8 images (eval mode): the seeds of few-shot generation."""
        if self.encoder is None:
            raise RuntimeError("AugIntAE is not fitted: call fit() first")
        self.encoder.eval()
        out = [self.encoder(to_tensor(images[s:s + batch_size], self.device)).cpu()
               for s in range(0, len(images), batch_size)]
        return torch.cat(out).numpy() if out else np.zeros((0, self.config.latent_dim), np.float32)

    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, spread: float | None = None,
               seed: int | None = None, method: str = "slerp", n_mix: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """``n`` images: SLERP at ``alpha ~ U[0, 1]`` between the codes of two same-class training images (Sec. 4,
        few-shot generation), stratified over ``classes``; other ``method`` values as in sCOLA."""
        return super().sample(n, classes, spread, seed, method, n_mix)

    # -- persistence -----------------------------------------------------------------------------------
    def _extra_state(self) -> dict:
        return {"encoder": _cpu_state(self.encoder), "gan_history": self.gan_history_, "k": self.k_,
                "discriminator": _cpu_state(self.discriminator) if self.discriminator is not None else None}

    def _load_extra(self, extra: dict) -> None:
        generator = self.generator
        self._build(self.image_size_)
        self.generator = generator  # loaded by LatentGenerativeModel.from_state
        self.encoder.load_state_dict(extra["encoder"])
        self.encoder.eval()
        if self.discriminator is not None and extra["discriminator"] is not None:
            self.discriminator.load_state_dict(extra["discriminator"])
            self.discriminator.eval()
        self.gan_history_, self.k_ = list(extra["gan_history"]), extra["k"]
