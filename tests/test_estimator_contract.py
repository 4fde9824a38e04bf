"""The estimator contract (scikit-learn style), checked once over every registered method
(:func:`colalib.experiments.registry.method_classes`): ``fit`` on a small labelled subset, ``sample(n, seed=)``
returns ``n`` uint8 NHWC images and labels of the subset's classes, and ``from_state(state())`` rebuilds a model that
samples the same images for the same seed (what the cache relies on: a loaded model is the fitted one)."""

import numpy as np
import pytest

from colalib.cache import ArtifactCache
from colalib.cola import SCOLAConfig
from colalib.data import load_dataset, small_sample
from colalib.experiments import fit_model
from colalib.experiments.registry import method_classes, model_config


@pytest.fixture(scope="module")
def digits():
    return small_sample(load_dataset("digits"), 5, 0)


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(method_classes()))
def test_every_method_fits_samples_and_round_trips_its_state(method, digits, tmp_path):
    cls = method_classes()[method][0]
    config = model_config(method, SCOLAConfig.for_profile("smoke", seed=0))
    model = fit_model(cls, config, digits, ArtifactCache(tmp_path), "cpu", progress=False)
    images, labels = model.sample(24, seed=3)
    assert images.dtype == np.uint8 and images.shape == (24, *digits.images.shape[1:])
    assert set(np.unique(labels)) <= set(range(digits.num_classes))
    again = cls.from_state(model.state(), "cpu")
    if method == "cola":  # scoring by classes: the clusters are matched to labels after loading, as fit_model does
        again = again.match_clusters(digits.labels)
    images2, labels2 = again.sample(24, seed=3)
    np.testing.assert_array_equal(labels2, labels)
    np.testing.assert_array_equal(images2, images)
