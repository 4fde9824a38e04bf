"""Smoke test of every command-line entry point: ``--help`` exits 0 and prints usage; one real verdicts call."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120

# every file with an ``if __name__ == "__main__"`` guard (or a package's __main__.py), as the command that runs it
ENTRY_POINTS = {
    "colalib/verdicts/__main__.py": ["-m", "colalib.verdicts"],
    "colalib/experiments/__main__.py": ["-m", "colalib.experiments"],
    "scripts/run_notebooks.py": ["scripts/run_notebooks.py"],
    "scripts/install_fid_weights.py": ["scripts/install_fid_weights.py"],
    "benchmarks/bench_ablations.py": ["benchmarks/bench_ablations.py"],
    "benchmarks/bench_classes.py": ["benchmarks/bench_classes.py"],
    "benchmarks/bench_fill.py": ["benchmarks/bench_fill.py"],
    "benchmarks/bench_gan.py": ["benchmarks/bench_gan.py"],
    "benchmarks/bench_scola.py": ["benchmarks/bench_scola.py"],
    "benchmarks/bench_precision.py": ["benchmarks/bench_precision.py"],
    "benchmarks/compare_recipes.py": ["benchmarks/compare_recipes.py"],
    "benchmarks/budget.py": ["benchmarks/budget.py"],
    "benchmarks/compare_fid_precision.py": ["benchmarks/compare_fid_precision.py"],
    "benchmarks/calibrate_memorisation.py": ["benchmarks/calibrate_memorisation.py"],
    "scripts/build_docs.py": ["scripts/build_docs.py"],
    "scripts/build_book.py": ["scripts/build_book.py"],
}
# sub-commands with a parser of their own
SUBCOMMANDS = {"colalib.experiments fill": ["-m", "colalib.experiments", "fill"]}


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)


def test_every_entry_point_is_listed():
    guard = re.compile(r"""^if __name__ == ["']__main__["']:""", re.MULTILINE)
    found = {
        str(p.relative_to(REPO))
        for folder in ("colalib", "scripts", "benchmarks")
        for p in (REPO / folder).rglob("*.py")
        if p.name == "__main__.py" or guard.search(p.read_text(encoding="utf-8"))
    }
    assert found == set(ENTRY_POINTS), "add the new command-line entry point to ENTRY_POINTS"


@pytest.mark.parametrize("args", [*ENTRY_POINTS.values(), *SUBCOMMANDS.values()], ids=[*ENTRY_POINTS, *SUBCOMMANDS])
def test_help_exits_0_and_prints_usage(args):
    done = _run([*args, "--help"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:"), done.stdout[:500]


def test_fill_takes_cola_glo_only_for_notebook_03():
    done = _run([*SUBCOMMANDS["colalib.experiments fill"], "05", "--cola-glo"])
    assert done.returncode == 2 and "--cola-glo is notebook 03's study run" in done.stderr


def test_verdicts_rewrites_vs_thesis_of_a_copied_results_folder(tmp_path):
    folder = tmp_path / "04_ablations"  # claims_from_results reads the notebook from the folder's name
    shutil.copytree(REPO / "results" / "04_ablations", folder)
    (folder / "vs_thesis.csv").unlink()
    done = _run(["-m", "colalib.verdicts", str(folder)])
    assert done.returncode == 0, done.stderr[-2000:]
    assert (folder / "vs_thesis.csv").exists() and f"{folder}/vs_thesis.csv:" in done.stdout
    header = (folder / "vs_thesis.csv").read_text().splitlines()[0]
    assert "status" in header
