"""Laplacian pyramid (Eq. 3.5) and the other reconstruction losses."""
import pytest
import torch

from colalib.losses import (L1Loss, LaplacianPyramidLoss, build_loss, laplacian_pyramid, reconstruct_from_pyramid,
                            vgg16_weights_path)


@pytest.mark.parametrize("levels", [1, 3, 4])
def test_pyramid_reconstructs_exactly(levels):
    x = torch.randn(2, 3, 32, 32)
    pyr = laplacian_pyramid(x, levels)
    assert len(pyr) == levels + 1 and pyr[-1].shape[-1] == 32 // 2 ** levels
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
    fine = x.clone(); fine[..., ::2, :] = 0.1          # high-frequency stripes
    coarse = torch.full_like(x, 0.1)                  # a low-frequency offset
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
