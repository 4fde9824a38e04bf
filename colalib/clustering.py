"""Step I: Multi-Modal Deep Clustering (MMDC; Shiran & Weinshall 2019; thesis Sec. 3.1, Eq. 3.1-3.2, App. C.1).

An encoder E maps each image onto the unit sphere in R^K and is trained to hit a fixed target t_i (Eq. 3.1).
Targets are N points sampled from a K-component Gaussian mixture (means at the one-hot vertices, per-dimension
noise ``target_sigma``) normalised to length 1, randomly matched to the images at the start. Every mini-batch:
embed the plain view (eval mode, no gradient), re-assign the batch's targets among its images with the Hungarian
algorithm on squared distances (Eq. 3.2; scipy ``linear_sum_assignment``; the multiset of targets never changes),
then train on an augmented view (random crop resized back, flip, colour jitter, random grayscale: the consistency
regularisation) towards the assigned target (Eq. 3.1). Each assignment epoch is followed by a RotNet epoch
(Gidaris et al. 2018: the four rotations of every image, cross-entropy on a separate head).

Where the thesis and the official code (guysrn/mmdc) differ, the thesis decides:
  * App. C.1: SGD lr 0.05, momentum 0.9, weight decay 5e-4, lr x0.5 every 50 epochs, 200 epochs, batch 128
    (512 = 4 x 128 rotated images for RotNet), an assignment epoch *followed by* a rotation epoch. One "epoch"
    here is that pair. The official code runs 400 epochs (lr x0.2 at 300), the rotation epoch first, and a
    k-means "refine" phase from epoch 350; the refine phase is not in the thesis and is not implemented.
Where the thesis is silent, the official code is followed:
  * encoder: its ResNet-18 for small images (3x3 stem followed by a 2x2 max-pool, stages 64/128/256/512),
    :class:`MMDCEncoder`; ``width`` narrows it for the CPU profiles (64 in the paper profile);
  * loss: ``nn.MSELoss`` (mean over the batch *and* the K dimensions), i.e. Eq. 3.1 divided by K; the thesis's
    learning rate 0.05 comes from that code, so the scale matters;
  * views: the CIFAR-10 run crops 20 of 32 pixels (``crop_fraction`` = 0.625) and resizes back: a centre crop
    for the plain view, a random crop for the augmented and the rotation views; colour jitter brightness,
    contrast and saturation 0.4, hue 0.125 (here a rotation of the YIQ chroma plane), grayscale p = 0.2;
    weight decay on weights only (not on biases and batch-norm parameters).
All augmentations are batched tensor operations (one ``affine_grid`` / ``grid_sample`` for crop+resize+flip),
driven by a seeded ``torch.Generator``: ``fit`` is deterministic for a seed on the CPU.

CPU performance: the fit flushes denormal floats to zero (training otherwise slows down up to 15x after a few
epochs as weights and momenta reach denormal values), uses channels-last tensors and, on glibc, keeps freed
memory in the heap instead of returning it to the kernel (otherwise every 512-image batch pays page faults).
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

from .augment import colour_jitter, crop_resize, rotate_batch  # noqa: F401  (re-exported)
from .config import RunConfig
from .cpu import cpu_fast_math  # noqa: F401  (re-exported)
from .data import to_tensor
from .models import ResNet18Encoder
from .sampling import clustering_accuracy
from .utils import get_device, progress_bar, seed_everything


@dataclass(frozen=True)
class MMDCConfig(RunConfig):
    """Step I settings; defaults are the thesis protocol (App. C.1), see the module docstring.

    ``rotation_batch`` counts rotated images (4 rotations x ``rotation_batch // 4`` images). ``crop_fraction``
    is the side of the crop relative to the image (1.0: no crop). ``width`` is the ResNet-18's first stage
    width (64 = the paper's network). ``use_rotnet`` / ``use_consistency`` are the ablation switches: without
    consistency the plain view itself is trained to the assigned target.
    """

    num_clusters: int = 10
    epochs: int = 200
    batch_size: int = 128
    rotation_batch: int = 512
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_decay: float = 0.5
    lr_step_epochs: int = 50
    target_sigma: float = 0.0
    width: int = 64
    crop_fraction: float = 0.625
    loss_reduction: str = "mean"
    use_rotnet: bool = True
    use_consistency: bool = True

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"epochs": 2, "width": 8, "lr_step_epochs": 1},
        "quick": {"epochs": 40, "width": 16, "lr_step_epochs": 10},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.rotation_batch % 4:
            raise ValueError(f"rotation_batch={self.rotation_batch} must be a multiple of 4 (4 rotations per "
                             f"image); use e.g. 4 * batch_size = {4 * self.batch_size}.")
        if not 0 < self.crop_fraction <= 1:
            raise ValueError(f"crop_fraction={self.crop_fraction} must be in (0, 1] (1.0 disables cropping).")
        if self.loss_reduction not in ("mean", "sum"):
            raise ValueError(f"loss_reduction={self.loss_reduction!r}: use 'mean' (nn.MSELoss, the official code) "
                             "or 'sum' (the squared norm of Eq. 3.1 per image).")
        if self.num_clusters < 2:
            raise ValueError(f"num_clusters={self.num_clusters}: need at least 2 clusters.")


# ------------------------------------------------------------------------------------------------ targets

def sample_gmm_targets(n: int, k: int, sigma: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit-norm targets from a K-component GMM (Sec. 3.1): means at the one-hot vertices of R^K,
    isotropic per-dimension noise ``sigma``, balanced components (n/K each, as the official code), shuffled.

    Returns ``(targets (n, k) float32, components (n,) int64)``; the component of a target is the mixture
    component it was drawn from (for sigma < 1/sqrt(2) almost surely its argmax).
    """
    if n < k:
        raise ValueError(f"Need at least as many images as clusters (n={n}, k={k}).")
    rng = np.random.default_rng(seed)
    components = rng.permutation(np.arange(n) % k).astype(np.int64)
    targets = np.eye(k)[components] + sigma * rng.standard_normal((n, k))
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    return targets.astype(np.float32), components


def hungarian_assign_batch(embeddings: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``perm`` such that image ``i`` gets ``targets[perm[i]]``, minimising the summed squared distance
    sum_i ||E(x_i) - t_perm(i)||^2 over the batch (Eq. 3.2; Hungarian algorithm, scipy)."""
    if embeddings.shape != targets.shape:
        raise ValueError(f"embeddings {embeddings.shape} and targets {targets.shape} must have the same shape.")
    cost = ((embeddings[:, None, :] - targets[None, :, :]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    perm = np.empty(len(embeddings), dtype=np.int64)
    perm[rows] = cols
    return perm


def target_loss(embeddings: torch.Tensor, targets: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Eq. 3.1 on a batch: mean over images of ||E(x_i) - t_i||^2 (``"sum"`` over the K coordinates, the
    equation as written) or of its mean over the K coordinates (``"mean"``: ``nn.MSELoss``, the official code)."""
    per_image = ((embeddings - targets) ** 2).sum(1) if reduction == "sum" else ((embeddings - targets) ** 2).mean(1)
    return per_image.mean()


# ------------------------------------------------------------------------------------------ augmentations


# ------------------------------------------------------------------------------------------------ encoder

class MMDCEncoder(ResNet18Encoder):
    """The official MMDC ResNet-18 for small images: :class:`colalib.models.ResNet18Encoder` (3x3 stem, stages
    64/128/256/512 x ``width``/64, L2-normalised ``Linear(., K)`` head, RotNet ``Linear(., 4)`` head) with the
    reference's 2x2 max-pool (stride 2, padding 1) after the stem, which also makes it about 3.5x cheaper."""

    def __init__(self, out_dim: int, rotation_classes: int = 4, width: int = 64, stem_pool: bool = True):
        super().__init__(out_dim, rotation_classes=rotation_classes, width=width)
        self.stem_pool = stem_pool

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn1(self.conv1(x)))
        if self.stem_pool:
            h = F.max_pool2d(h, kernel_size=2, stride=2, padding=1)
        return F.adaptive_avg_pool2d(self.layers(h), 1).flatten(1)


# ------------------------------------------------------------------------------------------------- MMDC

class MMDC:
    """Multi-Modal Deep Clustering (Sec. 3.1), scikit-learn style.

    ``fit(images)`` sets ``targets_`` (N, K) final unit-norm target of every image, ``labels_`` (N,) its cluster
    (the mixture component of its target), ``embeddings_`` (N, K) on the unit sphere, ``history_`` (losses,
    seconds and images/s per epoch) and ``train_seconds_``. ``predict`` / ``transform`` work on new images.
    ``encoder_factory`` (no arguments -> a module with ``forward`` (N, K) normalised and ``rotation_logits``)
    replaces the ResNet-18, e.g. by a tiny network in tests.
    """

    def __init__(self, config: MMDCConfig | None = None, encoder_factory: Callable[[], nn.Module] | None = None,
                 device: str | torch.device | None = None, progress: bool = True):
        self.config = config or MMDCConfig()
        self.encoder_factory = encoder_factory or (
            lambda: MMDCEncoder(self.config.num_clusters, width=self.config.width))
        self.device = get_device(device)
        self.progress = progress
        self.history_: list[dict] = []

    # -- training pieces --------------------------------------------------------------------------------
    def _optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        decay = [p for p in model.parameters() if p.ndim > 1]
        no_decay = [p for p in model.parameters() if p.ndim <= 1]
        return torch.optim.SGD([{"params": decay, "weight_decay": self.config.weight_decay},
                                {"params": no_decay, "weight_decay": 0.0}], lr=self.config.lr,
                               momentum=self.config.momentum)

    def _step(self, loss: torch.Tensor) -> float:
        self.optimizer_.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer_.step()
        return loss.item()

    def _rotation_epoch(self, x: torch.Tensor, gen: torch.Generator) -> float:
        """One RotNet epoch: random crops (no flip, no jitter, as the official code), 4 rotations each."""
        per_batch = self.config.rotation_batch // 4
        order = torch.randperm(len(x), generator=gen).to(x.device)
        self.encoder_.train()
        total = 0.0
        for s in range(0, len(x), per_batch):
            idx = order[s:s + per_batch]
            xb, yb = rotate_batch(crop_resize(x[idx], self.config.crop_fraction, gen))
            total += self._step(F.cross_entropy(self.encoder_.rotation_logits(xb), yb)) * len(idx)
        return total / len(x)

    @torch.no_grad()
    def _assign(self, plain: torch.Tensor, idx: np.ndarray) -> np.ndarray:
        """Eq. 3.2 on one batch: permute the batch's targets among its images; returns the new target ids."""
        self.encoder_.eval()
        emb = self.encoder_(plain).float().cpu().numpy()
        slots = self.assignment_[idx]
        self.assignment_[idx] = slots[hungarian_assign_batch(emb, self.targets[slots])]
        return self.assignment_[idx]

    def _assignment_epoch(self, x: torch.Tensor, gen: torch.Generator) -> float:
        """One clustering epoch: per batch, Hungarian re-assignment on the plain view, then Eq. 3.1 (MSE) on the
        augmented view (or on the plain view without consistency)."""
        cfg = self.config
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for s in range(0, len(x), cfg.batch_size):
            idx = order[s:s + cfg.batch_size]
            if len(idx) < 2:  # batch norm cannot train on one image
                continue
            xb = x[idx.to(x.device)]
            plain = crop_resize(xb, cfg.crop_fraction)
            target = torch.from_numpy(self.targets[self._assign(plain, idx.numpy())]).to(x.device)
            view = colour_jitter(crop_resize(xb, cfg.crop_fraction, gen, flip=True), gen) \
                if cfg.use_consistency else plain
            self.encoder_.train()
            total += self._step(target_loss(self.encoder_(view), target, cfg.loss_reduction)) * len(idx)
        return total / len(x)

    def _epoch(self, epoch: int, x: torch.Tensor, gen: torch.Generator) -> dict:
        start = time.perf_counter()
        assign = self._assignment_epoch(x, gen)
        mid = time.perf_counter()
        rot = self._rotation_epoch(x, gen) if self.config.use_rotnet else float("nan")
        end = time.perf_counter()
        return {"epoch": epoch, "lr": self.optimizer_.param_groups[0]["lr"], "assignment_loss": assign,
                "rotation_loss": rot, "assignment_seconds": mid - start, "rotation_seconds": end - mid,
                "assignment_img_per_s": len(x) / (mid - start),
                "rotation_img_per_s": 4 * len(x) / (end - mid) if self.config.use_rotnet else float("nan")}

    # -- public API -------------------------------------------------------------------------------------
    def fit(self, images: np.ndarray, labels: np.ndarray | None = None) -> "MMDC":
        """Train on uint8 ``(N, H, W, 3)`` images. ``labels`` (optional) are used only to log the clustering
        accuracy of the current assignment after every epoch (``history_[e]["acc"]``), never for training."""
        cfg = self.config
        _check_images(images)
        if len(images) < cfg.num_clusters:
            raise ValueError(f"MMDC needs at least num_clusters={cfg.num_clusters} images, got {len(images)}.")
        seed_everything(cfg.seed)
        gen = torch.Generator().manual_seed(cfg.seed)
        with cpu_fast_math(self.device):
            x = to_tensor(images, self.device).contiguous(memory_format=torch.channels_last)
            self.encoder_ = self.encoder_factory().to(self.device, memory_format=torch.channels_last)
            self.targets, self.components = sample_gmm_targets(len(x), cfg.num_clusters, cfg.target_sigma,
                                                               cfg.seed)
            self.assignment_ = np.random.default_rng(cfg.seed).permutation(len(x))  # random initial matching
            self.optimizer_ = self._optimizer(self.encoder_)
            sched = torch.optim.lr_scheduler.StepLR(self.optimizer_, cfg.lr_step_epochs, cfg.lr_decay)
            self.history_ = []
            start = time.perf_counter()
            bar = progress_bar(range(cfg.epochs), "MMDC", self.progress)
            for epoch in bar:
                record = self._epoch(epoch, x, gen)
                sched.step()
                if labels is not None:
                    record["acc"] = clustering_accuracy(labels, self.components[self.assignment_])
                self.history_.append(record)
                bar.set_postfix(loss=f"{record['assignment_loss']:.4f}", **(
                    {"acc": f"{record['acc']:.3f}"} if "acc" in record else {}))
            self.train_seconds_ = time.perf_counter() - start
            self.targets_ = self.targets[self.assignment_]
            self.labels_ = self.components[self.assignment_]
            self.embeddings_ = self.transform(images)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "encoder_"):
            raise RuntimeError("This MMDC is not fitted yet: call fit(images) first.")

    @torch.no_grad()
    def transform(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Embeddings E(x) on the unit sphere in R^K of the plain (centre-crop) view, eval mode."""
        self._check_fitted()
        _check_images(images)
        self.encoder_.eval()
        out = []
        for s in range(0, len(images), batch_size):
            x = to_tensor(images[s:s + batch_size], self.device).contiguous(memory_format=torch.channels_last)
            out.append(self.encoder_(crop_resize(x, self.config.crop_fraction)).float().cpu().numpy())
        return np.concatenate(out)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Cluster of the nearest mixture mean: the means are the one-hot vertices, so for unit-norm embeddings
        the nearest mean is the argmax coordinate."""
        return self.transform(images).argmax(1)


def _check_images(images: np.ndarray) -> None:
    if not (isinstance(images, np.ndarray) and images.dtype == np.uint8 and images.ndim == 4
            and images.shape[-1] == 3):
        raise TypeError("MMDC expects uint8 images of shape (N, H, W, 3) (colalib.data.ImageDataset.images); got "
                        f"{type(images).__name__} {getattr(images, 'dtype', '')} {getattr(images, 'shape', '')}.")


# ---------------------------------------------------------------------------------------------- baselines

def kmeans_baseline(images: np.ndarray, k: int, pca_dim: int | None = None, seed: int = 0) -> np.ndarray:
    """k-means (scikit-learn, 4 restarts) on raw pixels scaled to [0, 1], or on the first ``pca_dim`` principal
    components of them: the non-deep baselines of the clustering comparison."""
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    if pca_dim:
        x = PCA(pca_dim, random_state=seed).fit_transform(x)
    return KMeans(k, n_init=4, random_state=seed).fit_predict(x)
