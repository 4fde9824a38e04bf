"""ReGene (paper 002): codes from a classifier's features, a two-step confidence filter on the samples
(notebook 07; :mod:`colalib.peers`)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn

from .classification import ClassifierConfig, classifier_features, classifier_probabilities, train_classifier
from .cola import DecoderConfig
from .data import ImageDataset, as_arrays
from .models import CLASSIFIERS, build_classifier
from .peer_base import _PeerModel
from .sampling import balanced_labels, convex_combination_codes
from .utils import cpu_state


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
        images, labels, k = as_arrays(x, y)
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
        return {"classifier": cpu_state(self.classifier), "thresholds": self.thresholds_,
                "classifier_seconds": self.classifier_seconds_}

    def _load_extra(self, extra: dict) -> None:
        net = build_classifier(self.config.classifier_arch, self.num_classes_, self.image_size_)
        net.load_state_dict(extra["classifier"])
        self.classifier = net.to(self.device).eval()
        self.thresholds_ = extra["thresholds"]
        self.classifier_seconds_ = extra["classifier_seconds"]
