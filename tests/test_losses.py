"""Laplacian pyramid (Eq. 3.5) and the other reconstruction losses."""

import pytest
import torch

from colalib.losses import (
    L1Loss,
    LaplacianPyramidLoss,
    build_loss,
    laplacian_pyramid,
    reconstruct_from_pyramid,
    vgg16_weights_path,
)


@pytest.mark.parametrize("levels", [1, 3, 4])
def test_pyramid_reconstructs_exactly(levels):
    x = torch.randn(2, 3, 32, 32)
    pyr = laplacian_pyramid(x, levels)
    assert len(pyr) == levels + 1 and pyr[-1].shape[-1] == 32 // 2**levels
    assert torch.allclose(reconstruct_from_pyramid(pyr), x, atol=1e-5)


def test_pyramid_bands_of_a_constant_image_are_zero():
    pyr = laplacian_pyramid(torch.full((1, 3, 16, 16), 0.3), 2)
    assert all(b.abs().max() < 1e-6 for b in pyr[:-1])
    assert torch.allclose(pyr[-1], torch.full_like(pyr[-1], 0.3))


@pytest.mark.parametrize("weighting", ["glo", "thesis_ocr", "uniform"])
def test_laplacian_loss_is_a_sensible_distance(weighting):
    loss = LaplacianPyramidLoss(3, weighting)
    x, y = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32)
    assert loss(x, x).item() == 0
    assert loss(x, y).item() > 0
    assert torch.isclose(loss(x, y), loss(y, x))
    assert loss(x, 0.5 * (x + y)) < loss(x, y)


def test_laplacian_weightings_differ_in_frequency_emphasis():
    x = torch.zeros(1, 3, 32, 32)
    fine = x.clone()
    fine[..., ::2, :] = 0.1  # high-frequency stripes
    coarse = torch.full_like(x, 0.1)  # a low-frequency offset
    glo, ocr = LaplacianPyramidLoss(3, "glo"), LaplacianPyramidLoss(3, "thesis_ocr")
    assert glo(x, coarse) / glo(x, fine) > ocr(x, coarse) / ocr(x, fine)


def test_loss_does_not_depend_on_batch_size():
    loss = LaplacianPyramidLoss()
    x, y = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    assert torch.isclose(loss(x, y), loss(torch.cat([x, x]), torch.cat([y, y])))


def test_l1_and_perceptual_net():
    from colalib.models import build_classifier

    x, y = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    assert torch.isclose(L1Loss()(x, y), (x - y).abs().mean())
    perc = build_loss("perceptual_net", net=build_classifier("resnet32", 10))
    assert perc(x, x).item() == 0 and perc(x, y).item() > 0
    assert not any(p.requires_grad for p in perc.parameters())


def test_missing_vgg_weights_give_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert not vgg16_weights_path().exists()
    with pytest.raises(FileNotFoundError, match="VGG16 weights are not available offline"):
        build_loss("perceptual_vgg16")


# --------------------------------------------------------------- perceptual networks (Sec. 5.3.1, Fig. 5.2)


def _smooth_images(n: int = 60, seed: int = 0):
    """Real-looking structure: random blurred colour fields, uint8 NHWC."""
    import numpy as np
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(seed)
    low = torch.rand(n, 3, 8, 8, generator=g)
    x = F.interpolate(low, size=32, mode="bilinear", align_corners=False)
    return (x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy(), np.arange(n) % 10


def test_kmeans_filters_are_whitened_cluster_centres():
    import numpy as np

    from colalib.losses import kmeans_filters

    rng = np.random.default_rng(0)
    patches = rng.standard_normal((3000, 12)) @ rng.standard_normal((12, 12)) + 5.0  # correlated, offset
    out = kmeans_filters(patches, 6, seed=0, eps=1e-6)
    assert out["filters"].shape == (6, 12)
    assert np.allclose(out["filters"], out["centroids"] @ out["whitening"])
    assert np.allclose(np.linalg.norm(out["centroids"], axis=1), 1.0)
    white = (patches - out["mean"]) @ out["whitening"]
    assert np.allclose(np.cov(white, rowvar=False), np.eye(12), atol=1e-3)  # ZCA whitening
    unit = white / np.linalg.norm(white, axis=1, keepdims=True)
    assign = out["kmeans"].predict(unit.astype(np.float32))
    for k in range(6):  # every centroid is (the direction of) the mean of its cluster
        mean = unit[assign == k].mean(0)
        assert mean @ out["centroids"][k] / np.linalg.norm(mean) > 0.95


def test_kmeans_init_sets_filters_from_kmeans_and_normalises_layers(monkeypatch):
    import numpy as np

    from colalib import losses
    from colalib.data import to_tensor
    from colalib.models import build_classifier

    images, _ = _smooth_images()
    calls = []
    real = losses.kmeans_filters

    def spy(patches, n_filters, seed=0, eps=0.1):
        out = real(patches, n_filters, seed, eps)
        calls.append(out)
        return out

    monkeypatch.setattr(losses, "kmeans_filters", spy)
    torch.manual_seed(0)
    net = build_classifier("resnet32", 10)
    before = net.conv1.weight.detach().clone()
    x = to_tensor(images)
    with torch.no_grad():
        random_features = net.features(x)
    losses.kmeans_init_resnet(net, images, n_patches=400, seed=0)
    assert len(calls) == 1 + 2 * len(net.layers)  # one k-means per convolution, layer by layer
    w = net.conv1.weight.detach().reshape(16, -1).double().numpy()
    assert np.allclose(w, calls[0]["filters"], atol=1e-6)  # first layer: whitened cluster centres
    assert not torch.allclose(net.conv1.weight, before)
    with torch.no_grad():
        pre = net.bn1(net.conv1(x))  # eval mode: running statistics from the data
        assert pre.mean((0, 2, 3)).abs().max() < 1e-3
        assert torch.allclose(pre.var((0, 2, 3)), torch.ones(16), atol=1e-2)
        assert not torch.allclose(net.features(x), random_features)


def test_perceptual_loss_of_every_network_is_a_distance():
    from colalib.classification import ClassifierConfig
    from colalib.data import to_tensor
    from colalib.losses import PERCEPTUAL_NETS, perceptual_resnet32

    images, labels = _smooth_images(40)
    x, y = to_tensor(images[:4]), to_tensor(images[4:8])
    clf = ClassifierConfig.for_profile("smoke", epochs=1, iters_per_epoch=2, batch_size=16)
    for kind in PERCEPTUAL_NETS:
        net = perceptual_resnet32(kind, images, labels, 10, seed=0, classifier_config=clf, kmeans_patches=300)
        loss = build_loss("perceptual_net", net=net)
        assert loss(x, x).item() == 0, kind
        assert loss(x, y).item() > 0, kind
        assert not any(p.requires_grad for p in loss.parameters()), kind


def test_random_perceptual_net_is_seeded_and_leaves_the_global_rng_alone():
    from colalib.losses import perceptual_resnet32

    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = perceptual_resnet32("resnet32_random", seed=3)
    assert torch.equal(torch.rand(1), expected)
    b, c = perceptual_resnet32("resnet32_random", seed=3), perceptual_resnet32("resnet32_random", seed=4)
    assert torch.equal(a.conv1.weight, b.conv1.weight) and not torch.equal(a.conv1.weight, c.conv1.weight)
    with pytest.raises(ValueError, match="Unknown perceptual network"):
        perceptual_resnet32("resnet50")
    with pytest.raises(ValueError, match="pass images"):
        perceptual_resnet32("resnet32_kmeans")


def test_data_dependent_perceptual_nets_are_cached(tmp_path):
    from colalib.cache import ArtifactCache
    from colalib.classification import ClassifierConfig
    from colalib.losses import perceptual_resnet32

    images, labels = _smooth_images(30)
    clf = ClassifierConfig.for_profile("smoke", epochs=1, iters_per_epoch=2, batch_size=16)
    cache = ArtifactCache(tmp_path)
    a = perceptual_resnet32("resnet32_trained", images, labels, 10, classifier_config=clf, cache=cache)
    assert len(list((tmp_path / "perceptual_nets").glob("*.pt"))) == 1
    b = perceptual_resnet32("resnet32_trained", images, labels, 10, classifier_config=clf, cache=cache)
    assert torch.equal(a.conv1.weight, b.conv1.weight)
    k1 = perceptual_resnet32("resnet32_kmeans", images, labels, 10, cache=cache, kmeans_patches=200)
    assert len(list((tmp_path / "perceptual_nets").glob("*.pt"))) == 2
    k2 = perceptual_resnet32("resnet32_kmeans", images, labels, 10, cache=cache, kmeans_patches=200)
    assert torch.equal(k1.conv1.weight, k2.conv1.weight) and torch.equal(k1.bn1.running_var, k2.bn1.running_var)
    assert not torch.equal(a.conv1.weight, perceptual_resnet32("resnet32_random", seed=0).conv1.weight)
