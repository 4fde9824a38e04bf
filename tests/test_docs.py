"""The generated pages of docs/ (scripts/build_docs.py, colalib.reporting_docs) and the README's size: no training."""

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from colalib.reporting_docs import COVERAGE, GENERATED_BY, PAGES, build, status_counts
from colalib.verdicts import STATUSES

REPO = Path(__file__).resolve().parents[1]
ISSUE_REFERENCE = re.compile(r"issue #|#\d{1,2}(?!\d)", re.IGNORECASE)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("docs")
    written = build(REPO, out)
    assert sorted(p.name for p in written) == sorted(PAGES)
    return {p.name: p.read_text(encoding="utf-8") for p in written}


def test_every_page_exists_and_starts_with_the_generated_by_line(pages):
    for name in ("verdicts.md", "timings.md", "coverage.md"):
        assert pages[name].splitlines()[0] == GENERATED_BY, name
        assert "build_docs.py" in GENERATED_BY and "do not edit by hand" in GENERATED_BY


def test_verdict_counts_equal_the_csvs(pages):
    folders = sorted(p.parent for p in (REPO / "results").glob("*/vs_thesis.csv"))
    assert folders, "no results/*/vs_thesis.csv"
    row = re.compile(r"^\| `([^`]+)` \| " + r" \| ".join([r"(\d+)"] * (len(STATUSES) + 1)) + r" \|", re.MULTILINE)
    table = {m.group(1): [int(g) for g in m.groups()[1:]] for m in row.finditer(pages["verdicts.md"])}
    assert set(table) == {f.name for f in folders}
    for folder in folders:
        with open(folder / "vs_thesis.csv", newline="", encoding="utf-8") as handle:
            statuses = [r["status"] for r in csv.DictReader(handle)]
        expected = [statuses.count(s) for s in STATUSES] + [len(statuses)]
        assert table[folder.name] == expected, folder.name
        assert f"## {folder.name}" in pages["verdicts.md"]


def test_an_unknown_status_is_an_error_not_a_silent_column():
    with pytest.raises(ValueError, match="holds-ish"):
        status_counts([{"status": "holds-ish"}])


def test_every_figure_file_on_the_coverage_page_exists_or_is_listed_missing(pages):
    page = pages["coverage.md"]
    named = set(re.findall(r"`((?:figures|results)/[^`]+)`", page))
    assert any(n.startswith("figures/") for n in named)
    for path in named:
        assert (REPO / path).exists() or f"`{path}` (**missing**)" in page, path
    assert all(item.thesis in page for item in COVERAGE)


def test_a_coverage_row_counts_its_subsets_from_the_verdict_table(tmp_path):
    folder = tmp_path / "results" / "06_fid_inadequacy"
    folder.mkdir(parents=True)
    (tmp_path / "figures").mkdir()
    rows = [("x (App. A)", "holds", "5"), ("y (App. A)", "not resolved", "3"), ("z (App. A)", "holds", "")]
    with open(folder / "vs_thesis.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim", "status", "subsets"])
        writer.writerows(rows)
    build(tmp_path, tmp_path / "docs")
    page = (tmp_path / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert "holds 2, not resolved 1 (3 claims of `06_fid_inadequacy`, on 3-5 subsets)" in page


def test_a_missing_figure_file_is_listed_as_missing(tmp_path):
    (tmp_path / "results" / "01_theory").mkdir(parents=True)
    (tmp_path / "figures").mkdir()
    build(tmp_path, tmp_path / "docs")
    page = (tmp_path / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert "`figures/01_theory/*.png` (**missing**)" in page
    assert "`figures/02_clustering/fig3_1_pipeline.png` (**missing**)" in page


def test_the_script_writes_the_pages(tmp_path):
    done = subprocess.run(
        [sys.executable, "scripts/build_docs.py", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PAGES)
    check = subprocess.run(
        [sys.executable, "scripts/build_docs.py", "--out", str(tmp_path), "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout


def test_readme_is_short_and_names_no_issue_numbers():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert not ISSUE_REFERENCE.search(readme), ISSUE_REFERENCE.search(readme)
    for page in ("verdicts.md", "timings.md", "coverage.md", "known_gaps.md", "CONVENTIONS.md"):
        assert f"docs/{page}" in readme, page


def test_docs_name_no_issue_numbers(pages):
    for name, text in {**pages, "known_gaps.md": (REPO / "docs" / "known_gaps.md").read_text(encoding="utf-8")}.items():
        assert not ISSUE_REFERENCE.search(text), (name, ISSUE_REFERENCE.search(text))


def test_saved_figures_carry_their_title_and_the_figure_index_lists_them(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from colalib.figure_index import figures_index_page, png_text
    from colalib.runner import NotebookRun

    monkeypatch.setenv("COLA_FIGURES_DIR", str(tmp_path / "figures"))
    monkeypatch.setenv("COLA_RESULTS_DIR", str(tmp_path / "results"))
    run = NotebookRun("02_clustering", "quick", {})
    fig, axes = plt.subplots(1, 2)
    axes[0].set_title("MMDC")
    axes[1].set_title("k-means")
    png = run.save_figure(fig, "clustering_scores")[0]
    fig.suptitle("step I against k-means")
    run.save_figure(fig, "my_extra_figure")
    plt.close(fig)
    text = png_text(png)
    assert text["Title"] == "MMDC | k-means" and text["Creator"] == "colalib 02_clustering (quick)"
    page = figures_index_page(tmp_path)
    assert "| [`clustering_scores.png`](02_clustering/clustering_scores.png) | MMDC \\| k-means | Sec. 3.1 |" in page
    assert "| step I against k-means | beyond the thesis |" in page


def test_the_budget_section_totals_the_budget_csv(tmp_path):
    from colalib.reporting_docs import budget_section

    folder = tmp_path / "benchmarks" / "results" / "budget"
    folder.mkdir(parents=True)
    rows = [
        ("all subsets", "02", 27, 0, 1.5, 0.75),
        ("all subsets", "03", 10, 2, 2.0, 1.25),
        ("SEEDS=0", "02", 9, 0, 0.5, 0.25),
    ]
    with (folder / "budget.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pass", "run", "units", "unmeasured", "worker_hours", "wall_hours", "by_kind"])
        w.writerows([*r, "{}"] for r in rows)
    (folder / "run.json").write_text(
        '{"git_commit": "0123456789abcdef", "finished_at": "now", "params": {"workers": 2}}'
    )
    text = "\n".join(budget_section(tmp_path))
    assert "| **total, all subsets** | 37 (0) | 2 | 3.50 | 2.00 |" in text
    assert "| **total, SEEDS=0** | 9 (0) | 0 | 0.50 | 0.25 |" in text
    assert "wall hours (2 workers)" in text
    assert "| 02 | 27 (0) | 0 |" in text  # a record without the cached-units column reads 0 of them
    assert budget_section(tmp_path / "elsewhere") == []
