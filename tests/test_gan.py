"""CGAN-PD baseline (colalib.gan): spectral norm, hinge training, projection, sampling, persistence, caching."""

import numpy as np
import pytest
import torch

from colalib.cache import ArtifactCache
from colalib.cola import SCOLAConfig
from colalib.data import ImageDataset
from colalib.experiments import fit_or_load
from colalib.gan import CGANPD, GANConfig, SNProjectionDiscriminator, d_hinge_loss, g_hinge_loss, spectral_norm_weights


def toy_images(per_class: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two classes of noisy constant-colour 32x32 images: red (class 0) and blue (class 1)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((2 * per_class, 32, 32, 3), np.int64)
    x[:per_class, ..., 0] = 220
    x[per_class:, ..., 2] = 220
    x = np.clip(x + rng.integers(-10, 11, x.shape), 0, 255).astype(np.uint8)
    return x, np.repeat([0, 1], per_class)


def toy_dataset() -> ImageDataset:
    x, y = toy_images()
    return ImageDataset(x, y, ["red", "blue"], "toy", "train", source="tests/test_gan.py")


@pytest.fixture(scope="module")
def trained() -> CGANPD:
    cfg = GANConfig.for_profile("smoke", num_steps=30, log_every=1, seed=0)
    return CGANPD(cfg, device="cpu", progress=False).fit(*toy_images())


def _sigma(w: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(w.detach().reshape(w.shape[0], -1), ord=2))


@pytest.mark.slow
def test_spectral_norms_stay_near_one_after_training(trained):
    d = trained.discriminator.eval()
    weights = spectral_norm_weights(d)
    assert len(weights) == 12  # 3 + 3 convolutions (two blocks with shortcuts), 2 + 2, linear, embedding
    for name, w in weights.items():
        assert abs(_sigma(w) - 1.0) < 0.05, name
    raw = [_sigma(m.parametrizations.weight.original) for m in d.modules() if hasattr(m, "parametrizations")]
    assert max(abs(s - 1.0) for s in raw) > 0.2  # the normalisation does something


@pytest.mark.slow
def test_discriminator_hinge_loss_falls(trained):
    d_losses = [h["d_loss"] for h in trained.history_]
    assert len(d_losses) == 30 and [h["step"] for h in trained.history_] == list(range(1, 31))
    assert d_losses[0] >= 1.9  # a near-constant D has hinge loss >= 2
    assert np.mean(d_losses[-5:]) < 0.5 < 0.25 * d_losses[0]
    assert trained.train_seconds_ > 0 and trained.images_per_second_ > 0


def test_hinge_losses():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.0])
    assert d_hinge_loss(real, fake).item() == pytest.approx((0 + 0.5 + 2) / 3 + (0 + 1 + 2) / 3)
    assert g_hinge_loss(fake).item() == pytest.approx(1 / 3)


def test_class_projection_changes_the_output():
    torch.manual_seed(0)
    d = SNProjectionDiscriminator(num_classes=3, image_size=32, width=16).eval()  # eval: no power iteration
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        out0, out1 = d(x, torch.zeros(4, dtype=torch.long)), d(x, torch.ones(4, dtype=torch.long))
        embed = d.embed.weight
        expected = ((embed[0] - embed[1]) * d.features(x)).sum(dim=1, keepdim=True)
    assert out0.shape == (4, 1)
    assert torch.all((out0 - out1).abs() > 1e-4)
    assert torch.allclose(out0 - out1, expected, atol=1e-4)


@pytest.mark.parametrize("size", [48, 64])
def test_larger_images(size):
    torch.manual_seed(0)
    d = SNProjectionDiscriminator(num_classes=2, image_size=size, width=8)
    x = torch.randn(1, 3, size, size).repeat(2, 1, 1, 1).requires_grad_(True)
    out = d(x, torch.tensor([0, 1]))
    assert out.shape == (2, 1)
    assert not torch.isclose(out[0], out[1]).all()  # the projection term reads the class
    out.sum().backward()
    half = size // 2
    quadrants = [
        x.grad[:, :, :half, :half],
        x.grad[:, :, :half, half:],
        x.grad[:, :, half:, :half],
        x.grad[:, :, half:, half:],
    ]
    assert all(q.abs().sum() > 0 for q in quadrants)  # every part of the larger image reaches the score


@pytest.mark.slow
def test_sample_classes_and_spread(trained):
    images, labels = trained.sample(10, classes=[1], seed=0)
    assert images.shape == (10, 32, 32, 3) and images.dtype == np.uint8 and np.all(labels == 1)
    _, labels = trained.sample(7, seed=0)
    assert sorted(np.bincount(labels, minlength=2)) == [3, 4]
    trained.sample(2, spread=1.0)
    with pytest.raises(ValueError, match="spread"):
        trained.sample(2, spread=0.5)
    with pytest.raises(ValueError, match="classes"):
        trained.sample(2, classes=[2])


@pytest.mark.slow
def test_save_load_gives_identical_samples(trained, tmp_path):
    a, la = trained.sample(8, seed=3)
    trained.save(tmp_path / "gan.pt")
    loaded = CGANPD.load(tmp_path / "gan.pt")
    b, lb = loaded.sample(8, seed=3)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert loaded.history_ == trained.history_ and loaded.config == trained.config
    assert not np.array_equal(a, trained.sample(8, seed=4)[0])


def test_fit_is_deterministic_for_a_seed():
    x, y = toy_images()
    cfg = GANConfig.for_profile("smoke", seed=5)
    a, b = (CGANPD(cfg, device="cpu", progress=False).fit(x, y) for _ in range(2))
    c = CGANPD(cfg.replace(seed=6), device="cpu", progress=False).fit(x, y)
    sa, sb, sc = (m.generator.state_dict() for m in (a, b, c))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert a.history_ == b.history_
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_config_profiles_and_lr_decay():
    paper = GANConfig()
    assert (paper.nz, paper.ngf, paper.ndf, paper.batch_size, paper.n_dis) == (128, 256, 128, 64, 5)
    assert paper.num_steps == 100_000 and paper.lr_decay == "linear"
    assert (paper.lr_d, paper.lr_g, paper.beta1, paper.beta2) == (2e-4, 2e-4, 0.0, 0.9)
    assert paper.lr_at(2e-4, 0) == 2e-4 and paper.lr_at(2e-4, 50_000) == pytest.approx(1e-4)
    assert paper.lr_at(2e-4, 100_000) == 0.0
    assert GANConfig.for_profile("quick").ngf < paper.ngf
    with pytest.raises(TypeError, match="GANConfig"):
        CGANPD(SCOLAConfig())


def test_fit_or_load_and_experiment_registry(tmp_path):
    from colalib.experiments import method_class, model_config

    ds = toy_dataset()
    cache = ArtifactCache(tmp_path)
    cfg = GANConfig.for_profile("smoke", num_steps=2)
    a = fit_or_load(CGANPD, cfg, ds, cache, "cpu", progress=False)
    b = fit_or_load(CGANPD, cfg, ds, cache, "cpu", progress=False)
    assert np.array_equal(a.sample(4, seed=0)[0], b.sample(4, seed=0)[0])
    assert len(list((tmp_path / "models").iterdir())) == 1
    assert method_class("cgan_pd") is CGANPD
    scola = SCOLAConfig.for_profile("smoke", seed=3)
    assert model_config("cgan_pd", scola) == GANConfig.for_profile("smoke", seed=3)
    assert model_config("scola", scola) is scola and model_config("cgan_pd", cfg) is cfg
