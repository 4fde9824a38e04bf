import numpy as np
import pytest

from colalib.stats import interval95, paired_differences, summarise, verdict


def test_verdict_follows_the_interval_and_never_ranks_one_subset():
    assert verdict(0.03, 0.01, 3) == "better"
    assert verdict(-0.03, 0.01, 3) == "worse"
    assert verdict(0.0003, 0.0194, 3) == "no difference resolved"  # "+0.03 ± 1.94 pp" is not a win
    assert verdict(0.05, float("nan"), 1) == "one subset: not a ranking"
    assert verdict(0.03, 0.01, 2) == "2 subsets: not a ranking"  # an order needs at least 3


def test_paired_differences_pair_by_seed_and_skip_unpaired_runs():
    rows = [
        {"size": 10, "seed": s, "arm": arm, "accuracy": acc}
        for s, arm, acc in ((0, "mix", 0.30), (0, "real", 0.25), (1, "mix", 0.28), (1, "real", 0.27), (2, "mix", 0.40))
    ]  # seed 2 has no Real arm: not paired, left out
    (d,) = paired_differences(rows)
    assert d["n"] == 2 and d["mix_minus_real"] == pytest.approx(0.03)
    assert d["ci95"] == pytest.approx(interval95(np.array([0.05, 0.01])))
    means = {r["arm"]: r for r in summarise(rows)}
    assert means["mix"]["n"] == 3 and means["real"]["mean"] == pytest.approx(0.26)


def test_above_chance_is_a_one_sided_binomial_test_on_the_test_split():
    from colalib.stats import above_chance

    assert above_chance(0.2513, 10_000, 10) and above_chance(0.1057, 10_000, 10)  # p about 0.03
    assert not above_chance(0.1011, 10_000, 10) and not above_chance(0.0971, 10_000, 10)
    assert not above_chance(0.12, 100, 10)  # 12 of 100: not distinguishable from chance on so few images
    assert above_chance(0.02, 10_000, 100)  # 2 % on 100 classes is twice chance


def test_ordering_kept_needs_the_same_sign_inside_the_committed_interval_and_the_same_verdict():
    from colalib.stats import ordering_kept

    committed = np.array([2.0, 3.0, 4.0])  # mean 3, 95 % half-width 2.48: "better"
    assert ordering_kept(committed, np.array([2.0, 2.5, 3.0]))  # mean 2.5, inside, still "better"
    assert not ordering_kept(committed, np.array([1.0, 2.0, 3.0]))  # mean 2 inside, but its interval reaches 0
    assert not ordering_kept(committed, np.array([0.0, 0.2, 0.4]))  # same sign, outside the interval
    assert not ordering_kept(committed, -committed)  # the sign flips
    unresolved = np.array([-1.0, 2.0, 5.0])  # "no difference resolved" stays so
    assert ordering_kept(unresolved, np.array([-1.5, 2.0, 4.5]))
