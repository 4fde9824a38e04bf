"""Step III samplers: the thesis's per-class Gaussian and the related methods' same-class code samplers."""

import numpy as np
import pytest

from colalib.baselines import GLO
from colalib.cola import SCOLA, SCOLAConfig
from colalib.data import load_dataset, small_sample
from colalib.sampling import convex_combination_codes, slerp, slerp_codes


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_convex_combinations_stay_in_the_class_hull():
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(0, 1, (5, 3)) + 10, rng.normal(0, 1, (5, 3)) - 10])
    code_labels = np.repeat([0, 1], 5)
    labels = np.array([0, 1] * 50)
    out = convex_combination_codes(codes, code_labels, labels, n_mix=3, seed=0)
    # every new code lies inside its class's bounding box, never near the other class
    for c in (0, 1):
        mine, pool = out[labels == c], codes[code_labels == c]
        assert np.all(mine >= pool.min(0) - 1e-9) and np.all(mine <= pool.max(0) + 1e-9)
    uniform = convex_combination_codes(codes, code_labels, np.array([0]), n_mix=5, weights="uniform", seed=0)
    assert np.allclose(uniform[0], codes[:5].mean(0))
    with pytest.raises(ValueError, match="No training code"):
        convex_combination_codes(codes, code_labels, np.array([2]))


def test_slerp_endpoints_and_unit_norm():
    rng = np.random.default_rng(1)
    a, b = _unit(rng.normal(size=(4, 6))), _unit(rng.normal(size=(4, 6)))
    assert np.allclose(slerp(a, b, np.zeros(4)), a) and np.allclose(slerp(a, b, np.ones(4)), b)
    mid = slerp(a, b, np.full(4, 0.5))
    assert np.allclose(np.linalg.norm(mid, axis=1), 1.0)
    assert np.allclose(np.linalg.norm(mid - a, axis=1), np.linalg.norm(mid - b, axis=1))  # equidistant
    assert np.allclose(slerp(a, a, np.full(4, 0.3)), a)  # identical endpoints


def test_slerp_codes_keep_each_part_on_its_sphere():
    rng = np.random.default_rng(2)
    codes = np.concatenate([2 * _unit(rng.normal(size=(8, 3))), _unit(rng.normal(size=(8, 5)))], axis=1)
    labels = np.repeat([0, 1], 4)
    out = slerp_codes(codes, labels, np.array([0, 1, 1, 0]), [slice(0, 3), slice(3, None)], seed=0)
    assert np.allclose(np.linalg.norm(out[:, :3], axis=1), 2.0) and np.allclose(np.linalg.norm(out[:, 3:], axis=1), 1)


@pytest.fixture(scope="module")
def digits_models():
    data = small_sample(load_dataset("digits"), 10, 0)
    cfg = SCOLAConfig.for_profile("smoke", epochs=30, lr_step_epochs=15, seed=0)
    return data, SCOLA(cfg, device="cpu", progress=False).fit(data), GLO(cfg, device="cpu", progress=False).fit(data)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["gaussian", "convex", "slerp", "reconstruction"])
def test_every_sampler_returns_the_requested_classes(digits_models, method):
    data, scola, glo = digits_models
    for model in (scola, glo):
        x, y = model.sample(30, classes=[2, 7], seed=0, method=method)
        assert x.shape == (30, *data.images.shape[1:]) and x.dtype == np.uint8 and set(y.tolist()) == {2, 7}
        x2, _ = model.sample(30, classes=[2, 7], seed=0, method=method)
        assert np.array_equal(x, x2)  # seeded


@pytest.mark.slow
def test_reconstruction_sampler_decodes_training_codes(digits_models):
    data, scola, _ = digits_models
    x, y = scola.sample(20, classes=[3], seed=0, method="reconstruction")
    recon = scola.reconstruct(np.flatnonzero(data.labels == 3))
    assert all(any(np.array_equal(img, r) for r in recon) for img in x)


@pytest.mark.slow
def test_unknown_sampler_fails_clearly(digits_models):
    with pytest.raises(ValueError, match="Unknown sampling method"):
        digits_models[1].sample(4, method="vae")


@pytest.mark.slow
def test_class_transfer_keeps_the_own_class_reconstruction(digits_models):
    data, scola, _ = digits_models
    idx = np.array([0, 5, 9])
    out = scola.transfer_classes(idx)
    assert out.shape == (3, scola.num_classes_, *data.images.shape[1:])
    own = out[np.arange(3), scola.labels_[idx]]
    # the own class code is the one-hot target; the learned t part drifted only slightly from it
    assert np.abs(own.astype(int) - scola.reconstruct(idx).astype(int)).mean() < 3
    assert not np.array_equal(out[:, 0], out[:, 1])  # the class code changes the image


def test_interpolate_codes_runs_on_each_sphere_from_one_code_to_the_other():
    from colalib.sampling import interpolate_codes

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=12), rng.normal(size=12)
    parts = [slice(0, 4), slice(4, None)]
    for part in parts:
        a[part] /= np.linalg.norm(a[part])
        b[part] /= np.linalg.norm(b[part])
    path = interpolate_codes(a, b, 7, parts)
    assert path.shape == (7, 12) and np.allclose(path[0], a) and np.allclose(path[-1], b)
    for part in parts:
        assert np.allclose(np.linalg.norm(path[:, part], axis=1), 1.0)  # every step stays on the sphere
        angles = np.arccos(np.clip(path[:-1, part] @ b[part], -1, 1))
        assert np.all(np.diff(angles) < 0)  # and moves towards b
