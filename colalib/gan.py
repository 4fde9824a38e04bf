"""Adversarial baseline CGAN-PD: conditional GAN with a projection discriminator (thesis Sec. 4.1, item 1).

The thesis compares sCOLA with "CGAN-PD [Miyato & Koyama 2018], trained and implemented in accordance with
[Mimicry]" (Lee & Town 2020, ``kwotsin/mimicry``, ``torch_mimicry/nets/cgan_pd/cgan_pd_32.py``). Here:

* generator: ``colalib.models.build_generator("cgan_res")``, the residual generator with class-conditional batch
  norm that sCOLA's full-data setting also uses (Mimicry's ``ResNetGenerator32``: nz 128, ngf 256);
* discriminator: :class:`SNProjectionDiscriminator` (Mimicry's ``ResNetDiscriminator32``, ndf 128), spectral norm
  (Miyato et al. 2018) on every layer, class information through the projection ``<embed(y), h>``;
* hinge loss, ``n_dis`` discriminator steps per generator step, Adam (0.0, 0.9), linear learning-rate decay to 0
  (Mimicry ``training/trainer.py`` and ``training/scheduler.py``).

Mimicry's CIFAR-10 training parameters (README, "Baselines | Model Zoo", CIFAR-10 table; also its SNGAN example):
batch 64, lr 2e-4 for both networks, betas (0.0, 0.9), linear decay, n_dis 5, 100K generator steps; published
cGAN-PD CIFAR-10 FID 10.84 on 50K samples. These are :class:`GANConfig`'s defaults (profile ``paper``).

Mimicry details kept on purpose:
  * the generator step comes first, then ``n_dis`` discriminator steps, each on a fresh real batch (its
    ``Trainer.train``); fake labels are uniform over the classes (``torch.randint``);
  * no data augmentation (its CIFAR-10 loader only normalises to [-1, 1]; no flip);
  * its discriminator blocks apply an in-place ReLU (``nn.ReLU(True)``) to the block input, so the shortcut of
    a ``DBlock`` sees ``relu(x)``, not ``x`` (see :class:`DBlock`); reproduced here;
  * samples are drawn in eval mode (batch-norm running statistics), as its FID code does (``netG.eval()``).
Deviations: real batches come from an endless shuffled stream over the (small) training set kept in memory,
always full (Mimicry's DataLoader yields a short last batch per epoch); ``torch.nn.utils.parametrizations``
spectral norm instead of the older ``nn.utils.spectral_norm`` hook (same estimate: one power iteration per
training forward); 48 and 64 px inputs add one downsampling block at constant width (Mimicry has no cGAN-PD
at these sizes; its SNGAN-48/64 discriminators widen the channels instead).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn

from .cache import atomic_torch_save
from .config import RunConfig
from .data import ImageDataset, as_arrays, to_tensor, to_uint8
from .models import build_generator
from .sampling import balanced_labels
from .sn_nets import (  # noqa: F401  (re-exported)
    DBlock,
    DBlockOptimized,
    SNProjectionDiscriminator,
    SNResNetDiscriminator,
    _xavier,
    d_hinge_loss,
    g_hinge_loss,
    sn_conv,
    spectral_norm_weights,
)
from .utils import cpu_state, get_device, progress_bar, seed_everything

# --------------------------------------------------------------------------------------------- layers


# --------------------------------------------------------------------------------------------- losses


def linear_decay_lr(base: float, step: int, num_steps: int) -> float:
    """Mimicry's linear decay: ``base`` at step 0, falling linearly to 0 at ``num_steps``."""
    return base * max(0.0, 1.0 - step / max(1, num_steps))


# --------------------------------------------------------------------------------------------- config

@dataclass(frozen=True)
class GANConfig(RunConfig):
    """CGAN-PD training settings. Defaults (``paper``): Mimicry's cGAN-PD CIFAR-10 protocol (README training
    parameters; ``cgan_pd_32.py``: nz 128, ngf 256, ndf 128), which the thesis follows (Sec. 4.1).

    ``num_steps`` counts generator steps; each is accompanied by ``n_dis`` discriminator steps on fresh real batches.
    Profiles: ``smoke`` a tiny network for a few steps (seconds, CI); ``quick`` narrower networks (ngf = ndf = 32,
    about 1/64 of the generator's and 1/16 of the discriminator's compute) and 500 generator steps (2,500
    discriminator steps) at batch 32: about 8-10 minutes per run on one CPU thread; a documented reduction, far from
    converged, whose numbers mean "a small GAN briefly trained", not the thesis's GAN; ``paper`` the defaults (GPU).
    """

    nz: int = 128
    ngf: int = 256
    ndf: int = 128
    batch_size: int = 64
    n_dis: int = 5
    num_steps: int = 100_000
    lr_d: float = 2e-4
    lr_g: float = 2e-4
    beta1: float = 0.0
    beta2: float = 0.9
    lr_decay: str = "linear"
    log_every: int = 50

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"ngf": 16, "ndf": 16, "batch_size": 16, "num_steps": 3, "n_dis": 2, "log_every": 1},
        "quick": {"ngf": 32, "ndf": 32, "batch_size": 32, "num_steps": 500, "log_every": 10},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.lr_decay not in ("linear", "none"):
            raise ValueError(f"lr_decay must be 'linear' or 'none' (Mimicry's policies), got {self.lr_decay!r}")
        if self.batch_size < 2:
            raise ValueError("batch_size must be >= 2 (the generator uses batch norm)")

    def lr_at(self, base: float, step: int) -> float:
        """Learning rate at generator step ``step`` (0-based)."""
        return linear_decay_lr(base, step, self.num_steps) if self.lr_decay == "linear" else base


# --------------------------------------------------------------------------------------------- training

class BatchStream:
    """Endless shuffled passes over ``n`` indices, cut into full batches (a batch may span two passes, and repeats
    images when ``n < batch_size``); the training set stays in memory, no DataLoader."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator):
        self.n, self.batch_size, self.generator = n, batch_size, generator
        self.buffer = torch.empty(0, dtype=torch.long)

    def next(self) -> torch.Tensor:
        while self.buffer.numel() < self.batch_size:
            self.buffer = torch.cat([self.buffer, torch.randperm(self.n, generator=self.generator)])
        idx, self.buffer = self.buffer[:self.batch_size], self.buffer[self.batch_size:]
        return idx


def _set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


class CGANPD:
    """CGAN-PD with the sCOLA estimator interface: ``fit(dataset)``, ``sample(n)``, ``save`` / ``load``.

        model = CGANPD(GANConfig.for_profile("quick")).fit(train)   # an ImageDataset, or (images, labels)
        images, labels = model.sample(1000, seed=0)                 # uint8 NHWC and class ids

    Attributes after ``fit``: ``generator``, ``discriminator``, ``num_classes_``, ``image_size_``, ``history_`` (one
    dict per ``log_every`` generator steps: ``step``, mean ``d_loss`` and ``g_loss``), ``train_seconds_``,
    ``images_per_second_`` (real images seen by the discriminator per second) and ``steps_per_second_``
    (generator steps per second).
    """

    name = "CGAN-PD"
    config_class: ClassVar[type[GANConfig]] = GANConfig

    def __init__(self, config: GANConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True):
        self.config = config or self.config_class()
        if not isinstance(self.config, self.config_class):
            cls = self.config_class.__name__
            raise TypeError(f"{type(self).__name__} needs a {cls}, got {type(self.config).__name__}: "
                            f"build one with {cls}.for_profile(profile, seed=...)")
        self.device = get_device(device)
        self.progress = progress
        self.generator: nn.Module | None = None
        self.discriminator: nn.Module | None = None
        self.num_classes_: int | None = None
        self.image_size_: int | None = None
        self.history_: list[dict[str, float]] = []
        self.train_seconds_: float = 0.0
        self.images_per_second_: float = 0.0
        self.steps_per_second_: float = 0.0

    # -- networks --------------------------------------------------------------------------------------
    def _build(self, num_classes: int, image_size: int) -> None:
        cfg = self.config
        self.num_classes_, self.image_size_ = int(num_classes), int(image_size)
        self.generator = build_generator("cgan_res", cfg.nz, image_size, num_classes=num_classes,
                                         width=cfg.ngf).to(self.device)
        self.discriminator = SNProjectionDiscriminator(num_classes, image_size, cfg.ndf).to(self.device)

    def _fake(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` generated images and their uniformly drawn labels (Mimicry's ``generate_images``)."""
        z = torch.randn(n, self.config.nz, generator=gen, device=self.device)
        y = torch.randint(0, self.num_classes_, (n,), generator=gen, device=self.device)
        return self.generator(z, y), y

    # -- training --------------------------------------------------------------------------------------
    def fit(self, x: ImageDataset | np.ndarray, y: np.ndarray | None = None,
            num_classes: int | None = None) -> "CGANPD":
        """Train on labelled images: ``fit(dataset)`` or ``fit(images uint8 NHWC, labels)``."""
        images, labels, k = as_arrays(x, y)
        if labels is None:
            raise ValueError("CGANPD.fit needs labels: fit(dataset) or fit(images, labels)")
        return self._fit_arrays(images, labels, num_classes or k or int(labels.max()) + 1)

    def _fit_arrays(self, images: np.ndarray, labels: np.ndarray, num_classes: int) -> "CGANPD":
        """Seed, build the networks for ``num_classes``, train on ``images`` / ``labels``, switch to eval mode."""
        seed_everything(self.config.seed)
        self._build(num_classes, images.shape[1])
        real_x = self._inputs(images)
        real_y = torch.as_tensor(labels, dtype=torch.long, device=self.device)
        self._train(real_x, real_y)
        self.generator.eval()
        self.discriminator.eval()
        return self

    def _inputs(self, images: np.ndarray) -> torch.Tensor:
        """The training data as the discriminator's input tensor (images: float NCHW in [-1, 1])."""
        return to_tensor(images, self.device)

    def _train(self, real_x: torch.Tensor, real_y: torch.Tensor) -> None:
        cfg = self.config
        g, d = self.generator.train(), self.discriminator.train()
        opt_g = torch.optim.Adam(g.parameters(), cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
        opt_d = torch.optim.Adam(d.parameters(), cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
        stream = BatchStream(len(real_x), cfg.batch_size, torch.Generator().manual_seed(cfg.seed))
        noise = torch.Generator(device=self.device).manual_seed(cfg.seed + 1)
        self.history_, sums = [], np.zeros(3)
        start = time.perf_counter()
        bar = progress_bar(range(cfg.num_steps), f"{self.name} ({len(real_x)} images)", self.progress)
        for step in bar:
            _set_lr(opt_g, cfg.lr_at(cfg.lr_g, step))
            _set_lr(opt_d, cfg.lr_at(cfg.lr_d, step))
            sums += (*self._iteration(opt_g, opt_d, stream, noise, real_x, real_y), 1)
            if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.num_steps:
                self._log(step + 1, sums, bar)
        self.train_seconds_ = time.perf_counter() - start
        self.steps_per_second_ = cfg.num_steps / max(self.train_seconds_, 1e-9)
        self.images_per_second_ = self.steps_per_second_ * cfg.n_dis * cfg.batch_size

    def _iteration(self, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer, stream: BatchStream,
                   noise: torch.Generator, real_x: torch.Tensor, real_y: torch.Tensor) -> tuple[float, float]:
        """One training step (Mimicry's order): a generator step, then ``n_dis`` discriminator steps on fresh real
        batches. Returns the mean discriminator loss and the generator loss."""
        g_loss = self._generator_step(opt_g, noise)
        d_losses = []
        for _ in range(self.config.n_dis):
            idx = stream.next().to(self.device)
            d_losses.append(self._discriminator_step(opt_d, real_x[idx], real_y[idx], noise))
        return float(np.mean(d_losses)), g_loss

    def _log(self, step: int, sums: np.ndarray, bar: Any) -> None:
        """Append the mean losses since the last log (``sums``: d_loss, g_loss, count) to ``history_``; reset."""
        entry = {"step": step, "d_loss": float(sums[0] / sums[2]), "g_loss": float(sums[1] / sums[2])}
        self.history_.append(entry)
        bar.set_postfix(d_loss=f"{entry['d_loss']:.3f}", g_loss=f"{entry['g_loss']:.3f}")
        sums[:] = 0

    def _g_loss(self, fake: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Generator loss of fakes ``fake`` generated for labels ``y`` (hinge)."""
        return g_hinge_loss(self.discriminator(fake, y))

    def _d_loss(self, x: torch.Tensor, y: torch.Tensor, fake: torch.Tensor, fake_y: torch.Tensor) -> torch.Tensor:
        """Discriminator loss of a real batch ``(x, y)`` against fakes ``(fake, fake_y)`` (hinge)."""
        return d_hinge_loss(self.discriminator(x, y), self.discriminator(fake, fake_y))

    def _generator_step(self, opt_g: torch.optim.Optimizer, noise: torch.Generator, n: int | None = None) -> float:
        """One generator update on a batch of ``n`` (default ``batch_size``) fakes with uniform labels."""
        _set_requires_grad(self.discriminator, False)
        opt_g.zero_grad(set_to_none=True)
        fake, y = self._fake(n or self.config.batch_size, noise)
        loss = self._g_loss(fake, y)
        loss.backward()
        opt_g.step()
        _set_requires_grad(self.discriminator, True)
        return float(loss.detach())

    def _discriminator_step(self, opt_d: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
                            noise: torch.Generator) -> float:
        """One discriminator update: real batch with its labels against as many fakes."""
        opt_d.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake, fake_y = self._fake(len(x), noise)
        loss = self._d_loss(x, y, fake, fake_y)
        loss.backward()
        opt_d.step()
        return float(loss.detach())

    # -- generation ------------------------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, spread: float | None = None,
               seed: int | None = None, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """``n`` images ``G(z, y)``, ``z ~ N(0, I)``, and their classes ``y``: stratified uniform over ``classes``
        (None: all classes; one class; or a list), as :meth:`colalib.cola.SCOLA.sample`. A GAN has no latent
        covariance to scale: ``spread`` must be None or 1.0."""
        self._check_fitted()
        if spread is not None and float(spread) != 1.0:
            raise ValueError(f"CGAN-PD samples z ~ N(0, I) and has no spread to change; got spread={spread} "
                             f"(use None or 1.0)")
        rng = np.random.default_rng(seed)
        pool = np.arange(self.num_classes_) if classes is None else np.atleast_1d(np.asarray(classes))
        if pool.size == 0 or pool.min() < 0 or pool.max() >= self.num_classes_:
            raise ValueError(f"classes must lie in [0, {self.num_classes_}), got {pool.tolist()}")
        labels = balanced_labels(n, pool, rng).astype(np.int64)
        z = torch.randn(n, self.config.nz, generator=torch.Generator().manual_seed(int(rng.integers(2**31))))
        return self.decode(z, labels, batch_size), labels

    @torch.no_grad()
    def decode(self, z: torch.Tensor | np.ndarray, labels: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """``G(z, y)`` as uint8 NHWC, in eval mode (batch-norm running statistics, as Mimicry's FID code)."""
        self._check_fitted()
        self.generator.eval()
        z = torch.as_tensor(np.asarray(z), dtype=torch.float32)
        out = [to_uint8(self.generator(z[s:s + batch_size].to(self.device),
                                       torch.as_tensor(labels[s:s + batch_size], device=self.device)))
               for s in range(0, len(z), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.image_size_, self.image_size_, 3), np.uint8)

    # -- persistence -----------------------------------------------------------------------------------
    def state(self) -> dict:
        self._check_fitted()
        return {"class": type(self).__name__, "config": self.config.to_dict(),
                "generator": cpu_state(self.generator), "discriminator": cpu_state(self.discriminator),
                "num_classes": self.num_classes_, "image_size": self.image_size_, "history": self.history_,
                "train_seconds": self.train_seconds_, "images_per_second": self.images_per_second_,
                "steps_per_second": self.steps_per_second_}

    def save(self, path: str | Path) -> Path:
        return atomic_torch_save(self.state(), path)

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device | None = None) -> "CGANPD":
        model = cls(cls.config_class(**state["config"]), device=device, progress=False)
        model._build(state["num_classes"], state["image_size"])
        model.generator.load_state_dict(state["generator"])
        model.discriminator.load_state_dict(state["discriminator"])
        model.generator.eval()
        model.discriminator.eval()
        model.history_, model.train_seconds_ = list(state["history"]), state["train_seconds"]
        model.images_per_second_ = state.get("images_per_second", 0.0)
        model.steps_per_second_ = state.get("steps_per_second", 0.0)
        return model

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> "CGANPD":
        return cls.from_state(torch.load(path, map_location="cpu", weights_only=False), device)

    def _check_fitted(self) -> None:
        if self.generator is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() first")


def _set_lr(opt: torch.optim.Optimizer, lr: float) -> None:
    for group in opt.param_groups:
        group["lr"] = lr
