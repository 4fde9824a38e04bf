"""The GAN-test judge's readings of notebook 06's sCOLA models (cached units):

- App. A: how often the judge recognises the intended class in the very samples a spread's CAS arm trains on, so that
  "CAS falls at the widest spread because its samples no longer show their class" is measured, not assumed;
- App. B: class-content transfer measured. The thesis says that a code decoded with the class code of another class
  gives "an image with a similar visual appearance to the original image, but with features that turn it into a
  member of class B". Two rates test the two halves: the judge reads the new class (``target_rate``; chance 1 / K),
  and the decoded image is nearer to its own original than to any other training image (``nearest_original_rate``,
  pixel space; chance 1 / N). A model whose plain reconstructions are no better than about a third of the mean
  image's error (:data:`colalib.stats.TRANSFER_MAX_RELATIVE_ERROR`) does not reproduce its own images, so its
  transfers are no evidence: its rows carry that ``relative_error``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..cache import ArtifactCache
from ..classification import predict
from ..cola import SCOLA, SCOLAConfig
from ..data import ImageDataset, dataset_fingerprint
from ..diversity import nearest_training_neighbours
from ..metrics import gan_test_accuracy
from ..stats import relative_reconstruction_error
from .units import _loaded, _unit_key, fit_or_load


def spread_gan_test_unit(subset: ImageDataset, scola: SCOLAConfig, spread: float, n_per_class: int, sample_seed: int,
                         judge: Any, judge_key: dict, cache: ArtifactCache, device, progress: bool = True) -> dict:
    """GAN-test accuracy (in [0, 1]) of the ``n_per_class`` samples per class that the sCOLA trained on ``subset``
    draws at ``spread`` with ``sample_seed``: with the CAS arm's seed these are the very images that arm trains on
    (:func:`colalib.experiments.units.spread_unit`). ``judge``: the judge or a function that loads it."""
    key = _unit_key(unit="spread_gan_test", config=scola, data=dataset_fingerprint(subset), spread=spread,
                    n_per_class=n_per_class, sample_seed=sample_seed, judge=judge_key)

    def compute() -> dict:
        model = fit_or_load(SCOLA, scola, subset, cache, device, progress)
        images, labels = model.sample(n_per_class * model.num_classes_, spread=spread, seed=sample_seed)
        scores = gan_test_accuracy(_loaded(judge), images, labels, device=device)
        return {"spread": spread, "gan_test": scores["gan_test"], "n": scores["n"], "device": str(device)}

    return cache.get_or_compute("quality", key, compute)


def transfer_rates(grid: np.ndarray, own: np.ndarray, predicted: np.ndarray, nearest: np.ndarray) -> dict:
    """App. B's rates from a transfer grid of ``N`` training images decoded with each of ``K`` class codes
    (``grid``: (N, K, H, W, 3); ``own``: each image's class; ``predicted``: (N, K), the judge's class of each
    decoded image; ``nearest``: (N, K), the index of each decoded image's nearest training image, the originals
    being indices 0..N-1). Over the N (K - 1) transfers to another class: ``target_rate`` (the judge reads the new
    class), ``source_rate`` (it still reads the original's class) and ``nearest_original_rate`` (the nearest
    training image is the original); over the N plain reconstructions, ``own_rate`` (the judge reads their class).
    All in [0, 1], with their chance levels."""
    n, k = predicted.shape
    other = np.arange(k)[None, :] != own[:, None]
    target = predicted == np.arange(k)[None, :]
    return {"target_rate": float(target[other].mean()),
            "source_rate": float((predicted == own[:, None])[other].mean()),
            "own_rate": float(target[~other].mean()),
            "nearest_original_rate": float((nearest == np.arange(n)[:, None])[other].mean()),
            "chance_class": 1.0 / k, "chance_nearest": 1.0 / n, "transfers": int(other.sum()), "images": int(n),
            "pixels": int(np.prod(grid.shape[2:]))}


def transfer_unit(subset: ImageDataset, scola: SCOLAConfig, judge: Any, judge_key: dict, cache: ArtifactCache,
                  device, progress: bool = True) -> dict:
    """App. B measured (cached): every training image of the sCOLA trained on ``subset`` decoded with every class
    code (:meth:`colalib.cola.SCOLA.transfer_classes`), read by the judge and matched to its nearest training image
    (:func:`transfer_rates`)."""
    key = _unit_key(unit="class_transfer", config=scola, data=dataset_fingerprint(subset), judge=judge_key,
                    reads=("rates", "reconstruction_error"))

    def compute() -> dict:
        model = fit_or_load(SCOLA, scola, subset, cache, device, progress)
        idx = np.arange(len(subset))
        grid = model.transfer_classes(idx)                                   # (N, K, H, W, 3)
        n, k = grid.shape[:2]
        flat = grid.reshape(n * k, *grid.shape[2:])
        predicted = predict(_loaded(judge), flat, device=device).reshape(n, k)
        nearest = nearest_training_neighbours(flat, np.asarray(subset.images))[0][:, 0].reshape(n, k)
        own = np.asarray(model.labels_)
        return {**transfer_rates(grid, own, predicted, nearest),
                # the plain reconstructions (each image's own-class cell) against the images
                "relative_error": relative_reconstruction_error(grid[idx, own], subset.images),
                "generator": scola.generator,
                "device": str(device)}

    return cache.get_or_compute("quality", key, compute)
