"""Step II: joint optimisation of a generator and per-image latent codes (thesis Sec. 3.2, Algorithm 1).

Codes are ``z_i = (t_scale * t_i/|t_i|, v_i/|v_i|)`` in R^(K+d): ``t_i`` is the cluster/class part (step I
targets, or one-hot labels for sCOLA), ``v_i ~ N(0, s^2 I_d)`` an extra source of variation. Generator and codes
are trained together with Adam (codes lr 0.01, generator lr 0.001, both x0.5 every 50 epochs; App. C.2), and
after every epoch both parts are re-projected onto their unit spheres (Algorithm 1, last step).

Choices where the thesis is silent (documented here and in notebook 03):
  * Adam betas (0.5, 0.999) for both, as in the same lab's GLICO code;
  * codes live in an ``nn.Embedding(sparse=True)`` updated with ``SparseAdam``: only the rows of the batch
    move (GLO/GLICO-style per-batch updates; a dense Adam would keep moving absent rows by momentum);
  * ``s`` (``noise_std``) does not change ``v/|v|`` — only the direction of ``v`` survives the projection;
  * ``t_scale`` (the relative scale of the t and v parts) is 1 by default, the literal reading of Sec. 3.2
    (both parts unit norm); notebook 03 compares other values by experiment.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .utils import progress_bar


def init_codes(targets: np.ndarray, latent_dim: int, noise_std: float = 1.0, seed: int = 0,
               t_scale: float = 1.0) -> torch.Tensor:
    """Initial codes ``(t/|t|, v/|v|)``: ``t`` from the targets ``(N, K)``, ``v ~ N(0, s^2 I_d)`` (Alg. 1)."""
    gen = torch.Generator().manual_seed(seed)
    t = torch.as_tensor(np.asarray(targets), dtype=torch.float32)
    v = torch.randn(t.shape[0], latent_dim, generator=gen) * noise_std
    return project_codes(torch.cat([t, v], dim=1), t.shape[1], t_scale)


def project_codes(codes: torch.Tensor, k: int, t_scale: float = 1.0) -> torch.Tensor:
    """Project the t part (first ``k`` columns) and the v part onto their unit spheres; t scaled by ``t_scale``."""
    t = F.normalize(codes[:, :k], dim=1) * t_scale if k > 0 else codes[:, :0]
    v = F.normalize(codes[:, k:], dim=1)
    return torch.cat([t, v], dim=1)


def project_whole(codes: torch.Tensor, k: int = 0, t_scale: float = 1.0) -> torch.Tensor:
    """GLO's constraint: the whole code on the unit sphere (no t/v split)."""
    return F.normalize(codes, dim=1)


@dataclass
class LatentTrainingResult:
    """What :func:`optimise_latent` returns: final codes and the mean loss of every epoch."""

    codes: torch.Tensor
    history: list[float] = field(default_factory=list)
    seconds: float = 0.0
    images_per_second: float = 0.0


def step_lr(base: float, epoch: int, step_epochs: int, decay: float) -> float:
    """Learning rate at ``epoch`` (0-based): ``base * decay ** (epoch // step_epochs)`` (App. C.2)."""
    return base * decay ** (epoch // max(1, step_epochs))


def optimise_latent(generator: nn.Module, images: torch.Tensor, codes: torch.Tensor, loss_fn: nn.Module, *,
                    labels: torch.Tensor | None = None, epochs: int = 500, batch_size: int = 128,
                    lr_codes: float = 0.01, lr_generator: float = 0.001, lr_decay: float = 0.5,
                    lr_step_epochs: int = 50, betas: tuple[float, float] = (0.5, 0.999),
                    project: Callable[[torch.Tensor], torch.Tensor] | None = None, seed: int = 0,
                    progress: bool = True, desc: str = "latent optimisation") -> LatentTrainingResult:
    """Algorithm 1: minimise ``mean_i L(G(z_i), x_i)`` over G and the codes, projecting codes every epoch.

    ``images``: float ``(N, 3, H, W)`` in [-1, 1] on the training device; ``codes``: ``(N, K+d)``;
    ``labels``: class ids passed to a class-conditional generator (``cgan_res``), else None.
    ``lr_codes=0``: the codes stay fixed and only G is trained (ReGene's decoder on frozen features,
    ``colalib.peers``).
    """
    device = images.device
    n = images.shape[0]
    embedding = nn.Embedding(n, codes.shape[1], sparse=True).to(device)
    with torch.no_grad():
        embedding.weight.copy_(codes.to(device))
    generator.to(device).train()
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_generator, betas=betas)
    if lr_codes < 0:
        raise ValueError(f"lr_codes must be >= 0 (0: fixed codes), got {lr_codes}")
    embedding.weight.requires_grad_(lr_codes > 0)
    opt_z = torch.optim.SparseAdam(embedding.parameters(), lr=lr_codes, betas=betas) if lr_codes > 0 else None
    rng = torch.Generator(device="cpu").manual_seed(seed)
    history: list[float] = []
    start = time.perf_counter()
    bar = progress_bar(range(epochs), desc, progress)
    for epoch in bar:
        for group in opt_g.param_groups:
            group["lr"] = step_lr(lr_generator, epoch, lr_step_epochs, lr_decay)
        for group in (opt_z.param_groups if opt_z is not None else ()):
            group["lr"] = step_lr(lr_codes, epoch, lr_step_epochs, lr_decay)
        order = torch.randperm(n, generator=rng).to(device)
        total = 0.0
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            if idx.numel() < 2 and n > 1:  # batch norm needs two samples: fold a singleton into the last batch
                continue
            opt_g.zero_grad(set_to_none=True)
            if opt_z is not None:
                opt_z.zero_grad(set_to_none=True)
            out = generator(embedding(idx), labels[idx] if labels is not None else None)
            loss = loss_fn(out, images[idx])
            loss.backward()
            opt_g.step()
            if opt_z is not None:
                opt_z.step()
            total += loss.item() * idx.numel()
        if project is not None:
            with torch.no_grad():
                embedding.weight.copy_(project(embedding.weight))
        history.append(total / n)
        bar.set_postfix(loss=f"{history[-1]:.4f}")
    seconds = time.perf_counter() - start
    return LatentTrainingResult(embedding.weight.detach().clone(), history, seconds,
                                n * epochs / max(seconds, 1e-9))
