"""Image augmentations on float batches in [-1, 1] (NCHW): MMDC's crop-resize, colour jitter and rotations (Sec. 3.1;
the MMDC paper's augmentation consistency and RotNet task)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def crop_resize(x: torch.Tensor, fraction: float, generator: torch.Generator | None = None,
                flip: bool = False) -> torch.Tensor:
    """Crops of side ``fraction`` x the image side, resized back to the image size (bilinear), batched.

    ``generator=None``: the centre crop (the plain view). Otherwise a uniformly random crop position per image
    and, with ``flip``, a horizontal flip with probability 1/2 (the official code's ``RandomCrop`` + ``Resize``
    + ``RandomHorizontalFlip``, as one ``affine_grid``/``grid_sample``).
    """
    n = x.shape[0]
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = fraction
    if generator is not None:
        theta[:, :, 2] = (1 - fraction) * (2 * torch.rand(n, 2, generator=generator) - 1)
        if flip:
            theta[:, 0, 0] *= torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    if fraction == 1 and generator is None:
        return x
    grid = F.affine_grid(theta.to(x), list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out.contiguous(memory_format=torch.channels_last)


def _grey(x: torch.Tensor) -> torch.Tensor:
    return 0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def _rotate_hue(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Hue shift by ``angle`` (radians, per image): a rotation of the chroma plane in YIQ space."""
    rgb2yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]]).to(x)
    yiq = torch.einsum("ij,njhw->nihw", rgb2yiq, x)
    c, s = torch.cos(angle).view(-1, 1, 1), torch.sin(angle).view(-1, 1, 1)
    i, q = yiq[:, 1], yiq[:, 2]
    yiq = torch.stack([yiq[:, 0], c * i - s * q, s * i + c * q], dim=1)
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(rgb2yiq), yiq)


def colour_jitter(x: torch.Tensor, generator: torch.Generator, strength: float = 0.4, hue: float = 0.125,
                  p_gray: float = 0.2) -> torch.Tensor:
    """Per-image brightness, contrast, saturation (factors uniform in [1 - strength, 1 + strength]), hue (shift
    uniform in [-hue, hue] of a full turn) and random grayscale (probability ``p_gray``), batched on tensors.
    Images in [-1, 1] in and out (torchvision's ``ColorJitter(0.4, 0.4, 0.4, 0.125)`` + ``RandomGrayscale(0.2)``
    of the official code, in a fixed order)."""
    n = x.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return (low + (high - low) * torch.rand(n, generator=generator)).to(x)

    def factor() -> torch.Tensor:
        return uniform(1 - strength, 1 + strength).view(n, 1, 1, 1)

    x = (x + 1) / 2
    x = (x * factor()).clamp(0, 1)
    mean = _grey(x).mean(dim=(1, 2, 3), keepdim=True)
    x = ((x - mean) * factor() + mean).clamp(0, 1)
    grey = _grey(x)
    x = ((x - grey) * factor() + grey).clamp(0, 1)
    if hue > 0:
        x = _rotate_hue(x, uniform(-hue, hue) * 2 * math.pi).clamp(0, 1)
    to_grey = (torch.rand(n, generator=generator) < p_gray).to(x.device).view(n, 1, 1, 1)
    x = torch.where(to_grey, _grey(x).expand_as(x), x)
    return (x * 2 - 1).contiguous(memory_format=torch.channels_last)


def rotate_batch(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The four rotations (0, 90, 180, 270 degrees) of every image and their labels 0..3 (RotNet)."""
    rots = [torch.rot90(x, k, dims=(2, 3)) for k in range(4)]
    labels = torch.arange(4, device=x.device).repeat_interleave(x.shape[0])
    return torch.cat(rots).contiguous(memory_format=torch.channels_last), labels
