"""The 9-Gaussian toy (colalib.toy): exact density, toy sCOLA / COLA, toy MM-GAN, the experiment's arrays."""

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal
from sklearn.metrics import adjusted_rand_score

from colalib.mmgan import MMGANConfig
from colalib.toy import (
    GRID_MEANS,
    TOY_METHODS,
    ToyConfig,
    ToyMMGAN,
    fit_toy_latent,
    fit_toy_mmgan,
    log_density,
    mode_histogram,
    negative_log_likelihood,
    sample_toy,
    toy_experiment,
)


@pytest.fixture(scope="module")
def toy_config() -> ToyConfig:
    """1,000 points, width 64, 30 epochs: a few seconds for the latent models."""
    return ToyConfig.for_profile("smoke", epochs=30, lr_step_epochs=10, hidden=64)


def test_sample_toy_is_the_grid_mixture():
    points, labels = sample_toy(90_000, seed=0)
    assert points.shape == (90_000, 2) and points.dtype == np.float32 and set(labels.tolist()) == set(range(9))
    assert np.allclose(np.bincount(labels) / len(labels), 1 / 9, atol=0.006)
    for m in (0, 4, 8):
        x = points[labels == m]
        assert np.allclose(x.mean(0), GRID_MEANS[m], atol=0.015)
        assert np.allclose(np.cov(x.T), 0.1 * np.eye(2), atol=0.006)  # Sigma_m = 0.1 I
    assert np.array_equal(sample_toy(10, seed=1)[0], sample_toy(10, seed=1)[0])


def test_log_density_matches_scipy_and_a_monte_carlo_count():
    x = np.array([[0.0, 0.0], [0.5, -0.5], [1.0, 1.0], [2.5, 0.0]])
    ref = np.log(sum(multivariate_normal(m, 0.1 * np.eye(2)).pdf(x) for m in GRID_MEANS) / 9)
    assert np.allclose(log_density(x), ref, atol=1e-10)
    points, _ = sample_toy(400_000, seed=1)
    h = 0.05  # fraction of samples in the box [x - h, x + h]^2 ~ p(x) (2h)^2
    for point, logp in zip(x[:3], log_density(x[:3])):
        count = np.sum(np.all(np.abs(points - point) < h, axis=1))
        expected = len(points) * np.exp(logp) * (2 * h) ** 2
        assert abs(count - expected) < 4 * np.sqrt(expected) + 0.01 * expected


def test_density_integrates_to_one_and_nll_of_data_is_its_entropy():
    g = np.linspace(-4, 4, 801)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    p = np.exp(log_density(grid))
    area = (g[1] - g[0]) ** 2
    assert p.sum() * area == pytest.approx(1.0, abs=1e-3)
    entropy = -(p * np.log(p)).sum() * area
    points, _ = sample_toy(20_000, seed=2)
    assert negative_log_likelihood(points) == pytest.approx(entropy, abs=0.03)  # E_p[-log p] = H(p)
    assert negative_log_likelihood(GRID_MEANS) < entropy < negative_log_likelihood(points + 3.0)


@pytest.mark.slow
def test_scola_fit_matches_the_mixture_better_than_its_untrained_generator(toy_config):
    points, labels = toy_config.data()
    data_nll = negative_log_likelihood(points)
    trained = fit_toy_latent(points, toy_config, labels)
    untrained = fit_toy_latent(points, toy_config.replace(epochs=0), labels)
    assert trained.history[-1] < 0.01 * trained.history[0]  # the L2 reconstruction loss falls
    assert trained.codes.shape == (len(points), 9 + toy_config.latent_dim)
    t_norms, v_norms = trained.codes[:, :9].norm(dim=1), trained.codes[:, 9:].norm(dim=1)
    assert torch.allclose(t_norms, torch.ones_like(t_norms)) and torch.allclose(v_norms, torch.ones_like(v_norms))
    p_t, c_t = trained.sample(2000, seed=0)
    p_u, _ = untrained.sample(2000, seed=0)
    assert p_t.shape == (2000, 2) and sorted(set(c_t.tolist())) == list(range(9))
    # the untrained MLP collapses near the origin: its NLL is *below* the data's (the NLL of generated points
    # rewards collapse onto a mode), so the comparison is the gap to the data's NLL and the coverage of the modes
    assert negative_log_likelihood(p_u) < data_nll and mode_histogram(p_u).max() > 0.9
    assert abs(negative_log_likelihood(p_t) - data_nll) < 0.15 < abs(negative_log_likelihood(p_u) - data_nll)
    assert np.abs(mode_histogram(p_t) - 1 / 9).max() < 0.04
    assert np.mean([np.linalg.norm(p_t[c_t == k].mean(0) - GRID_MEANS[k]) for k in range(9)]) < 0.15
    # spread 0 decodes the class means of the codes: fewer, more central points, a lower NLL
    assert negative_log_likelihood(trained.sample(2000, spread=0.0, seed=0)[0]) < negative_log_likelihood(p_t)


@pytest.mark.slow
def test_cola_uses_kmeans_clusters(toy_config):
    points, labels = toy_config.data()
    model = fit_toy_latent(points, toy_config, labels=None)
    assert model.num_clusters == 9 and sorted(set(model.clusters.tolist())) == list(range(9))
    assert adjusted_rand_score(labels, model.clusters) > 0.5  # the clusters follow the grid (they overlap)
    p, c = model.sample(900, seed=0)
    assert p.shape == (900, 2) and np.array_equal(np.bincount(c), np.full(9, 100))
    assert np.abs(mode_histogram(p) - 1 / 9).max() < 0.05


@pytest.mark.slow
def test_toy_mmgan_runs_and_returns_nine_components():
    cfg = ToyConfig.for_profile("smoke", mmgan_steps=60)
    points, labels = cfg.data()
    model = fit_toy_mmgan(points, labels, cfg)
    assert isinstance(model, ToyMMGAN) and isinstance(model.config, MMGANConfig)
    assert (model.config.nz, model.config.sigma, model.num_components_) == (100, 0.15, 9)
    assert model.discriminator(torch.zeros(3, 2)).shape == (3, 9)
    d = [h["d_loss"] for h in model.history_]
    assert np.mean(d[-3:]) < d[0]
    p, k = model.sample_points(900, seed=0)
    assert p.shape == (900, 2) and p.dtype == np.float32 and np.isfinite(p).all()
    assert np.array_equal(np.bincount(k, minlength=9), np.full(9, 100))
    unsup = fit_toy_mmgan(points, None, cfg.replace(mmgan_steps=5), supervised=False)
    assert unsup.discriminator(torch.zeros(3, 2)).shape == (3, 1)
    assert sorted(set(unsup.sample_points(90, seed=0)[1].tolist())) == list(range(9))


def test_toy_experiment_returns_scatter_arrays_and_nlls():
    cfg = ToyConfig.for_profile("smoke", mmgan_steps=5, epochs=2)
    out = toy_experiment(cfg, methods=TOY_METHODS, spreads=(1.0, 0.5))
    assert out["data"]["points"].shape == (1000, 2) and out["data"]["labels"].shape == (1000,)
    for method in TOY_METHODS:
        r = out[method]
        assert r["points"].shape == (1000, 2) and r["components"].shape == (1000,)
        assert sorted(set(r["components"].tolist())) == list(range(9))
        assert set(r["nll"]) == {1.0, 0.5} and all(np.isfinite(v) for v in r["nll"].values())
        assert r["modes"][1.0].sum() == pytest.approx(1.0) and r["train_seconds"] > 0
    with pytest.raises(ValueError, match="unknown toy methods"):
        toy_experiment(cfg, methods=("vae",))


def test_toy_config_profiles():
    paper = ToyConfig()
    assert (paper.n_points, paper.variance, paper.num_components) == (5000, 0.1, 9)
    assert (paper.epochs, paper.lr_codes, paper.lr_generator) == (500, 0.01, 0.001)
    gan = paper.mmgan_config(supervised=False)
    assert (gan.nz, gan.mean_range, gan.sigma, gan.batch_size, gan.batch_size_g) == (100, 0.1, 0.15, 64, 128)
    assert not gan.supervised and gan.num_components == 9 and gan.num_steps == paper.mmgan_steps
    smoke, quick = ToyConfig.for_profile("smoke"), ToyConfig.for_profile("quick")
    assert smoke.epochs < quick.epochs < paper.epochs and smoke.mmgan_steps < quick.mmgan_steps < paper.mmgan_steps


def test_toy_experiment_scores_against_the_datas_own_variance():
    """The NLL uses the mixture the data came from: with variance 0.05 the data's NLL is that mixture's entropy,
    not the default 0.1 mixture's."""
    cfg = ToyConfig.for_profile("smoke", variance=0.05, mmgan_steps=2, epochs=1)
    out = toy_experiment(cfg, methods=("scola",))
    points = out["data"]["points"]
    assert out["data"]["nll"] == pytest.approx(negative_log_likelihood(points, 0.05))
    assert out["data"]["nll"] != pytest.approx(negative_log_likelihood(points))
    assert out["scola"]["nll"][1.0] == pytest.approx(negative_log_likelihood(out["scola"]["points"], 0.05))
