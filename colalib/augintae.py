"""AugIntAE (paper 004): an autoencoder whose codes interpolate augmentations, trained with an LSGAN and an
adaptive k (notebook 07; :mod:`colalib.peers`)."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .augment_params import (
    AugIntAEConfig,
    apply_augmentation,
    mix_augmentations,
    sample_augmentations,
    slerp_torch,
)
from .data import ImageDataset, as_arrays, to_tensor
from .latent import project_whole, step_lr
from .models import build_classifier, build_generator
from .peer_base import _PeerModel
from .sn_nets import SNResNetDiscriminator
from .utils import cpu_state, progress_bar, seed_everything


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
        images, labels, k = as_arrays(x, y)
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
        return {"encoder": cpu_state(self.encoder), "gan_history": self.gan_history_, "k": self.k_,
                "discriminator": cpu_state(self.discriminator) if self.discriminator is not None else None}

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
