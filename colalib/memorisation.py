"""Does a generator copy its training images? The nearest-training distance of each sample against the
train-to-train distance of the training image it lands on.

A sample is a *near-copy* when it lies closer to its nearest training image than ``COPY_RATIO`` times that training
image's distance to its own nearest *other* training image (the "authenticity" reading of Alaa et al., ICML 2022,
"How faithful is your synthetic data?"): in the calibration below no held-out real image does, and every exact,
noised or slightly blurred copy does (blurs up to 2 px, noise up to 15/255 tested; decoded sCOLA or GLO samples have
not been calibrated against yet). A generator is *memorising* when more than ``MEMORISING_FRACTION`` of its samples are
near-copies; notebooks mark it like a FAILED generator, and its FID never counts as a win (a copy of the training
set has a very good FID).

Calibration (``benchmarks/calibrate_memorisation.py``, CIFAR-10, 100 training images, pixel space): held-out test
images, blurred test images and class-mean images give a median ratio of 0.8-1.2 and no near-copies; exact, noised
(σ = 15/255) and blurred (σ = 1-2 px) copies of training images give a median ratio of 0-0.45 and 89-100 %
near-copies.

Distances are Euclidean norms over the whole image (3,072 values for a 32 x 32 RGB image, pixels in [0, 1]): about
8-12 between CIFAR-10 images. They are not mean pixel differences.
"""
from __future__ import annotations

import numpy as np

from .metrics import nearest_training_neighbours

COPY_RATIO = 0.5           # a sample this much closer to a training image than that image's own nearest neighbour
MEMORISING_FRACTION = 0.25  # more near-copies than this: the generator memorises (held-out real images: about 0 %)


def train_to_train_distances(training: np.ndarray, feature_fn=None) -> np.ndarray:
    """Each training item's Euclidean distance to its nearest *other* training item (exact duplicates give 0)."""
    if len(training) < 2:
        raise ValueError(f"the train-to-train distance needs at least 2 training items, got {len(training)}")
    _, distances = nearest_training_neighbours(training, training, k=2, feature_fn=feature_fn)
    return distances[:, 1]


def memorisation_check(generated: np.ndarray, training: np.ndarray, copy_ratio: float = COPY_RATIO,
                       max_fraction: float = MEMORISING_FRACTION, feature_fn=None) -> dict:
    """The memorisation check of ``generated`` samples against the ``training`` images (uint8 ``(n, H, W, C)``, or
    features with ``feature_fn``; see the module docstring): per sample, the distance to its nearest training item
    divided by that item's distance to its own nearest other training item. Returns the medians of both distances
    and of the ratio, the fraction of near-copies (ratio below ``copy_ratio``), how many distinct training items the
    near-copies land on, ``memorising`` (that fraction above ``max_fraction``) and ``reason`` (empty unless
    memorising)."""
    if len(generated) == 0:
        raise ValueError("memorisation_check needs at least one generated sample")
    loo = train_to_train_distances(training, feature_fn)
    # a training image with an exact duplicate has no positive nearest-other distance: use the median one instead
    positive = loo[loo > 0]
    reference = np.where(loo > 0, loo, np.median(positive) if len(positive) else 0.0)
    index, distance = nearest_training_neighbours(generated, training, k=1, feature_fn=feature_fn)
    index, distance = index[:, 0], distance[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(reference[index] > 0, distance / reference[index], np.where(distance > 0, np.inf, 0.0))
    copies = ratio < copy_ratio
    fraction = float(copies.mean())
    memorising = fraction > max_fraction
    reason = (f"memorises its training images: {100 * fraction:.0f} % of {len(generated)} samples are near-copies "
              f"(closer to a training image than {copy_ratio:g} x that image's distance to its nearest other "
              f"training image; held-out real images: about 0 %)") if memorising else ""
    return {"nn_distance_median": float(np.median(distance)), "train_nn_distance_median": float(np.median(loo)),
            "ratio_median": float(np.median(ratio)), "copy_fraction": fraction,
            "copied_training_items": int(len(np.unique(index[copies]))), "samples": int(len(generated)),
            "memorising": bool(memorising), "reason": reason}
