"""Experiment configurations of the notebooks (the units themselves run in the notebooks' smoke tests)."""
import pytest

from colalib.experiments import SIMILARITY_MEASURES, AblationExperimentConfig


def test_quick_generator_ablation_shares_the_laplacian_unit():
    exp = AblationExperimentConfig.for_profile("quick")
    assert exp.arch_scola_config("infogan", 0).key() == exp.similarity_scola_config("laplacian", 0).key()
    assert exp.arch_scola_config("cgan_res", 0).generator_width == exp.generator_width
    assert exp.arch_scola_config("infogan", 0).generator_width == 0


def test_similarity_configs_differ_and_use_the_cas_recipe():
    exp = AblationExperimentConfig.for_profile("quick")
    keys = {exp.similarity_scola_config(m, 0).key() for m in SIMILARITY_MEASURES}
    assert len(keys) == len(SIMILARITY_MEASURES)
    trained = exp.similarity_scola_config("resnet32_trained", 0)
    assert trained.perceptual_classifier_config().epochs == exp.classifier_config(0).epochs
    assert trained.perceptual_classifier_config().arch == "resnet32"
    assert exp.classifier_config(0).arch == "resnet20"
    with pytest.raises(ValueError, match="Unknown similarity measure"):
        exp.similarity_scola_config("ssim", 0)


def test_paper_profile_is_the_thesis_protocol():
    exp = AblationExperimentConfig.for_profile("paper")
    assert exp.arch_per_class == 0 and exp.generator_width == 0 and exp.arch_latent_dim == 128
    assert exp.similarity_per_class == 50 and exp.scola_config(0).epochs == 500
    assert exp.classifier_config(0).epochs == 180
