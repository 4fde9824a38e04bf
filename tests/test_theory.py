"""Chapter 6: Monte Carlo estimates agree with the closed forms."""

import math

import numpy as np
import pytest

from colalib import theory as T


def test_lemma1_variance_of_the_mean():
    r = T.simulate_mean_variance(8, 3.0, 40_000, seed=1)
    assert abs(r["var"] - 3.0 / 8) < 4 * r["se"]


@pytest.mark.parametrize("n", [5, 20, 80])
def test_prop1_expected_errors(n):
    r = T.simulate_sq_errors(10, n, 1.0, 2.0, 0.2, 40_000, seed=n)
    assert abs(r["err_real"] - T.expected_sq_error_real(1.0, 10)) < 4 * r["err_real_se"]
    assert abs(r["err_surrogate"] - T.expected_sq_error_surrogate(2.0, n, 0.2)) < 4 * r["err_surrogate_se"]


def test_prop1_threshold_is_the_simulated_crossover():
    m, vx, vz, d = 10, 1.0, 1.0, 0.2
    thr = T.prop1_threshold_n(m, vx, vz, d)
    assert thr == pytest.approx(m * vz / (vx - m * d * d))
    below = T.simulate_sq_errors(m, int(thr * 0.6), vx, vz, d, 60_000, seed=0)
    above = T.simulate_sq_errors(m, int(thr * 1.8), vx, vz, d, 60_000, seed=1)
    assert below["err_surrogate"] > below["err_real"]
    assert above["err_surrogate"] < above["err_real"]


def test_prop1_impossible_when_bias_dominates():
    assert math.isinf(T.prop1_threshold_n(50, 1.0, 1.0, 0.2))


def test_hoeffding_bounds_hold():
    for n in (20, 100, 400):
        r = T.simulate_tail_probabilities(50, n, 0.05, 0.15, 20_000, seed=n)
        assert r["p_real"] <= r["bound_real"] and r["p_surrogate"] <= r["bound_surrogate"]


def test_prop2_threshold_is_where_the_bounds_cross():
    n = T.prop2_threshold_n(50, 0.05, 0.15)
    assert n == pytest.approx(50 * (0.15 / 0.10) ** 2)
    assert T.hoeffding_bound(math.ceil(n), 0.10) <= T.hoeffding_bound(50, 0.15) + 1e-12
    assert T.hoeffding_bound(math.floor(n), 0.10) > T.hoeffding_bound(50, 0.15)


PROP2_GRID = dict(ms=[5, 50, 500], ds=[0.01, 0.1], epss=[0.05, 0.2, 1.0], ns=range(1, 5001))


def test_prop2_check_passes_the_thesis_threshold():
    r = T.prop2_threshold_disagreements(T.prop2_threshold_n, **PROP2_GRID)
    assert r["checked"] > 70_000 and r["disagreements"] == 0 and r["first"] is None


@pytest.mark.parametrize(
    "wrong",
    [
        T.prop2_threshold_n_eps1,  # the old misreading
        lambda m, d, eps: 1.1 * T.prop2_threshold_n(m, d, eps),
        lambda m, d, eps: m * eps / (eps - d),
    ],
)  # square forgotten
def test_prop2_check_fails_a_wrong_threshold(wrong):
    r = T.prop2_threshold_disagreements(wrong, **PROP2_GRID)
    assert r["disagreements"] > 0 and r["first"] is not None


def _bridge(predicted, surrogate, real=0.8, se=0.005):
    return {
        "predicted_n": predicted,
        "n_grid": [2, 5, 10, 20, 40],
        "real_mean": real,
        "real_se": se,
        "surrogate_mean": surrogate,
        "surrogate_se": [se] * 5,
    }


def test_prop3_near_prediction_rule():
    assert T.crossover_near_prediction(_bridge(6.5, [0.7, 0.75, 0.85, 0.9, 0.9]))["status"] == "holds"
    # a win before the prediction, a resolved loss past it, no win at all
    assert T.crossover_near_prediction(_bridge(6.5, [0.7, 0.85, 0.85, 0.9, 0.9]))["status"] == "does not hold"
    assert T.crossover_near_prediction(_bridge(6.5, [0.7, 0.75, 0.7, 0.9, 0.9]))["status"] == "does not hold"
    assert T.crossover_near_prediction(_bridge(6.5, [0.7, 0.75, 0.79, 0.8, 0.8]))["status"] == "not resolved"
    # first point past the prediction within noise, a later win: not enough to say
    assert T.crossover_near_prediction(_bridge(6.5, [0.7, 0.75, 0.8, 0.9, 0.9]))["status"] == "not resolved"


def test_determinism():
    a = T.simulate_sq_errors(5, 7, 1.0, 1.0, 0.1, 1000, seed=3)
    b = T.simulate_sq_errors(5, 7, 1.0, 1.0, 0.1, 1000, seed=3)
    assert a == b


def test_classifier_bridge_improves_with_more_surrogate_points():
    r = T.classifier_crossover_experiment(3, [3, 60], 0.1, repeats=15, test_points=1000, seed=0)
    assert r["surrogate_mean"][1] > r["surrogate_mean"][0]
    assert r["predicted_n"] == pytest.approx(3 * 2 / (2 - 3 * 0.01))


def test_prop3_near_prediction_edge_cases():
    # no grid point at or below the prediction: nothing brackets it
    assert T.crossover_near_prediction(_bridge(1.5, [0.85, 0.9, 0.9, 0.9, 0.9]))["status"] == "not resolved"
    # a prediction exactly on a grid point: the next point is the first past it
    assert T.crossover_near_prediction(_bridge(10.0, [0.7, 0.75, 0.8, 0.9, 0.9]))["status"] == "holds"
    # Cor. 1.1 predicts no crossover: a resolved win contradicts it, none is not enough to say
    assert T.crossover_near_prediction(_bridge(float("inf"), [0.7, 0.75, 0.8, 0.9, 0.9]))["status"] == "does not hold"
    assert T.crossover_near_prediction(_bridge(float("inf"), [0.7, 0.75, 0.8, 0.8, 0.8]))["status"] == "not resolved"


def _gaussian_classes(rng, per_class, offset, scale, classes=3, dim=4):
    labels = np.repeat(np.arange(classes), per_class)
    means = 5.0 * np.arange(classes)[:, None] * np.ones(dim)
    return means[labels] + offset + scale * rng.standard_normal((len(labels), dim)), labels


def test_class_mean_errors_recover_d_and_the_variances_of_known_gaussians():
    rng = np.random.default_rng(0)
    pop, pop_y = _gaussian_classes(rng, 20_000, 0.0, 1.0)  # Var[X] = dim * 1 = 4
    real, real_y = _gaussian_classes(rng, 10, 0.0, 1.0)
    shift = np.array([0.3, 0.0, 0.4, 0.0])  # d = 0.5
    syn, syn_y = _gaussian_classes(rng, 4000, shift, 0.5)  # Var[Z] = 4 * 0.25 = 1
    out = T.class_mean_errors(real, real_y, syn, syn_y, pop, pop_y)
    assert out["m"] == 10 and out["n"] == 4000
    assert abs(out["var_x"] - 4.0) < 0.1 and abs(out["var_z"] - 1.0) < 0.05 and abs(out["d"] - 0.5) < 0.03
    assert out["expected_real"] == pytest.approx(out["var_x"] / 10)
    assert out["expected_surrogate"] == pytest.approx(out["var_z"] / 4000 + out["d"] ** 2)
    # Var[X]/m = 0.4 > d^2 = 0.25: the surrogate is predicted better, and m* = n Var[X] / (Var[Z] + n d^2) ~ 16 > 10
    assert out["surrogate_predicted_better"] and 10 < out["m_star"] < 20
    # at m = m*, Cor. 1.1's threshold on n is n itself: the two readings of the corollary agree
    assert T.prop1_threshold_n(out["m_star"], out["var_x"], out["var_z"], out["d"]) == pytest.approx(out["n"])


def test_class_mean_errors_predict_the_real_sample_when_the_bias_dominates():
    rng = np.random.default_rng(1)
    pop, pop_y = _gaussian_classes(rng, 5000, 0.0, 1.0)
    real, real_y = _gaussian_classes(rng, 50, 0.0, 1.0)
    syn, syn_y = _gaussian_classes(rng, 2000, np.array([1.0, 0.0, 0.0, 0.0]), 1.0)  # d = 1: d^2 > Var[X]/50
    out = T.class_mean_errors(real, real_y, syn, syn_y, pop, pop_y)
    assert not out["surrogate_predicted_better"] and out["m_star"] < 50
    assert out["observed_surrogate"] > out["observed_real"]


def test_class_mean_errors_reject_a_class_without_surrogates():
    rng = np.random.default_rng(2)
    pop, pop_y = _gaussian_classes(rng, 100, 0.0, 1.0)
    with pytest.raises(ValueError, match="class 2"):
        T.class_mean_errors(pop, pop_y, pop[pop_y < 2], pop_y[pop_y < 2], pop, pop_y)
