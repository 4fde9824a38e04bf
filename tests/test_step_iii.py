"""Step III readings (issue #13): covariance estimators, tangent-space spread, re-projection, protocol readings."""

import numpy as np
import pytest
import torch

from colalib.classification import BatchSampler, ClassifierConfig, train_and_evaluate
from colalib.cola import SCOLA, SCOLAConfig
from colalib.data import load_dataset, small_sample
from colalib.experiments import fit_or_load
from colalib.experiments.gap_study import spread_diversity, summarise_readings
from colalib.experiments.readings import DEFAULT, GapStudyConfig, combined_reading
from colalib.sampling import COVARIANCES, exp_map, fit_class_gaussians, log_map, sample_codes
from colalib.stats import interval95, verdict


def _sphere_codes(n_per_class=5, k=3, d=12, seed=0, common=2.0):
    rng = np.random.default_rng(seed)
    t = np.eye(k)[np.repeat(np.arange(k), n_per_class)] + 0.05 * rng.normal(size=(n_per_class * k, k))
    v = rng.normal(size=(n_per_class * k, d)) + common * rng.normal(size=(1, d))  # a common direction: mean != 0
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return np.concatenate([t, v], axis=1), np.repeat(np.arange(k), n_per_class), [(0, k), (k, k + d)]


def test_log_and_exp_maps_invert_each_other():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=6)
    mu /= np.linalg.norm(mu)
    x = rng.normal(size=(20, 6))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    u = log_map(x, mu)
    assert np.allclose(u @ mu, 0, atol=1e-9)  # tangent to the sphere at mu
    assert np.allclose(np.linalg.norm(u, axis=1), np.arccos(np.clip(x @ mu, -1, 1)))  # norm = angle
    assert np.allclose(exp_map(u, mu), x, atol=1e-9)


def test_sample_covariance_stays_in_the_affine_span_of_the_class_codes():
    codes, labels, _ = _sphere_codes(n_per_class=4, d=20)
    g = fit_class_gaussians(codes, labels, covariance="sample", space="ambient")
    out = sample_codes(g, np.full(200, 1), spread=1.7, seed=0)
    x = codes[labels == 1]
    basis = np.linalg.svd(x - x.mean(0), full_matrices=False)[2][: len(x) - 1]  # directions of the affine span
    residual = (out - x.mean(0)) - (out - x.mean(0)) @ basis.T @ basis
    assert np.abs(residual).max() < 1e-9
    lw = sample_codes(fit_class_gaussians(codes, labels, covariance="ledoit_wolf"), np.full(200, 1), seed=0)
    lw_residual = (lw - x.mean(0)) - (lw - x.mean(0)) @ basis.T @ basis
    assert np.abs(lw_residual).max() > 1e-3  # shrinkage puts noise where no training code is


@pytest.mark.parametrize("covariance", COVARIANCES)
@pytest.mark.parametrize("space", ["ambient", "tangent"])
def test_every_estimator_is_reproducible_by_seed(covariance, space):
    codes, labels, parts = _sphere_codes()
    g = fit_class_gaussians(codes, labels, covariance=covariance, space=space, parts=parts)
    a = sample_codes(g, labels, seed=3)
    assert np.array_equal(a, sample_codes(g, labels, seed=3))
    assert not np.array_equal(a, sample_codes(g, labels, seed=4))


def test_tangent_samples_stay_on_the_spheres_and_spread_zero_is_the_mean_direction():
    codes, labels, parts = _sphere_codes()
    g = fit_class_gaussians(codes, labels, covariance="ledoit_wolf", space="tangent", parts=parts, radii=[2.0, 1.0])
    out = sample_codes(g, labels, spread=1.0, seed=0)
    assert np.allclose(np.linalg.norm(out[:, :3], axis=1), 2.0) and np.allclose(np.linalg.norm(out[:, 3:], axis=1), 1)
    at_zero = sample_codes(g, np.array([0, 0, 2]), spread=0.0, seed=0)
    v_mean = codes[labels == 0, 3:].mean(0)
    assert np.allclose(at_zero[0, 3:], v_mean / np.linalg.norm(v_mean)) and np.allclose(at_zero[0], at_zero[1])


def test_tangent_spread_grows_the_angle_while_ambient_shrinkage_saturates():
    """The defect of issue #13: with shrinkage noise larger than the class mean, re-projection cancels spread."""
    codes, labels, parts = _sphere_codes(n_per_class=5, d=64, common=0.0)  # as sCOLA's v: |class mean| ~ 0.45
    which = np.full(2000, 2)

    def mean_angle(space, spread):
        g = fit_class_gaussians(codes, labels, covariance="ledoit_wolf", space=space, parts=parts)
        out = sample_codes(g, which, spread=spread, seed=0)[:, 3:]
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        mu = codes[labels == 2, 3:].mean(0)
        return float(np.degrees(np.arccos(np.clip(out @ (mu / np.linalg.norm(mu)), -1, 1))).mean())

    tangent = [mean_angle("tangent", s) for s in (0.25, 0.5, 1.0)]
    assert all(1.8 < b / a < 2.2 for a, b in zip(tangent, tangent[1:]))  # linear in spread
    ambient = [mean_angle("ambient", s) for s in (1.0, 2.0, 4.0)]
    assert ambient[2] / ambient[1] < 1.15 and ambient[2] < 90  # the projection ate the spread


def test_negative_or_unknown_step_iii_settings_fail_before_any_compute():
    with pytest.raises(ValueError, match="spread must be"):
        SCOLAConfig(spread=-1.0)
    with pytest.raises(ValueError, match="Unknown covariance"):
        SCOLAConfig(covariance="shrunk")
    with pytest.raises(ValueError, match="Unknown spread_space"):
        SCOLAConfig(spread_space="hyperbolic")
    with pytest.raises(ValueError, match="Unknown classifier arch"):
        ClassifierConfig(arch="resnet99")
    with pytest.raises(ValueError, match="Unknown mix_mode"):
        ClassifierConfig(mix_mode="alternate")


def test_legacy_readings_keep_their_cache_keys():
    quick = SCOLAConfig.for_profile("quick")
    assert not {"covariance", "spread_space", "reproject", "flip_augment", "transductive"} & set(quick.to_dict())
    assert "covariance" in quick.replace(covariance="sample").to_dict()
    assert not {"mix_mode", "synthetic_refresh"} & set(ClassifierConfig.for_profile("quick").to_dict())


@pytest.fixture(scope="module")
def digits_scola():
    data = small_sample(load_dataset("digits"), 10, 0)
    cfg = SCOLAConfig.for_profile(
        "smoke", epochs=30, lr_step_epochs=15, seed=0, covariance="sample", spread_space="tangent"
    )
    return data, SCOLA(cfg, device="cpu", progress=False).fit(data)


@pytest.mark.slow
def test_decoded_diversity_grows_with_spread_and_spread_zero_decodes_the_class_mean(digits_scola):
    _, model = digits_scola
    x0, _ = model.sample(6, classes=3, spread=0.0, seed=0)
    assert all(np.array_equal(x0[0], x) for x in x0)  # spread 0: one image, the mean
    rows = spread_diversity(model, (0.0, 0.25, 0.5, 1.0, 2.0), n_per_class=30, classes=(3, 7))
    for c in (3, 7):
        d = [r["distance_to_mean_image"] for r in rows if r["class"] == c]
        assert d[0] == 0.0 and all(b > a for a, b in zip(d, d[1:])), d


def test_a_cached_model_serves_every_step_iii_reading(tmp_path):
    from colalib.cache import ArtifactCache

    data = small_sample(load_dataset("digits"), 5, 0)
    cache = ArtifactCache(tmp_path)
    cfg = SCOLAConfig.for_profile("smoke")
    a = fit_or_load(SCOLA, cfg, data, cache, "cpu", progress=False)
    b = fit_or_load(SCOLA, cfg.replace(covariance="sample", spread_space="tangent"), data, cache, "cpu", False)
    assert len(list((tmp_path / "models").iterdir())) == 1 and torch.equal(a.codes_, b.codes_)
    assert b.gaussians_.space == "tangent" and a.gaussians_.space == "ambient"
    # spread is a sampling field too: SCOLAConfig(spread=0.5) samples the same fit, no retraining
    c = fit_or_load(SCOLA, cfg.replace(spread=0.5), data, cache, "cpu", False)
    assert len(list((tmp_path / "models").iterdir())) == 1 and torch.equal(a.codes_, c.codes_)
    assert c.config.spread == 0.5 and cfg.replace(spread=0.5).fit_key() == cfg.fit_key()
    x_a, _ = a.sample(20, seed=3)
    x_c, _ = c.sample(20, seed=3)
    assert not np.array_equal(x_a, x_c)  # the new spread is what samples
    with pytest.raises(ValueError, match="refit for any other change"):
        a.use_sampling(cfg.replace(epochs=cfg.epochs + 1))


def test_flip_and_transductive_fits_keep_only_labelled_codes():
    data = small_sample(load_dataset("digits"), 5, 0)
    test = load_dataset("digits", "test")
    flip = SCOLA(SCOLAConfig.for_profile("smoke", flip_augment=True), progress=False).fit(data)
    assert len(flip.codes_) == 2 * len(data) and np.array_equal(flip.labels_[len(data) :], data.labels)
    trans = SCOLA(SCOLAConfig.for_profile("smoke", transductive=12), progress=False)
    trans.fit(data, unlabelled=test.images[:12])
    assert len(trans.codes_) == len(data) and set(trans.labels_) == set(data.labels)
    with pytest.raises(ValueError, match="unlabelled"):
        SCOLA(SCOLAConfig.for_profile("smoke", transductive=12), progress=False).fit(data)


def test_batch_swapping_draws_whole_batches_in_the_given_proportion():
    real = (torch.zeros(7, 1, 1, 1), torch.zeros(7, dtype=torch.long))
    fake = (torch.ones(50, 1, 1, 1), torch.ones(50, dtype=torch.long))
    sampler = BatchSampler([real, fake], [0.5, 0.5], 16, torch.Generator().manual_seed(0), swap=True)
    kinds = []
    for _ in range(400):
        _, y = sampler.next()
        assert y.unique().numel() == 1
        kinds.append(int(y[0]))
    assert 0.42 < np.mean(kinds) < 0.58 and sampler.drawn.tolist() == [16 * kinds.count(0), 16 * kinds.count(1)]


def test_refreshed_pool_is_what_the_classifier_trains_on():
    tr, te = small_sample(load_dataset("digits"), 5, 0), load_dataset("digits", "test")
    cfg = ClassifierConfig.for_profile("smoke", epochs=3, iters_per_epoch=2, synthetic_refresh=True)
    calls = []

    def refresh(epoch):
        calls.append(epoch)
        return tr.images, tr.labels

    out = train_and_evaluate(
        "mix",
        (tr.images, tr.labels),
        (tr.images, tr.labels),
        (te.images[:50], te.labels[:50]),
        10,
        cfg,
        "cpu",
        False,
        refresh=refresh,
    )
    assert calls == [1, 2] and out["refreshes"] == 2 and out["iterations"] == 6
    assert out["images_per_set"] == [6 * cfg.batch_size // 2] * 2


def test_intervals_and_verdicts_follow_the_numbers():
    assert np.isnan(interval95(np.array([0.1])))
    assert interval95(np.array([0.1, 0.3, 0.2])) == pytest.approx(4.302653 * 0.1 / np.sqrt(3), rel=1e-5)
    assert verdict(0.03, 0.05, 3) == "no difference resolved" and verdict(0.03, 0.01, 3) == "better"
    assert verdict(-0.03, 0.01, 3) == "worse" and verdict(0.03, float("nan"), 1) == "one subset: not a ranking"


def test_combination_takes_only_the_readings_that_resolvably_beat_the_default():
    rows = []
    for seed, (d, s, w, f, n) in enumerate(
        [(0.30, 0.33, 0.29, 0.35, 0.32), (0.32, 0.34, 0.30, 0.36, 0.31), (0.31, 0.35, 0.28, 0.355, 0.31)]
    ):
        for name, mix in (
            (DEFAULT, d),
            ("sample covariance, tangent", s),
            ("whole-batch swapping", w),
            ("sCOLA on flipped copies too", f),
            ("fresh synthetic set every epoch", n),
        ):
            rows.append({"size": 10, "seed": seed, "reading": name, "kind": "x", "mix": mix, "real": 0.25})
    label, (s_over, c_over), chosen = combined_reading(summarise_readings(rows), 10)
    # the fresh set gains +0.33 pp on average, inside its interval: noise, not a winner
    assert set(chosen) == {"sample covariance, tangent", "sCOLA on flipped copies too"}
    assert s_over == {"covariance": "sample", "spread_space": "tangent", "flip_augment": True} and c_over == {}
    one_seed = [r for r in rows if r["seed"] == 0]
    assert combined_reading(summarise_readings(one_seed), 10)[2] == []  # one subset is never a ranking


def test_gap_config_rejects_unknown_readings():
    with pytest.raises(ValueError, match="Unknown readings"):
        GapStudyConfig(readings=(DEFAULT, "more epochs please"))


@pytest.mark.slow
def test_gap_study_pairs_each_reading_with_the_real_arm_of_its_own_recipe(tmp_path):
    from colalib.cache import ArtifactCache
    from colalib.experiments.gap_study import gap_study

    exp = GapStudyConfig.for_profile(
        "smoke", readings=(DEFAULT, "whole-batch swapping", "classifier ~10K steps"), long_steps=12
    )
    rows = gap_study(exp, ArtifactCache(tmp_path), device="cpu", progress=False, combine=False)
    assert len(rows) == 3 * len(exp.seeds)
    for seed in exp.seeds:
        by = {r["reading"]: r for r in rows if r["seed"] == seed}
        assert by["whole-batch swapping"]["real"] == by[DEFAULT]["real"]  # same recipe: the same Real unit
        assert by["classifier ~10K steps"]["iterations"] == 12  # counted from what ran
        assert by[DEFAULT]["iterations"] == ClassifierConfig.for_profile("smoke").total_iterations
        assert all(r["mix_minus_real"] == pytest.approx(r["mix"] - r["real"]) for r in by.values())
    summary = summarise_readings(rows)
    assert {s["reading"] for s in summary} == set(exp.readings) and all(s["n"] == len(exp.seeds) for s in summary)


def _finding(size, reading, kind, verdict, gain, gap=10.0, share=None):
    return {
        "size": size,
        "reading": reading,
        "kind": kind,
        "verdict": verdict,
        "gain over default (pp)": gain,
        "gain 95 % interval (pp)": 0.5,
        "gap of default to published (pp)": gap,
        "share of the gap closed (%)": share,
    }


def test_the_gap_reading_names_only_resolved_gains_and_keeps_the_defaults_otherwise():
    from colalib.experiments.gap_study import gap_reading

    findings = [
        _finding(10, "whole-batch swapping", "protocol", "better", 1.2, share=12.0),
        _finding(10, "Gaussian, spread 2", "step III", "not resolved", 0.3),
        _finding(10, "transductive sCOLA", "transductive", "better", 2.0),
    ]
    text = gap_reading(findings, (10,))
    assert "Gap of the default's Mix to the published Mix: 10.00 pp" in text
    assert "whole-batch swapping (+1.20 ± 0.50 pp, 12 % of the gap)" in text and "spread 2" not in text
    assert "Transductive: +2.00 ± 0.50 pp (better)" in text and "should move to them" in text
    quiet = gap_reading([f for f in findings if f["verdict"] != "better"], (10,))
    assert "no reading beat the default" in quiet and "defaults stay as they are" in quiet


def test_table_5_1_sets_our_accuracies_beside_the_published_ones():
    from colalib import published

    summary = [
        {"size": 10, "arm": "real", "mean": 0.25, "std": 0.01, "n": 3},
        {"size": 10, "arm": "mix", "mean": 0.30, "std": 0.02, "n": 3},
    ]
    (row,) = published.table_5_1_beside_ours(summary, "cifar10", (10,))
    pub = published.scola_mix("cifar10")[10]
    assert row["ours real"] == "25.00 ± 1.00 (std, 3 subsets)" and row["ours mix"] == "30.00 ± 2.00 (std, 3 subsets)"
    one = published.table_5_1_beside_ours([{**r, "n": 1, "std": 0.0} for r in summary], "cifar10", (10,))[0]
    assert one["ours mix"] == "30.00 (one subset)"  # no "± 0.00" for a single run
    assert row["sCOLA mix, published (thesis)"] == f"{pub:.2f}"
    assert row["ours mix − published"] == f"{30.0 - pub:+.2f}"
    assert set(row) >= {"DADA, published", "TANDA, published", "CFVAE-DHN, published"}
    assert published.table_5_1_beside_ours(summary, "mnist", (10,))[0]["sCOLA mix, published (thesis)"] == ""
