"""ReGene and AugIntAE (colalib.peers): frozen classifier codes, convex hulls, the confidence filter, unit-norm
codes, augmentation interpolation, sampling, persistence. Tiny digits sets (3 classes) keep every test short."""

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from colalib.cache import ArtifactCache
from colalib.classification import evaluate
from colalib.cola import DecoderConfig, SCOLAConfig
from colalib.data import ImageDataset, load_dataset, resize_images, small_sample, to_tensor
from colalib.experiments import fit_or_load
from colalib.losses import L1Loss
from colalib.metrics import classifier_features
from colalib.peers import (
    AugIntAE,
    AugIntAEConfig,
    ReGene,
    ReGeneConfig,
    apply_augmentation,
    mix_augmentations,
    sample_augmentations,
    slerp_torch,
)
from colalib.sampling import convex_combination_codes, slerp


@pytest.fixture(scope="module")
def digits3():
    """6 digits of each of the classes 0, 1, 2 (32x32 RGB)."""
    ds = small_sample(load_dataset("digits"), 6, 0)
    keep = ds.labels < 3
    return ds.images[keep], ds.labels[keep]


@pytest.fixture(scope="module")
def regene(digits3):
    x, y = digits3
    cfg = ReGeneConfig.for_profile(
        "quick", epochs=30, lr_step_epochs=15, classifier_epochs=15, classifier_batch_size=32, pyramid_levels=2
    )  # 2 levels fit 8 px
    return ReGene(cfg, device="cpu", progress=False).fit(resize_images(x, 8), y)  # digits' native 8 px


@pytest.fixture(scope="module")
def augint(digits3):
    return AugIntAE(AugIntAEConfig.for_profile("smoke", epochs=12), device="cpu", progress=False).fit(*digits3)


def _in_hull(point: np.ndarray, vertices: np.ndarray) -> bool:
    """Whether ``point`` is a convex combination of the rows of ``vertices`` (LP feasibility, Eq. 9)."""
    m = len(vertices)
    a_eq = np.vstack([vertices.T, np.ones((1, m))])
    b_eq = np.concatenate([point, [1.0]])
    res = linprog(np.zeros(m), A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * m, method="highs")
    return res.status == 0


# ------------------------------------------------------------------------------------------------ ReGene


@pytest.mark.slow
def test_regene_codes_are_the_frozen_classifier_features(regene, digits3):
    x8 = resize_images(digits3[0], 8)
    assert evaluate(regene.classifier, x8, digits3[1], device="cpu") > 0.8
    feats = classifier_features(regene.classifier, x8, device="cpu")
    assert regene.codes_.shape == (18, 64)
    assert np.allclose(regene.codes_.numpy(), feats, atol=1e-5)  # the decoder never moved them
    assert regene.history_[-1] < 0.5 * regene.history_[0]
    assert regene.train_seconds_ > regene.classifier_seconds_ > 0


@pytest.mark.slow
def test_regene_samples_shapes_classes_and_seeds(regene):
    images, labels = regene.sample(12, classes=[1, 2], seed=0)
    assert images.shape == (12, 8, 8, 3) and images.dtype == np.uint8
    assert sorted(np.bincount(labels, minlength=3)) == [0, 6, 6]
    again, labels2 = regene.sample(12, classes=[1, 2], seed=0)
    assert np.array_equal(images, again) and np.array_equal(labels, labels2)
    _, all_labels = regene.sample(9, seed=1, confidence_filter=False)
    assert np.all(np.bincount(all_labels, minlength=3) == 3)
    g_images, _ = regene.sample(6, seed=0, method="gaussian")  # sCOLA's sampler on ReGene's codes
    assert g_images.shape == (6, 8, 8, 3)
    g = regene.gaussians_  # the legacy reading of step III on the whole code (ReGene's config has no step III)
    assert (g.covariance, g.space, g.parts) == ("ledoit_wolf", "ambient", [[0, 64]])
    with pytest.raises(ValueError, match="class part"):  # no t part to swap (sCOLA's class transfer)
        regene.reconstruct([0], labels=np.array([1]))


@pytest.mark.slow
@pytest.mark.parametrize("n_mix,weights", [(2, "uniform"), (3, "dirichlet"), (5, "uniform"), (5, "dirichlet")])
def test_regene_combinations_stay_in_the_class_hull(regene, n_mix, weights):
    codes, code_labels = regene.codes_.numpy().astype(np.float64), regene.labels_
    labels = np.array([0, 1, 2] * 4)
    new = regene.combine_codes(labels, n_mix=n_mix, weights=weights, seed=3)
    for z, c in zip(new, labels):
        assert _in_hull(z, codes[code_labels == c])
        assert not _in_hull(z, codes[code_labels == (c + 1) % 3])  # 6 points in R^64: other hulls are thin
    if weights == "uniform" and n_mix == 2:
        # ratio 1/n: the midpoint of two distinct same-class codes
        for z, c in zip(new, labels):
            pool = codes[code_labels == c]
            i, j = np.triu_indices(len(pool), 1)
            assert np.min(np.abs((pool[i] + pool[j]) / 2 - z).max(1)) < 1e-5


@pytest.mark.slow
def test_lemma1_the_linear_head_keeps_the_class_of_combinations(regene):
    # Lemma 1: a class region of the linear head f_dis is convex, so combinations of codes the head assigns to
    # class c are assigned to c too
    codes = regene.codes_.numpy()
    predicted = regene.classifier.fc(regene.codes_).argmax(1).numpy()
    labels = np.repeat(np.unique(predicted), 20)
    new = convex_combination_codes(codes, predicted, labels, n_mix=3, weights="dirichlet", seed=0)
    with torch.no_grad():
        assert np.array_equal(regene.classifier.fc(torch.as_tensor(new, dtype=torch.float32)).argmax(1).numpy(), labels)


@pytest.mark.slow
def test_regene_confidence_filter_drops_low_confidence_samples(regene):
    k = regene.num_classes_
    mean_code = np.array(
        [regene.code_confidence(regene.codes_, regene.labels_)[regene.labels_ == c].mean() for c in range(k)]
    )
    assert np.allclose(regene.thresholds_["code"], mean_code)  # default: per-class means (Sec. 5.2)
    raw, raw_labels = regene.sample(60, seed=1, confidence_filter=False, n_mix=3, weights="dirichlet")
    raw_conf = regene.image_confidence(raw, raw_labels)
    threshold = float(np.quantile(raw_conf, 0.3))
    assert np.mean(raw_conf < threshold) >= 0.25  # without the filter, these fall below
    kept, kept_labels = regene.sample(60, seed=1, threshold=threshold, n_mix=3, weights="dirichlet")
    stats, mask = regene.filter_stats_, regene.filter_mask_
    assert stats["candidates"] > 60 and stats["accepted"] == mask.sum() >= 54  # rejected ones were redrawn
    assert np.all(regene.image_confidence(kept, kept_labels)[mask] >= threshold - 1e-6)
    # a threshold nobody reaches: every position falls back to its best candidate, and says so
    regene.sample(6, seed=1, threshold=1.1)
    assert regene.filter_stats_["accepted"] == 0 and regene.filter_stats_["filled_with_best"] == 6


@pytest.mark.slow
def test_regene_save_load_round_trip(regene, tmp_path):
    a, la = regene.sample(10, seed=4)
    regene.save(tmp_path / "regene.pt")
    loaded = ReGene.load(tmp_path / "regene.pt", device="cpu")
    assert loaded.config == regene.config and isinstance(loaded.config, ReGeneConfig)
    b, lb = loaded.sample(10, seed=4)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert all(np.allclose(loaded.thresholds_[s], regene.thresholds_[s]) for s in ("code", "image"))
    old = regene.state()  # saved when ReGeneConfig still inherited sCOLA's fields
    old["config"] = {**old["config"], "t_scale": 1.0, "lr_codes": 0.01}
    with pytest.raises(TypeError, match=r"\['lr_codes', 't_scale'\].*fit the model again"):
        ReGene.from_state(old, device="cpu")


def test_regene_config_profiles_and_checks():
    paper, quick = ReGeneConfig(), ReGeneConfig.for_profile("quick")
    assert (paper.n_mix, paper.weights, paper.confidence_filter) == (2, "uniform", True)
    assert paper.classifier_config().epochs == 180 and quick.classifier_config().epochs == 30
    assert quick.classifier_config().arch == "resnet20" and quick.epochs == 150
    assert ReGeneConfig.for_profile("quick", classifier_batch_size=32).classifier_config().batch_size == 32
    with pytest.raises(ValueError, match="weights"):
        ReGeneConfig(weights="softmax")
    with pytest.raises(ValueError, match="needs labels"):
        ReGene(progress=False).fit(np.zeros((4, 16, 16, 3), np.uint8))
    with pytest.raises(TypeError, match=r"needs a ReGeneConfig, got SCOLAConfig.*ReGeneConfig\.for_profile"):
        ReGene(SCOLAConfig(epochs=7))  # nothing of sCOLA's config is converted
    with pytest.raises(TypeError, match=r"needs a AugIntAEConfig, got ReGeneConfig.*AugIntAEConfig\.for_profile"):
        AugIntAE(ReGeneConfig())
    with pytest.raises(TypeError, match="ReGeneConfig"):
        ReGene(object())
    assert isinstance(ReGene(progress=False).config, ReGeneConfig)


SCOLA_ONLY = (
    "lr_codes",
    "t_scale",
    "noise_std",
    "spread",
    "covariance",
    "spread_space",
    "reproject",
    "flip_augment",
    "transductive",
)


@pytest.mark.parametrize("config_cls", [ReGeneConfig, AugIntAEConfig])
def test_peer_configs_hold_no_scola_only_fields(config_cls):
    """The peers' configs share sCOLA's generator, loss and schedule (DecoderConfig), not its codes or step III."""
    names = set(config_cls.__dataclass_fields__)
    assert issubclass(config_cls, DecoderConfig) and not issubclass(config_cls, SCOLAConfig)
    assert names.isdisjoint(SCOLA_ONLY) and not hasattr(config_cls, "SAMPLING_FIELDS")
    assert set(DecoderConfig.__dataclass_fields__) <= names
    assert ("latent_dim" in names) == (config_cls is AugIntAEConfig)  # ReGene's codes: the classifier's features
    assert set(SCOLA_ONLY) <= set(SCOLAConfig.__dataclass_fields__)
    with pytest.raises(TypeError, match="has no field"):
        config_cls.for_profile("smoke", t_scale=2.0)


# ---------------------------------------------------------------------------------------------- AugIntAE


@pytest.mark.slow
def test_augintae_codes_are_unit_norm_and_reconstructions_improve(augint, digits3):
    x, y = digits3
    assert torch.allclose(augint.codes_.norm(dim=1), torch.ones(len(x)), atol=1e-5)
    assert np.allclose(np.linalg.norm(augint.encode(x[:4]), axis=1), 1.0, atol=1e-5)
    untrained = AugIntAE(augint.config.replace(epochs=0), device="cpu", progress=False).fit(x, y)
    target, loss = to_tensor(x), L1Loss()
    trained_l1 = loss(to_tensor(augint.reconstruct()), target)
    untrained_l1 = loss(to_tensor(untrained.reconstruct()), target)
    assert trained_l1 < 0.7 * untrained_l1
    assert augint.history_[-1] < 0.6 * augint.history_[0]
    assert len(augint.gan_history_) == 12 and 0.0 <= augint.k_ < 1.0 and untrained.k_ == 1.0
    assert augint.gan_history_[-1]["k"] == augint.k_
    with pytest.raises(ValueError, match="class part"):
        augint.reconstruct([0], labels=np.array([1]))


@pytest.mark.slow
def test_augintae_samples(augint):
    images, labels = augint.sample(12, classes=[0, 2], seed=0)
    assert images.shape == (12, 32, 32, 3) and images.dtype == np.uint8
    assert sorted(np.bincount(labels, minlength=3)) == [0, 6, 6]
    again, _ = augint.sample(12, classes=[0, 2], seed=0)
    other, _ = augint.sample(12, classes=[0, 2], seed=1)
    assert np.array_equal(images, again) and not np.array_equal(images, other)


def test_augmentation_interpolation_and_slerp():
    gen = torch.Generator().manual_seed(0)
    cfg = AugIntAEConfig()
    p1, p2 = sample_augmentations(5, cfg, gen), sample_augmentations(5, cfg, gen)
    assert torch.all(p1["angle"].abs() <= 10) and torch.all((p1["scale"] - 1).abs() <= 0.2)
    ones, zeros = torch.ones(5), torch.zeros(5)
    assert all(torch.allclose(mix_augmentations(p1, p2, ones)[k], p1[k]) for k in p1)
    mid = mix_augmentations(p1, p2, torch.full((5,), 0.5))
    assert torch.allclose(mid["hue"], (p1["hue"] + p2["hue"]) / 2)
    x = torch.rand(5, 3, 32, 32) * 2 - 1
    identity = {k: (ones if k in ("scale", "brightness", "contrast", "saturation") else zeros) for k in p1}
    assert torch.allclose(apply_augmentation(x, identity), x, atol=1e-4)
    a, b = apply_augmentation(x, p1), apply_augmentation(x, p2)
    assert a.shape == x.shape and a.min() >= -1 and a.max() <= 1 and not torch.allclose(a, b)
    assert torch.allclose(apply_augmentation(x, mix_augmentations(p1, p2, ones)), a)
    u = torch.nn.functional.normalize(torch.randn(6, 8, dtype=torch.float64), dim=1)
    v = torch.nn.functional.normalize(torch.randn(6, 8, dtype=torch.float64), dim=1)
    s = torch.rand(6, dtype=torch.float64)
    assert np.allclose(slerp_torch(u, v, s).numpy(), slerp(u.numpy(), v.numpy(), s.numpy()), atol=1e-6)


@pytest.mark.slow
def test_augintae_save_load_fit_or_load_and_unlabelled(augint, digits3, tmp_path):
    a, la = augint.sample(8, seed=3)
    loaded = AugIntAE.from_state(augint.state(), device="cpu")
    assert loaded.config == augint.config and loaded.k_ == augint.k_
    b, lb = loaded.sample(8, seed=3)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert np.allclose(loaded.encode(digits3[0][:3]), augint.encode(digits3[0][:3]), atol=1e-6)
    ds = ImageDataset(*digits3, ["0", "1", "2"], "digits3", "train", source="tests/test_peers.py")
    cache = ArtifactCache(tmp_path)
    cfg = AugIntAEConfig.for_profile("smoke", epochs=1, adversarial_weight=0.0)
    first = fit_or_load(AugIntAE, cfg, ds, cache, "cpu", progress=False)
    second = fit_or_load(AugIntAE, cfg, ds, cache, "cpu", progress=False)
    assert first.discriminator is None and first.gan_history_ == []
    assert torch.equal(first.codes_, second.codes_) and len(list((tmp_path / "models").iterdir())) == 1
    unlabelled = AugIntAE(cfg, device="cpu", progress=False).fit(digits3[0])
    assert unlabelled.num_classes_ == 1 and np.all(unlabelled.sample(4, seed=0)[1] == 0)
