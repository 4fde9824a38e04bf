"""Steps II-III: codes on the spheres, reconstruction, per-class sampling, persistence, GLO matching."""

import numpy as np
import pytest
import torch

from colalib.baselines import GLO, match_components_to_classes
from colalib.cola import SCOLA, SCOLAConfig
from colalib.data import load_dataset, small_sample, to_tensor
from colalib.experiments import fit_or_load
from colalib.latent import init_codes, project_codes, step_lr
from colalib.losses import LaplacianPyramidLoss
from colalib.sampling import fit_class_gaussians, sample_codes


@pytest.fixture(scope="module")
def digits10():
    return small_sample(load_dataset("digits"), 10, 0)


@pytest.fixture(scope="module")
def fitted(digits10):
    cfg = SCOLAConfig.for_profile("smoke", epochs=40, lr_step_epochs=20, seed=0)
    return SCOLA(cfg, device="cpu", progress=False).fit(digits10)


def test_projection_puts_each_part_on_its_sphere():
    codes = project_codes(torch.randn(5, 12) * 3, 4, t_scale=2.0)
    assert torch.allclose(codes[:, :4].norm(dim=1), torch.full((5,), 2.0))
    assert torch.allclose(codes[:, 4:].norm(dim=1), torch.ones(5))


def test_init_codes_keep_one_hot_direction():
    targets = np.eye(3)[[0, 2, 1]]
    codes = init_codes(targets, 8, seed=0)
    assert torch.equal(codes[:, :3], torch.tensor(targets, dtype=torch.float32))


def test_step_lr_halves_every_step():
    assert [step_lr(0.01, e, 50, 0.5) for e in (0, 49, 50, 100)] == [0.01, 0.01, 0.005, 0.0025]


@pytest.mark.slow
def test_codes_on_spheres_after_training(fitted):
    k = fitted.num_classes_
    assert torch.allclose(fitted.codes_[:, :k].norm(dim=1), torch.ones(len(fitted.codes_)), atol=1e-5)
    assert torch.allclose(fitted.codes_[:, k:].norm(dim=1), torch.ones(len(fitted.codes_)), atol=1e-5)
    assert fitted.history_[-1] < fitted.history_[0]


@pytest.mark.slow
def test_reconstructs_better_than_untrained(fitted, digits10):
    loss = LaplacianPyramidLoss()
    target = to_tensor(digits10.images)
    trained = loss(to_tensor(fitted.reconstruct()), target)
    untrained_model = SCOLA(fitted.config.replace(epochs=0), progress=False).fit(digits10)
    untrained = loss(to_tensor(untrained_model.reconstruct()), target)
    assert trained < 0.7 * untrained


@pytest.mark.slow
def test_per_class_sampling(fitted):
    images, labels = fitted.sample(30, classes=[3, 7], seed=1)
    assert images.shape == (30, 32, 32, 3) and images.dtype == np.uint8
    assert set(labels) == {3, 7} and abs((labels == 3).sum() - 15) <= 1
    _, all_labels = fitted.sample(20, seed=1)
    assert np.all(np.bincount(all_labels, minlength=10) == 2)


@pytest.mark.slow
def test_spread_zero_gives_the_class_means(fitted):
    a, la = fitted.sample(10, classes=[4], spread=0.0, seed=1)
    b, _ = fitted.sample(10, classes=[4], spread=0.0, seed=2)
    assert np.array_equal(a, b) and np.all(a == a[0])


@pytest.mark.slow
def test_sampling_is_seeded_and_survives_save_load(fitted, tmp_path):
    a, la = fitted.sample(12, seed=3)
    b, lb = fitted.sample(12, seed=3)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    fitted.save(tmp_path / "m.pt")
    c, lc = SCOLA.load(tmp_path / "m.pt").sample(12, seed=3)
    assert np.array_equal(a, c) and np.array_equal(la, lc)


def test_class_gaussians_with_shrinkage_on_few_points():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(0, 1, (5, 20)), rng.normal(5, 1, (5, 20))])
    g = fit_class_gaussians(codes, np.repeat([0, 1], 5))
    assert np.allclose(g.means[1], codes[5:].mean(0))
    s = sample_codes(g, np.ones(2000, int), seed=0)
    assert np.allclose(s.mean(0), g.means[1], atol=0.2)


def test_glo_matching_and_sampling(digits10):
    components = np.array([2, 2, 0, 0, 1, 1])
    labels = np.array([0, 0, 1, 1, 2, 1])
    assert list(match_components_to_classes(components, labels, 3)) == [1, 2, 0]
    # an empty component is still matched: the mapping is a permutation of the classes
    assert sorted(match_components_to_classes(np.array([0, 0, 1]), np.array([2, 2, 0]), 3)) == [0, 1, 2]
    glo = GLO(SCOLAConfig.for_profile("smoke", epochs=3), progress=False).fit(digits10)
    assert torch.allclose(glo.codes_.norm(dim=1), torch.ones(len(glo.codes_)), atol=1e-5)
    images, labels = glo.sample(20, seed=0)
    assert images.shape == (20, 32, 32, 3) and set(labels) <= set(range(10))


def test_fit_or_load_uses_the_cache(digits10, tmp_path):
    from colalib.cache import ArtifactCache

    cache = ArtifactCache(tmp_path)
    cfg = SCOLAConfig.for_profile("smoke")
    a = fit_or_load(SCOLA, cfg, digits10, cache, "cpu", progress=False)
    b = fit_or_load(SCOLA, cfg, digits10, cache, "cpu", progress=False)
    assert torch.equal(a.codes_, b.codes_) and len(list((tmp_path / "models").iterdir())) == 1


def test_perceptual_fields_keep_old_cache_keys_and_separate_networks():
    plain = SCOLAConfig.for_profile("quick")
    assert not {"generator_width", "perceptual_net", "perceptual_epochs"} & set(plain.to_dict())
    keys = {
        SCOLAConfig.for_profile("quick", loss="perceptual_net", perceptual_net=n).key()
        for n in ("resnet32_random", "resnet32_trained", "resnet32_kmeans")
    }
    assert len(keys) == 3 and plain.key() not in keys
    assert SCOLAConfig.for_profile("quick", generator_width=64).key() != plain.key()
    with pytest.raises(ValueError, match="perceptual_net"):
        SCOLAConfig.for_profile("quick", loss="perceptual_net")


@pytest.mark.parametrize("net", ["resnet32_random", "resnet32_trained", "resnet32_kmeans"])
def test_scola_with_a_perceptual_network(digits10, net, tmp_path):
    from colalib.cache import ArtifactCache

    cfg = SCOLAConfig.for_profile("smoke", epochs=1, loss="perceptual_net", perceptual_net=net, perceptual_epochs=1)
    model = fit_or_load(SCOLA, cfg, digits10, ArtifactCache(tmp_path), device="cpu", progress=False)
    assert np.isfinite(model.history_[-1])
    assert SCOLA.from_state(model.state()).config == cfg
    assert (tmp_path / "perceptual_nets").exists() == (net != "resnet32_random")  # data-dependent: cached


def test_unsupervised_cola_samples_matched_classes_and_survives_save_load(digits10, tmp_path):
    from colalib.cola import COLA

    # clusters = labels permuted by c -> (c + 3) % 10, with cluster 9's images (class 6) split between clusters 0
    # and 1: cluster 9 is empty and the unique best matching sends it to class 6
    clusters = (digits10.labels + 3) % 10
    nine = np.flatnonzero(clusters == 9)
    clusters[nine[::2]], clusters[nine[1::2]] = 0, 1
    targets = np.eye(10, dtype=np.float32)[clusters]
    cola = COLA(SCOLAConfig.for_profile("smoke", epochs=2), progress=False).fit(digits10, targets, clusters)
    _, raw = cola.sample(30, seed=0)
    assert set(raw) <= set(np.unique(clusters))  # without labels: cluster ids
    cola.match_clusters(digits10.labels)
    assert list(cola.cluster_to_class_) == [7, 8, 9, 0, 1, 2, 3, 4, 5, 6]
    images, classes = cola.sample(40, classes=[0, 2], seed=0)
    assert images.shape == (40, 32, 32, 3) and sorted(set(classes)) == [0, 2]
    _, every = cola.sample(90, seed=1)
    assert 6 not in set(every)  # class 6 is matched to the empty cluster 9
    with pytest.raises(ValueError, match="without training images"):
        cola.sample(4, classes=[6])
    with pytest.raises(ValueError, match="one class per training image"):
        cola.match_clusters(digits10.labels[:5])
    cola.save(tmp_path / "cola.pt")
    again = COLA.load(tmp_path / "cola.pt")
    assert np.array_equal(again.cluster_to_class_, cola.cluster_to_class_)
    assert np.array_equal(again.sample(10, seed=3)[1], cola.sample(10, seed=3)[1])


@pytest.mark.slow
def test_class_transfer_measures_its_own_class_reconstructions(fitted, digits10):
    from colalib.cola import TRANSFER_MAX_RELATIVE_ERROR

    t = fitted.class_transfer(digits10.images, n_rows=4, seed=0)
    assert t["grid"].shape[:2] == (4, fitted.num_classes_) and len(t["originals"]) == 4
    assert np.array_equal(t["own"], np.asarray(fitted.labels_)[t["indices"]])
    assert np.array_equal(t["own"], np.arange(4))  # one image of each of the first classes, drawn by seed
    own_cells = t["grid"][np.arange(4), t["own"]].astype(int)  # the own class code: the plain reconstruction
    assert np.abs(own_cells - fitted.reconstruct(t["indices"]).astype(int)).mean() < 4  # ~ the reconstruction
    # an untrained generator (random codes and weights) does not reconstruct: the flag fires; training lowers the error
    untrained = SCOLA(fitted.config.replace(epochs=0), device="cpu", progress=False).fit(digits10)
    untrained_error = untrained.class_transfer(digits10.images, n_rows=4, seed=0)["relative_error"]
    assert untrained_error > TRANSFER_MAX_RELATIVE_ERROR
    assert 0 <= t["relative_error"] < 0.8 * untrained_error
    with pytest.raises(ValueError, match="fitted on"):
        fitted.class_transfer(digits10.images[:5])
