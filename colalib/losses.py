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

Perceptual networks of the similarity-measure ablation (Sec. 5.3.1, Fig. 5.2), all a CIFAR ResNet-32 whose stem and
three stages give the features (:func:`perceptual_resnet32`):
  ``resnet32_random``   random (Kaiming) weights, batch norm at its initial statistics (identity in eval mode);
  ``resnet32_trained``  trained on the generative model's own training images and labels with the classifier
                        recipe of :mod:`colalib.classification` (no other data);
  ``resnet32_kmeans``   stacked k-means, layer by layer (:func:`kmeans_init_resnet`; the thesis cites [40] for it:
                        Coates & Ng-style k-means filters with Krähenbühl et al. 2016's data-dependent scaling).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .classification import ClassifierConfig, train_classifier
from .data import to_tensor
from .models import build_classifier

LOSSES = ("laplacian", "l1", "perceptual_vgg16", "perceptual_net")
PERCEPTUAL_NETS = ("resnet32_random", "resnet32_trained", "resnet32_kmeans")
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
    from torchvision.models import vgg16  # local: only the VGG16 loss
    features = vgg16()
    features.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    f = features.features
    return [f[:4], f[4:9], f[9:16], f[16:23]]


def vgg16_available() -> bool:
    """Whether the ImageNet VGG16 weights are in the torch hub cache (the ``perceptual_vgg16`` loss needs them)."""
    return vgg16_weights_path().exists()


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



# ------------------------------------------------------------------------- perceptual networks (Sec. 5.3.1)

def _batched(fn, x: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
    return torch.cat([fn(x[s:s + batch_size]) for s in range(0, len(x), batch_size)])


def _random_patches(inputs: torch.Tensor, conv: nn.Conv2d, n_patches: int, rng: np.random.Generator) -> np.ndarray:
    """``n_patches`` receptive fields of ``conv`` (its kernel, stride and zero padding) at random images and
    output positions, as rows ``(n_patches, C*kh*kw)`` in the layout of ``conv.weight``."""
    n, c, h, w = inputs.shape
    (kh, kw), (sh, sw), (ph, pw) = conv.kernel_size, conv.stride, conv.padding
    padded = F.pad(inputs, (pw, pw, ph, ph))
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    img = torch.as_tensor(rng.integers(0, n, n_patches))
    oy = torch.as_tensor(rng.integers(0, out_h, n_patches)) * sh
    ox = torch.as_tensor(rng.integers(0, out_w, n_patches)) * sw
    rows = (oy[:, None] + torch.arange(kh))[:, :, None]
    cols = (ox[:, None] + torch.arange(kw))[:, None, :]
    patches = padded[img[:, None, None], :, rows, cols]  # (P, kh, kw, C)
    return patches.permute(0, 3, 1, 2).reshape(n_patches, -1).float().numpy()


def kmeans_filters(patches: np.ndarray, n_filters: int, seed: int = 0, eps: float = 0.1) -> dict[str, np.ndarray]:
    """Filters from k-means on ZCA-whitened patches (Coates & Ng 2011, 2012).

    ``patches`` ``(n, D)`` are centred and ZCA-whitened, ``W = U diag((s + eps * mean(s))^-1/2) U^T`` (``eps``
    regularises the small eigenvalues, relative to the mean one), normalised to unit length, and clustered into
    ``n_filters`` centroids ``c_k`` with scikit-learn ``MiniBatchKMeans`` (started from random patches, as Coates &
    Ng's; spherical k-means: the centroids are renormalised to unit length). The filters ``f_k = W c_k`` respond to a
    raw patch ``p`` as ``f_k . p = c_k . W p``, i.e. the centroid's response to the whitened patch (the constant
    ``-c_k . W mu`` is left to the batch norm that follows). Returns ``filters (n_filters, D)``, ``centroids``,
    ``whitening``, ``mean`` and the fitted ``kmeans`` estimator.
    """
    from threadpoolctl import threadpool_limits  # local: only around the k-means / FID maths
    # small problems: one BLAS/OpenMP thread avoids the threads of numpy and torch spin-waiting on each other
    with threadpool_limits(limits=1):
        return _kmeans_filters(patches, n_filters, seed, eps)


def _kmeans_filters(patches: np.ndarray, n_filters: int, seed: int, eps: float) -> dict[str, np.ndarray]:
    from sklearn.cluster import MiniBatchKMeans  # local: scikit-learn at import costs ~1 s; only the k-means ResNet
    patches = np.asarray(patches, dtype=np.float64)
    mean = patches.mean(0)
    centred = (patches - mean).astype(np.float32)  # float32 products, float64 eigendecomposition
    cov = (centred.T @ centred).astype(np.float64) / max(1, len(centred) - 1)
    s, u = np.linalg.eigh(cov)
    s = np.maximum(s, 0.0)
    whitening = (u / np.sqrt(s + eps * max(s.mean(), 1e-12))) @ u.T
    white = centred @ whitening.astype(np.float32)
    white /= np.linalg.norm(white, axis=1, keepdims=True) + 1e-8
    km = MiniBatchKMeans(n_clusters=n_filters, init="random", random_state=seed, n_init=1, batch_size=2048)
    km.fit(white)
    centroids = km.cluster_centers_.astype(np.float64)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-12
    return {"filters": centroids @ whitening, "centroids": centroids, "whitening": whitening, "mean": mean,
            "kmeans": km}


@torch.no_grad()
def kmeans_init_resnet(net: nn.Module, images: np.ndarray | torch.Tensor, n_patches: int = 10_000,
                       max_images: int = 1000, seed: int = 0, eps: float = 0.1) -> nn.Module:
    """Stacked k-means initialisation of a :class:`colalib.models.CifarResNet`, layer by layer (in place).

    The thesis (Sec. 5.3.1, item 3) initialises a ResNet-32 "with stacked k-means as described in [40]"; we follow
    the data-dependent initialisation of Krähenbühl et al. (2016), whose k-means variant applies Coates & Ng's
    patch k-means to each layer in turn. For every convolution, in forward order:

      1. its input on ``images`` (at most ``max_images``), computed by the network with the layers set so far;
      2. ``n_patches`` random receptive fields of the convolution (kernel, stride and zero padding);
      3. filters from k-means on the whitened patches (:func:`kmeans_filters`), one centroid per output channel;
      4. the batch norm after it gets the per-channel mean and variance of the new convolution's output on the
         images as running statistics (weight 1, bias 0), so that in eval mode every channel is zero-mean and
         unit-variance on the data (Krähenbühl et al.'s within-layer scaling).
    The per-patch brightness/contrast normalisation of Coates & Ng is left out (a convolution cannot apply it).
    The classifier head ``fc`` keeps its random weights (the perceptual loss does not use it). ``images``:
    uint8 NHWC or a float tensor ``(N, 3, H, W)`` in [-1, 1]. Returns ``net`` in eval mode.
    """
    rng = np.random.default_rng(seed)
    x = images if isinstance(images, torch.Tensor) else to_tensor(np.asarray(images))
    x = x[rng.permutation(len(x))[:max_images]].float().cpu()
    device = next(net.parameters()).device
    net.cpu().eval()
    counter = iter(range(10 ** 6))

    def set_layer(conv: nn.Conv2d, bn: nn.BatchNorm2d, inputs: torch.Tensor) -> None:
        patches = _random_patches(inputs, conv, n_patches, rng)
        found = kmeans_filters(patches, conv.out_channels, seed=seed + next(counter), eps=eps)
        conv.weight.copy_(torch.as_tensor(found["filters"], dtype=conv.weight.dtype).reshape(conv.weight.shape))
        out = _batched(conv, inputs)
        bn.running_mean.copy_(out.mean((0, 2, 3)))
        bn.running_var.copy_(out.var((0, 2, 3)))
        bn.weight.fill_(1.0)
        bn.bias.zero_()

    # one pass, layer by layer: the stem, then conv1 and conv2 of every block (their inputs only depend on
    # the layers already set)
    set_layer(net.conv1, net.bn1, x)
    h = _batched(lambda b: F.relu(net.bn1(net.conv1(b))), x)
    for block in net.layers:
        set_layer(block.conv1, block.bn1, h)
        set_layer(block.conv2, block.bn2, _batched(lambda b: F.relu(block.bn1(block.conv1(b))), h))
        h = _batched(block, h)
    return net.to(device).eval()


def perceptual_resnet32(kind: str, images: np.ndarray | None = None, labels: np.ndarray | None = None,
                        num_classes: int | None = None, seed: int = 0, classifier_config: Any = None,
                        device: str | torch.device | None = None, cache: Any = None,
                        progress: bool = False, kmeans_patches: int = 10_000) -> nn.Module:
    """The ResNet-32 of a perceptual loss of Sec. 5.3.1 (``kind`` in :data:`PERCEPTUAL_NETS`), frozen, eval mode.

    ``resnet32_random``: Kaiming-normal weights drawn with ``seed`` (the global RNG is left untouched);
    ``resnet32_kmeans``: :func:`kmeans_init_resnet` on ``images`` (uint8 NHWC), ``kmeans_patches`` per layer;
    ``resnet32_trained``: trained on ``(images, labels)`` with ``classifier_config`` (a
    :class:`colalib.classification.ClassifierConfig`; its ``arch`` is replaced by ``resnet32``, its ``seed`` by
    ``seed``). With an :class:`colalib.cache.ArtifactCache` as ``cache``, the weights of the data-dependent
    networks are cached (namespace ``perceptual_nets``; key: kind, images, labels, seed and recipe).
    """

    if kind not in PERCEPTUAL_NETS:
        raise ValueError(f"Unknown perceptual network {kind!r}; choose one of {', '.join(PERCEPTUAL_NETS)}")
    if kind != "resnet32_random" and images is None:
        raise ValueError(f"{kind} is built from the training images: pass images (and labels for resnet32_trained)")
    if kind == "resnet32_trained" and labels is None:
        raise ValueError("resnet32_trained needs the labels of the training images")
    k = num_classes or (int(np.max(labels)) + 1 if labels is not None else 10)
    size = 32 if images is None else int(np.asarray(images).shape[1])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = build_classifier("resnet32", k, size)
    if kind != "resnet32_random":
        images = np.ascontiguousarray(images)
        recipe: dict[str, Any] = {"patches": kmeans_patches}
        if kind == "resnet32_trained":
            labels = np.ascontiguousarray(np.asarray(labels, dtype=np.int64))
            classifier_config = (classifier_config or ClassifierConfig()).replace(arch="resnet32", seed=seed)
            recipe = {"clf": classifier_config.to_dict()}
        data = hashlib.sha256(images.tobytes() + str(images.shape).encode()
                              + (labels.tobytes() if kind == "resnet32_trained" else b"")).hexdigest()[:16]
        key = {"unit": f"perceptual_{kind}", "data": data, "num_classes": k, "seed": seed, **recipe}
        state = cache.load("perceptual_nets", key, kind="torch") if cache is not None else None
        if state is None:
            if kind == "resnet32_kmeans":
                kmeans_init_resnet(net, images, n_patches=kmeans_patches, seed=seed)
            else:
                net = train_classifier(images, labels, k, classifier_config, device, progress)
            state = {"weights": {n: v.detach().cpu() for n, v in net.state_dict().items()}, "kind": kind, **recipe}
            if cache is not None:
                cache.save("perceptual_nets", key, state, kind="torch")
        net = build_classifier("resnet32", k, size)
        net.load_state_dict(state["weights"])
    net = net.to(device or "cpu").eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net
