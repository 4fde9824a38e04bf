"""Verdict tables: statuses follow the paired intervals, never a bare sign."""
import pytest

from colalib.verdicts import classification_claims, ordering_claim, value_claim


def test_ordering_claims_follow_the_interval():
    assert ordering_claim("a", "A > B", [0.05, 0.06, 0.055])["status"] == "holds"
    assert ordering_claim("a", "A > B", [-0.05, -0.06, -0.055])["status"] == "does not hold"
    assert ordering_claim("a", "A > B", [0.0003, 0.02, -0.019])["status"] == "not resolved"   # +0.03 ± 1.9 pp
    single = ordering_claim("a", "A > B", [0.08])
    assert single["status"] == "not resolved" and "one subset" in single["why"]


def test_value_claims_and_bad_status():
    assert value_claim("x", 42.86, [0.29, 0.30, 0.28])["status"] == "does not hold"
    assert value_claim("x", 29.0, [0.29, 0.30, 0.28])["status"] == "holds"
    assert value_claim("x", None, [0.3])["status"] == "not comparable"
    assert value_claim("x", 29.0, [0.29], comparable=False, why_not="quick")["status"] == "not comparable"
    with pytest.raises(ValueError, match="status"):
        from colalib.verdicts import claim_row
        claim_row("c", "p", "o", "probably", "w")


def test_classification_claims_pair_by_subset():
    rows = [{"size": 10, "seed": s, "arm": arm, "accuracy": acc} for s, (r, m, y) in
            enumerate([(0.23, 0.31, 0.28), (0.25, 0.29, 0.25), (0.27, 0.28, 0.26)])
            for arm, acc in (("real", r), ("mix", m), ("synthetic", y))]
    claims = {c["claim"].split(" (")[0]: c for c in classification_claims(rows, "cifar10", "quick")}
    assert claims["Mix beats Real at 10 per class"]["status"] == "not resolved"   # +4.0 ± 9.2 pp
    assert claims["sCOLA Mix accuracy at 10 per class"]["status"] == "not comparable"
