"""Step I: Multi-Modal Deep Clustering (MMDC; Shiran & Weinshall 2019; thesis Sec. 3.1, App. C.1).

An encoder E maps each image onto the unit sphere in R^K and is trained to hit a fixed target t_i (Eq. 3.1).
Targets are N points sampled from a K-component Gaussian mixture (means at the one-hot vertices, per-dimension
noise ``target_sigma``) normalised to length 1, randomly matched to the images at the start. Every mini-batch:
embed the plain images (eval mode, no gradient), re-assign the batch's targets among its images with the
Hungarian algorithm on squared distances (Eq. 3.2; scipy ``linear_sum_assignment``; the multiset of targets never
changes), then train on an augmented view (crop, flip, colour jitter, random grayscale: the consistency
regularisation) with the squared error to the assigned target. Epochs alternate with a RotNet epoch (4 rotations,
cross-entropy on a separate head; Gidaris et al. 2018).

Settings follow the thesis (App. C.1: SGD lr 0.05, momentum 0.9, weight decay 5e-4, lr x0.5 every 50 epochs,
200 epochs, batch 128, 512 for the rotation task) rather than the official code's 400-epoch schedule with a
k-means "refine" phase (not described in the thesis, not implemented). Colour jitter here is brightness, contrast
and saturation (factors in [0.6, 1.4]) and grayscale with probability 0.2; the hue jitter of the reference code is
omitted. ``width`` narrows the ResNet-18 (64 in the paper profile) so that the CPU profiles stay affordable.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from tqdm.auto import tqdm

from .classification import augment_batch
from .config import ExperimentConfig
from .data import to_tensor
from .models import ResNet18Encoder
from .utils import get_device, seed_everything


@dataclass(frozen=True)
class MMDCConfig(ExperimentConfig):
    """Step I settings (App. C.1)."""

    num_clusters: int = 10
    epochs: int = 200
    batch_size: int = 128
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_decay: float = 0.5
    lr_step_epochs: int = 50
    target_sigma: float = 0.0
    width: int = 64
    use_rotnet: bool = True
    use_consistency: bool = True

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"epochs": 2, "width": 8, "lr_step_epochs": 1},
        "quick": {"epochs": 15, "width": 16, "lr_step_epochs": 5},
        "paper": {},
    }


def sample_gmm_targets(n: int, k: int, sigma: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit-norm targets from a K-component GMM with means at the one-hot vertices (balanced components),
    shuffled; returns the targets and their components."""
    rng = np.random.default_rng(seed)
    components = rng.permutation(np.arange(n) % k)
    targets = np.eye(k)[components] + sigma * rng.standard_normal((n, k))
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    return targets.astype(np.float32), components


def hungarian_assign_batch(embeddings: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``perm`` such that image ``i`` gets ``targets[perm[i]]``, minimising the summed squared distance (Eq. 3.2)."""
    cost = ((embeddings[:, None, :] - targets[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    perm = np.empty(len(embeddings), dtype=np.int64)
    perm[rows] = cols
    return perm


def colour_jitter(x: torch.Tensor, generator: torch.Generator, strength: float = 0.4, p_gray: float = 0.2) -> torch.Tensor:
    """Per-image brightness, contrast and saturation jitter and random grayscale, batched (images in [-1, 1])."""
    n = x.shape[0]

    def factor() -> torch.Tensor:
        return (1 + strength * (2 * torch.rand(n, 1, 1, 1, generator=generator) - 1)).to(x)

    x = (x + 1) / 2
    x = x * factor()
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factor() + mean
    gray = (0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    x = (x - gray) * factor() + gray
    to_gray = (torch.rand(n, 1, 1, 1, generator=generator) < p_gray).to(x.device)
    x = torch.where(to_gray, gray.expand_as(x), x)
    return x.clamp(0, 1) * 2 - 1


def rotate_batch(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The four rotations (0, 90, 180, 270 degrees) of every image and their labels (RotNet)."""
    rots = [torch.rot90(x, k, dims=(2, 3)) for k in range(4)]
    labels = torch.arange(4, device=x.device).repeat_interleave(x.shape[0])
    return torch.cat(rots), labels


class MMDC:
    """Multi-Modal Deep Clustering, scikit-learn style: ``fit(images)`` sets ``targets_``, ``labels_``,
    ``embeddings_``; ``predict`` / ``transform`` for new images."""

    def __init__(self, config: MMDCConfig | None = None, encoder_factory: Callable[[], nn.Module] | None = None,
                 device: str | torch.device | None = None, progress: bool = True):
        self.config = config or MMDCConfig()
        self.encoder_factory = encoder_factory or (
            lambda: ResNet18Encoder(self.config.num_clusters, width=self.config.width))
        self.device = get_device(device)
        self.progress = progress
        self.history_: list[dict] = []

    def _optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        decay = [p for p in model.parameters() if p.ndim > 1]
        no_decay = [p for p in model.parameters() if p.ndim <= 1]
        return torch.optim.SGD([{"params": decay, "weight_decay": self.config.weight_decay},
                                {"params": no_decay, "weight_decay": 0.0}], lr=self.config.lr,
                               momentum=self.config.momentum)

    def _rotation_epoch(self, x: torch.Tensor, opt, gen: torch.Generator) -> float:
        self.encoder_.train()
        order = torch.randperm(len(x), generator=gen).to(x.device)
        total = 0.0
        for s in range(0, len(x), self.config.batch_size):
            xb, yb = rotate_batch(x[order[s:s + self.config.batch_size]])
            loss = F.cross_entropy(self.encoder_.rotation_logits(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb) / 4
        return total / len(x)

    def _assignment_epoch(self, x: torch.Tensor, opt, gen: torch.Generator) -> float:
        order = torch.randperm(len(x), generator=gen).to(x.device)
        total = 0.0
        for s in range(0, len(x), self.config.batch_size):
            idx = order[s:s + self.config.batch_size]
            if len(idx) < 2:
                continue
            xb = x[idx]
            self.encoder_.eval()
            with torch.no_grad():
                emb = self.encoder_(xb).cpu().numpy()
            slots = self.assignment_[idx.cpu().numpy()]
            perm = hungarian_assign_batch(emb, self.targets[slots])
            self.assignment_[idx.cpu().numpy()] = slots[perm]
            target = torch.as_tensor(self.targets[self.assignment_[idx.cpu().numpy()]], device=x.device)
            if self.config.use_consistency:
                xb = colour_jitter(augment_batch(xb, gen), gen)
            self.encoder_.train()
            loss = ((self.encoder_(xb) - target) ** 2).sum(1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total / len(x)

    def fit(self, images: np.ndarray) -> "MMDC":
        cfg = self.config
        seed_everything(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        x = to_tensor(images, self.device)
        self.encoder_ = self.encoder_factory().to(self.device)
        self.targets, self.components = sample_gmm_targets(len(x), cfg.num_clusters, cfg.target_sigma, cfg.seed)
        self.assignment_ = np.random.default_rng(cfg.seed).permutation(len(x))  # random initial matching
        opt = self._optimizer(self.encoder_)
        sched = torch.optim.lr_scheduler.StepLR(opt, cfg.lr_step_epochs, cfg.lr_decay)
        start = time.perf_counter()
        bar = tqdm(range(cfg.epochs), desc="MMDC", disable=not self.progress, leave=False)
        for epoch in bar:
            rot = self._rotation_epoch(x, opt, gen) if cfg.use_rotnet else float("nan")
            assign = self._assignment_epoch(x, opt, gen)
            sched.step()
            self.history_.append({"epoch": epoch, "rotation_loss": rot, "assignment_loss": assign})
            bar.set_postfix(assign=f"{assign:.3f}")
        self.train_seconds_ = time.perf_counter() - start
        self.targets_ = self.targets[self.assignment_]
        self.labels_ = self.components[self.assignment_]
        self.embeddings_ = self.transform(images)
        return self

    @torch.no_grad()
    def transform(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Embeddings on the unit sphere (eval mode)."""
        self.encoder_.eval()
        return np.concatenate([self.encoder_(to_tensor(images[s:s + batch_size], self.device)).cpu().numpy()
                               for s in range(0, len(images), batch_size)])

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Cluster = the mixture component whose mean (a one-hot vertex) is nearest to the embedding."""
        return self.transform(images).argmax(1)


def kmeans_baseline(images: np.ndarray, k: int, pca_dim: int | None = None, seed: int = 0) -> np.ndarray:
    """k-means (scikit-learn) on raw pixels, or on the first ``pca_dim`` principal components."""
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    if pca_dim:
        x = PCA(pca_dim, random_state=seed).fit_transform(x)
    return KMeans(k, n_init=4, random_state=seed).fit_predict(x)
