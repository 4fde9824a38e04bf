"""Generators and classifiers: shapes, parameter counts against the paper, conditioning."""

import pytest
import torch

from colalib.models import GENERATORS, ResNet18Encoder, build_classifier, build_generator, count_parameters


@pytest.mark.parametrize("arch", GENERATORS)
@pytest.mark.parametrize("size", [32, 48, 64])
def test_generator_shapes_and_range(arch, size):
    g = build_generator(arch, 74, size, num_classes=10).eval()
    out = g(torch.randn(3, 74), torch.tensor([0, 1, 2]))
    assert out.shape == (3, 3, size, size)
    assert out.abs().max() <= 1.0


@pytest.mark.parametrize(
    "arch,published,tol", [("infogan", 8.6e6, 0.02), ("dcgan_res", 4.1e6, 0.05), ("cgan_res", 4.1e6, 0.05)]
)
def test_generator_parameter_counts_match_table_4_2(arch, published, tol):
    n = count_parameters(build_generator(arch, 74, 32, num_classes=10))
    assert abs(n - published) / published < tol


def test_conditional_generator_uses_the_label():
    g = build_generator("cgan_res", 74, 32, num_classes=10).eval()
    z = torch.randn(2, 74)
    with torch.no_grad():
        for emb in (g.blocks[0].b1.embed,):
            emb.weight.normal_()  # break the identical initial scales
        a, b = g(z, torch.tensor([0, 0])), g(z, torch.tensor([3, 3]))
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="class-conditional"):
        g(z)


def test_unconditional_generators_ignore_the_label():
    g = build_generator("infogan", 74, 32).eval()
    z = torch.randn(2, 74)
    assert torch.equal(g(z, torch.tensor([0, 0])), g(z, torch.tensor([5, 5])))


@pytest.mark.parametrize(
    "arch,expected,tol",
    [("resnet20", 269_722, 0), ("resnet32", 464_154, 0), ("wrn28_10", 36.5e6, 0.01), ("wrn16_8", 11.0e6, 0.02)],
)
def test_classifier_parameter_counts(arch, expected, tol):
    n = count_parameters(build_classifier(arch, 10))
    assert abs(n - expected) <= tol * expected


@pytest.mark.parametrize("arch", ["resnet20", "resnet32"])
@pytest.mark.parametrize("size", [32, 48, 64])
def test_classifier_shapes(arch, size):
    m = build_classifier(arch, 7).eval()
    assert m(torch.randn(2, 3, size, size)).shape == (2, 7)
    assert m.features(torch.randn(2, 3, size, size)).shape == (2, 64)


def test_encoder_maps_to_sphere():
    e = ResNet18Encoder(10, width=8).eval()
    x = torch.randn(4, 3, 32, 32)
    assert torch.allclose(e(x).norm(dim=1), torch.ones(4), atol=1e-5)
    assert e.rotation_logits(x).shape == (4, 4)


def test_unknown_architectures_fail():
    with pytest.raises(ValueError, match="Unknown generator"):
        build_generator("stylegan", 10)
    with pytest.raises(ValueError, match="Unknown classifier"):
        build_classifier("vit", 10)


@pytest.mark.parametrize("arch", ["dcgan_res", "cgan_res"])
def test_residual_generator_width(arch):
    full = build_generator(arch, 74, 32, num_classes=10)
    assert full.ngf == 256 and count_parameters(full) == count_parameters(build_generator(arch, 74, 32, 10, width=0))
    narrow = build_generator(arch, 74, 32, num_classes=10, width=32).eval()
    assert narrow.ngf == 32 and count_parameters(narrow) < count_parameters(full) / 20
    assert narrow(torch.randn(2, 74), torch.tensor([0, 1])).shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="fixed width"):
        build_generator("infogan", 74, 32, width=32)
