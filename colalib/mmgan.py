"""MM-GAN: a GAN with a mixture-of-Gaussians latent prior (Ben-Yosef & Weinshall 2018; ``../shared/papers/003_*.txt``).

The prior (Sec. 2.1, Eq. 2.4) is the uniform mixture ``p_Z(z) = sum_k 1/K N(mu_k, Sigma_k)``. In the *static*
MM-GAN (Sec. 2.1.1; implemented here) the means are drawn once, ``mu_k ~ U[-c, c]^d``, and fixed, and
``Sigma_k = sigma I_d``; Algorithm 1's defaults are ``d = 100``, ``c = 0.1``, ``sigma = 0.15``, ``b_D = 64``,
``b_G = 128``, learning rate ``gamma = 2e-4``. ``sigma`` multiplies the identity in the *covariance*: the standard
deviation of every latent coordinate is ``sqrt(sigma)`` (0.387), as the paper writes it (``Sigma_k = sigma * I``).

Supervised MM-GAN (Sec. 2.2): the discriminator has ``N`` sigmoid outputs, ``D(x)_m`` the probability that ``x``
is a real sample of class ``m``; a latent vector from Gaussian ``k`` should be generated as class ``f(k)``. Losses
(Eqs. 2.5, 2.6; Algorithm 1 lines 11-16 and 23-26)::

    L(G) = -E_z[ log D(G(z))_f(k) + sum_{m != f(k)} log(1 - D(G(z))_m) ]
    L(D) = 1/2 ( -E_x[ log D(x)_y + sum_{m != y} log(1 - D(x)_m) ] - E_z[ sum_m log(1 - D(G(z))_m) ] )

i.e. ``N`` binary cross-entropies with one-hot targets (all zero for fakes in ``L(D)``). The unsupervised MM-GAN
(Eqs. 2.2, 2.3) is the case ``N = 1``, every real sample of "class" 0 and ``f(k) = 0``: ``supervised=False``.

Post-training sampling (Sec. 4.3): ``z | k ~ N(mu_k, sigma' Sigma_k)`` with the scale ``sigma'`` in 0.5 ... 2.0
(1.0 = the training prior). :meth:`MMGAN.sample`'s ``spread`` is that ``sigma'``: it multiplies the covariance
(the standard deviation by ``sqrt(spread)``), unlike ``colalib.sampling``'s ``spread`` for sCOLA, which multiplies
the standard deviation (covariance ``* spread**2``).

Architecture (not given by the paper, which used DCGAN-like nets; chosen so that MM-GAN and CGAN-PD differ only
in the prior and the loss): the generator is ``colalib.models.build_generator("dcgan_res")``, the residual
generator of the CGAN-PD family without class-conditional batch norm (the MM-GAN generator takes only ``z``; the
class enters through the Gaussian ``z`` comes from); the discriminator is ``colalib.gan.SNResNetDiscriminator``
(the CGAN-PD trunk with spectral norm) with ``N`` outputs. The training loop is CGAN-PD's (``colalib.gan.CGANPD``),
with Algorithm 1's order: one discriminator step on ``b_D`` real images and ``b_D`` fakes, then one generator
step on ``b_G`` fakes; Gaussian indices are drawn i.i.d. uniformly (Algorithm 1, lines 7 and 19).

Choices where the paper is silent:
  * Adam betas (0.5, 0.999) (the paper gives only ``gamma``; 0.5 is the DCGAN setting its baselines use);
  * ``iters``: 100,000 (the paper: "vary with different experiments"), CGAN-PD's number of generator steps;
  * constant learning rate (no decay is mentioned);
  * ``f(k) = k mod N`` (Sec. 2.2 allows ``K >= N``); ``K < N`` is rejected (some classes would never be drawn);
  * ``sigma`` is read as written, the covariance scale (``Sigma_k = sigma * I``, Sec. 2.1.1). With ``d = 100`` and
    ``c = 0.1`` the Gaussians then overlap heavily: two means lie about 0.82 apart, against a standard deviation
    of 0.39 along any direction, so about 15% of a pair's draws fall nearer the other mean. If the authors meant a
    standard deviation, set ``sigma = 0.15 ** 2`` (the toy of ``colalib.toy`` separates its 9 components in data
    space with that reading and does not with the literal one, at the quick profile).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from .data import ImageDataset, as_arrays
from .gan import CGANPD, BatchStream, GANConfig, SNResNetDiscriminator
from .models import build_generator
from .sampling import balanced_labels

# --------------------------------------------------------------------------------------------- the prior

def mixture_means(num_components: int, dim: int, c: float = 0.1, seed: int = 0) -> torch.Tensor:
    """The static MM-GAN means ``mu_k ~ U[-c, c]^d``, ``(K, d)`` (Sec. 2.1.1; Algorithm 1, line 2)."""
    if num_components < 1 or dim < 1:
        raise ValueError(f"need num_components >= 1 and dim >= 1, got {num_components}, {dim}")
    gen = torch.Generator().manual_seed(int(seed))
    return (torch.rand(num_components, dim, generator=gen) * 2 - 1) * c


def component_classes(num_components: int, num_classes: int) -> np.ndarray:
    """The map ``f: [K] -> [N]`` of Sec. 2.2 as an array, ``f(k) = k mod N`` (bijective for ``K = N``,
    surjective for ``K > N``)."""
    if num_components < num_classes:
        raise ValueError(f"MM-GAN needs at least one Gaussian per class: K = {num_components} < N = {num_classes} "
                         f"(set num_components >= the number of classes, or 0 for K = N)")
    return np.arange(num_components, dtype=np.int64) % num_classes


def sample_mixture(means: torch.Tensor, components: torch.Tensor | np.ndarray, sigma: float, spread: float = 1.0,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """``z_j ~ N(mu_{k_j}, spread * sigma * I)`` for the Gaussian indices ``components`` (Algorithm 1, lines 8
    and 20; Sec. 4.3 for ``spread``, the paper's post-training scale of the covariance). ``spread = 0``: the means."""
    if spread < 0:
        raise ValueError(f"spread scales a covariance and must be >= 0, got {spread}")
    k = torch.as_tensor(np.asarray(components) if not torch.is_tensor(components) else components,
                        dtype=torch.long, device=means.device)
    eps = torch.randn(len(k), means.shape[1], generator=generator, device=means.device)
    return means[k] + math.sqrt(spread * sigma) * eps


def mmgan_d_loss(real_logits: torch.Tensor, real_labels: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Discriminator loss, Eq. 2.6 with Algorithm 1's normalisation (line 16): half the sum of the batch means of
    ``-log D(x)_y - sum_{m != y} log(1 - D(x)_m)`` (real) and ``-sum_m log(1 - D(G(z))_m)`` (fake). Logits
    ``(B, N)``; ``D = sigmoid(logits)``. ``N = 1`` with labels 0 is the GAN loss of Eq. 2.3."""
    real_t = F.one_hot(real_labels, real_logits.shape[1]).to(real_logits.dtype)
    real = F.binary_cross_entropy_with_logits(real_logits, real_t, reduction="none").sum(1).mean()
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits), reduction="none")
    return 0.5 * (real + fake.sum(1).mean())


def mmgan_g_loss(fake_logits: torch.Tensor, fake_classes: torch.Tensor) -> torch.Tensor:
    """Generator loss, Eq. 2.5 (Algorithm 1, lines 23-26): the batch mean of
    ``-log D(G(z))_f(k) - sum_{m != f(k)} log(1 - D(G(z))_m)``. ``N = 1`` with ``f = 0`` is Eq. 2.2."""
    target = F.one_hot(fake_classes, fake_logits.shape[1]).to(fake_logits.dtype)
    return F.binary_cross_entropy_with_logits(fake_logits, target, reduction="none").sum(1).mean()


# --------------------------------------------------------------------------------------------- config

@dataclass(frozen=True)
class MMGANConfig(GANConfig):
    """Static MM-GAN settings; defaults (``paper``) are Algorithm 1's: ``d = nz = 100``, ``c = 0.1``,
    ``sigma = 0.15``, ``b_D = batch_size = 64``, ``b_G = batch_size_g = 128``, ``gamma = lr_d = lr_g = 2e-4``, one
    discriminator step per generator step (``n_dis = 1``), no learning-rate decay. ``num_components`` is ``K``
    (0: one Gaussian per class, ``K = N``); ``supervised`` selects Sec. 2.2's ``N``-output variant. Networks:
    ``ngf`` / ``ndf`` are the widths of the CGAN-PD-family generator and discriminator (Mimicry's 256 / 128).

    Profiles: ``smoke`` tiny networks for 3 steps (seconds); ``quick`` the widths of ``GANConfig``'s quick
    profile (ngf = ndf = 32), batches ``b_D = 32``, ``b_G = 64`` (the paper's 1:2) and 800 iterations: about the
    wall-clock of CGAN-PD's quick run (one MM-GAN iteration measured at 0.6x a CGAN-PD quick step, one CPU thread),
    roughly 10-15 minutes on one thread; "a small GAN briefly trained", not the paper's; ``paper`` the defaults.
    """

    nz: int = 100
    batch_size: int = 64
    batch_size_g: int = 128
    n_dis: int = 1
    beta1: float = 0.5
    beta2: float = 0.999
    lr_decay: str = "none"
    num_components: int = 0
    mean_range: float = 0.1
    sigma: float = 0.15
    supervised: bool = True

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {
        "smoke": {"ngf": 16, "ndf": 16, "batch_size": 16, "batch_size_g": 16, "num_steps": 3, "log_every": 1},
        "quick": {"ngf": 32, "ndf": 32, "batch_size": 32, "batch_size_g": 64, "num_steps": 800, "log_every": 20},
        "paper": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.n_dis != 1:
            raise ValueError("MM-GAN (Algorithm 1) alternates one discriminator and one generator step: n_dis = 1")
        if self.batch_size_g < 2:
            raise ValueError("batch_size_g must be >= 2 (the generator uses batch norm)")
        if self.sigma <= 0 or self.mean_range < 0 or self.num_components < 0:
            raise ValueError("need sigma > 0, mean_range >= 0 and num_components >= 0 (0: K = number of classes)")


# --------------------------------------------------------------------------------------------- estimator

class MMGAN(CGANPD):
    """Static MM-GAN with the estimator interface of ``colalib.cola`` / ``colalib.gan``::

        model = MMGAN(MMGANConfig.for_profile("quick")).fit(train)      # an ImageDataset, or (images, labels)
        images, labels = model.sample(1000, seed=0, spread=0.5)         # uint8 NHWC and class ids

    Unsupervised (``supervised=False``): ``fit(images)`` needs no labels, ``num_components`` must be set, and the
    Gaussians play the classes (``sample(classes=...)`` picks Gaussians; returned labels are Gaussian indices),
    as COLA's clusters do. Attributes after ``fit``: those of :class:`colalib.gan.CGANPD` (``history_``,
    ``train_seconds_``, ``images_per_second_`` ...) and ``means_`` ``(K, d)``, ``component_classes_`` (``f``),
    ``num_components_``, ``num_classes_`` (``N``; ``K`` when unsupervised).
    """

    name = "MM-GAN"
    config_class: ClassVar[type[GANConfig]] = MMGANConfig

    def __init__(self, config: MMGANConfig | None = None, device: str | torch.device | None = None,
                 progress: bool = True):
        super().__init__(config, device, progress)
        self.means_: torch.Tensor | None = None
        self.component_classes_: np.ndarray | None = None
        self.num_components_: int | None = None

    # -- networks and prior ----------------------------------------------------------------------------
    def _num_outputs(self) -> int:
        """Discriminator outputs: ``N`` (supervised) or 1 (unsupervised, Eq. 2.3)."""
        return self.num_classes_ if self.config.supervised else 1

    def _build_prior(self, num_classes: int) -> None:
        """``K`` Gaussians (the config's, else one per class), their classes ``f`` and means (from the seed)."""
        cfg = self.config
        self.num_components_ = cfg.num_components or num_classes
        self.num_classes_ = int(num_classes) if cfg.supervised else self.num_components_
        self.component_classes_ = component_classes(self.num_components_, self.num_classes_)
        self.means_ = mixture_means(self.num_components_, cfg.nz, cfg.mean_range, cfg.seed).to(self.device)

    def _build(self, num_classes: int, image_size: int) -> None:
        cfg = self.config
        self._build_prior(num_classes)
        self.image_size_ = int(image_size)
        self.generator = build_generator("dcgan_res", cfg.nz, image_size, width=cfg.ngf).to(self.device)
        self.discriminator = SNResNetDiscriminator(self._num_outputs(), image_size, cfg.ndf).to(self.device)

    def _fake(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` fakes ``G(z)``, ``z ~ N(mu_k, sigma I)`` with ``k`` uniform (Algorithm 1, lines 7-9), and the
        discriminator output each should hit: ``f(k)`` (supervised) or 0."""
        k = torch.randint(0, self.num_components_, (n,), generator=gen, device=self.device)
        z = sample_mixture(self.means_, k, self.config.sigma, generator=gen)
        target = torch.as_tensor(self.component_classes_, device=self.device)[k] if self.config.supervised \
            else torch.zeros_like(k)
        return self.generator(z), target

    def _g_loss(self, fake: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return mmgan_g_loss(self.discriminator(fake), y)

    def _d_loss(self, x: torch.Tensor, y: torch.Tensor, fake: torch.Tensor, fake_y: torch.Tensor) -> torch.Tensor:
        return mmgan_d_loss(self.discriminator(x), y, self.discriminator(fake))

    # -- training --------------------------------------------------------------------------------------
    def fit(self, x: ImageDataset | np.ndarray, y: np.ndarray | None = None,
            num_classes: int | None = None) -> "MMGAN":
        """Train on images: ``fit(dataset)`` / ``fit(images, labels)`` (supervised), ``fit(images)`` (unsupervised,
        labels ignored)."""
        images, labels, k = as_arrays(x, y)
        if not self.config.supervised:
            if not self.config.num_components:
                raise ValueError("The unsupervised MM-GAN needs num_components (K) in its MMGANConfig")
            return self._fit_arrays(images, np.zeros(len(images), np.int64), self.config.num_components)
        if labels is None:
            raise ValueError("The supervised MM-GAN needs labels: fit(dataset) or fit(images, labels); "
                             "or set supervised=False")
        return self._fit_arrays(images, labels, num_classes or k or int(labels.max()) + 1)

    def _iteration(self, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer, stream: BatchStream,
                   noise: torch.Generator, real_x: torch.Tensor, real_y: torch.Tensor) -> tuple[float, float]:
        """Algorithm 1, one iteration: a discriminator step on ``b_D`` real samples and ``b_D`` fakes, then a
        generator step on ``b_G`` fakes."""
        idx = stream.next().to(self.device)
        d_loss = self._discriminator_step(opt_d, real_x[idx], real_y[idx], noise)
        return d_loss, self._generator_step(opt_g, noise, self.config.batch_size_g)

    # -- generation ------------------------------------------------------------------------------------
    def sample_latent(self, n: int, classes: int | list[int] | np.ndarray | None = None,
                      spread: float | None = None, seed: int | None = None
                      ) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
        """``n`` latent vectors ``z | k ~ N(mu_k, spread * sigma * I)`` (Sec. 4.3; ``spread`` None: 1, the training
        prior), their Gaussian indices ``k`` and their classes: stratified uniform over ``classes`` (None: all),
        ``k`` uniform among the Gaussians of the class (``f^-1(class)``)."""
        self._check_fitted()
        rng = np.random.default_rng(seed)
        pool = np.arange(self.num_classes_) if classes is None else np.atleast_1d(np.asarray(classes))
        if pool.size == 0 or pool.min() < 0 or pool.max() >= self.num_classes_:
            raise ValueError(f"classes must lie in [0, {self.num_classes_}), got {pool.tolist()}")
        labels = balanced_labels(n, pool, rng).astype(np.int64)
        members = [np.flatnonzero(self.component_classes_ == c) for c in range(self.num_classes_)]
        components = np.array([rng.choice(members[c]) for c in labels], dtype=np.int64)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
        z = sample_mixture(self.means_.cpu(), components, self.config.sigma, 1.0 if spread is None else spread, gen)
        return z, components, labels

    @torch.no_grad()
    def sample(self, n: int, classes: int | list[int] | np.ndarray | None = None, spread: float | None = None,
               seed: int | None = None, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """``n`` images ``G(z)``, ``z`` from :meth:`sample_latent`, and their classes (Gaussian indices when
        unsupervised). ``spread`` is the paper's post-training covariance scale ``sigma'`` (0.5 ... 2.0)."""
        z, _, labels = self.sample_latent(n, classes, spread, seed)
        return self.decode(z, labels, batch_size), labels

    # -- persistence -----------------------------------------------------------------------------------
    def state(self) -> dict:
        return {**super().state(), "means": self.means_.detach().cpu(),
                "component_classes": self.component_classes_, "num_components": self.num_components_}

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device | None = None) -> "MMGAN":
        model = super().from_state(state, device)
        model.means_ = torch.as_tensor(state["means"]).to(model.device)
        model.component_classes_ = np.asarray(state["component_classes"], dtype=np.int64)
        model.num_components_ = int(state["num_components"])
        return model
