"""MM-GAN (colalib.mmgan): mixture prior, the paper's losses, training, spread sampling, persistence."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from colalib.cache import ArtifactCache
from colalib.cola import SCOLAConfig
from colalib.data import ImageDataset
from colalib.experiments import fit_or_load
from colalib.gan import CGANPD, GANConfig, SNResNetDiscriminator
from colalib.mmgan import (
    MMGAN,
    MMGANConfig,
    component_classes,
    mixture_means,
    mmgan_d_loss,
    mmgan_g_loss,
    sample_mixture,
)

from test_gan import toy_images  # the same two-colour toy set as the CGAN-PD tests


@pytest.fixture(scope="module")
def trained() -> MMGAN:
    """Supervised, K = 4 Gaussians for N = 2 classes (f(k) = k mod 2), 15 smoke steps."""
    cfg = MMGANConfig.for_profile("smoke", num_steps=15, num_components=4, seed=0)
    return MMGAN(cfg, device="cpu", progress=False).fit(*toy_images())


def test_prior_means_range_and_covariance():
    means = mixture_means(10, 100, c=0.1, seed=0)
    assert means.shape == (10, 100)
    assert means.abs().max() <= 0.1 and means.max() > 0.099 and means.min() < -0.099
    assert means.var().item() == pytest.approx(0.1**2 / 3, rel=0.1)  # U[-c, c] has variance c^2 / 3
    assert torch.equal(means, mixture_means(10, 100, c=0.1, seed=0))
    assert not torch.equal(means, mixture_means(10, 100, c=0.1, seed=1))
    z = sample_mixture(means, np.full(20_000, 3), sigma=0.15, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(0), means[3], atol=0.015)  # 4 standard errors of sqrt(0.15 / 20000)
    cov = torch.cov(z.T.double())
    assert torch.diagonal(cov).mean().item() == pytest.approx(0.15, rel=0.01)  # Sigma_k = sigma * I
    assert (cov - torch.diag(torch.diagonal(cov))).abs().max().item() < 0.015
    assert torch.equal(sample_mixture(means, [0, 5], sigma=0.15, spread=0.0), means[[0, 5]])
    assert component_classes(5, 2).tolist() == [0, 1, 0, 1, 0]
    with pytest.raises(ValueError, match="at least one Gaussian per class"):
        component_classes(2, 3)


def test_losses_are_the_papers_sigmoid_cross_entropies():
    real, fake = torch.tensor([[2.0, -1.0, 0.5]]), torch.tensor([[0.3, -0.2, 1.0]])
    y = torch.tensor([0])
    p_real, p_fake = torch.sigmoid(real)[0], torch.sigmoid(fake)[0]
    l_real = -math.log(p_real[0]) - math.log(1 - p_real[1]) - math.log(1 - p_real[2])  # Eq. 2.6, real part
    l_fake = -sum(math.log(1 - p) for p in p_fake.tolist())  # Eq. 2.6, fake part
    assert mmgan_d_loss(real, y, fake).item() == pytest.approx(0.5 * (l_real + l_fake), rel=1e-5)  # Alg. 1 l. 16
    l_g = -math.log(p_fake[2]) - math.log(1 - p_fake[0]) - math.log(1 - p_fake[1])  # Eq. 2.5, f(k) = 2
    assert mmgan_g_loss(fake, torch.tensor([2])).item() == pytest.approx(l_g, rel=1e-5)
    # N = 1, every label 0: the plain GAN losses of Eqs. 2.2 / 2.3
    r, f = torch.tensor([[0.7]]), torch.tensor([[-0.4]])
    assert mmgan_d_loss(r, torch.tensor([0]), f).item() == pytest.approx(
        0.5 * (-F.logsigmoid(r) - torch.log1p(-torch.sigmoid(f))).item(), rel=1e-5
    )
    assert mmgan_g_loss(f, torch.tensor([0])).item() == pytest.approx(-F.logsigmoid(f).item(), rel=1e-5)


@pytest.mark.slow
def test_training_lowers_the_losses(trained):
    assert isinstance(trained.discriminator, SNResNetDiscriminator)
    assert trained.discriminator(torch.zeros(3, 3, 32, 32)).shape == (3, 2)  # N = 2 sigmoid outputs
    d, g = ([h[key] for h in trained.history_] for key in ("d_loss", "g_loss"))
    assert [h["step"] for h in trained.history_] == list(range(1, 16))
    assert np.mean(d[-3:]) < 0.5 * d[0]
    assert np.mean(g[-3:]) < g[0]
    assert trained.train_seconds_ > 0 and trained.images_per_second_ > 0
    assert (trained.num_components_, trained.num_classes_) == (4, 2)
    assert trained.component_classes_.tolist() == [0, 1, 0, 1]


@pytest.mark.slow
def test_sample_shapes_and_classes(trained):
    images, labels = trained.sample(10, classes=[1], seed=0)
    assert images.shape == (10, 32, 32, 3) and images.dtype == np.uint8 and np.all(labels == 1)
    _, labels = trained.sample(7, seed=0)
    assert sorted(np.bincount(labels, minlength=2)) == [3, 4]
    z, components, labels = trained.sample_latent(400, seed=1)
    assert z.shape == (400, 100) and np.array_equal(components % 2, labels)  # k drawn from f^-1(class)
    assert set(components.tolist()) == {0, 1, 2, 3}
    assert np.array_equal(trained.sample(5, seed=2)[0], trained.sample(5, seed=2)[0])
    with pytest.raises(ValueError, match="classes"):
        trained.sample(2, classes=[2])


@pytest.mark.slow
def test_spread_scales_the_latent_covariance(trained):
    means = trained.means_.cpu()
    for spread in (0.5, 1.0, 2.0):
        z, k, _ = trained.sample_latent(4000, spread=spread, seed=0)
        var = (z - means[k]).var().item()
        assert var == pytest.approx(spread * 0.15, rel=0.03)  # sigma' = spread * sigma (Sec. 4.3)
    z, k, _ = trained.sample_latent(6, spread=0.0, seed=0)
    assert torch.equal(z, means[k])
    a, _ = trained.sample(6, spread=0.5, seed=0)
    b, _ = trained.sample(6, spread=2.0, seed=0)
    assert not np.array_equal(a, b)


@pytest.mark.slow
def test_save_load_round_trip_and_fit_or_load(trained, tmp_path):
    a, la = trained.sample(8, seed=3, spread=0.7)
    trained.save(tmp_path / "mmgan.pt")
    loaded = MMGAN.load(tmp_path / "mmgan.pt")
    b, lb = loaded.sample(8, seed=3, spread=0.7)
    assert isinstance(loaded.config, MMGANConfig) and loaded.config == trained.config
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert torch.equal(loaded.means_, trained.means_) and loaded.history_ == trained.history_
    assert loaded.component_classes_.tolist() == [0, 1, 0, 1]
    x, y = toy_images(4)
    ds = ImageDataset(x, y, ["red", "blue"], "toy", "train", source="tests/test_mmgan.py")
    cache, cfg = ArtifactCache(tmp_path / "cache"), MMGANConfig.for_profile("smoke", num_steps=2)
    first = fit_or_load(MMGAN, cfg, ds, cache, "cpu", progress=False)
    again = fit_or_load(MMGAN, cfg, ds, cache, "cpu", progress=False)
    assert np.array_equal(first.sample(4, seed=0)[0], again.sample(4, seed=0)[0])
    assert len(list((tmp_path / "cache" / "models").iterdir())) == 1


def test_unsupervised_variant_uses_one_output_and_gaussians_as_classes():
    x, _ = toy_images(4)
    cfg = MMGANConfig.for_profile("smoke", num_steps=2, supervised=False, num_components=3)
    model = MMGAN(cfg, device="cpu", progress=False).fit(x)
    assert model.discriminator(torch.zeros(2, 3, 32, 32)).shape == (2, 1)  # Eq. 2.3: one real/fake output
    images, labels = model.sample(9, seed=0)
    assert images.shape == (9, 32, 32, 3) and sorted(labels.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    with pytest.raises(ValueError, match="num_components"):
        MMGAN(cfg.replace(num_components=0), device="cpu", progress=False).fit(x)
    with pytest.raises(ValueError, match="labels"):
        MMGAN(MMGANConfig.for_profile("smoke"), device="cpu", progress=False).fit(x)


def test_config_defaults_and_profiles():
    paper = MMGANConfig()
    assert (paper.nz, paper.mean_range, paper.sigma) == (100, 0.1, 0.15)  # Algorithm 1: d, c, sigma
    assert (paper.batch_size, paper.batch_size_g, paper.lr_d, paper.lr_g) == (64, 128, 2e-4, 2e-4)
    assert paper.n_dis == 1 and paper.lr_at(2e-4, 50_000) == 2e-4 and paper.supervised
    quick, smoke = MMGANConfig.for_profile("quick"), MMGANConfig.for_profile("smoke")
    assert smoke.num_steps < quick.num_steps < paper.num_steps and quick.ngf < paper.ngf
    assert quick.key() != paper.key()
    with pytest.raises(ValueError, match="n_dis"):
        MMGANConfig(n_dis=5)
    with pytest.raises(TypeError, match="MMGANConfig"):
        MMGAN(GANConfig())
    with pytest.raises(TypeError, match="GANConfig"):
        CGANPD(SCOLAConfig())
