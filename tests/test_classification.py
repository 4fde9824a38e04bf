"""Classifier protocol: learning, Mix proportions, fixed iterations, determinism, subsets vs test set."""

import numpy as np
import pytest
import torch

from colalib.classification import (
    BatchSampler,
    ClassifierConfig,
    augment_batch,
    evaluate,
    train_and_evaluate,
    train_classifier,
)
from colalib.data import load_dataset, small_sample

CFG = ClassifierConfig.for_profile("smoke", epochs=8, iters_per_epoch=10, lr_step_epochs=4, batch_size=64)


@pytest.mark.slow
def test_learns_digits_from_a_small_sample():
    tr, te = small_sample(load_dataset("digits"), 20, 0), load_dataset("digits", "test")
    model = train_classifier(tr.images, tr.labels, 10, CFG, device="cpu", progress=False)
    assert evaluate(model, te.images, te.labels, device="cpu") > 0.6


@pytest.mark.slow
def test_same_seed_same_accuracy():
    tr, te = small_sample(load_dataset("digits"), 5, 0), load_dataset("digits", "test")
    cfg = CFG.replace(epochs=2)
    a = train_and_evaluate("real", (tr.images, tr.labels), None, (te.images, te.labels), 10, cfg, "cpu", False)
    b = train_and_evaluate("real", (tr.images, tr.labels), None, (te.images, te.labels), 10, cfg, "cpu", False)
    assert a["accuracy"] == b["accuracy"]


def test_subsets_come_from_train_only():
    tr = load_dataset("digits")
    sub = small_sample(tr, 10, 3)
    assert sub.split == "train" and set(sub.indices) <= set(range(len(tr)))
    assert np.array_equal(tr.images[sub.indices], sub.images)


def test_mix_batches_are_half_real():
    real = (torch.zeros(7, 3, 4, 4), torch.zeros(7, dtype=torch.long))
    fake = (torch.ones(300, 3, 4, 4), torch.ones(300, dtype=torch.long))
    sampler = BatchSampler([real, fake], [0.5, 0.5], 128, torch.Generator().manual_seed(0))
    for _ in range(5):
        _, y = sampler.next()
        assert (y == 0).sum() == 64 and (y == 1).sum() == 64


def test_sampler_visits_every_image_once_per_pass():
    pool = (torch.zeros(10, 1, 1, 1), torch.arange(10))
    sampler = BatchSampler([pool], [1.0], 5, torch.Generator().manual_seed(0))
    seen = torch.cat([sampler.next()[1] for _ in range(2)])
    assert sorted(seen.tolist()) == list(range(10))


def test_iterations_do_not_depend_on_set_size():
    """Counts what ran (not the config): the same number of steps and images whatever the set size, and the Mix
    arm draws exactly half of its images from each set."""
    test = (np.zeros((4, 8, 8, 3), np.uint8), np.zeros(4, int))
    cfg = CFG.replace(epochs=1, batch_size=16)
    ran = [
        train_and_evaluate(
            "real", (np.zeros((n, 8, 8, 3), np.uint8), np.arange(n) % 2), None, test, 2, cfg, "cpu", False
        )
        for n in (6, 60)
    ]
    assert [r["iterations"] for r in ran] == [cfg.iters_per_epoch] * 2
    assert [r["images_per_set"] for r in ran] == [[cfg.iters_per_epoch * 16]] * 2
    real = (np.zeros((6, 8, 8, 3), np.uint8), np.arange(6) % 2)
    syn = (np.ones((40, 8, 8, 3), np.uint8), np.arange(40) % 2)
    mix = train_and_evaluate("mix", real, syn, test, 2, cfg, "cpu", False)
    assert mix["images_per_set"] == [cfg.iters_per_epoch * 8, cfg.iters_per_epoch * 8]


def test_augmentation_is_a_crop_of_the_padded_image_or_its_mirror_and_moves_most_images():
    x = torch.arange(16 * 3 * 8 * 8, dtype=torch.float32).reshape(16, 3, 8, 8) + 1  # no zeros: the padding shows
    out = augment_batch(x, torch.Generator().manual_seed(0), pad=2)
    assert out.shape == x.shape
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    moved = 0
    for i in range(len(x)):
        crops = [
            (dy, dx, flip)
            for dy in range(5)
            for dx in range(5)
            for flip in (False, True)
            if torch.equal(
                out[i],
                padded[i, :, dy : dy + 8, dx : dx + 8].flip(-1) if flip else padded[i, :, dy : dy + 8, dx : dx + 8],
            )
        ]
        assert crops, f"image {i} is no crop of its zero-padded copy, nor a mirrored one"
        moved += (2, 2, False) not in crops
    assert moved >= len(x) // 2  # an identity transform (or none) fails here: 1 draw in 50 leaves an image in place


def test_bf16_precision_is_a_separate_recipe_and_fp32_keys_are_unchanged():
    import numpy as np
    import pytest
    import torch

    from colalib.classification import ClassifierConfig, train_classifier

    fp32 = ClassifierConfig.for_profile("smoke")
    assert "precision" not in fp32.to_dict()  # omitted at its default: every cached fp32 unit keeps its key
    bf16 = fp32.replace(precision="bf16")
    assert bf16.key() != fp32.key() and bf16.to_dict()["precision"] == "bf16"
    with pytest.raises(ValueError, match="precision"):
        fp32.replace(precision="fp8")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8), np.arange(40) % 4
    model = train_classifier(x, y, 4, bf16, device="cpu", progress=False)
    assert next(model.parameters()).dtype == torch.float32  # autocast: fp32 weights, bf16 arithmetic
