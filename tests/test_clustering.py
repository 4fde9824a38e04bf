"""Step I building blocks: Hungarian batch assignment, GMM targets, the MMDC loop's invariants."""
import itertools

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from colalib.clustering import (MMDC, MMDCConfig, colour_jitter, hungarian_assign_batch, kmeans_baseline,
                                rotate_batch, sample_gmm_targets)


def test_hungarian_equals_brute_force():
    rng = np.random.default_rng(0)
    for b in (2, 4, 6):
        emb, tgt = rng.normal(size=(b, 3)), rng.normal(size=(b, 3))
        perm = hungarian_assign_batch(emb, tgt)
        cost = lambda p: sum(((emb[i] - tgt[p[i]]) ** 2).sum() for i in range(b))  # noqa: E731
        assert np.isclose(cost(perm), min(cost(p) for p in itertools.permutations(range(b))))
        assert sorted(perm) == list(range(b))


def test_gmm_targets_unit_norm_and_components():
    t, c = sample_gmm_targets(100, 5, sigma=0.1, seed=0)
    assert np.allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(t.argmax(1), c) and np.all(np.bincount(c) == 20)


class TinyEncoder(nn.Module):
    def __init__(self, k: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                                  nn.Flatten())
        self.head, self.rotation_head = nn.Linear(8, k), nn.Linear(8, 4)

    def forward(self, x):
        return F.normalize(self.head(self.body(x)), dim=1)

    def rotation_logits(self, x):
        return self.rotation_head(self.body(x))


def _blobs(n_per=20, seed=0):
    rng = np.random.default_rng(seed)
    colours = np.array([[230, 20, 20], [20, 230, 20], [20, 20, 230]])
    labels = np.repeat(np.arange(3), n_per)
    images = np.clip(colours[labels][:, None, None, :] + rng.normal(0, 10, (len(labels), 16, 16, 3)), 0, 255)
    return images.astype(np.uint8), labels


def test_mmdc_keeps_the_multiset_of_targets_and_is_deterministic():
    images, _ = _blobs()
    cfg = MMDCConfig.for_profile("smoke", num_clusters=3, epochs=2, batch_size=16)
    a = MMDC(cfg, encoder_factory=lambda: TinyEncoder(3), device="cpu", progress=False).fit(images)
    b = MMDC(cfg, encoder_factory=lambda: TinyEncoder(3), device="cpu", progress=False).fit(images)
    assert sorted(map(tuple, a.targets_.round(6))) == sorted(map(tuple, a.targets.round(6)))
    assert np.array_equal(a.labels_, b.labels_)
    assert np.allclose(np.linalg.norm(a.embeddings_, axis=1), 1.0, atol=1e-5)


def test_augmentations_keep_shapes_and_range():
    x = torch.rand(6, 3, 8, 8) * 2 - 1
    y = colour_jitter(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    r, labels = rotate_batch(x)
    assert r.shape == (24, 3, 8, 8) and torch.equal(r[6:12], torch.rot90(x, 1, dims=(2, 3)))
    assert labels.tolist() == [0] * 6 + [1] * 6 + [2] * 6 + [3] * 6


def test_kmeans_baseline_separates_blobs():
    images, labels = _blobs()
    pred = kmeans_baseline(images, 3, seed=0)
    from colalib.metrics import clustering_accuracy
    assert clustering_accuracy(labels, pred) == 1.0
