"""Related methods with sCOLA's estimator interface (issue #8): ReGene and AugIntAE.

    model = ReGene(ReGeneConfig.for_profile("quick")).fit(subset)       # an ImageDataset, or (images, labels)
    images, labels = model.sample(1000, seed=0)                         # uint8 NHWC and class ids
    model = fit_or_load(AugIntAE, AugIntAEConfig.for_profile("quick"), subset)   # cached like sCOLA

Both are :class:`colalib.cola.LatentGenerativeModel` subclasses: a generator of :mod:`colalib.models`, one code
per training image, ``decode`` / ``reconstruct`` / ``sample`` / ``state`` / ``from_state`` / ``save`` / ``load``. Their
configs derive from :class:`colalib.cola.DecoderConfig`, the generator, loss and schedule fields they share with
sCOLA (thesis Table 4.2, Sec. 3.2, App. C.2), not from :class:`colalib.cola.SCOLAConfig`: sCOLA's code fields
(``lr_codes``, ``t_scale``, ``noise_std``; Sec. 3.2) and step-III fields (``spread``, ``covariance``,
``spread_space``, ``reproject``; Sec. 3.3) mean nothing here, as these codes are never optimised as free
parameters and have no t/v parts. A model is built from its own config only (``ReGene(SCOLAConfig())`` is a
``TypeError``). ``sample(method="gaussian")``, sCOLA's sampler on a peer's codes (a comparison, never the peer's
own sampling), uses the thesis's first reading of step III, :data:`colalib.sampling.LEGACY_STEP_III` (Ledoit-Wolf,
ambient, re-projected by the peer's own projection), spread 1 by default, the whole code as one part.

**ReGene** (Gopalakrishnan et al., ``../shared/papers/002_*.txt``):
  * Sec. 3.1, Eq. 1-3: a classifier ``f_cls = f_dis(f_enc(x))`` trained with cross-entropy on the small subset; the
    codes are its penultimate features ``z* = f_enc(x)``. Here the classifier recipe of
    :mod:`colalib.classification` (ResNet-20, App. C.3 of the thesis) and its global-average-pooled last stage
    (64-d) stand in for the paper's VGG-style network with a 2048-d latent (Sec. 4.2: "not intended to propose an
    optimal architecture");
  * Sec. 3.2, Eq. 4: a decoder trained on the *frozen* codes: sCOLA's generator and reconstruction loss (Laplacian
    pyramid by default) and its training loop (:func:`colalib.latent.optimise_latent`) with the codes fixed
    (``lr_codes=0``: only the decoder learns); the paper's MAE + SSIM + perceptual mix is not reproduced;
  * Sec. 3.3, Lemma 1, Sec. 5.2: new codes are convex combinations of ``n = 2, 3, 5`` same-class codes with ratio
    ``1/n`` (``weights="uniform"``, the paper's) or Dirichlet weights; Table 1 uses ``n = 2`` (the default);
  * Sec. 5.2, two-step filter: keep a combination only if (i) the classifier head ``f_dis`` gives the code's class a
    confidence above the class's threshold, and (ii) the classifier gives the decoded image one above it too.
    The paper's threshold is "the average class confidence per class over the test/holdout samples". The small
    subset has no holdout, so by default (``confidence_threshold < 0``): step (i) uses the class's mean confidence
    on the training codes, step (ii) the mean confidence on the decoded reconstructions of the training images
    (images the classifier never saw, carrying the same decoder error as generated ones, Sec. 5.4); a number
    ``>= 0`` is a fixed threshold for both steps. Rejected positions are redrawn up to ``filter_rounds`` times; the
    ones still missing get their best-scoring candidate (``filter_stats_`` counts them).

**AugIntAE** (Wertheimer et al., ``../shared/papers/004_*.txt`` Sec. 4; appendix ``001_*.txt`` A.1):
  * an encoder ``E`` with L2-normalised codes and a generator ``G``; for every training image two augmentations
    ``A = f(rho_1)``, ``B = f(rho_2)`` and ``C = f(alpha rho_1 + (1 - alpha) rho_2)``; the loss is Eq. 1,
    ``|C - G(SLERP(E(B), E(A); alpha))|_1`` (App. A.1: L2-normalised codes, SLERP), ``alpha`` the mean of two
    uniform draws (A.1);
  * augmentations (A.1, natural images): rotation +-10 deg, shear +-3 deg, translation +-1/8 of the side (the
    paper's +-8 px at 64 px), scale [0.8, 1.2], reflect ("symmetric") padding; brightness / contrast / saturation
    in [0.75, 1.25] and hue +-0.05, all interpolated linearly in their parameters;
  * the auxiliary LSGAN term on ``G``'s output with the scaling of A.1 Eqs. 1-5: ``L_AE = L_recon + k gamma L_adv``,
    ``gamma = |grad L_recon| / |grad L_adv|`` per image (gradients with respect to the generated image), ``k``
    starting at 1 and updated each step by ``k <- clip(k - 0.001 (1 - (D(real) - D(fake))), 0, 1)``;
  * few-shot sampling (Sec. 4, "Few-shot generation"): SLERP between the codes of two random same-class seed
    images at ``alpha ~ U[0, 1]``; the seeds are the training subset (``sample``), or any images (``encode``).
  Choices where the paper is silent or does not fit a small subset: encoder and discriminator are the repository's
  SNGAN residual discriminator (:class:`colalib.gan.SNResNetDiscriminator`, spectral norm included; the paper's
  are DCGAN's), the encoder with ``latent_dim`` outputs, as the paper uses "the same network architecture for both
  AugIntAE encoders and auxiliary GAN discriminators ... encoders have as many [outputs] as there are latent
  dimensions"; the LSGAN labels are Mao et al.'s ``a = -1, b = 1, c = 0`` (the k rule's margin of 1 needs real
  and fake targets 2 apart: with 0/1 targets k could only fall); the real images of the LSGAN are the targets C
  (the paper applies the GAN loss "on the interpolated C"); latent size 128 (the paper's ~25-fold reduction at
  32x32; it uses 512 at 64x64); batch 64; 500 epochs over the subset (sCOLA's budget; the paper's "100 passes" are
  over datasets of 10^4-10^5 images); Adam lr 0.001 (A.1) with betas (0.5, 0.999), constant (A.1: adversarial
  models keep their learning rate); the reconstruction loss on A and B is left out (the paper found it made no
  noticeable difference).
"""
from __future__ import annotations

# The methods live in their own modules (moves only); their names stay importable from here.
from .augintae import AugIntAE, AugIntEncoder  # noqa: F401  (re-exported)
from .augment_params import (  # noqa: F401  (re-exported)
    AUGMENTATIONS,
    AugIntAEConfig,
    apply_augmentation,
    mix_augmentations,
    sample_augmentations,
    slerp_torch,
)
from .peer_base import _PeerModel  # noqa: F401  (re-exported)
from .regene import ReGene, ReGeneConfig  # noqa: F401  (re-exported)
