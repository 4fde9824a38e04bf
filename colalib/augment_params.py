"""AugIntAE's configuration and its parameterised augmentations (paper 004): sampled and interpolated parameters,
and their application to image batches (affine warps, brightness, contrast, saturation, YIQ hue)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from .cola import DecoderConfig
from .models import CLASSIFIERS

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
