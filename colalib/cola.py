"""The COLA and sCOLA estimators (thesis ch. 3): scikit-learn-like ``fit`` / ``sample`` / ``reconstruct``.

    model = SCOLA(SCOLAConfig.for_profile("quick")).fit(train)     # an ImageDataset, or (images, labels)
    images, labels = model.sample(1000)                            # uint8 NHWC and class ids
    model.save("scola.pt"); model = SCOLA.load("scola.pt")

sCOLA (Sec. 3.4): the t part of every code is the one-hot label; with the ``cgan_res`` generator the label
also enters through conditional batch norm. COLA (unsupervised): the t part is the step-I target
(``colalib.clustering``), and the clusters play the role of classes in step III.
Settings of App. C.2: small sample -> InfoGAN generator, Laplacian loss, d = 64; full data -> d = 128
(sCOLA with the CGAN generator, COLA with InfoGAN; the thesis used the VGG perceptual loss there).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from .cache import ArtifactCache, atomic_torch_save
from .config import ExperimentConfig
from .data import ImageDataset, to_tensor, to_uint8
from .latent import init_codes, optimise_latent, project_codes
from .losses import build_loss
from .models import build_generator
from .sampling import ClassGaussians, balanced_labels, fit_class_gaussians, sample_codes
from .utils import get_device, seed_everything


@dataclass(frozen=True)
class SCOLAConfig(ExperimentConfig):
    """Step II/III settings (App. C.2). Defaults: the thesis's small-sample protocol."""

    generator: str = "infogan"
    latent_dim: int = 64
    loss: str = "laplacian"
    pyramid_levels: int = 3
    pyramid_weighting: str = "glo"
    epochs: int = 500
    batch_size: int = 128
    lr_codes: float = 0.01
    lr_generator: float = 0.001
    lr_decay: float = 0.5
    lr_step_epochs: int = 50
    t_scale: float = 1.0
    noise_std: float = 1.0
    spread: float = 1.0

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"epochs": 2, "lr_step_epochs": 1},
        "quick": {"epochs": 150, "lr_step_epochs": 30},
        "paper": {},
    }

    def build_loss(self) -> torch.nn.Module:
        if self.loss == "laplacian":
            return build_loss("laplacian", levels=self.pyramid_levels, weighting=self.pyramid_weighting)
        return build_loss(self.loss)


def _as_arrays(x: ImageDataset | np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, int | None]:
    if isinstance(x, ImageDataset):
        return x.images, x.labels, x.num_classes
    return np.asarray(x), (None if y is None else np.asarray(y, dtype=np.int64)), None


class LatentGenerativeModel:
    """Shared machinery of sCOLA, COLA and GLO: a generator, one code per training image, a sampler."""

    name = "latent"

    def __init__(self, config: SCOLAConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True):
        self.config = config or SCOLAConfig()
        self.device = get_device(device)
        self.progress = progress
        self.generator: torch.nn.Module | None = None
        self.codes_: torch.Tensor | None = None
        self.labels_: np.ndarray | None = None
        self.num_classes_: int | None = None
        self.image_size_: int | None = None
        self.history_: list[float] = []
        self.train_seconds_: float = 0.0
        self.images_per_second_: float = 0.0

    # -- hooks overridden by the subclasses ------------------------------------------------------------
    def _conditional(self) -> bool:
        return self.config.generator == "cgan_res"

    def _project(self, codes: torch.Tensor) -> torch.Tensor:
        return project_codes(codes, self.num_classes_, self.config.t_scale)

    def _fit_sampler(self) -> None:
        self.gaussians_ = fit_class_gaussians(self.codes_.cpu().numpy(), self.labels_)

    def _sample_codes(self, labels: np.ndarray, spread: float, seed: int | None) -> np.ndarray:
        return sample_codes(self.gaussians_, labels, spread, seed)

    # -- training ------------------------------------------------------------------------------------
    def _fit_codes(self, images: np.ndarray, codes: torch.Tensor, labels: np.ndarray, num_classes: int) -> "LatentGenerativeModel":
        cfg = self.config
        seed_everything(cfg.seed)
        self.labels_ = np.asarray(labels, dtype=np.int64)
        self.num_classes_ = int(num_classes)
        self.image_size_ = int(images.shape[1])
        self.generator = build_generator(cfg.generator, codes.shape[1], self.image_size_,
                                         num_classes=self.num_classes_ if self._conditional() else None)
        x = to_tensor(images, self.device)
        if self.device.type == "cpu":
            self.generator = self.generator.to(memory_format=torch.channels_last)
        gen_labels = torch.as_tensor(self.labels_, device=self.device) if self._conditional() else None
        result = optimise_latent(
            self.generator, x, codes, cfg.build_loss().to(self.device), labels=gen_labels, epochs=cfg.epochs,
            batch_size=cfg.batch_size, lr_codes=cfg.lr_codes, lr_generator=cfg.lr_generator,
            lr_decay=cfg.lr_decay, lr_step_epochs=cfg.lr_step_epochs, project=self._project, seed=cfg.seed,
            progress=self.progress, desc=f"{self.name} ({len(images)} images)")
        self.codes_ = result.codes.cpu()
        self.history_ = result.history
        self.train_seconds_ = result.seconds
        self.images_per_second_ = result.images_per_second
        self.generator.eval()
        self._fit_sampler()
        return self

    # -- generation ----------------------------------------------------------------------------------
    @torch.no_grad()
    def decode(self, codes: np.ndarray | torch.Tensor, labels: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Images G(z, y) as uint8 NHWC (eval mode: batch-norm running statistics)."""
        self.generator.eval()
        codes = torch.as_tensor(np.asarray(codes), dtype=torch.float32)
        out = []
        for s in range(0, len(codes), batch_size):
            z = codes[s:s + batch_size].to(self.device)
            y = torch.as_tensor(labels[s:s + batch_size], device=self.device) if self._conditional() else None
            out.append(to_uint8(self.generator(z, y)))
        return np.concatenate(out) if out else np.zeros((0, self.image_size_, self.image_size_, 3), np.uint8)

    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, spread: float | None = None,
               seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` new images and their classes (Sec. 3.3). ``classes``: None (uniform mixture, stratified), one
        class, or a list of classes to draw from uniformly; ``spread`` scales the covariances."""
        self._check_fitted()
        rng = np.random.default_rng(seed)
        pool = np.arange(self.num_classes_) if classes is None else np.atleast_1d(np.asarray(classes))
        labels = balanced_labels(n, pool, rng)
        spread = self.config.spread if spread is None else spread
        codes = torch.as_tensor(self._sample_codes(labels, spread, int(rng.integers(2**31))), dtype=torch.float32)
        codes = self._project(codes)
        return self.decode(codes, labels), labels

    def reconstruct(self, indices: np.ndarray | list[int] | None = None, labels: np.ndarray | None = None) -> np.ndarray:
        """G(z_i) of training images ``indices`` (all when None); ``labels`` overrides the class given to a
        conditional generator and the t part (appendix B, class-content transfer)."""
        self._check_fitted()
        idx = np.arange(len(self.codes_)) if indices is None else np.asarray(indices)
        codes = self.codes_[idx].clone()
        y = self.labels_[idx] if labels is None else np.asarray(labels)
        if labels is not None and self.num_classes_:
            codes[:, :self.num_classes_] = 0.0
            codes[np.arange(len(idx)), y] = self.config.t_scale
        return self.decode(codes, y)

    # -- persistence ---------------------------------------------------------------------------------
    def state(self) -> dict:
        self._check_fitted()
        return {"class": type(self).__name__, "config": self.config.to_dict(),
                "generator": {k: v.cpu() for k, v in self.generator.state_dict().items()},
                "codes": self.codes_, "labels": self.labels_, "num_classes": self.num_classes_,
                "image_size": self.image_size_, "history": self.history_, "train_seconds": self.train_seconds_,
                "images_per_second": self.images_per_second_, "sampler": self._sampler_state()}

    def _sampler_state(self) -> Any:
        return self.gaussians_.to_dict()

    def _load_sampler(self, state: Any) -> None:
        self.gaussians_ = ClassGaussians(**state)

    def save(self, path: str | Path) -> Path:
        return atomic_torch_save(self.state(), path)

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device | None = None) -> "LatentGenerativeModel":
        cfg = SCOLAConfig(**state["config"])
        model = cls(cfg, device=device)
        model.codes_, model.labels_ = state["codes"], np.asarray(state["labels"])
        model.num_classes_, model.image_size_ = state["num_classes"], state["image_size"]
        model.history_, model.train_seconds_ = state["history"], state["train_seconds"]
        model.images_per_second_ = state.get("images_per_second", 0.0)
        model.generator = build_generator(cfg.generator, model.codes_.shape[1], model.image_size_,
                                          num_classes=model.num_classes_ if model._conditional() else None)
        model.generator.load_state_dict(state["generator"])
        model.generator.to(model.device).eval()
        model._load_sampler(state["sampler"])
        return model

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> "LatentGenerativeModel":
        return cls.from_state(torch.load(path, map_location="cpu", weights_only=False), device)

    def _check_fitted(self) -> None:
        if self.generator is None or self.codes_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() first")


class SCOLA(LatentGenerativeModel):
    """Supervised COLA (Sec. 3.4): targets are the one-hot labels."""

    name = "sCOLA"

    def fit(self, x: ImageDataset | np.ndarray, y: np.ndarray | None = None, num_classes: int | None = None) -> "SCOLA":
        images, labels, k = _as_arrays(x, y)
        if labels is None:
            raise ValueError("SCOLA.fit needs labels: fit(dataset) or fit(images, labels)")
        k = num_classes or k or int(labels.max()) + 1
        targets = np.eye(k, dtype=np.float32)[labels]
        codes = init_codes(targets, self.config.latent_dim, self.config.noise_std, self.config.seed,
                           self.config.t_scale)
        return self._fit_codes(images, codes, labels, k)


class COLA(LatentGenerativeModel):
    """Unsupervised COLA: t parts from step-I targets, clusters as classes in step III (ch. 3)."""

    name = "COLA"

    def fit(self, x: ImageDataset | np.ndarray, targets: np.ndarray, clusters: np.ndarray) -> "COLA":
        images, _, _ = _as_arrays(x, None)
        targets = np.asarray(targets, dtype=np.float32)
        codes = init_codes(targets, self.config.latent_dim, self.config.noise_std, self.config.seed,
                           self.config.t_scale)
        return self._fit_codes(images, codes, np.asarray(clusters, dtype=np.int64), targets.shape[1])

    def _conditional(self) -> bool:
        return False  # no labels in the unsupervised setting


def dataset_fingerprint(ds: ImageDataset) -> str:
    """Hash identifying a dataset's content (name, split, chosen indices, labels)."""
    h = hashlib.sha256()
    h.update(f"{ds.name}/{ds.split}/{ds.source}/{len(ds)}".encode())
    h.update(np.ascontiguousarray(ds.indices if ds.indices is not None else np.arange(len(ds))).tobytes())
    h.update(np.ascontiguousarray(ds.labels).tobytes())
    return h.hexdigest()[:16]


def _fingerprint(value: Any) -> str:
    if isinstance(value, ImageDataset):
        return dataset_fingerprint(value)
    if isinstance(value, (np.ndarray, torch.Tensor)):
        arr = np.ascontiguousarray(np.asarray(value))
        return hashlib.sha256(arr.tobytes() + str(arr.shape).encode()).hexdigest()[:16]
    return repr(value)


def fit_or_load(model_cls: type[LatentGenerativeModel], config: SCOLAConfig, dataset: ImageDataset,
                cache: ArtifactCache | None = None, device: str | torch.device | None = None,
                progress: bool = True, **fit_kwargs: Any) -> LatentGenerativeModel:
    """Fit ``model_cls`` on ``dataset`` unless a model with the same config and data is cached."""
    cache = cache or ArtifactCache()
    key = {"model": model_cls.__name__, "config": config.to_dict(), "data": dataset_fingerprint(dataset),
           "fit": {k: _fingerprint(v) for k, v in fit_kwargs.items()}}
    state = cache.load("models", key, kind="torch")
    if state is not None:
        return model_cls.from_state(state, device)
    model = model_cls(config, device=device, progress=progress)
    model.fit(dataset, **fit_kwargs) if fit_kwargs else model.fit(dataset)
    cache.save("models", key, model.state(), kind="torch")
    return model
