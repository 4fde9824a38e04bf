"""Every numbered notebook executes end-to-end with the smoke profile (papermill), writing its
figures, tables and run.json into temporary folders (the committed quick-profile outputs are not touched)."""

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_numbered_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


def _number(value: str):
    try:
        return float(value)
    except ValueError:
        return value


def _table(results: Path, name: str) -> list[dict]:
    """A results CSV with every field that parses as a number as a float."""
    from colalib.tables import read_csv

    path = results / f"{name}.csv"
    assert path.exists(), f"{path.name} was not written"
    return [{k: _number(v) for k, v in r.items()} for r in read_csv(path)]


def _check_01(results: Path) -> None:
    assert all(str(r["within 3 se"]) == "True" for r in _table(results, "lemma1")), "Lemma 1 off its closed form"
    for r in _table(results, "prop1_thresholds"):  # the simulated crossover lands near Cor. 1.1's threshold
        crossover, threshold = r["first grid n with Err(Z) < Err(X)"], r["threshold (Cor. 1.1)"]
        assert abs(crossover - threshold) <= 0.25 * threshold, f"Cor. 1.1: crossover {crossover}, threshold {threshold}"
    for r in _table(results, "prop2_tails"):  # Prop. 2 is a bound: the simulated tail never exceeds it
        assert r["p_real"] <= r["bound_real"] + 1e-9 and r["p_surrogate"] <= r["bound_surrogate"] + 1e-9


def _check_02(results: Path) -> None:
    scores = _table(results, "clustering_scores")
    assert all(0 <= r["acc"] <= 1 and -1 <= r["ari"] <= 1 for r in scores)
    best = max(r["acc"] for r in scores if str(r["method"]).startswith("MMDC"))
    assert best > SMOKE_FLOORS["02_mmdc_acc"], f"MMDC accuracy {best:.3f} on digits: clustering did not work"
    gen = _table(results, "fig4_1_unsupervised")  # Fig. 4.1 without labels: COLA and GLO on every subset
    assert {r["method"] for r in gen} == {"cola", "glo"} and all(r["fid"] > 0 and 0 <= r["cas"] <= 1 for r in gen)


def _check_03(results: Path) -> None:
    for r in _table(results, "fid_cas_runs"):
        assert r["fid"] > 0 and 0 <= r["cas"] <= 1, r
    runs = _table(results, "fid_cas_runs")
    real_fid = max(r["fid"] for r in runs if r["method"] == "real")  # held-out real images against the test set
    assert all(r["fid"] > real_fid for r in runs if r["method"] != "real"), "a generator beat real images on FID"


def _check_04(results: Path) -> None:
    for r in _table(results, "table4_3_generators"):
        assert r["fid"] > 0 and 0 <= r["cas"] <= 1 and r["parameters"] > 0
    assert all(r["cas"] in ("", None) or 0 <= r["cas"] <= 1 for r in _table(results, "fig5_2_similarity"))


def _check_05(results: Path) -> None:
    runs = _table(results, "runs")
    assert {r["arm"] for r in runs} >= {"real", "synthetic", "mix"}
    assert all(0 <= r["accuracy"] <= 1 for r in runs)
    steps = {(r["size"], r["seed"], r["arm"]): r["iterations"] for r in runs}
    assert min(steps.values()) > 0 and len(set(steps.values())) == 1, f"arms trained for different lengths: {steps}"
    check = _table(results, "ch6_mean_estimation")  # the chapter-6 check: one row per size and subset
    assert {(r["size"], r["seed"]) for r in check} == {(r["size"], r["seed"]) for r in runs}
    assert all(
        r["var_x"] > 0 and r["d"] >= 0 and r["expected_real"] == pytest.approx(r["var_x"] / r["m"]) for r in check
    )


def _check_06(results: Path) -> None:
    sweep = sorted(_table(results, "spread_sweep"), key=lambda r: r["spread"])
    assert sweep[-1]["diversity"] > sweep[0]["diversity"], "spread does not act: diversity did not grow with it"
    assert all(0 <= r["cas_samples_gan_test"] <= 1 for r in sweep), "the judge reads every spread's CAS samples"
    transfers = _table(results, "class_transfer")
    assert {r["generator"] for r in transfers} == {"infogan", "cgan_res"}
    assert all(0 <= r["target_rate"] <= 1 and 0 <= r["nearest_original_rate"] <= 1 for r in transfers)
    assert any(r["claim"].startswith("App. B") for r in _table(results, "vs_thesis")), "App. B is judged"


def _check_07(results: Path) -> None:
    for r in _table(results, "peers_runs"):
        assert 0 <= r["quality"] <= 1 and 0 <= r["diversity"] <= 1 and "failed" in r


def _check_08(results: Path) -> None:
    runs = _table(results, "gap_runs")
    assert {r["kind"] for r in runs} >= {"default", "step III", "protocol"}
    assert all(0 <= r["mix"] <= 1 and 0 <= r["real"] <= 1 for r in runs)
    claims = _table(results, "vs_thesis")
    readings = {r["reading"] for r in runs if r["kind"] != "default"}
    assert len(claims) == len(readings) * len({r["size"] for r in runs}), "one verdict per reading and size"


# Floors on the smoke data (scikit-learn digits, seconds of training; chance 0.1). MMDC reaches about 0.3 there; the
# smoke classifiers train for a few steps only and stay near chance, so no accuracy floor is set for them.
SMOKE_FLOORS = {"02_mmdc_acc": 0.2}
RECORDED_CHECKS = {
    "01_theory": _check_01,
    "02_clustering": _check_02,
    "03_generation": _check_03,
    "04_ablations": _check_04,
    "05_classification": _check_05,
    "06_fid_inadequacy": _check_06,
    "07_peers": _check_07,
    "08_gap_study": _check_08,
}


def check_recorded_metrics(stem: str, results: Path) -> None:
    """The key numbers a notebook recorded, read back from its results and checked (recommenders-style), and its
    verdict table: every status one of :data:`colalib.verdicts.STATUSES`."""
    from colalib.verdicts import STATUSES

    verdicts = _table(results, "vs_thesis")
    assert verdicts and all(r["status"] in STATUSES for r in verdicts)
    RECORDED_CHECKS[stem](results)


def test_every_notebook_has_recorded_metric_checks():
    assert {p.stem for p in NOTEBOOKS} == set(RECORDED_CHECKS) == set(RECORDED_VALUES)


# The smoke values recorded on the CI host (recommenders-style): per notebook and (table, column), the column's mean
# over each group of rows (one per value of the group column: per method, arm, spread...), with the number of rows and
# of numeric values, in ``tests/data/smoke_recorded.json``. The counts must match exactly (a run that writes NaN, or
# loses a row, fails); the means within a tolerance: ``abs`` for scores in [0, 1] (accuracies, CAS, rates; the smoke
# classifiers train a few steps, so 0.05 absorbs another CPU's kernel order), ``rel`` for the rest (FID, variances,
# pixel errors). ``COLA_RECORD_SMOKE=1`` rewrites the file from a run of the smoke tests (whose checks must pass first;
# the tests then skip), with a fresh ``COLA_CACHE_DIR`` so that no cached unit of older code is read.
RECORDED_VALUES = {  # stem: [(table, column, tolerance, group column or None)]
    "01_theory": [("lemma1", "Monte Carlo Var[mean]", "rel", "m")],
    "02_clustering": [
        ("clustering_scores", "acc", "abs", "method"),
        ("fig4_1_unsupervised", "fid", "rel", "method"),
        ("fig4_1_unsupervised", "cas", "abs", "method"),
    ],
    "03_generation": [("fid_cas_runs", "fid", "rel", "method"), ("fid_cas_runs", "cas", "abs", "method")],
    "04_ablations": [
        ("table4_3_generators", "fid", "rel", "generator"),
        ("table4_3_generators", "cas", "abs", "generator"),
    ],
    "05_classification": [("runs", "accuracy", "abs", "arm")],
    "06_fid_inadequacy": [
        ("spread_sweep", "fid", "rel", "spread"),
        ("spread_sweep", "cas", "abs", "spread"),
        ("spread_sweep", "diversity", "rel", "spread"),
        ("class_transfer", "relative_error", "rel", "generator"),
    ],
    "07_peers": [("peers_runs", "fid", "rel", "method"), ("peers_runs", "cas", "abs", "method")],
    "08_gap_study": [("gap_runs", "mix", "abs", "kind"), ("gap_runs", "real", "abs", "kind")],
}
TOLERANCE = {"abs": dict(abs=0.05), "rel": dict(rel=0.10)}
SMOKE_RECORDED = REPO / "tests" / "data" / "smoke_recorded.json"


def _is_number(value) -> bool:
    return isinstance(value, float) and value == value


def measured_values(stem: str, results: Path) -> dict[str, tuple[str, dict]]:
    """``{"table/column/group=value": (tolerance, {"mean", "rows", "numeric"})}`` of a notebook's results
    (:data:`RECORDED_VALUES`; ``tolerance`` is a key of :data:`TOLERANCE`)."""
    out = {}
    for table, column, tolerance, group in RECORDED_VALUES[stem]:
        rows = _table(results, table)
        assert rows and any(column in r for r in rows), f"{table}.csv has no column {column!r}"
        for value in sorted({str(r.get(group, "")) for r in rows}):
            mine = [r for r in rows if str(r.get(group, "")) == value]
            numbers = [r[column] for r in mine if _is_number(r.get(column))]
            out[f"{table}/{column}/{group}={value}"] = (
                tolerance,
                {
                    "mean": sum(numbers) / len(numbers) if numbers else None,
                    "rows": len(mine),
                    "numeric": len(numbers),
                },
            )
    return out


def check_recorded_values(stem: str, results: Path, recorded_path: Path = SMOKE_RECORDED) -> None:
    """The smoke run's values against those recorded in ``recorded_path`` (:data:`RECORDED_VALUES`): the same
    groups, row and numeric counts, and means within the tolerance. With ``COLA_RECORD_SMOKE=1`` they are written
    into it instead, and the test skips."""
    measured = measured_values(stem, results)
    recorded = json.loads(recorded_path.read_text()) if recorded_path.exists() else {}
    if os.environ.get("COLA_RECORD_SMOKE") == "1":
        recorded[stem] = {name: values for name, (_, values) in measured.items()}
        recorded_path.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"recorded the smoke values of {stem} (COLA_RECORD_SMOKE=1): nothing was compared")
    assert stem in recorded, f"no recorded smoke values for {stem}: run the smoke tests with COLA_RECORD_SMOKE=1"
    assert set(measured) == set(recorded[stem]), f"{stem}: groups {sorted(measured)} != {sorted(recorded[stem])}"
    for name, (kind, now) in measured.items():
        was = recorded[stem][name]
        assert (now["rows"], now["numeric"]) == (was["rows"], was["numeric"]), f"{stem}: {name} counts {now} != {was}"
        if was["mean"] is not None:
            assert now["mean"] == pytest.approx(was["mean"], **TOLERANCE[kind]), (
                f"{stem}: {name} = {now['mean']:.4g}, recorded {was['mean']:.4g} ({TOLERANCE[kind]})"
            )


def _write_runs(path: Path, rows: list[tuple]) -> None:
    from colalib.tables import rows_to_csv

    (path / "runs.csv").write_text(rows_to_csv({"arm": arm, "accuracy": acc} for arm, acc in rows))


def test_the_recorded_value_check_fails_on_a_changed_value(tmp_path, monkeypatch):
    """A mean moved past its tolerance, a lost row, a NaN or a missing column fails the check; a small move passes."""
    monkeypatch.delenv("COLA_RECORD_SMOKE", raising=False)
    monkeypatch.setitem(RECORDED_VALUES, "x", [("runs", "accuracy", "abs", "arm")])
    recorded_path = tmp_path / "recorded.json"
    recorded = {"x": {"runs/accuracy/arm=mix": {"mean": 0.3, "rows": 2, "numeric": 2}}}
    recorded_path.write_text(json.dumps(recorded))
    _write_runs(tmp_path, [("mix", 0.30), ("mix", 0.32)])
    check_recorded_values("x", tmp_path, recorded_path)  # mean 0.31: inside 0.05
    for rows, message in (
        ([("mix", 0.40), ("mix", 0.42)], "recorded 0.3"),  # mean 0.41
        ([("mix", 0.30)], "counts"),  # a row lost
        ([("mix", 0.30), ("mix", "nan")], "counts"),  # a NaN
        ([("real", 0.30), ("mix", 0.30)], "groups"),  # an arm more
    ):
        _write_runs(tmp_path, rows)
        with pytest.raises(AssertionError, match=message):
            check_recorded_values("x", tmp_path, recorded_path)
    (tmp_path / "runs.csv").write_text("arm,acc\nmix,0.3\n")
    with pytest.raises(AssertionError, match="no column"):
        check_recorded_values("x", tmp_path, recorded_path)


def _execute_smoke(notebook: Path, tmp_path: Path, monkeypatch) -> Path:
    """Execute ``notebook`` with the smoke profile into ``tmp_path`` (figures and results there too); a copy of the
    executed notebook goes to the session's :data:`SMOKE_EXECUTED` folder, which the book test builds from."""
    import shutil

    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("COLA_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("COLA_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("COLA_PROGRESS", "0")
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / notebook.name),
        parameters={"PROFILE": "smoke"},
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_name="python3",
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )  # no TCP-transport warning
    SMOKE_EXECUTED.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / notebook.name, SMOKE_EXECUTED / notebook.name)
    return tmp_path / notebook.name


SMOKE_EXECUTED = Path(__import__("tempfile").mkdtemp(prefix="colalib_smoke_executed_"))


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_smoke(notebook, tmp_path, monkeypatch):
    nb = json.loads(notebook.read_text())
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]), (
        f"{notebook.name} has no cell tagged 'parameters'"
    )
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), (
        f"{notebook.name} is committed with outputs: clear them"
    )
    _execute_smoke(notebook, tmp_path, monkeypatch)
    record = json.loads((tmp_path / "results" / f"{notebook.stem}_smoke" / "run.json").read_text())
    assert record["profile"] == "smoke"
    check_recorded_metrics(notebook.stem, tmp_path / "results" / f"{notebook.stem}_smoke")
    figures = list((tmp_path / "figures" / f"{notebook.stem}_smoke").glob("*.png"))
    assert figures, f"{notebook.name} saved no figure"
    executed = json.loads((tmp_path / notebook.name).read_text())
    residue = [
        o
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if o.get("name") == "stderr" and not "".join(o.get("text", "")).strip()
    ]
    assert not residue, f"{notebook.name}: {len(residue)} blank stderr outputs (progress-bar residue)"
    check_recorded_values(notebook.stem, tmp_path / "results" / f"{notebook.stem}_smoke")  # last: it may record


def _load_script(name: str):
    """A module of ``scripts/`` (not a package), loaded from its file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_notebooks_module():
    return _load_script("run_notebooks")


def test_publish_copies_an_executed_notebook_under_the_cap_and_refuses_one_over_it(tmp_path):
    rn = _run_notebooks_module()
    small = tmp_path / "01_theory.ipynb"
    small.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [{"name": "stdout"}]}]}))
    target = rn.publish(small, tmp_path / "published", cap=10_000)
    assert target is not None and json.loads(target.read_text()) == json.loads(small.read_text())
    big = tmp_path / "02_clustering.ipynb"
    big.write_bytes(b"x" * 20_000)
    assert rn.publish(big, tmp_path / "published", cap=10_000) is None
    assert not (tmp_path / "published" / big.name).exists()


def test_a_run_on_other_data_drops_the_cifar10_only_sections(tmp_path):
    rn = _run_notebooks_module()
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["## Table 5.1"]},
        {"cell_type": "markdown", "metadata": {"tags": [rn.ONLY_TAG]}, "source": ["## Table 5.2"]},
        {"cell_type": "code", "metadata": {"tags": [rn.ONLY_TAG]}, "source": ["ablation = ..."], "outputs": []},
    ]
    executed = tmp_path / "05.ipynb"
    executed.write_text(json.dumps({"cells": cells}))
    assert rn.drop_cells_for_other_data(executed, "cifar10") == 0
    assert len(json.loads(executed.read_text())["cells"]) == 3
    assert rn.drop_cells_for_other_data(executed, "cifar100") == 2
    assert [c["source"] for c in json.loads(executed.read_text())["cells"]] == [["## Table 5.1"]]
    tagged = [
        c
        for c in json.loads((REPO / "notebooks" / "05_classification.ipynb").read_text())["cells"]
        if rn.ONLY_TAG in c.get("metadata", {}).get("tags", [])
    ]
    assert len(tagged) == 5, "notebook 05's Table 5.2 and chapter-6 check (headings, cells, reading) are tagged"


PUBLISHED = sorted((REPO / "notebooks" / "executed").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("executed", PUBLISHED, ids=lambda p: p.stem)
def test_published_executed_notebooks_have_outputs_no_residue_and_fit_the_cap(executed):
    rn = _run_notebooks_module()
    assert executed.stat().st_size <= rn.PUBLISH_CAP_BYTES
    nb = json.loads(executed.read_text())
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs), (
        f"{executed.name} has no inline figure"
    )
    assert not [o for o in outputs if o.get("output_type") == "error"], f"{executed.name} has an error output"
    residue = [o for o in outputs if o.get("name") == "stderr" and not "".join(o.get("text", "")).strip()]
    assert not residue, f"{executed.name}: blank stderr outputs (progress-bar residue)"
    params = next(c for c in nb["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", []))
    assert 'PROFILE = "quick"' in "".join(params["source"]), f"{executed.name} is not a quick-profile run"


@pytest.mark.notebook
def test_the_book_builds_offline_from_the_smoke_notebooks(tmp_path, monkeypatch):
    """``make book`` on the notebooks the smoke tests above executed (a notebook they did not run, when this test
    runs alone, is executed here): every page of the table of contents and every image a page shows exists, MathJax
    is served by the book, and no page loads anything over the network."""
    pytest.importorskip("jupyter_book", reason="the book extra is not installed: pip install -e '.[book]'")
    for notebook in NOTEBOOKS:
        if not (SMOKE_EXECUTED / notebook.name).exists():
            _execute_smoke(notebook, tmp_path / notebook.stem, monkeypatch)
    book = _load_script("build_book")
    assert book.main(["--notebooks", str(SMOKE_EXECUTED), "--out", str(tmp_path / "book")]) == 0
    html = tmp_path / "book" / "_build" / "html"
    for notebook in NOTEBOOKS:
        page = (html / f"{notebook.stem}.html").read_text()
        assert "<img" in page, f"{notebook.stem}: no figure on its page"
    assert (html / "_static" / "mathjax" / "MathJax.js").exists()
    assert 'class="math' in (html / "intro.html").read_text()
    assert (html / "glossary.html").exists() and (html / "datasets.html").exists()


def test_the_book_check_finds_network_loads_and_missing_images(tmp_path):
    book = _load_script("build_book")
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.example.org/x.js"></script><img src="gone.png">'
        '<link rel="stylesheet" href="//fonts.example.org/f.css">'
        '<a href="https://example.org">a link is not a load</a><img src="here.png">'
    )
    (tmp_path / "here.png").write_bytes(b"")
    (tmp_path / "s.css").write_text("@import url(https://example.org/s.css);")
    loads = book.network_loads(tmp_path)
    assert sorted(loads) == [
        "a.html: //fonts.example.org/f.css",
        "a.html: https://cdn.example.org/x.js",
        "s.css: https://example.org/s.css",
    ]
    assert book.missing_files(tmp_path, ["a", "b"]) == ["b.html", "a.html: gone.png"]


def test_the_book_launches_the_source_notebooks_of_a_public_repository(tmp_path, monkeypatch):
    """With a GitHub remote the staged config has Binder and Colab launch buttons opening notebooks/NN_name.ipynb;
    without one it has none (nothing to launch from)."""
    pytest.importorskip("jupyter_server_mathjax", reason="the book extra is not installed: pip install -e '.[book]'")
    import yaml

    book = _load_script("build_book")
    executed = tmp_path / "executed"
    executed.mkdir()
    (executed / "01_theory.ipynb").write_text(
        json.dumps(
            {
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# 01 · Theory"]}],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    monkeypatch.setattr(book, "repository_url", lambda: "https://github.com/someone/colalib")
    book.stage(executed, REPO / "docs", tmp_path / "src")
    config = yaml.safe_load((tmp_path / "src" / "_config.yml").read_text())
    assert config["repository"] == {
        "url": "https://github.com/someone/colalib",
        "path_to_book": "notebooks",
        "branch": "main",
    }
    assert config["launch_buttons"]["binderhub_url"] and config["launch_buttons"]["colab_url"]
    toc = yaml.safe_load((tmp_path / "src" / "_toc.yml").read_text())
    assert book.toc_pages(toc)[:2] == ["intro", "01_theory"]  # the chapters without a notebook left out
    monkeypatch.setattr(book, "repository_url", lambda: None)
    book.stage(executed, REPO / "docs", tmp_path / "src")
    assert "launch_buttons" not in yaml.safe_load((tmp_path / "src" / "_config.yml").read_text())
