"""Spectrally normalised discriminators (Mimicry's SNGAN / cGAN-PD ResNets, Miyato & Koyama 2018) and the hinge
losses: the networks of CGAN-PD (:mod:`colalib.gan`), MM-GAN and AugIntAE."""
from __future__ import annotations

import math
from typing import ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm


def _xavier(module: nn.Module, gain: float) -> nn.Module:
    """Xavier-uniform weight (Mimicry's init; applied before spectral norm, which Mimicry's in-place init of
    ``weight.data`` also amounts to), zero bias."""
    nn.init.xavier_uniform_(module.weight, gain)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)
    return module


def sn_conv(in_ch: int, out_ch: int, kernel: int, gain: float) -> nn.Module:
    """Spectrally normalised ``kernel x kernel`` convolution, stride 1, 'same' padding."""
    return spectral_norm(_xavier(nn.Conv2d(in_ch, out_ch, kernel, 1, kernel // 2), gain))


class DBlockOptimized(nn.Module):
    """First discriminator block (SNGAN's 'optimized' block): conv3-ReLU-conv3-avgpool, shortcut avgpool-conv1."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.c1 = sn_conv(in_ch, out_ch, 3, math.sqrt(2.0))
        self.c2 = sn_conv(out_ch, out_ch, 3, math.sqrt(2.0))
        self.c_sc = sn_conv(in_ch, out_ch, 1, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.avg_pool2d(self.c2(F.relu(self.c1(x))), 2)
        return h + self.c_sc(F.avg_pool2d(x, 2))


class DBlock(nn.Module):
    """Discriminator residual block: ReLU-conv3-ReLU-conv3(-avgpool); learnable shortcut conv1(-avgpool) when the
    width changes or the block downsamples, identity otherwise.

    As in Mimicry (whose ReLU is in place on the block input), the shortcut receives ``relu(x)``.
    """

    def __init__(self, in_ch: int, out_ch: int, downsample: bool = False):
        super().__init__()
        self.downsample = downsample
        self.c1 = sn_conv(in_ch, in_ch, 3, math.sqrt(2.0))
        self.c2 = sn_conv(in_ch, out_ch, 3, math.sqrt(2.0))
        self.c_sc = sn_conv(in_ch, out_ch, 1, 1.0) if (downsample or in_ch != out_ch) else None

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 2) if self.downsample else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x)
        h = self._pool(self.c2(F.relu(self.c1(x))))
        return h + (self._pool(self.c_sc(x)) if self.c_sc is not None else x)


class SNResNetDiscriminator(nn.Module):
    """SNGAN residual discriminator (Mimicry ``ResNetDiscriminator32``), ``forward(x) -> (N, num_outputs)`` logits.

    32x32: DBlockOptimized(3, w) -> DBlock(w, w, down) -> DBlock(w, w) -> DBlock(w, w) -> ReLU -> global sum pool
    -> SNLinear(w, num_outputs). 48 and 64 px: one more DBlock(w, w, down) after the second block (final maps 6x6
    and 8x8). ``width`` is Mimicry's ``ndf`` (128). With ``num_outputs = 1`` it is Mimicry's SNGAN discriminator;
    the MM-GAN (``colalib.mmgan``) uses ``num_outputs = N`` class outputs.
    """

    EXTRA_DOWN: ClassVar[dict[int, int]] = {32: 0, 48: 1, 64: 1}

    def __init__(self, num_outputs: int = 1, image_size: int = 32, width: int = 128):
        super().__init__()
        if image_size not in self.EXTRA_DOWN:
            raise ValueError(f"{type(self).__name__} supports image sizes {sorted(self.EXTRA_DOWN)}, "
                             f"got {image_size}")
        if num_outputs < 1:
            raise ValueError(f"num_outputs must be >= 1, got {num_outputs}")
        blocks = [DBlockOptimized(3, width), DBlock(width, width, downsample=True)]
        blocks += [DBlock(width, width, downsample=True) for _ in range(self.EXTRA_DOWN[image_size])]
        blocks += [DBlock(width, width), DBlock(width, width)]
        self.blocks = nn.Sequential(*blocks)
        self.linear = spectral_norm(_xavier(nn.Linear(width, num_outputs), 1.0))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``h``: ReLU of the last block, summed over space, ``(N, width)``."""
        return F.relu(self.blocks(x)).sum(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.features(x))


class SNProjectionDiscriminator(SNResNetDiscriminator):
    """cGAN-PD discriminator (Miyato & Koyama 2018; Mimicry ``ResNetDiscriminator32``), ``forward(x, y) -> (N, 1)``.

    The :class:`SNResNetDiscriminator` trunk with one output, ``SNLinear(w, 1)(h) + <SNEmbedding(y), h>``.
    """

    def __init__(self, num_classes: int, image_size: int = 32, width: int = 128):
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        super().__init__(1, image_size, width)
        self.num_classes = num_classes
        embed = nn.Embedding(num_classes, width)
        nn.init.xavier_uniform_(embed.weight, 1.0)
        self.embed = spectral_norm(embed)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        return self.linear(h) + (self.embed(y) * h).sum(dim=1, keepdim=True)


def spectral_norm_weights(module: nn.Module) -> dict[str, torch.Tensor]:
    """The normalised weight of every spectrally normalised layer of ``module``, by layer name."""
    return {name: m.weight for name, m in module.named_modules()
            if hasattr(m, "parametrizations") and "weight" in m.parametrizations}


def d_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator hinge loss ``E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`` (Lim & Ye 2017; Mimicry)."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def g_hinge_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Generator hinge loss ``-E[D(G(z))]``."""
    return -fake_logits.mean()
