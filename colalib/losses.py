"""Reconstruction losses: Laplacian pyramid (Eq. 3.5), L1, perceptual (Eq. 3.4; Sec. 5.3.1).

Laplacian pyramid (Burt & Adelson 1983; GLO, Bojanowski et al. 2018): level ``j`` of ``x`` is
``L^j = G^j - up(down(G^j))`` with ``G^0 = x``, ``G^{j+1} = down(G^j)``; the last level is the low-pass
residual. ``down`` blurs with the separable 5-tap binomial kernel [1, 4, 6, 4, 1]/16 (reflect padding)
and keeps every second pixel; ``up`` inserts zeros and blurs with 4x the kernel. The pyramid reconstructs
its input exactly (``reconstruct_from_pyramid``).

Weighting of the levels (the thesis OCR of Eq. 3.5 reads ``2^(-2j)``, "to preserve the high frequencies";
GLO writes ``2^(2j)`` on per-level L1 *sums*, i.e. equal weight to the per-level *mean* absolute error):
  ``"glo"`` (default)  sum_j 2^(2j) |L^j(x) - L^j(y)|_1 / (number of pixels of x) = sum_j mean_j |...|:
                       every level counts equally per pixel — the loss of the GLO paper the thesis cites [10];
  ``"thesis_ocr"``     sum_j 2^(-2j) |L^j(x) - L^j(y)|_1 / (number of pixels of x): the literal OCR reading,
                       which weights the finest level 16x more per level than the next;
  ``"uniform"``        sum_j |L^j(x) - L^j(y)|_1 / (number of pixels of x).
All are normalised per image (mean over the batch), so the scale does not depend on the batch size.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

LOSSES = ("laplacian", "l1", "perceptual_vgg16", "perceptual_net")
_KERNEL_1D = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    """Separable 5-tap binomial blur per channel (depthwise convolution, reflect padding)."""
    c = x.shape[1]
    k = (_KERNEL_1D * scale ** 0.5).to(x)
    kx = k.reshape(1, 1, 1, 5).expand(c, 1, 1, 5)
    ky = k.reshape(1, 1, 5, 1).expand(c, 1, 5, 1)
    x = F.conv2d(F.pad(x, (2, 2, 0, 0), mode="reflect"), kx, groups=c)
    return F.conv2d(F.pad(x, (0, 0, 2, 2), mode="reflect"), ky, groups=c)


def downsample(x: torch.Tensor) -> torch.Tensor:
    return _blur(x)[:, :, ::2, ::2]


def upsample(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    n, c, h, w = x.shape
    up = x.new_zeros(n, c, size[0], size[1])
    up[:, :, ::2, ::2] = x
    return _blur(up, scale=4.0)


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """``levels`` band-pass levels (finest first) followed by the low-pass residual."""
    pyramid, current = [], x
    for _ in range(levels):
        low = downsample(current)
        pyramid.append(current - upsample(low, current.shape[-2:]))
        current = low
    pyramid.append(current)
    return pyramid


def reconstruct_from_pyramid(pyramid: list[torch.Tensor]) -> torch.Tensor:
    """Inverse of :func:`laplacian_pyramid`."""
    current = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        current = band + upsample(current, band.shape[-2:])
    return current


class LaplacianPyramidLoss(nn.Module):
    """Lap1 of Eq. 3.5 (see the module docstring for the ``weighting`` options)."""

    def __init__(self, levels: int = 3, weighting: str = "glo"):
        super().__init__()
        if weighting not in ("glo", "thesis_ocr", "uniform"):
            raise ValueError(f"weighting must be 'glo', 'thesis_ocr' or 'uniform', got {weighting!r}")
        self.levels, self.weighting = levels, weighting

    def level_weight(self, j: int) -> float:
        return {"glo": 4.0 ** j, "thesis_ocr": 4.0 ** -j, "uniform": 1.0}[self.weighting]

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        pixels = x[0].numel()
        diff = laplacian_pyramid(x - y, self.levels)  # the pyramid is linear
        total = sum(self.level_weight(j) * d.abs().flatten(1).sum(1) for j, d in enumerate(diff))
        return (total / pixels).mean()


class L1Loss(nn.Module):
    """Mean absolute pixel difference (Sec. 5.3.1, item 6)."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (x - y).abs().mean()


class PerceptualLoss(nn.Module):
    """Perceptual distance (Eq. 3.4): sum over layers of the mean L1 difference of feature maps.

    ``layers`` is a list of frozen modules applied in sequence; the loss compares the output of each.
    """

    def __init__(self, layers: list[nn.Module], input_transform=None, pixel_weight: float = 0.0):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        for p in self.layers.parameters():
            p.requires_grad_(False)
        self.layers.eval()
        self.input_transform = input_transform
        self.pixel_weight = pixel_weight

    def train(self, mode: bool = True) -> "PerceptualLoss":
        super().train(mode)
        self.layers.eval()  # frozen feature extractor: batch-norm statistics never change
        return self

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.input_transform is not None:
            x, y = self.input_transform(x), self.input_transform(y)
        loss = self.pixel_weight * (x - y).abs().mean()
        hx, hy = x, y
        for layer in self.layers:
            hx, hy = layer(hx), layer(hy)
            loss = loss + (hx - hy).abs().mean()
        return loss


def resnet_perceptual_layers(net: nn.Module) -> list[nn.Module]:
    """Stem and the three stages of a :class:`colalib.models.CifarResNet` as perceptual layers."""
    stem = nn.Sequential(net.conv1, net.bn1, nn.ReLU())
    blocks = list(net.layers)
    n = len(blocks) // 3
    return [stem] + [nn.Sequential(*blocks[i * n:(i + 1) * n]) for i in range(3)]


VGG16_FILE = "vgg16-397923af.pth"


def vgg16_weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / VGG16_FILE


def vgg16_perceptual_layers() -> list[nn.Module]:
    """relu1_2, relu2_2, relu3_3, relu4_3 of ImageNet VGG16 (torchvision), only if its weights are cached."""
    path = vgg16_weights_path()
    if not path.exists():
        raise FileNotFoundError(
            f"ImageNet VGG16 weights are not available offline: expected {path}. When online, run "
            f"`python -c \"import torchvision; torchvision.models.vgg16(weights='IMAGENET1K_V1')\"` "
            f"to download them into the torch hub cache (TORCH_HOME={os.environ.get('TORCH_HOME', '~/.cache/torch')}).")
    from torchvision.models import vgg16
    features = vgg16()
    features.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    f = features.features
    return [f[:4], f[4:9], f[9:16], f[16:23]]


def _imagenet_normalise(x: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor([0.485, 0.456, 0.406], device=x.device).reshape(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=x.device).reshape(1, 3, 1, 1)
    return ((x + 1) / 2 - mean) / std


def build_loss(name: str, **kwargs) -> nn.Module:
    """A reconstruction loss by name: ``laplacian`` (kwargs levels, weighting), ``l1``, ``perceptual_vgg16``,
    ``perceptual_net`` (kwargs ``net``: a CifarResNet whose stages give the features)."""
    if name == "laplacian":
        return LaplacianPyramidLoss(**kwargs)
    if name == "l1":
        return L1Loss()
    if name == "perceptual_vgg16":
        return PerceptualLoss(vgg16_perceptual_layers(), input_transform=_imagenet_normalise)
    if name == "perceptual_net":
        return PerceptualLoss(resnet_perceptual_layers(kwargs["net"]))
    raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
