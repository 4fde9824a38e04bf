"""Verdict tables: statuses follow the paired intervals, never a bare sign."""

from pathlib import Path

import pytest

from colalib.verdicts import classification_claims, ordering_claim, value_claim

REPO = Path(__file__).resolve().parent.parent


def test_ordering_claims_follow_the_interval():
    assert ordering_claim("a", "A > B", [0.05, 0.06, 0.055])["status"] == "holds"
    assert ordering_claim("a", "A > B", [-0.05, -0.06, -0.055])["status"] == "does not hold"
    assert ordering_claim("a", "A > B", [0.0003, 0.02, -0.019])["status"] == "not resolved"  # +0.03 ± 1.9 pp
    two = ordering_claim("a", "A > B", [0.05, 0.06])  # an interval above 0, but 2 subsets are not a ranking
    assert two["status"] == "not resolved" and "at least 3" in two["why"] and "2 subsets" in two["ours"]
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
    rows = [
        {"size": 10, "seed": s, "arm": arm, "accuracy": acc}
        for s, (r, m, y) in enumerate([(0.23, 0.31, 0.28), (0.25, 0.29, 0.25), (0.27, 0.28, 0.26)])
        for arm, acc in (("real", r), ("mix", m), ("synthetic", y))
    ]
    claims = {c["claim"].split(" (")[0]: c for c in classification_claims(rows, "cifar10", "quick")}
    assert claims["Mix beats Real at 10 per class"]["status"] == "not resolved"  # +4.0 ± 9.2 pp
    assert claims["sCOLA Mix accuracy at 10 per class"]["status"] == "not comparable"


def test_generator_reading_states_a_reversal_and_the_capacity_confound():
    from colalib.verdicts import generator_ordering_reading

    # the thesis's order (CGAN < InfoGAN < DCGAN-res on FID) reversed, one subset, unequal capacity
    rows = [
        {"generator": g, "seed": 0, "fid": fid, "cas": cas, "parameters": p}
        for g, fid, cas, p in (
            ("infogan", 300.0, 0.25, 8.6e6),
            ("dcgan_res", 250.0, 0.30, 3.1e5),
            ("cgan_res", 350.0, 0.20, 3.2e5),
        )
    ]
    text = generator_ordering_reading(rows)
    assert text.count("the reverse order") == 2
    assert "One subset: not a ranking" in text
    assert "Confounded by capacity" in text and "28x" in text
    same = [
        dict(
            r,
            fid={"infogan": 49.0, "dcgan_res": 86.0, "cgan_res": 39.0}[r["generator"]],
            cas={"infogan": 0.67, "dcgan_res": 0.61, "cgan_res": 0.70}[r["generator"]],
            parameters=4e6,
        )
        for r in rows
    ]
    text = generator_ordering_reading(same)
    assert text.count("the same order") == 2 and "Confounded" not in text
    partly = [dict(r, fid={"infogan": 350.0, "dcgan_res": 250.0, "cgan_res": 300.0}[r["generator"]]) for r in rows]
    assert "the thesis's worst, DCGAN-res, is our best" in generator_ordering_reading(partly)


def test_peers_reading_and_claims_leave_out_a_failed_method():
    from colalib.verdicts import peers_claims, peers_reading

    rows = [
        {"method": m, "size": 10, "seed": 0, "cas": cas, "mix": mix, "fid": fid, "failed": failed}
        for m, cas, mix, fid, failed in (
            ("scola", 0.28, 0.31, 200.0, ""),
            ("glo", 0.15, 0.26, 250.0, ""),
            ("augintae", 0.098, 0.24, 300.0, "CAS 9.8% at or below chance"),
        )
    ]
    text = peers_reading(rows, {"scola": "sCOLA", "glo": "GLO", "augintae": "AugIntAE"})
    assert "**AugIntAE failed**" in text and "one subset: a single run, not a ranking" in text
    assert "best first (higher is better): sCOLA 28.0%, GLO 15.0%" in text and "AugIntAE 9.8%" not in text
    claims = {c["claim"]: c for c in peers_claims(rows)}
    assert claims["sCOLA beats augintae on CAS at 10 per class"]["status"] == "not comparable"
    assert claims["sCOLA beats glo on CAS at 10 per class"]["status"] == "not resolved"  # one subset


def test_collapse_reading_flags_the_degenerate_generator_and_says_pool3_diversity_misses_it():
    """Notebook 03 (quick, 10 per class): CGAN-PD's grids are collapsed and its GAN-test is at chance, yet its pool3
    diversity is above sCOLA's: the reading must flag it from ``failed`` and say pool3 does not single it out."""
    from colalib.verdicts import collapse_reading

    failed = "the real-data judge does not recognise the samples' classes (GAN-test 11.0% ...)"
    rows = [
        {"method": m, "size": 10, "seed": 0, "diversity": d, "gan_test": g, "failed": f}
        for m, d, g, f in (("real", 18.55, None, None), ("scola", 12.22, 0.334, ""), ("cgan_pd", 13.57, 0.110, failed))
    ]
    lines = collapse_reading(rows).splitlines()
    assert "sCOLA: not degenerate (GAN-test 33.4%" in lines[0] and "66% of the real subset's" in lines[0]
    assert "CGAN-PD: **degenerate**" in lines[1] and "GAN-test 11.0%" in lines[1]
    assert "does not single out CGAN-PD" in lines[2]
    below = [dict(r, diversity=5.0) if r["method"] == "cgan_pd" else r for r in rows]
    assert "does not single out" not in collapse_reading(below)  # here pool3 agrees: no such line
    no_judge = [{k: v for k, v in r.items() if k not in ("gan_test", "failed")} for r in rows]
    assert "no GAN-test run here" in collapse_reading(no_judge)


def test_generation_claims_are_not_comparable_off_protocol_or_with_a_failed_generator():
    from colalib.verdicts import generation_claims

    def row(method, seed, fid, cas, failed="", **extra):
        return {
            "dataset": "cifar10",
            "method": method,
            "size": 10,
            "seed": seed,
            "fid": fid,
            "cas": cas,
            "n_fake": 100 if method == "real" else 1000,
            "failed": failed,
            **extra,
        }

    rows = [
        r
        for s in range(3)
        for r in (
            row("real", s, 150.0, 0.23),
            row("scola", s, 320.0, 0.29, fid_equal_n=330.0 + s),
            row("glo", s, 300.0, 0.15),
            row("cola", s, 310.0, 0.19),
            row("cgan_pd", s, 220.0, 0.15, failed="GAN-test at chance"),
        )
    ]
    claims = {c["claim"]: c for c in generation_claims(rows, "quick")}
    cola = claims["COLA beats GLO on CAS at 10 per class (Fig. 4.1)"]
    assert cola["status"] == "not comparable" and "full dataset" in cola["why"] and "+4.00 pp" in cola["ours"]
    gan = claims["sCOLA beats CGAN-PD on CAS at 10 per class (Fig. 4.5, small sample)"]
    assert gan["status"] == "not comparable" and "CGAN-PD failed" in gan["why"]
    fid = claims[
        "sCOLA's samples beat the real images on FID at the smallest size, 10 per class, both scored with "
        "100 images (Fig. 4.5)"
    ]
    assert fid["status"] == "does not hold" and "-181.00" in fid["ours"]  # real 150 against sCOLA 330-332 at n = 100
    cas = claims[
        "sCOLA's samples beat the real images on CAS at the smallest size, 10 per class (Fig. 4.5, extremely "
        "scarce data)"
    ]
    assert cas["status"] == "holds"
    paper = {c["claim"]: c for c in generation_claims([dict(r, failed="") for r in rows], "paper")}
    assert paper["sCOLA beats CGAN-PD on CAS at 10 per class (Fig. 4.5, small sample)"]["status"] == "holds"
    at_50 = [dict(r, size=50, failed="") for r in rows]  # CGAN-PD degenerate at 10 per class only
    both = {c["claim"]: c for c in generation_claims(rows + at_50, "paper")}
    assert "CGAN-PD failed" in both["sCOLA beats CGAN-PD on CAS at 10 per class (Fig. 4.5, small sample)"]["why"]
    assert both["sCOLA beats CGAN-PD on CAS at 50 per class (Fig. 4.5, small sample)"]["status"] == "holds"


def test_notebook_03s_study_run_judges_only_cola_against_glo_priced_at_their_own_units(tmp_path):
    """The study run (``COLA_GLO``) holds every method, but Fig. 4.5's claims are the thesis run's: it judges COLA
    against GLO alone, and prices a subset at COLA's and GLO's units, not at the sCOLA and CGAN-PD units it shares."""
    from colalib.tables import rows_to_csv
    from colalib.verdicts import cola_glo_units, generation_claims, generation_verdicts

    cas = {
        "real": (0.23, 0.25, 0.21),
        "scola": (0.29, 0.30, 0.28),
        "glo": (0.15, 0.17, 0.13),
        "cola": (0.16, 0.15, 0.17),
    }
    rows = [
        {
            "dataset": "cifar10",
            "method": m,
            "size": 10,
            "seed": s,
            "fid": f + s,
            "cas": cas[m][s],
            "n_fake": 1000,
            "failed": "",
            "fid_equal_n": 330.0,
        }
        for s in range(3)
        for m, f in (("real", 150.0), ("scola", 320.0), ("glo", 300.0), ("cola", 310.0))
    ]
    fill = [
        {"key": "fit/cola/cifar10/10/0", "seconds": 3600.0},
        {"key": "cas/glo/cifar10/10/0/n200", "seconds": 1800.0},
        {"key": "fit/scola/cifar10/10/0", "seconds": 7200.0},
        {"key": "fid/real/cifar10/10/0/n1000", "seconds": 360.0},
    ]
    (tmp_path / "fill_units.csv").write_text(rows_to_csv(fill))
    assert [r["key"] in cola_glo_units("quick") for r in fill] == [True, True, False, False]
    study = {c["claim"]: c for c in generation_verdicts([rows], "quick", tmp_path, cola_glo=True)}
    assert set(study) == {
        "COLA beats GLO on FID at 10 per class (Fig. 4.1)",
        "COLA beats GLO on CAS at 10 per class (Fig. 4.1)",
    }
    assert all(c["status"] == "not comparable" for c in study.values())  # below the full dataset
    thesis = {c["claim"]: c for c in generation_verdicts([rows], "quick", tmp_path)}
    assert len(thesis) == len(generation_claims(rows, "quick")) > len(study)
    # CAS differences +1, -2, +4 pp: open, with a number of subsets needed; one more subset costs COLA's and GLO's
    # (3600 + 1800) s / 3 subsets = 0.5 h in the study, every recorded unit (12960 s / 3 = 1.2 h) in the thesis run
    claim = "COLA beats GLO on CAS at 10 per class (Fig. 4.1)"
    more = int(study[claim]["subsets_needed"]) - 3
    assert more > 0
    assert study[claim]["cpu_hours_needed"] == f"{more * 0.5:.1f}"
    assert thesis[claim]["cpu_hours_needed"] == f"{more * 1.2:.1f}"
    with pytest.raises(ValueError, match="unknown comparisons"):
        generation_claims(rows, "quick", ("cola_vs_glo",))


def test_ablation_claims_judge_the_laplacian_against_unsupervised_measures_and_table4_3_only_in_paper():
    from colalib.verdicts import ablation_claims

    arch = [
        {"generator": g, "seed": s, "fid": f + s, "cas": c, "train_images": 500}
        for s in range(3)
        for g, f, c in (("cgan_res", 250.0, 0.20), ("infogan", 300.0, 0.25), ("dcgan_res", 280.0, 0.22))
    ]
    sim = [
        {"measure": m, "seed": s, "cas": c + 0.01 * s, "available": True}
        for s in range(3)
        for m, c in (
            ("laplacian", 0.25),
            ("l1", 0.20),
            ("resnet32_random", 0.21),
            ("resnet32_kmeans", 0.22),
            ("resnet32_trained", 0.30),
            ("vgg16", 0.31),
        )
    ]
    quick = {c["claim"]: c for c in ablation_claims(arch, sim, "quick")}
    assert quick["the conditional-BN generator beats infogan on FID (Table 4.3)"]["status"] == "not comparable"
    assert "500 images" in quick["the conditional-BN generator beats infogan on FID (Table 4.3)"]["why"]
    assert quick["the Laplacian pyramid beats l1 on CAS (Fig. 5.2)"]["status"] == "holds"
    assert not [c for c in quick if "vgg16" in c or "resnet32_trained" in c]  # supervised: no claim of the thesis
    paper = {c["claim"]: c for c in ablation_claims(arch, sim, "paper")}
    assert paper["the conditional-BN generator beats infogan on FID (Table 4.3)"]["status"] == "holds"


def test_clustering_claims_pair_the_ablations_by_seed():
    from colalib.verdicts import clustering_claims

    acc = {
        "MMDC (RotNet + consistency)": (0.40, 0.30, 0.35),
        "MMDC without RotNet": (0.30, 0.20, 0.26),
        "MMDC without consistency": (0.50, 0.20, 0.45),
        "k-means on pixels": (0.20, 0.21, 0.19),
    }
    rows = [
        {"seed": s, "method": m, "acc": a[i], "images": 2000} for m, a in acc.items() for i, s in enumerate((0, 1, 2))
    ]
    claims = {c["claim"].split(" (")[0]: c for c in clustering_claims(rows)}
    # paired: RotNet adds 10, 10, 9 pp on every seed although the seeds' levels differ by 10 pp
    assert claims["the RotNet task helps MMDC"]["status"] == "holds"
    assert claims["the augmentation consistency helps MMDC"]["status"] == "not resolved"  # -10, +10, -10 pp
    value = claims["MMDC clustering accuracy on CIFAR-10"]
    assert value["status"] == "not comparable" and "3 subsets" in value["ours"] and "2,000 images" in value["why"]
    one = {c["claim"].split(" (")[0]: c for c in clustering_claims([r for r in rows if r["seed"] == 0])}
    assert one["the RotNet task helps MMDC"]["status"] == "not resolved"  # one seed: not a ranking


def test_notebook_02_prices_step_i_claims_by_step_i_units_and_subsets(tmp_path):
    """Step I runs on more subsets than the generators: a step-I claim is priced at the clustering units per step-I
    subset, Fig. 4.1's at the generator units per generator subset plus one full MMDC fit, not at the whole plan."""
    from colalib.verdicts import clustering_verdicts

    step_i, gen = (0, 1, 2, 3), (0, 1, 2)
    acc = {"MMDC (RotNet + consistency)": (0.40, 0.30, 0.35, 0.33), "MMDC without consistency": (0.50, 0.20, 0.45, 0.3)}
    rows = [{"seed": s, "method": m, "acc": a[i], "images": 2000} for m, a in acc.items() for i, s in enumerate(step_i)]
    gen_rows = [
        {"dataset": "cifar10", "method": m, "seed": s, "images": 2000, "epochs": 40, "fid": f + s, "cas": c[s]}
        for s in gen
        for m, f, c in (("cola", 100.0, (0.20, 0.25, 0.19)), ("glo", 101.0, (0.21, 0.20, 0.22)))
    ]
    units = [f"mmdc/c/200/{s},cluster_step,1800" for s in step_i]  # 0.5 h per full MMDC fit
    units += [f"mmdc-no-consistency/c/200/{s},cluster_step,1800" for s in step_i]
    units += [f"fit/{m}/c/200/{s},fit_step,3600" for s in gen for m in ("cola", "glo")]  # 2 h of generators per subset
    (tmp_path / "fill_units.csv").write_text("key,task,seconds\n" + "\n".join(units) + "\n")
    claims = {c["claim"].split(" (")[0]: c for c in clustering_verdicts(rows, gen_rows, tmp_path)}
    consistency = claims["the augmentation consistency helps MMDC"]
    assert consistency["status"] == "not resolved"
    more = int(consistency["subsets_needed"]) - 4
    assert float(consistency["cpu_hours_needed"]) == pytest.approx(round(more * 1.0, 1))  # two fits of 0.5 h
    cas = claims["COLA beats GLO on CAS without labels"]
    assert cas["status"] == "not resolved"
    assert cas["subsets_needed"].isdigit()
    more = int(cas["subsets_needed"]) - 3  # two generators (2 h) and one full MMDC fit (0.5 h) per subset
    assert float(cas["cpu_hours_needed"]) == pytest.approx(round(more * 2.5, 1), rel=0.01)
    no_mmdc = tmp_path / "no_mmdc"
    no_mmdc.mkdir()
    (no_mmdc / "fill_units.csv").write_text("key,task,seconds\n" + "\n".join(units[8:]) + "\n")  # generators only
    priced = {c["claim"].split(" (")[0]: c for c in clustering_verdicts(rows, gen_rows, no_mmdc)}
    assert priced["the augmentation consistency helps MMDC"]["cpu_hours_needed"] == ""  # no MMDC unit recorded: blank
    assert priced["COLA beats GLO on CAS without labels"]["cpu_hours_needed"] == ""  # not the generators alone


def test_a_small_difference_holds_only_inside_its_margin():
    from colalib.verdicts import margin_claim

    inside = margin_claim("a", "near-equal", [0.01, -0.01, 0.0, 0.005], upper=5, lower=-5)  # ± 1.5 pp inside ±5
    assert inside["status"] == "holds"
    wide = margin_claim("a", "near-equal", [0.08, -0.08, 0.0], upper=5, lower=-5)  # contains 0, crosses the margin
    assert wide["status"] == "not resolved" and "crosses" in wide["why"]
    assert margin_claim("a", "near-equal", [0.2, 0.21, 0.22], upper=5, lower=-5)["status"] == "does not hold"
    assert margin_claim("a", "x", [0.0, 0.001], upper=5)["status"] == "not resolved"  # 2 subsets


def test_fid_inadequacy_verdict_reads_barely_as_a_margin_on_the_relative_fid_change():
    from colalib.verdicts import fid_inadequacy_claims

    def sweep(fids_lo, fids_hi, cas_lo=0.2, cas_hi=0.3):
        return [
            {"seed": s, "spread": sp, "fid": f, "cas": c + 0.01 * s}
            for s, (a, b) in enumerate(zip(fids_lo, fids_hi))
            for sp, f, c in ((0.25, a, cas_lo), (2.0, b, cas_hi))
        ]

    whole, cas, fid = fid_inadequacy_claims(sweep((100, 110, 105), (101, 109, 106)))  # within ±1 %: barely a change
    assert cas["status"] == "holds" and fid["status"] == "holds" and whole["status"] == "holds"
    whole, _, fid = fid_inadequacy_claims(sweep((100, 110, 105), (80, 88, 84)))  # −20 % on every seed
    assert fid["status"] == "does not hold" and whole["status"] == "does not hold"
    _, _, fid = fid_inadequacy_claims(sweep((100, 110, 105), (70, 125, 100)))  # noisy: contains 0, crosses ±10 %
    assert fid["status"] == "not resolved"
    _, _, fid = fid_inadequacy_claims(sweep((100,), (83,)))
    assert fid["status"] == "not resolved" and "-17.00 %" in fid["ours"]


def test_fid_inadequacy_verdict_judges_every_sparser_spread_not_one_chosen_end():
    from colalib.verdicts import fid_inadequacy_claims

    # CAS rises from 0.25 to 1 and falls at 2 (the one-subset shape of an earlier quick run), on 3 seeds
    cas = {0.25: 0.17, 1.0: 0.35, 2.0: 0.14}
    rows = [
        {"seed": s, "spread": sp, "fid": 100.0 + s, "cas": c + 0.005 * s} for s in range(3) for sp, c in cas.items()
    ]
    claims = fid_inadequacy_claims(rows)
    assert len(claims) == 1 + 2 * 2  # the thesis's claim, then CAS and FID for each sparser spread
    by_spread = {c["claim"].split("(spread ")[1].split(")")[0]: c for c in claims[1::2]}
    assert by_spread["1"]["status"] == "holds" and by_spread["2"]["status"] == "does not hold"
    # the thesis needs one sparse set: spread 1 passes both rows at the Bonferroni level (2 candidates: 97.5 %),
    # whatever spread 2 does
    assert claims[0]["status"] == "holds" and "spread 1 passes" in claims[0]["why"] and "97.5 %" in claims[0]["why"]
    worse = [{**r, "cas": 0.17 - 0.01 * (r["spread"] > 0.3) + 0.005 * r["seed"]} for r in rows]
    assert fid_inadequacy_claims(worse)[0]["status"] == "does not hold"  # every candidate fails its CAS row
    noisy = [{**r, "cas": r["cas"] + (0.1 * r["seed"] if r["spread"] == 1.0 else 0)} for r in rows]
    assert fid_inadequacy_claims(noisy)[0]["status"] == "not resolved"


def test_subsets_needed_is_the_textbook_paired_t_test_sample_size():
    import math

    from colalib.stats import subsets_needed

    # 95 % two-sided, 80 % power (e.g. statsmodels' TTestPower: effect size 0.5 -> 33.4, 1.0 -> 9.9, 0.2 -> 198.2)
    assert subsets_needed(1.0, 0.5) == 34 and subsets_needed(1.0, 1.0) == 10 and subsets_needed(2.0, 0.4) == 199
    assert subsets_needed(3.7, 4.0) == subsets_needed(1.0, 4.0 / 3.7)  # only the ratio matters
    assert math.isinf(subsets_needed(1.0, 0.0)) and math.isinf(subsets_needed(1.0, 1e-4))
    assert math.isnan(subsets_needed(float("nan"), 1.0))


def test_open_claims_say_how_many_subsets_and_cpu_hours_would_settle_them():
    from colalib.verdicts import with_cost

    d = [0.08, 0.01, 0.03]  # +4 pp, sd 3.6 pp: not resolved with 3
    row = ordering_claim("a", "A > B", d)
    assert row["status"] == "not resolved" and row["subsets"] == 3 and row["subsets_needed"] == "9"
    assert with_cost([row], 0.5)[0]["cpu_hours_needed"] == "3.0"  # 6 more subsets at half an hour each
    assert ordering_claim("a", "A > B", [0.05, 0.06, 0.055])["subsets_needed"] == ""  # settled: nothing needed
    one = ordering_claim("a", "A > B", [0.08])
    assert one["subsets_needed"].startswith("at least 3") and with_cost([one], 1.0)[0]["cpu_hours_needed"] == "≥ 2.0"
    two = ordering_claim("a", "A > B", [0.08, 0.07])  # 2 subsets: no trusted standard deviation
    assert two["subsets_needed"].startswith("at least 3")
    near_zero = ordering_claim("a", "A > B", [0.01, -0.01, 0.0001])
    assert "effect near 0" in near_zero["subsets_needed"]
    assert with_cost([row], None)[0]["cpu_hours_needed"] == ""


def test_the_cost_of_a_subset_divides_the_fill_by_the_recorded_seeds_and_never_guesses(tmp_path):
    import json

    from colalib.verdicts import hours_per_subset

    assert hours_per_subset(tmp_path) is None  # no fill record
    (tmp_path / "fill_units.csv").write_text("key,task,seconds\na,fit_step,5400\nb,arm_step,1800\n")
    assert hours_per_subset(tmp_path) is None  # no run.json: no number of subsets, so no cost
    assert hours_per_subset(tmp_path, 4) == pytest.approx(0.5)
    run = {"notebook": "x", "params": {"dataset": "cifar10"}, "seeds": None}
    (tmp_path / "run.json").write_text(json.dumps(run))
    assert hours_per_subset(tmp_path) is None  # a run that recorded no seeds is not priced as one subset
    (tmp_path / "run.json").write_text(json.dumps({**run, "seeds": [0, 1, 2]}))
    assert hours_per_subset(tmp_path) == pytest.approx(2 / 3)


def test_peers_published_column_credits_the_thesis_only_with_its_own_comparisons():
    from colalib.verdicts import peers_claims

    rows = [
        {"method": m, "size": 10, "seed": s, "cas": c, "mix": 0.3, "failed": ""}
        for s in range(3)
        for m, c in (("scola", 0.3), ("glo", 0.2), ("mmgan", 0.25))
    ]
    published = {c["claim"]: c["published"] for c in peers_claims(rows)}
    assert "Fig. 4.1" in published["sCOLA beats glo on CAS at 10 per class"]
    assert "not that comparison" in published["sCOLA beats glo on CAS at 10 per class"]
    assert published["sCOLA beats mmgan on CAS at 10 per class"].startswith("beyond the thesis")
    assert published["sCOLA beats glo on Mix accuracy at 10 per class"].startswith("beyond the thesis")


VERDICT_FOLDERS = sorted(p.name for p in (REPO / "results").iterdir() if (p / "vs_thesis.csv").exists())


@pytest.mark.parametrize("folder", VERDICT_FOLDERS)
def test_every_committed_verdict_table_is_what_the_verdict_rules_give_its_tables(folder):
    """Regression on the committed results: each vs_thesis.csv equals colalib.verdicts applied to its notebook's saved
    tables (a change of the rules must re-run the notebook or rewrite the table with `python -m colalib.verdicts`)."""
    from colalib.tables import read_csv
    from colalib.verdicts import claims_from_results

    committed = [
        {k: v for k, v in r.items() if k != "from"} for r in read_csv(REPO / "results" / folder / "vs_thesis.csv")
    ]
    recomputed = [{k: str(v) for k, v in r.items()} for r in claims_from_results(REPO / "results" / folder)]
    assert committed == recomputed


def test_no_notable_advantage_needs_the_interval_below_the_margin():
    from colalib.verdicts import NOTABLE_PP, classifier_size_claims

    rows = [
        {"classifier": "resnet20", "seed_accuracies": {0: 0.40, 1: 0.42, 2: 0.41}},
        {"classifier": "resnet32", "seed_accuracies": {0: 0.405, 1: 0.423, 2: 0.414}},  # +0.4 pp each seed
        {"classifier": "wrn28_10", "seed_accuracies": {0: 0.45, 1: 0.47, 2: 0.46}},
    ]  # +5 pp each seed
    claims = {c["claim"].split(" ")[0]: c for c in classifier_size_claims(rows)}
    assert claims["resnet32"]["status"] == "holds" and claims["wrn28_10"]["status"] == "does not hold"
    noisy = [rows[0], {"classifier": "resnet32", "seed_accuracies": {0: 0.30, 1: 0.52, 2: 0.41}}]
    assert classifier_size_claims(noisy)[0]["status"] == "not resolved"  # contains 0 but crosses the margin
    assert NOTABLE_PP == 2.0


def test_a_dataset_the_thesis_never_used_cites_no_thesis_figure():
    rows = [
        {"size": 5, "seed": 0, "arm": a, "accuracy": x} for a, x in (("real", 0.2), ("synthetic", 0.3), ("mix", 0.4))
    ]
    digits = classification_claims(rows, "digits", "quick")[-1]
    assert "Fig. 5.1" not in digits["claim"] and "Table 5.1" not in digits["claim"]
    assert digits["published"] == "not in the thesis" and digits["status"] == "not comparable"
    assert "Fig. 5.1" in classification_claims(rows, "cifar100", "quick")[-1]["claim"]
