"""FID (pytorch-fid), CAS, clustering scores, diversity."""

import itertools

import numpy as np
import pytest
import torch

from colalib import metrics as M

HAVE_WEIGHTS = M.fid_weights_path().exists()


def test_frechet_distance_matches_closed_form_for_gaussians():
    d = 4
    mu1, mu2 = np.zeros(d), np.arange(d, dtype=float)
    s1, s2 = np.eye(d), 4 * np.eye(d)
    # ||mu1-mu2||^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)) = 14 + (4 + 16 - 16)
    assert M.frechet_distance((mu1, s1), (mu2, s2)) == pytest.approx(14 + 4, rel=1e-6)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_WEIGHTS, reason="FID Inception weights not installed (make fid-weights)")
def test_fid_of_a_set_with_itself_is_zero_and_grows_with_noise():
    rng = np.random.default_rng(0)
    base = np.clip(rng.normal(128, 40, (40, 32, 32, 3)), 0, 255).astype(np.uint8)
    noisy = np.clip(base + rng.normal(0, 60, base.shape), 0, 255).astype(np.uint8)
    feats = M.inception_features(base, progress=False)
    same = M.frechet_distance(M.frechet_stats(feats), M.frechet_stats(feats))
    worse = M.frechet_distance(M.frechet_stats(feats), M.frechet_stats(M.inception_features(noisy, progress=False)))
    assert abs(same) < 1e-3 and worse > 1.0
    assert "reconstructed" in M.fid_weights_info()["weights"] or "official" in M.fid_weights_info()["weights"]


def test_missing_weights_fail_before_any_download(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    M._inception.cache_clear()
    with pytest.raises(FileNotFoundError, match="make fid-weights"):
        M.inception_features(np.zeros((1, 32, 32, 3), np.uint8), progress=False)
    M._inception.cache_clear()


def test_clustering_accuracy_equals_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(5):
        y, p = rng.integers(0, 4, 30), rng.integers(0, 4, 30)
        brute = max(np.mean(np.array(perm)[p] == y) for perm in itertools.permutations(range(4)))
        assert M.clustering_accuracy(y, p) == pytest.approx(brute)
    s = M.clustering_scores(np.array([0, 0, 1, 1]), np.array([5, 5, 2, 2]))
    assert s == {"acc": 1.0, "nmi": 1.0, "ari": 1.0}


def test_intra_class_diversity_grows_with_spread():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 50)
    tight = M.intra_class_diversity(rng.normal(0, 0.1, (100, 8)), labels)["mean"]
    wide = M.intra_class_diversity(rng.normal(0, 1.0, (100, 8)), labels)["mean"]
    assert wide > 5 * tight


def test_a_feature_network_below_chance_fails_and_the_check_draws_every_class():
    import torch.nn as nn

    from colalib.metrics import checked_feature_network_accuracy

    class Constant(nn.Module):  # always predicts class 0
        def forward(self, x):
            out = torch.zeros(len(x), 4)
            out[:, 0] = 1.0
            return out

    images = np.zeros((400, 8, 8, 3), np.uint8)
    labels = np.repeat(np.arange(4), 100)  # stored class by class, as the offline test split
    with pytest.raises(ValueError, match="not above chance"):
        checked_feature_network_accuracy(Constant(), images, labels, 4, n_eval=40, name="constant net")
    # on the first 100 images alone (all class 0) the same network would look perfect: the draw is balanced
    with pytest.raises(ValueError, match=r"25.0 % on 40"):
        checked_feature_network_accuracy(Constant(), images, labels, 4, n_eval=40)
    ok = checked_feature_network_accuracy(Constant(), images[:100], labels[:100] * 0, 4)
    assert ok["accuracy"] == 1.0 and ok["n_eval"] == 100


def test_real_stats_are_computed_once_into_the_callers_cache(tmp_path, monkeypatch):
    import colalib.metrics as metrics
    from colalib.cache import ArtifactCache

    calls = []

    def fake_features(images, device=None, progress=True):
        calls.append(len(images))
        return np.random.default_rng(len(calls)).normal(size=(len(images), 8))

    monkeypatch.setattr(metrics, "inception_features", fake_features)
    monkeypatch.setattr(metrics, "fid_weights_info", lambda: {"sha256": "test", "weights": "test"})
    cache = ArtifactCache(tmp_path / "mine")
    first = metrics.real_stats("digits", "test", 40, cache=cache)
    again = metrics.real_stats("digits", "test", 40, cache=cache)
    assert calls == [40] and np.allclose(first["mu"], again["mu"])
    assert list((tmp_path / "mine" / "fid_stats").iterdir())  # written where the caller said


def test_memorisation_check_flags_a_generator_that_returns_training_images():
    from colalib.memorisation import memorisation_check

    rng = np.random.default_rng(0)
    training = rng.integers(0, 256, (60, 8, 8, 3), dtype=np.uint8)
    held_out = rng.integers(0, 256, (60, 8, 8, 3), dtype=np.uint8)  # same distribution, not copies
    copies = training[rng.integers(0, len(training), 80)]
    noisy = (copies + rng.normal(0, 10, copies.shape)).clip(0, 255).astype(np.uint8)
    assert not memorisation_check(held_out, training)["memorising"]
    for generated in (copies, noisy):
        r = memorisation_check(generated, training)
        assert r["memorising"] and r["copy_fraction"] > 0.9 and "near-copies" in r["reason"]
    # a generator that copies a fifth of the time stays below the threshold; one that copies half the time does not
    mixed = lambda k: np.concatenate([copies[:k], held_out[: 80 - k]])  # noqa: E731
    assert not memorisation_check(mixed(16), training)["memorising"]
    assert memorisation_check(mixed(40), training)["memorising"]


def test_a_memorising_generator_is_degenerate():
    from colalib.memorisation import memorisation_check
    from colalib.metrics import degenerate_reason

    rng = np.random.default_rng(1)
    training = rng.integers(0, 256, (40, 8, 8, 3), dtype=np.uint8)
    mem = memorisation_check(training[::2], training)
    assert "memorises" in degenerate_reason(0.5, None, 10, memorisation=mem)
    assert degenerate_reason(0.5, None, 10, memorisation={**mem, "memorising": False}) == ""


def test_memorisation_check_with_duplicated_training_images():
    from colalib.memorisation import memorisation_check

    rng = np.random.default_rng(2)
    training = rng.integers(0, 256, (30, 8, 8, 3), dtype=np.uint8)
    training[1] = training[0]  # an exact duplicate: its nearest-other distance is 0
    near = np.repeat(training[:1], 20, 0)
    near = (near + rng.normal(0, 5, near.shape)).clip(0, 255).astype(np.uint8)
    assert memorisation_check(near, training)["memorising"]  # copies of the duplicated image are still flagged


def test_memorisation_distances_are_zero_for_copies_and_euclidean_over_all_pixels():
    from colalib.data import ImageDataset
    from colalib.experiments.units import _nearest_distances

    train = np.zeros((2, 4, 4, 3), np.uint8)
    train[1] = 255  # two images at distance sqrt(48) (48 values, each 1 apart in [0, 1])
    subset = ImageDataset(train, np.array([0, 1]), ["a", "b"], "toy", "train")
    copies = _nearest_distances(train.copy(), subset)
    assert copies["nn_distance"] == 0.0
    assert copies["train_nn_distance"] == pytest.approx(np.sqrt(48))
    grey = np.full((1, 4, 4, 3), 51, np.uint8)  # 0.2 from black in every value
    assert _nearest_distances(grey, subset)["nn_distance"] == pytest.approx(0.2 * np.sqrt(48))


def test_inception_precision_is_checked_before_any_compute():
    with pytest.raises(ValueError, match="precision must be"):
        M.inception_features(np.zeros((1, 8, 8, 3), np.uint8), precision="fp16")
