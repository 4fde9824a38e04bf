"""Networks: generators (thesis Table 4.2), CIFAR classifiers (ch. 5, Table 5.2), the ResNet-18 encoder (step I).

Generators (all ``forward(z, y=None) -> (N, 3, S, S)`` in ``[-1, 1]``):
  ``infogan``    fully connected + transposed convolutions, batch norm (GLANN / compare_gan; about 8.6M
                 parameters at 32x32, thesis Table 4.2);
  ``dcgan_res``  residual blocks with bilinear upsampling and global batch norm (Mimicry's SNGAN generator;
                 about 4.1M);
  ``cgan_res``   the same with class-conditional batch norm (Mimicry's cGAN-PD generator; about 4.1M).
Classifiers (``forward(x) -> logits``, ``features(x)`` -> penultimate features): CIFAR ResNet-20/32
(option-A shortcuts, He et al. 2016; akamaster's reference), WRN-16-8 and WRN-28-10 (Zagoruyko & Komodakis).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

GENERATORS = ("infogan", "dcgan_res", "cgan_res")
CLASSIFIERS = ("resnet20", "resnet32", "wrn16_8", "wrn28_10")


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


# ------------------------------------------------------------------------------------------- generators

class InfoGANGenerator(nn.Module):
    """InfoGAN / GLO generator (thesis App. C.2 small-sample setting; GLANN's CIFAR generator).

    Linear(nz, 1024)-BN-ReLU-Linear(1024, 128 (S/4)^2)-BN-ReLU-ConvT(128, 64, 4, 2, 1)-BN-ReLU-
    ConvT(64, 3, 4, 2, 1)-tanh. Ignores ``y``.
    """

    def __init__(self, latent_dim: int, image_size: int = 32, channels: int = 3):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"InfoGAN generator needs an image size divisible by 4, got {image_size}")
        self.bottom = image_size // 4
        self.fc = nn.Sequential(
            nn.Linear(latent_dim, 1024), nn.BatchNorm1d(1024), nn.ReLU(inplace=True),
            nn.Linear(1024, 128 * self.bottom ** 2), nn.BatchNorm1d(128 * self.bottom ** 2), nn.ReLU(inplace=True))
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(64, channels, 4, 2, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.fc(z).reshape(z.shape[0], 128, self.bottom, self.bottom)
        return self.deconv(h)


class ConditionalBatchNorm2d(nn.Module):
    """Class-conditional batch norm (de Vries et al. 2017; Mimicry): BatchNorm2d without affine, then a
    per-class scale and shift from an embedding (gamma init N(1, 0.02), beta 0). Thesis appendix B."""

    def __init__(self, num_features: int, num_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        self.embed = nn.Embedding(num_classes, 2 * num_features)
        nn.init.normal_(self.embed.weight[:, :num_features], 1.0, 0.02)
        nn.init.zeros_(self.embed.weight[:, num_features:])

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.embed(y).chunk(2, dim=1)
        return self.bn(x) * gamma[:, :, None, None] + beta[:, :, None, None]


class GBlock(nn.Module):
    """Residual up-sampling block of the SNGAN/cGAN-PD generator (Mimicry): BN-ReLU-up-conv3-BN-ReLU-conv3,
    shortcut up + conv1x1. Conditional batch norm when ``num_classes`` is given."""

    def __init__(self, in_ch: int, out_ch: int, num_classes: int | None = None):
        super().__init__()
        self.conditional = num_classes is not None
        self.b1 = ConditionalBatchNorm2d(in_ch, num_classes) if self.conditional else nn.BatchNorm2d(in_ch)
        self.b2 = ConditionalBatchNorm2d(out_ch, num_classes) if self.conditional else nn.BatchNorm2d(out_ch)
        self.c1 = nn.Conv2d(in_ch, out_ch, 3, 1, 1)
        self.c2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.sc = nn.Conv2d(in_ch, out_ch, 1, 1, 0)
        for conv in (self.c1, self.c2):
            nn.init.xavier_uniform_(conv.weight, math.sqrt(2.0))
        nn.init.xavier_uniform_(self.sc.weight, 1.0)

    def _bn(self, bn: nn.Module, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return bn(x, y) if self.conditional else bn(x)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = F.relu(self._bn(self.b1, x, y))
        h = F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=False)
        h = self.c1(h)
        h = self.c2(F.relu(self._bn(self.b2, h, y)))
        s = self.sc(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
        return h + s


class ResidualGenerator(nn.Module):
    """SNGAN / cGAN-PD residual generator (Mimicry ``cgan_pd_32`` family), ngf 256.

    32x32: bottom 4, 3 blocks; 48x48: bottom 6, 3 blocks (Mimicry's STL-10 setting); 64x64: bottom 4, 4
    blocks (Mimicry's 64x64 generator narrows the channels; here they stay 256: documented deviation).
    ``num_classes`` switches on conditional batch norm (``cgan_res``).
    """

    def __init__(self, latent_dim: int, image_size: int = 32, num_classes: int | None = None,
                 channels: int = 3, ngf: int = 256):
        super().__init__()
        layout = {32: (4, 3), 48: (6, 3), 64: (4, 4)}
        if image_size not in layout:
            raise ValueError(f"Residual generator supports image sizes {sorted(layout)}, got {image_size}")
        self.bottom, n_blocks = layout[image_size]
        self.ngf = ngf
        self.conditional = num_classes is not None
        self.fc = nn.Linear(latent_dim, self.bottom ** 2 * ngf)
        self.blocks = nn.ModuleList([GBlock(ngf, ngf, num_classes) for _ in range(n_blocks)])
        self.bn = nn.BatchNorm2d(ngf)
        self.out = nn.Conv2d(ngf, channels, 3, 1, 1)
        nn.init.xavier_uniform_(self.fc.weight, 1.0)
        nn.init.xavier_uniform_(self.out.weight, 1.0)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditional and y is None:
            raise ValueError("The cgan_res generator is class-conditional: call it as G(z, y) with labels y.")
        h = self.fc(z).reshape(z.shape[0], self.ngf, self.bottom, self.bottom)
        for block in self.blocks:
            h = block(h, y if self.conditional else None)
        return torch.tanh(self.out(F.relu(self.bn(h))))


def build_generator(arch: str, latent_dim: int, image_size: int = 32, num_classes: int | None = None,
                    channels: int = 3, width: int | None = None) -> nn.Module:
    """A generator of thesis Table 4.2 by name (``infogan``, ``dcgan_res``, ``cgan_res``).

    ``width``: channels of the residual generators (``ngf``; None or 0: Mimicry's 256, the thesis's ~4.1M
    parameters). A smaller width is a documented reduction for CPU runs (cost scales about as width^2); the
    InfoGAN generator has no width option.
    """
    if arch == "infogan":
        if width:
            raise ValueError("the infogan generator has a fixed width; width applies to dcgan_res / cgan_res")
        return InfoGANGenerator(latent_dim, image_size, channels)
    ngf = width or 256
    if arch == "dcgan_res":
        return ResidualGenerator(latent_dim, image_size, None, channels, ngf=ngf)
    if arch == "cgan_res":
        if not num_classes:
            raise ValueError("cgan_res needs num_classes (class-conditional batch norm)")
        return ResidualGenerator(latent_dim, image_size, num_classes, channels, ngf=ngf)
    raise ValueError(f"Unknown generator {arch!r}; choose one of {', '.join(GENERATORS)}")


# ------------------------------------------------------------------------------------------ classifiers

class _ShortcutA(nn.Module):
    """Option-A shortcut: strided subsampling and zero channel padding (parameter free)."""

    def __init__(self, out_ch: int, in_ch: int):
        super().__init__()
        self.pad = (out_ch - in_ch) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.shortcut = _ShortcutA(out_ch, in_ch) if (stride != 1 or in_ch != out_ch) else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class CifarResNet(nn.Module):
    """CIFAR ResNet-(6n+2) with option-A shortcuts; ResNet-20 has 269,722 parameters for 10 classes."""

    def __init__(self, depth: int, num_classes: int):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError("CIFAR ResNet depth must be 6n+2")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, in_ch = [], 16
        for out_ch, stride in ((16, 1), (32, 2), (64, 2)):
            for i in range(n):
                layers.append(BasicBlock(in_ch, out_ch, stride if i == 0 else 1))
                in_ch = out_ch
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layers(F.relu(self.bn1(self.conv1(x))))
        return F.adaptive_avg_pool2d(h, 1).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


class WideBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.shortcut = (nn.Conv2d(in_ch, out_ch, 1, stride, 0, bias=False)
                         if (stride != 1 or in_ch != out_ch) else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o = F.relu(self.bn1(x))
        y = self.conv1(o)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + (self.shortcut(o) if self.shortcut is not None else x)


class WideResNet(nn.Module):
    """WRN-depth-k (Zagoruyko & Komodakis 2016); WRN-28-10 has about 36.5M parameters."""

    def __init__(self, depth: int, widen: int, num_classes: int):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16, 16 * widen, 32 * widen, 64 * widen]
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        layers, in_ch = [], widths[0]
        for out_ch, stride in zip(widths[1:], (1, 2, 2)):
            for i in range(n):
                layers.append(WideBlock(in_ch, out_ch, stride if i == 0 else 1))
                in_ch = out_ch
        self.layers = nn.Sequential(*layers)
        self.bn = nn.BatchNorm2d(in_ch)
        self.fc = nn.Linear(in_ch, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn(self.layers(self.conv1(x))))
        return F.adaptive_avg_pool2d(h, 1).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def build_classifier(arch: str, num_classes: int, image_size: int = 32) -> nn.Module:
    """A classifier by name (``resnet20``, ``resnet32``, ``wrn16_8``, ``wrn28_10``); any image size (global pool)."""
    if arch == "resnet20":
        return CifarResNet(20, num_classes)
    if arch == "resnet32":
        return CifarResNet(32, num_classes)
    if arch == "wrn16_8":
        return WideResNet(16, 8, num_classes)
    if arch == "wrn28_10":
        return WideResNet(28, 10, num_classes)
    raise ValueError(f"Unknown classifier {arch!r}; choose one of {', '.join(CLASSIFIERS)}")


# ---------------------------------------------------------------------------------------------- encoder

class _PreBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_ch)
        self.shortcut = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18Encoder(nn.Module):
    """CIFAR-style ResNet-18 (3x3 stem; stages 64/128/256/512 x ``width``/64) mapping images to the unit
    sphere in R^K (thesis Sec. 3.1, App. C.1; MMDC's encoder), with a separate RotNet head (4 rotations)."""

    def __init__(self, out_dim: int, rotation_classes: int = 4, width: int = 64):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 8 * width]
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        layers, in_ch = [], width
        for out_ch, stride in zip(widths, (1, 2, 2, 2)):
            layers += [_PreBlock(in_ch, out_ch, stride), _PreBlock(out_ch, out_ch, 1)]
            in_ch = out_ch
        self.layers = nn.Sequential(*layers)
        self.head = nn.Linear(in_ch, out_dim)
        self.rotation_head = nn.Linear(in_ch, rotation_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layers(F.relu(self.bn1(self.conv1(x))))
        return F.adaptive_avg_pool2d(h, 1).flatten(1)

    def embed(self, feats: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.head(feats), dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(self.features(x))

    def rotation_logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.rotation_head(self.features(x))
