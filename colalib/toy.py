"""The MM-GAN toy experiment (``../shared/papers/003_*.txt``, Sec. 4.1, Figs. 4.1-4.2) with sCOLA / COLA beside it.

Data (Sec. 4.1): 5,000 points in R^2 from the uniform mixture of ``M = 9`` Gaussians with means
``{-1, 0, 1} x {-1, 0, 1}`` and covariance ``Sigma_m = 0.1 I`` (standard deviation 0.316 per coordinate, as the
paper writes it), each point labelled with its Gaussian. Models, all with small MLP generators (3 hidden ReLU
layers of ``hidden`` units; the paper does not give its toy networks) and no output ``tanh`` (points are not
images in [-1, 1]):

* sCOLA / COLA (thesis ch. 3, ``../shared/papers/000_*.txt``): codes ``z_i = (t_i/|t_i|, v_i/|v_i|)`` in
  R^(K+d) (Sec. 3.2), optimised jointly with the generator by Algorithm 1 (``colalib.latent.optimise_latent``,
  the same function the image models use) under the L2 loss (the Laplacian pyramid of Eq. 3.5 needs images);
  ``t_i`` is the one-hot label (sCOLA, Sec. 3.4) or, for COLA, the one-hot k-means cluster (scikit-learn
  ``KMeans``, K = 9, 10 restarts) standing in for step I (MMDC needs images); step III (Sec. 3.3) fits one
  Gaussian per class/cluster to the learned codes (``colalib.sampling``) and projects samples back onto the spheres;
* MM-GAN (Sec. 2, Algorithm 1) with ``K = 9``: ``colalib.mmgan``'s prior, losses and training loop with MLP
  networks (:class:`ToyMMGAN`), supervised (Sec. 2.2, Fig. 4.1 d) or unsupervised (Fig. 4.1 b).

Evaluation: :func:`negative_log_likelihood`, the mean ``-log p(x)`` of generated points under the true mixture
(the paper's "higher likelihood" of Sec. 4.1; it rewards points at the modes, i.e. quality, not diversity, so
:func:`mode_histogram` reports coverage of the 9 modes beside it), and scatter plots coloured by the latent
component (:func:`toy_experiment` returns the arrays).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn as nn
from scipy.special import logsumexp
from sklearn.cluster import KMeans

from .config import RunConfig
from .latent import init_codes, optimise_latent, project_codes
from .mmgan import MMGAN, MMGANConfig
from .sampling import ClassGaussians, balanced_labels, fit_class_gaussians, sample_codes
from .utils import seed_everything

GRID_MEANS = np.array([(a, b) for a in (-1.0, 0.0, 1.0) for b in (-1.0, 0.0, 1.0)])  # mu_m, m = 0..8
TOY_VARIANCE = 0.1  # Sigma_m = 0.1 I (Sec. 4.1)
MLP_DEPTH = 3  # hidden layers of the toy generators and discriminators

# --------------------------------------------------------------------------------------------- the data

def sample_toy(n: int = 5000, seed: int = 0, variance: float = TOY_VARIANCE) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``(n, 2)`` float32 from the homogeneous 9-Gaussian grid mixture (Sec. 4.1: ``p(x) =
    sum_m 1/M N(x; mu_m, 0.1 I)``) and their Gaussian indices ``(n,)`` (i.i.d. uniform)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(GRID_MEANS), n)
    points = GRID_MEANS[labels] + np.sqrt(variance) * rng.standard_normal((n, 2))
    return points.astype(np.float32), labels.astype(np.int64)


def log_density(points: np.ndarray, variance: float = TOY_VARIANCE) -> np.ndarray:
    """Exact ``log p(x)`` of the grid mixture at every row of ``points`` ``(n, 2)``: the log-sum-exp over the
    9 isotropic Gaussians, ``log(1/M) - log(2 pi variance) - |x - mu_m|^2 / (2 variance)``."""
    x = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    sq = ((x[:, None, :] - GRID_MEANS[None]) ** 2).sum(-1)
    comp = -np.log(len(GRID_MEANS)) - np.log(2 * np.pi * variance) - sq / (2 * variance)
    return logsumexp(comp, axis=1)


def negative_log_likelihood(points: np.ndarray, variance: float = TOY_VARIANCE) -> float:
    """Mean negative log-likelihood of ``points`` under the true mixture (nats per point)."""
    return float(-log_density(points, variance).mean())


def mode_histogram(points: np.ndarray) -> np.ndarray:
    """Fraction of ``points`` nearest to each of the 9 grid means ``(9,)``: 1/9 each for full coverage; mass on
    few modes means collapse, which a low NLL alone cannot tell."""
    x = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    nearest = ((x[:, None, :] - GRID_MEANS[None]) ** 2).sum(-1).argmin(1)
    return np.bincount(nearest, minlength=len(GRID_MEANS)) / max(len(x), 1)


# --------------------------------------------------------------------------------------------- networks

def mlp(in_dim: int, out_dim: int, hidden: int, depth: int = MLP_DEPTH, slope: float = 0.0) -> nn.Sequential:
    """``depth`` hidden layers ``Linear-ReLU`` (LeakyReLU with ``slope > 0``), then ``Linear(hidden, out_dim)``."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(in_dim if i == 0 else hidden, hidden),
                   nn.LeakyReLU(slope) if slope > 0 else nn.ReLU()]
    layers.append(nn.Linear(hidden if depth else in_dim, out_dim))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """Toy generator ``forward(z, y=None) -> (N, out_dim)`` (ignores ``y``; the latent code carries the class)."""

    def __init__(self, latent_dim: int, out_dim: int = 2, hidden: int = 128, depth: int = MLP_DEPTH):
        super().__init__()
        self.net = mlp(latent_dim, out_dim, hidden, depth)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """Toy discriminator ``forward(x) -> (N, num_outputs)`` logits (LeakyReLU 0.2)."""

    def __init__(self, in_dim: int = 2, num_outputs: int = 1, hidden: int = 128, depth: int = MLP_DEPTH):
        super().__init__()
        self.net = mlp(in_dim, num_outputs, hidden, depth, slope=0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# --------------------------------------------------------------------------------------------- config

@dataclass(frozen=True)
class ToyConfig(RunConfig):
    """The toy experiment. Data: Sec. 4.1 of the MM-GAN paper. sCOLA / COLA: App. C.2's Algorithm-1 settings (lr
    codes 0.01, generator 0.001, x0.5 every 50 epochs, 500 epochs, batch 128) with ``latent_dim`` (``d``, the v
    part; the t part has ``K = 9`` coordinates). MM-GAN: Algorithm 1's defaults (``d = 100``, ``c = 0.1``,
    ``sigma = 0.15``, ``b_D = 64``, ``b_G = 128``, ``gamma = 2e-4``), ``K = 9``, ``mmgan_steps`` iterations (the
    paper does not give the toy's; 20,000 here). ``n_eval`` generated points per model for the NLL. ``sigma`` is
    the covariance scale as the paper writes it (see ``colalib.mmgan``); ``sigma=0.15**2`` is the reading as a
    standard deviation, with which the toy MM-GAN separates its Gaussians.

    Profiles: ``smoke`` 1,000 points, width 32, a few epochs / steps (seconds); ``quick`` width 64, 100 epochs
    (about 20 s for sCOLA on one CPU thread) and 5,000 MM-GAN iterations (about 50 s); ``paper`` the defaults.
    """

    n_points: int = 5000
    variance: float = TOY_VARIANCE
    num_components: int = 9
    hidden: int = 128
    latent_dim: int = 8
    epochs: int = 500
    batch_size: int = 128
    lr_codes: float = 0.01
    lr_generator: float = 0.001
    lr_decay: float = 0.5
    lr_step_epochs: int = 50
    t_scale: float = 1.0
    noise_std: float = 1.0
    mmgan_latent_dim: int = 100
    mean_range: float = 0.1
    sigma: float = 0.15
    mmgan_steps: int = 20_000
    batch_size_d: int = 64
    batch_size_g: int = 128
    lr_gan: float = 2e-4
    n_eval: int = 5000

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"n_points": 1000, "hidden": 32, "epochs": 4, "lr_step_epochs": 2, "mmgan_steps": 40,
                  "n_eval": 1000},
        "quick": {"hidden": 64, "epochs": 100, "lr_step_epochs": 20, "mmgan_steps": 5000},
        "paper": {},
    }

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The training points and their Gaussian labels (from ``seed``)."""
        return sample_toy(self.n_points, self.seed, self.variance)

    def mmgan_config(self, supervised: bool = True) -> MMGANConfig:
        """The :class:`colalib.mmgan.MMGANConfig` of the toy MM-GAN (``ngf`` / ``ndf`` = the MLP width)."""
        return MMGANConfig(profile=self.profile, seed=self.seed, nz=self.mmgan_latent_dim, ngf=self.hidden,
                           ndf=self.hidden, batch_size=self.batch_size_d, batch_size_g=self.batch_size_g,
                           num_steps=self.mmgan_steps, lr_d=self.lr_gan, lr_g=self.lr_gan,
                           num_components=self.num_components, mean_range=self.mean_range, sigma=self.sigma,
                           supervised=supervised, log_every=max(1, self.mmgan_steps // 50))


# --------------------------------------------------------------------------------------------- sCOLA / COLA

@dataclass
class ToyLatentModel:
    """A fitted toy sCOLA / COLA: generator, learned codes, the class/cluster of every code, step-III Gaussians."""

    generator: nn.Module
    codes: torch.Tensor
    clusters: np.ndarray
    num_clusters: int
    gaussians: ClassGaussians
    t_scale: float = 1.0
    history: list[float] = field(default_factory=list)
    train_seconds: float = 0.0

    @torch.no_grad()
    def decode(self, codes: torch.Tensor | np.ndarray) -> np.ndarray:
        """``G(z)`` as ``(n, 2)`` float32 points."""
        self.generator.eval()
        return self.generator(torch.as_tensor(np.asarray(codes), dtype=torch.float32)).numpy()

    def sample(self, n: int, spread: float = 1.0, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points from the uniform mixture of the per-cluster Gaussians (Sec. 3.3; covariance
        ``* spread**2``, ``colalib.sampling``'s convention), codes projected onto the spheres, and the
        cluster (latent component) of each, stratified."""
        rng = np.random.default_rng(seed)
        labels = balanced_labels(n, self.gaussians.classes, rng)
        raw = sample_codes(self.gaussians, labels, spread, int(rng.integers(2**31)))
        codes = project_codes(torch.as_tensor(raw, dtype=torch.float32), self.num_clusters, self.t_scale)
        return self.decode(codes), np.asarray(labels, dtype=np.int64)

    def reconstruct(self) -> np.ndarray:
        """``G(z_i)`` of every training point."""
        return self.decode(self.codes)


def kmeans_targets(points: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """COLA's step I on the toy: k-means (scikit-learn, 10 restarts) clusters and their one-hot targets ``t_i``."""
    clusters = KMeans(k, n_init=10, random_state=seed).fit_predict(np.asarray(points, dtype=np.float64))
    return np.eye(k, dtype=np.float32)[clusters], clusters.astype(np.int64)


def fit_toy_latent(points: np.ndarray, config: ToyConfig, labels: np.ndarray | None = None,
                   progress: bool = False) -> ToyLatentModel:
    """Toy sCOLA (``labels`` given: ``t_i`` one-hot label, Sec. 3.4) or COLA (``labels`` None: ``t_i`` one-hot
    k-means cluster). Algorithm 1 with the L2 loss on CPU; ``epochs = 0`` gives the untrained generator with the
    initial codes (a baseline)."""
    cfg = config
    seed_everything(cfg.seed)
    x = torch.as_tensor(np.asarray(points), dtype=torch.float32)
    if labels is None:
        targets, clusters = kmeans_targets(points, cfg.num_components, cfg.seed)
    else:
        clusters = np.asarray(labels, dtype=np.int64)
        targets = np.eye(max(cfg.num_components, int(clusters.max()) + 1), dtype=np.float32)[clusters]
    k = targets.shape[1]
    codes = init_codes(targets, cfg.latent_dim, cfg.noise_std, cfg.seed, cfg.t_scale)
    generator = MLPGenerator(k + cfg.latent_dim, x.shape[1], cfg.hidden)
    result = optimise_latent(
        generator, x, codes, nn.MSELoss(), epochs=cfg.epochs, batch_size=cfg.batch_size, lr_codes=cfg.lr_codes,
        lr_generator=cfg.lr_generator, lr_decay=cfg.lr_decay, lr_step_epochs=cfg.lr_step_epochs,
        project=lambda z: project_codes(z, k, cfg.t_scale), seed=cfg.seed, progress=progress,
        desc=f"toy {'sCOLA' if labels is not None else 'COLA'}")
    generator.eval()
    return ToyLatentModel(generator, result.codes, clusters, k, fit_class_gaussians(result.codes.numpy(), clusters),
                          cfg.t_scale, result.history, result.seconds)


# --------------------------------------------------------------------------------------------- MM-GAN

class ToyMMGAN(MMGAN):
    """:class:`colalib.mmgan.MMGAN` on 2-D points: MLP generator and discriminator (width ``ngf`` / ``ndf``),
    otherwise the same prior, losses (Eqs. 2.5, 2.6) and Algorithm-1 loop. ``fit(points, labels)``; ``decode``
    and ``sample`` return float points ``(n, 2)``."""

    name = "MM-GAN (toy)"

    def _build(self, num_classes: int, image_size: int) -> None:
        cfg = self.config
        self._build_prior(num_classes)
        self.image_size_ = int(image_size)  # the data dimension (2)
        self.generator = MLPGenerator(cfg.nz, image_size, cfg.ngf).to(self.device)
        self.discriminator = MLPDiscriminator(image_size, self._num_outputs(), cfg.ndf).to(self.device)

    def _inputs(self, images: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(images), dtype=torch.float32, device=self.device)

    @torch.no_grad()
    def decode(self, z: torch.Tensor | np.ndarray, labels: np.ndarray | None = None,
               batch_size: int = 5000) -> np.ndarray:
        self._check_fitted()
        self.generator.eval()
        z = torch.as_tensor(np.asarray(z), dtype=torch.float32)
        out = [self.generator(z[s:s + batch_size].to(self.device)).cpu().numpy() for s in range(0, len(z), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.image_size_), np.float32)

    def sample_points(self, n: int, spread: float = 1.0, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` points ``G(z)``, ``z | k ~ N(mu_k, spread * sigma I)`` (Sec. 4.3's covariance scale), and the
        Gaussian ``k`` of each (stratified over the classes, uniform among a class's Gaussians)."""
        z, components, _ = self.sample_latent(n, spread=spread, seed=seed)
        return self.decode(z), components


def fit_toy_mmgan(points: np.ndarray, labels: np.ndarray | None, config: ToyConfig, supervised: bool = True,
                  progress: bool = False) -> ToyMMGAN:
    """Train the toy MM-GAN with ``K = config.num_components`` Gaussians (supervised: ``labels`` needed)."""
    model = ToyMMGAN(config.mmgan_config(supervised), device="cpu", progress=progress)
    return model.fit(points, labels if supervised else None)


# --------------------------------------------------------------------------------------------- experiment

TOY_METHODS = ("scola", "cola", "mmgan", "mmgan_unsup")


def toy_experiment(config: ToyConfig, methods: tuple[str, ...] = TOY_METHODS, spreads: tuple[float, ...] = (1.0,),
                   progress: bool = False) -> dict[str, Any]:
    """Fit every method on the toy data; returns ``{"data": {"points", "labels", "nll"}, method: {"points",
    "components", "nll" {spread: value}, "modes" {spread: (9,) fractions}, "train_seconds"}}``. ``points`` /
    ``components`` (for the scatter plots) are drawn at ``spreads[0]``; ``spread`` is each model's own sampling
    scale (sCOLA/COLA: standard deviation x spread; MM-GAN: covariance x spread, the paper's sigma')."""
    unknown = set(methods) - set(TOY_METHODS)
    if unknown:
        raise ValueError(f"unknown toy methods {sorted(unknown)}; choose from {TOY_METHODS}")
    points, labels = config.data()
    nll = lambda p: negative_log_likelihood(p, config.variance)  # noqa: E731  (the data's own variance)
    out: dict[str, Any] = {"data": {"points": points, "labels": labels, "nll": nll(points)}}
    for method in methods:
        start = time.perf_counter()
        if method in ("scola", "cola"):
            model = fit_toy_latent(points, config, labels if method == "scola" else None, progress)
            draw = model.sample
        else:
            model = fit_toy_mmgan(points, labels, config, supervised=method == "mmgan", progress=progress)
            draw = model.sample_points
        seconds = time.perf_counter() - start
        samples = {s: draw(config.n_eval, spread=s, seed=config.seed) for s in spreads}
        first = samples[spreads[0]]
        out[method] = {"points": first[0], "components": first[1], "train_seconds": seconds,
                       "nll": {s: nll(p) for s, (p, _) in samples.items()},
                       "modes": {s: mode_histogram(p) for s, (p, _) in samples.items()}}
    return out
