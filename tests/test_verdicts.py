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


def test_generator_reading_states_a_reversal_and_the_capacity_confound():
    from colalib.verdicts import generator_ordering_reading
    # the thesis's order (CGAN < InfoGAN < DCGAN-res on FID) reversed, one subset, unequal capacity
    rows = [{"generator": g, "seed": 0, "fid": fid, "cas": cas, "parameters": p}
            for g, fid, cas, p in (("infogan", 300.0, 0.25, 8.6e6), ("dcgan_res", 250.0, 0.30, 3.1e5),
                                   ("cgan_res", 350.0, 0.20, 3.2e5))]
    text = generator_ordering_reading(rows)
    assert text.count("the reverse order") == 2
    assert "One subset: not a ranking" in text
    assert "Confounded by capacity" in text and "28x" in text
    same = [dict(r, fid={"infogan": 49.0, "dcgan_res": 86.0, "cgan_res": 39.0}[r["generator"]],
                 cas={"infogan": 0.67, "dcgan_res": 0.61, "cgan_res": 0.70}[r["generator"]], parameters=4e6)
            for r in rows]
    text = generator_ordering_reading(same)
    assert text.count("the same order") == 2 and "Confounded" not in text
    partly = [dict(r, fid={"infogan": 350.0, "dcgan_res": 250.0, "cgan_res": 300.0}[r["generator"]]) for r in rows]
    assert "the thesis's worst, DCGAN-res, is our best" in generator_ordering_reading(partly)


def test_peers_reading_and_claims_leave_out_a_failed_method():
    from colalib.verdicts import peers_claims, peers_reading
    rows = [{"method": m, "size": 10, "seed": 0, "cas": cas, "mix": mix, "fid": fid, "failed": failed}
            for m, cas, mix, fid, failed in (("scola", 0.28, 0.31, 200.0, ""), ("glo", 0.15, 0.26, 250.0, ""),
                                             ("augintae", 0.098, 0.24, 300.0, "CAS 9.8% at or below chance"))]
    text = peers_reading(rows, {"scola": "sCOLA", "glo": "GLO", "augintae": "AugIntAE"})
    assert "**AugIntAE failed**" in text and "one subset: a single run, not a ranking" in text
    assert "sCOLA 28.0% > GLO 15.0%" in text and "AugIntAE 9.8%" not in text
    claims = {c["claim"]: c for c in peers_claims(rows)}
    assert claims["sCOLA beats augintae on CAS at 10 per class"]["status"] == "not comparable"
    assert claims["sCOLA beats glo on CAS at 10 per class"]["status"] == "not resolved"  # one subset


def test_collapse_reading_says_where_cgan_pd_is_less_diverse_than_scola():
    from colalib.verdicts import collapse_reading
    rows = [{"method": m, "size": s, "diversity": d, "real_diversity": 18.7}
            for m, s, d in (("cgan_pd", 10, 9.0), ("scola", 10, 12.0), ("real", 10, 15.0),
                            ("cgan_pd", 50, 13.5), ("scola", 50, 13.0), ("real", 50, 16.0))]
    lines = collapse_reading(rows).splitlines()
    assert len(lines) == 2
    assert "10 per class" in lines[0] and "collapse measured" in lines[0] and "no collapse" not in lines[0]
    assert "50 per class" in lines[1] and "no collapse measured" in lines[1]
    assert collapse_reading([r for r in rows if r["method"] != "cgan_pd"]) == "CGAN-PD or sCOLA not in METHODS."
