#!/usr/bin/env python
"""Execute numbered notebooks with papermill, in order, with parameters.

    python scripts/run_notebooks.py                       # every notebooks/NN_*.ipynb, profile quick
    python scripts/run_notebooks.py --group figures        # the thesis's notebooks (make figures)
    python scripts/run_notebooks.py --group studies        # beyond the thesis (make studies): 03's study run, 07, 08
    python scripts/run_notebooks.py --profile smoke 01 03  # only notebooks 01 and 03
    python scripts/run_notebooks.py -p DATASET cifar10     # extra papermill parameters
    python scripts/run_notebooks.py -p SEEDS "[0]"         # one subset per notebook (the tutorial pass)

Executed copies go to ``executed/`` (git-ignored). A failing notebook stops the run with a message that
names the notebook and the failing cell; exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from colalib.config import DEFAULT_PROFILE, check_profile  # noqa: E402

# What `make figures` runs (every claim of the thesis) and what `make studies` runs (analyses beyond the thesis; it
# also runs the thesis notebooks' STUDY_RUNS below: notebook 03 with COLA and GLO).
GROUPS: dict[str, tuple[str, ...]] = {"figures": ("01", "02", "03", "04", "05", "06"), "studies": ("07", "08")}


def numbered_notebooks(selection: list[str] | None = None, group: str | None = None) -> list[Path]:
    """The notebooks ``notebooks/NN_*.ipynb`` in order, optionally only those whose number is selected, or those of
    ``group`` (a key of :data:`GROUPS`)."""
    found = sorted(p for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if group is not None:
        if group not in GROUPS:
            raise SystemExit(f"No group {group!r}; choose one of {', '.join(GROUPS)}")
        if selection:
            raise SystemExit(f"Give notebook numbers or --group, not both (got {selection} and --group {group})")
        selection = list(GROUPS[group])
    if not selection:
        return found
    chosen = [p for p in found if p.name[:2] in {s.zfill(2) for s in selection}]
    missing = {s.zfill(2) for s in selection} - {p.name[:2] for p in chosen}
    if missing:
        names = ", ".join(p.name for p in found)
        raise SystemExit(f"No notebook numbered {sorted(missing)}; available: {names}")
    return chosen


def parse_value(text: str):
    """Parse a papermill parameter value as a Python literal (int, float, None, True, list, ...), else a string."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


# The kernel's own log at ERROR only: its start-up warning about TCP transport without encryption (a local kernel
# that only this process talks to) would otherwise end up in every log of `make figures` and `make test`.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


def run(notebook: Path, out_dir: Path, parameters: dict, timeout: int | None, name: str | None = None) -> float:
    import os

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    os.environ["COLA_PROGRESS"] = "0"  # no progress-bar residue in the executed notebooks (colalib.utils.progress_bar)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = out_dir / (name or notebook.name)
    start = time.time()
    print(f"== {notebook.name}  parameters={parameters}", flush=True)
    try:
        pm.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            kernel_name="python3",
            extra_arguments=KERNEL_ARGUMENTS,
        )
    except PapermillExecutionError as err:
        raise SystemExit(
            f"\nFAILED: {notebook.name}, cell {err.cell_index} (execution count {err.exec_count}): "
            f"{err.ename}: {err.evalue}\nExecuted copy with the traceback: {output}"
        ) from None
    seconds = time.time() - start
    drop_cells_for_other_data(output, parameters.get("DATASET"))
    print(
        f"   done in {seconds:.0f} s -> {output.relative_to(REPO) if output.is_relative_to(REPO) else output}",
        flush=True,
    )
    return seconds


ONLY_TAG = "cifar10-only"  # cells of a section that applies to CIFAR-10 alone (notebook 05's Table 5.2)


def drop_cells_for_other_data(executed: Path, dataset: str | None) -> int:
    """Remove the cells tagged :data:`ONLY_TAG` from an executed copy run on another dataset than CIFAR-10, so that
    it shows only the sections that apply to its data. Returns how many were removed."""
    import json

    if dataset in (None, "cifar10"):
        return 0
    nb = json.loads(executed.read_text())
    keep = [c for c in nb["cells"] if ONLY_TAG not in c.get("metadata", {}).get("tags", [])]
    removed = len(nb["cells"]) - len(keep)
    if removed:
        nb["cells"] = keep
        executed.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return removed


# Notebooks that `make figures` also runs with other parameters (profiles quick and paper): notebook 05 on CIFAR-100
# gives the thesis's own Fig. 5.1 (results/05_classification_cifar100/).
EXTRA_RUNS: dict[str, tuple[dict, ...]] = {"05": ({"DATASET": "cifar100"},)}

# Runs of a thesis notebook with other parameters that go beyond the thesis: `make studies` runs them, `make figures`
# does not. Each: the suffix of its executed copy and results folder, the notebook's parameters, and the fields of
# its study's config that those parameters set (its plan), and the profiles where it differs from the default run.
# Notebook 03 with COLA and GLO at its small sizes (results/03_generation_cola_glo/): Fig. 4.1 trains both on the full
# datasets, and notebook 02 runs its variant. In the smoke and paper profiles notebook 03 itself draws COLA and GLO
# (paper: up to the full CIFAR-10, Fig. 4.1's protocol), so there is no study run to add.
STUDY_RUNS: dict[str, tuple[tuple[str, dict, dict, tuple[str, ...]], ...]] = {
    "03": (("cola_glo", {"COLA_GLO": True}, {"cola_glo": True}, ("quick",)),)
}


def notebook_runs(
    numbers: list[str], group: str | None, profile: str, defaults_only: bool
) -> list[tuple[Path, dict, str, dict]]:
    """What a run of this script executes, in order: (notebook, its extra parameters, the executed copy's name, the
    config fields those parameters set). Each selected notebook's default run, and outside the smoke profile and
    unless ``defaults_only`` (changed parameters, ``--no-extra``) its :data:`EXTRA_RUNS` (05 on CIFAR-100). The
    ``studies`` group first runs the thesis notebooks' :data:`STUDY_RUNS` of ``profile`` (quick: 03 with COLA and
    GLO), then its own notebooks; with changed parameters it says that it leaves them out."""
    runs: list[tuple[Path, dict, str, dict]] = []
    if group == "studies":
        for nb in numbered_notebooks(sorted(STUDY_RUNS)):
            for suffix, params, config, profiles in STUDY_RUNS[nb.name[:2]]:
                if profile not in profiles:
                    continue
                if defaults_only:
                    print(f"== {nb.stem} with {params} left out: it runs only with the profile's defaults", flush=True)
                    continue
                runs.append((nb, params, f"{nb.stem}_{suffix}.ipynb", config))
    for nb in numbered_notebooks(numbers, group):
        runs.append((nb, {}, nb.name, {}))
        if profile != "smoke" and not defaults_only:  # 05 on CIFAR-100 too: Fig. 5.1
            runs += [
                (nb, extra, f"{nb.stem}_{extra['DATASET']}.ipynb", {}) for extra in EXTRA_RUNS.get(nb.name[:2], ())
            ]
    return runs


def journal_path(report_dir: Path) -> Path:
    """Where a fill journals its finished units: in the cache folder (``fill_journals/<results folder>.csv``), which
    is what a resumed run shares with the killed one."""
    from colalib.cache import default_cache_dir

    return default_cache_dir() / "fill_journals" / f"{report_dir.name}.csv"


def read_journal(path: Path) -> tuple[dict[str, dict], float]:
    """The units an earlier, killed fill of the same plan finished (by key) and the wall seconds it ran until its last
    finished unit, summed over such fills ({} and 0 without a journal)."""
    from colalib.tables import read_csv

    if not path.exists():
        return {}, 0.0
    rows = read_csv(path)
    walls: dict[str, float] = {}
    for r in rows:
        walls[r["fill_started"]] = max(walls.get(r["fill_started"], 0.0), float(r["elapsed_s"]))
    return {r["key"]: r for r in rows}, sum(walls.values())


def fill_plan(
    number: str,
    profile: str,
    dataset: str | None = None,
    report_dir: Path | None = None,
    seeds: tuple[int, ...] | None = None,
    priority=None,
    config: dict | None = None,
) -> float:
    """Fill notebook ``number``'s plan of cached units with the local executor (one single-thread worker per core)
    before the notebook runs, so that it only assembles them; notebooks without a plan compute their own units.
    ``priority``: a sort key on the plan's tasks (lowest first; None: plan order), e.g. to settle a claim's units
    before the rest of a long fill: the local executor runs ready units in that order.
    Each unit's seconds go to ``report_dir/fill_units.csv`` (slowest first) and their sum per task kind to the log.
    Every finished unit is journalled at once (:func:`journal_path`, in the cache), so that a killed fill keeps its
    units' seconds: the fill that resumes it on the same cache reports them (``resumed``) and adds the killed fill's
    wall time to its own. ``seeds``: the notebook's ``SEEDS`` when given (None: the profile's); ``config``: other
    fields of the notebook's study config (a :data:`STUDY_RUNS` entry's). Returns the wall seconds of this fill and of
    the killed ones it resumed."""
    import datetime
    import os

    from colalib.cache import atomic_write_text
    from colalib.experiments.executors import fill, fill_report, seconds_by_task
    from colalib.experiments.plan import NOTEBOOKS_WITH_PLANS, notebook_plan
    from colalib.tables import read_csv, rows_to_csv
    from colalib.utils import git_commit

    if number not in NOTEBOOKS_WITH_PLANS:  # notebook 01: nothing to fill. A bad config still fails, loudly
        return 0.0
    tasks = notebook_plan(number, profile, dataset, seeds, **(config or {}))
    if priority is not None:
        tasks = sorted(tasks, key=priority)  # stable: equal priorities keep the plan's order
    start, commit = time.time(), git_commit()
    journal = journal_path(report_dir) if report_dir is not None else None
    earlier, earlier_wall = read_journal(journal) if journal else ({}, 0.0)
    journalled = list(earlier.values())
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    def note_unit(result: dict) -> None:
        if journal is None or not result["computed"]:
            return
        journalled.append(
            {
                "key": result["key"],
                "seconds": round(result["seconds"], 1),
                "commit": commit,
                "fill_started": started,
                "elapsed_s": round(time.time() - start, 1),
            }
        )
        journal.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(journal, rows_to_csv(journalled))

    workers = os.cpu_count() or 1
    print(f"== fill plan of notebook {number}: {len(tasks)} units, {workers} workers x 1 thread", flush=True)
    previous = os.environ.get("COLA_THREADS")
    os.environ["COLA_THREADS"] = "1"  # the workers' threads; the notebook itself keeps the caller's setting
    try:
        results = fill(tasks, "local", workers=workers, progress=False, on_result=note_unit)
    finally:
        if previous is None:
            del os.environ["COLA_THREADS"]
        else:
            os.environ["COLA_THREADS"] = previous
    seconds = time.time() - start
    last = report_dir / "fill_units.csv" if report_dir is not None else None
    recorded = {r["key"]: r for r in read_csv(last)} if last is not None and last.exists() else {}
    report = fill_report(tasks, results, commit=commit, earlier=earlier, recorded=recorded)
    # this fill's own units, and a killed fill's it resumed (rows carried from the last record are neither)
    computed = [r for r in results if r["computed"]] + [r for r in report if r["resumed"] and r["key"] in earlier]
    resumed = (
        f"; resumed {sum(r['resumed'] for r in report)} units of a killed fill that ran {earlier_wall:.0f} s"
        if earlier_wall
        else ""
    )
    print(
        f"   filled in {seconds + earlier_wall:.0f} s ({len(computed)} of {len(tasks)} units computed{resumed}; "
        "their worker seconds per task: "
        + ", ".join(
            f"{k} {v:,.0f}"
            for k, v in seconds_by_task([r for r in report if r["key"] in {c["key"] for c in computed}]).items()
        )
        + ")",
        flush=True,
    )
    if report_dir is not None and computed:  # a fill that only found cached units keeps the last record
        report_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(report_dir / "fill_units.csv", rows_to_csv(report))
    if journal is not None and journal.exists():
        journal.unlink()
    return seconds + earlier_wall


def results_folder(executed_name: str, profile: str) -> Path:
    """The results folder of an executed notebook (``05_classification_cifar100.ipynb`` ->
    ``results/05_classification_cifar100``), named by :func:`colalib.runner.output_dir` as the notebook's
    :class:`colalib.runner.NotebookRun` names it."""
    from colalib.runner import output_dir

    return output_dir("results", Path(executed_name).stem, profile)


PUBLISHED_DIR = REPO / "notebooks" / "executed"
PUBLISH_CAP_BYTES = 4 * 2**20  # an executed copy committed for GitHub carries its figures inline: at most 4 MiB each


def publish(executed: Path, folder: Path = PUBLISHED_DIR, cap: int = PUBLISH_CAP_BYTES) -> Path | None:
    """Copy an executed quick-profile notebook (outputs and figures inline) to ``notebooks/executed/`` so that the
    repository shows results on GitHub; the source notebooks stay free of outputs. A copy over ``cap`` bytes is not
    published (a message says so) rather than silently cut."""
    import shutil

    size = executed.stat().st_size
    if size > cap:
        print(
            f"   not published: {executed.name} is {size / 2**20:.1f} MiB, over the {cap / 2**20:.0f} MiB cap",
            flush=True,
        )
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / executed.name
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(executed, tmp)
    tmp.replace(target)  # atomic
    print(
        f"   published {target.relative_to(REPO) if target.is_relative_to(REPO) else target} ({size / 2**20:.1f} MiB)",
        flush=True,
    )
    return target


CUSTOM_DIR = REPO / "custom"  # git-ignored: runs with changed parameters never overwrite the committed results


def keep_committed_results(parameters: list) -> dict[str, str]:
    """With changed parameters (``-p``), the notebooks write their tables and figures under ``custom/results`` and
    ``custom/figures`` instead of ``results/`` and ``figures/``, which hold the committed default runs (unless
    :func:`colalib.runner.output_dir_variable` says where). Returns the environment variables set."""
    import os

    from colalib.runner import OUTPUT_KINDS, output_dir_variable

    if not parameters:
        return {}
    chosen = {}
    for kind in OUTPUT_KINDS:
        var = output_dir_variable(kind)
        if var not in os.environ:
            os.environ[var] = chosen[var] = str(CUSTOM_DIR / kind)
    if chosen:
        print(
            f"== changed parameters: outputs go to {CUSTOM_DIR}/ (results/ and figures/ keep the default runs)",
            flush=True,
        )
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("numbers", nargs="*", help="notebook numbers to run (default: all, or --group's)")
    parser.add_argument(
        "--group",
        choices=sorted(GROUPS),
        default=None,
        help="figures: the thesis's notebooks (make figures); studies: beyond the thesis (make studies)",
    )
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="smoke | quick | paper")
    parser.add_argument("--out", default=str(REPO / "executed"), help="folder for executed copies")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra papermill parameter",
    )
    parser.add_argument("--timeout", type=int, default=None, help="per-cell timeout in seconds")
    parser.add_argument(
        "--no-extra", action="store_true", help="only the notebooks' default runs (not, e.g., notebook 05 on CIFAR-100)"
    )
    parser.add_argument(
        "--no-fill",
        action="store_true",
        help="do not fill the notebook's plan in parallel first (the notebook computes its units)",
    )
    args = parser.parse_args(argv)
    profile = check_profile(args.profile)
    parameters = {"PROFILE": profile, **{k: parse_value(v) for k, v in args.parameter}}
    keep_committed_results(args.parameter)
    total = 0.0
    seeds = parameters.get("SEEDS")
    if seeds is not None:  # -p SEEDS 0, -p SEEDS "[0, 1]": the notebooks' SEEDS, as a list
        seeds = tuple(seeds) if isinstance(seeds, (list, tuple)) else (seeds,)
        parameters["SEEDS"] = list(seeds)
    plannable = set(parameters) <= {"PROFILE", "SEEDS"}  # a plan knows the profile and the seeds, nothing else
    for nb, extra, name, config in notebook_runs(
        args.numbers, args.group, profile, bool(args.parameter) or args.no_extra
    ):
        if not args.no_fill and plannable:
            total += fill_plan(
                nb.name[:2], profile, extra.get("DATASET"), results_folder(name, profile), seeds, config=config
            )
        total += run(nb, Path(args.out), {**parameters, **extra}, args.timeout, name)
        if profile == DEFAULT_PROFILE and not args.parameter:  # the committed results: publish the executed copy
            publish(Path(args.out) / name)
    print(f"all notebooks done in {total:.0f} s (profile {profile})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
