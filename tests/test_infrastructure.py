"""Config profiles, cache keys, atomic writes and notebook run records."""

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from colalib.cache import ArtifactCache, atomic_write_bytes, atomic_write_json
from colalib.config import RunConfig, StudyConfig, check_profile
from colalib.runner import NotebookRun, markdown_table, output_dir
from colalib.tables import read_csv, rows_to_csv


@dataclass(frozen=True)
class ToyConfig(RunConfig):
    epochs: int = 500
    lr: float = 0.01
    PROFILES: ClassVar[dict] = {"smoke": {"epochs": 2}, "quick": {"epochs": 50}, "paper": {}}


def test_profiles_apply_overrides():
    assert ToyConfig.for_profile("smoke").epochs == 2
    assert ToyConfig.for_profile("quick").epochs == 50
    assert ToyConfig.for_profile("paper").epochs == 500
    assert ToyConfig.for_profile("quick", epochs=7).epochs == 7


def test_unknown_profile_and_field_fail_clearly():
    with pytest.raises(ValueError, match="Unknown profile 'fast'.*smoke, quick, paper"):
        ToyConfig.for_profile("fast")
    with pytest.raises(ValueError, match="Unknown profile"):
        check_profile("")
    with pytest.raises(TypeError, match="no field"):
        ToyConfig.for_profile("quick", epoch=3)


def test_config_key_is_stable_and_sensitive():
    a = ToyConfig.for_profile("quick", seed=1)
    assert a.key() == ToyConfig.for_profile("quick", seed=1).key()
    assert a.key() != a.replace(seed=2).key()
    assert a.key() != a.replace(lr=0.02).key()


def test_cache_computes_once(tmp_path):
    cache = ArtifactCache(tmp_path)
    calls = []
    cfg = ToyConfig.for_profile("smoke")

    def compute():
        calls.append(1)
        return {"acc": 0.5}

    assert cache.get_or_compute("toy", cfg, compute) == {"acc": 0.5}
    assert cache.get_or_compute("toy", cfg, compute) == {"acc": 0.5}
    assert len(calls) == 1
    assert cache.get_or_compute("toy", cfg.replace(seed=3), compute) == {"acc": 0.5}
    assert len(calls) == 2


def test_a_computed_unit_reads_as_its_cached_copy(tmp_path):
    """A table built from a unit just computed has the columns, order and types of one built from the cache."""
    value = {"z": (1, 2), "a": np.float64(0.25), "m": {2: "int key"}}
    computed = ArtifactCache(tmp_path).get_or_compute("t", {"u": 1}, lambda: value)
    cached = ArtifactCache(tmp_path).get_or_compute("t", {"u": 1}, lambda: pytest.fail("cached: not recomputed"))
    assert computed == cached == {"a": 0.25, "m": {"2": "int key"}, "z": [1, 2]}
    assert list(computed) == list(cached) == ["a", "m", "z"]


def test_cache_torch_round_trip(tmp_path):
    import torch

    cache = ArtifactCache(tmp_path)
    cfg = ToyConfig.for_profile("smoke")
    value = {"w": torch.arange(5.0)}
    cache.save("model", cfg, value, kind="torch")
    assert torch.equal(cache.load("model", cfg, kind="torch")["w"], value["w"])


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.json"
    atomic_write_json(target, {"a": 1})

    class Boom:
        def __str__(self):
            raise RuntimeError("fails while serialising")

    with pytest.raises(RuntimeError):
        atomic_write_json(target, {"a": Boom()})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    atomic_write_bytes(target, b"{}")
    assert target.read_text() == "{}"


def test_notebook_run_writes_tables_figures_and_record(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = NotebookRun(
        "99_test",
        "smoke",
        {"seeds": [0, 1]},
        figures_dir=tmp_path / "f",
        results_dir=tmp_path / "r",
        cache_dir=tmp_path / "c",
    )
    rows = [{"size": 5, "acc": 0.25}, {"size": 10, "acc": 0.5, "extra": "x"}]
    run.save_table(rows, "acc")
    assert read_csv(tmp_path / "r/99_test_smoke/acc.csv")[1] == {"size": "10", "acc": "0.5", "extra": "x"}
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    run.save_figure(fig, "line")
    assert (tmp_path / "f/99_test_smoke/line.png").stat().st_size > 0
    assert (tmp_path / "f/99_test_smoke/line.pdf").stat().st_size > 0
    record = run.finish()
    on_disk = json.loads((tmp_path / "r/99_test_smoke/run.json").read_text())
    assert on_disk["profile"] == "smoke" and on_disk["seeds"] == [0, 1]
    assert record["packages"]["torch"] != "missing"
    assert on_disk["wall_time_s"] >= 0


def test_output_dir_names_quick_results_plainly_and_others_by_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("COLA_RESULTS_DIR", str(tmp_path / "env"))
    assert output_dir("results", "05_x", "quick") == tmp_path / "env" / "05_x"
    assert output_dir("results", "05_x", "paper", tmp_path / "r") == tmp_path / "r" / "05_x_paper"
    assert output_dir("figures", "05_x", "smoke", tmp_path / "f") == tmp_path / "f" / "05_x_smoke"
    with pytest.raises(ValueError, match="figures' or 'results'"):
        output_dir("cache", "05_x", "quick")


def test_table_helpers():
    text = rows_to_csv([{"a": 1.23456789, "b": "x"}, {"a": np.float64(0.1) + 0.2, "b": "y"}])
    assert text.splitlines() == ["a,b", "1.23456789,x", "0.30000000000000004,y"]  # lossless: a record, not a display
    assert float(text.splitlines()[2].split(",")[0]) == 0.1 + 0.2
    md = markdown_table([{"a": 0.5, "b": 2}])
    assert "| a | b |" in md and "| 0.50 | 2 |" in md


def _slow_unit(root: str, marker: str) -> int:
    """Run in a child process: compute one unit that takes a while and records each time it is computed."""
    import time

    from colalib.cache import ArtifactCache

    def compute():
        with open(marker, "a") as handle:
            handle.write("computed\n")
        time.sleep(1.0)
        return {"value": 42}

    return ArtifactCache(root).get_or_compute("units", {"unit": "slow"}, compute)["value"]


@pytest.mark.slow
def test_two_processes_never_compute_one_unit_twice(tmp_path):
    import multiprocessing as mp

    marker = tmp_path / "computed.txt"
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        values = pool.starmap(_slow_unit, [(str(tmp_path / "cache"), str(marker))] * 2)
    assert values == [42, 42] and marker.read_text().count("computed") == 1


def test_a_killed_claim_is_released(tmp_path):
    """A process killed while holding a unit's claim loses only that unit: the next one computes it."""
    import multiprocessing as mp
    import time

    from colalib.cache import ArtifactCache

    def hold(root):
        with ArtifactCache(root).claim("units", {"unit": "x"}):
            time.sleep(60)

    ctx = mp.get_context("fork")
    child = ctx.Process(target=hold, args=(str(tmp_path),))
    child.start()
    time.sleep(0.5)
    child.kill()
    child.join()
    start = time.perf_counter()
    assert ArtifactCache(tmp_path).get_or_compute("units", {"unit": "x"}, lambda: {"v": 1}) == {"v": 1}
    assert time.perf_counter() - start < 5


def test_git_commit_ignores_run_outputs_but_not_code(tmp_path):
    import subprocess

    from colalib.utils import git_commit

    run = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "t.csv").write_text("a\n")
    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "b.csv").write_text("a\n")
    (tmp_path / "code.py").write_text("x = 1\n")
    run("add", "-A")
    run("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "c")
    assert not git_commit(tmp_path).endswith("-dirty")
    (tmp_path / "results" / "t.csv").write_text("b\n")
    assert not git_commit(tmp_path).endswith("-dirty")
    (tmp_path / "benchmarks" / "results" / "b.csv").write_text("b\n")  # a benchmark's record, written before it asks
    assert not git_commit(tmp_path).endswith("-dirty")
    (tmp_path / "code.py").write_text("x = 2\n")
    assert git_commit(tmp_path).endswith("-dirty")


def test_dataset_profiles_sit_between_the_profile_and_the_overrides():
    from colalib.experiments import ClassificationExperimentConfig

    assert ClassificationExperimentConfig.for_profile("quick").sizes == (10, 50)
    c100 = ClassificationExperimentConfig.for_profile("quick", dataset="cifar100")
    assert c100.sizes == (5, 20) and c100.seeds == (0, 1, 2, 3, 4)
    assert ClassificationExperimentConfig.for_profile("quick", dataset="cifar100", seeds=(0, 1)).seeds == (0, 1)
    assert ClassificationExperimentConfig.for_profile("paper", dataset="cifar100").sizes == (5, 10, 20, 50, 100)


def test_fid_inadequacy_quick_profile_runs_five_subsets_and_keeps_the_first_three_units():
    from colalib.experiments import FIDInadequacyConfig
    from colalib.experiments.plan import notebook_plan

    assert FIDInadequacyConfig.for_profile("quick").seeds == (0, 1, 2, 3, 4)
    five = {t.identity for t in notebook_plan("06", "quick", None)}
    three = {t.identity for t in notebook_plan("06", "quick", None, (0, 1, 2))}
    # per new subset: the swept sCOLA's fit and App. B's transfer fit, four spreads and their four GAN-tests, and
    # the two models' transfer readings
    assert three < five and len(five) - len(three) == 2 * 12


@dataclass(frozen=True)
class ToyStudy(StudyConfig):
    sizes: tuple[int, ...] = (5, 10)


def test_a_study_takes_seeds_and_a_run_takes_one_seed():
    """A study (one subset per seed) has no single ``seed`` to be silently ignored; bad seeds fail at once."""
    assert ToyStudy.for_profile("quick", seeds=(3, 4)).seeds == (3, 4)
    assert not hasattr(ToyStudy(), "seed") and not hasattr(ToyConfig(), "seeds")
    with pytest.raises(TypeError, match=r"pass seeds=\(3,\)"):
        ToyStudy.for_profile("quick", seed=3)
    for bad in [(), (1, 1), (1.5,), (True,)]:
        with pytest.raises(ValueError, match="distinct integers"):
            ToyStudy.for_profile("quick", seeds=bad)


def test_every_config_of_the_library_is_a_run_or_a_study():
    """Every config class of colalib derives from exactly one of RunConfig (cached unit) and StudyConfig."""
    import importlib

    from colalib.config import ExperimentConfig

    for module in ("experiments", "experiments.readings", "mmgan", "peers", "theory", "toy"):  # every config module
        importlib.import_module(f"colalib.{module}")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    library = [
        c
        for c in subclasses(ExperimentConfig)
        if c.__module__.startswith("colalib.") and c not in (RunConfig, StudyConfig)
    ]
    assert len(library) >= 14
    for cls in library:
        assert issubclass(cls, RunConfig) != issubclass(cls, StudyConfig), cls


def test_progress_bars_only_where_someone_watches(monkeypatch):
    import io
    import sys

    from colalib.utils import progress_bar

    monkeypatch.delenv("COLA_PROGRESS", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    log = io.StringIO()  # a log file: not a terminal
    monkeypatch.setattr(sys, "stderr", log)
    assert progress_bar(range(3), "x").disable and list(progress_bar(range(3), "x")) == [0, 1, 2]
    assert log.getvalue() == ""  # no carriage-return flood in logs
    monkeypatch.setattr(log, "isatty", lambda: True, raising=False)
    assert not progress_bar(range(3), "x").disable
    monkeypatch.setenv("COLA_PROGRESS", "0")
    assert progress_bar(range(3), "x").disable


def test_a_bar_that_is_off_never_imports_tqdm_auto():
    """tqdm.auto, imported in a kernel without ipywidgets, prints an "IProgress not found" warning into every executed
    notebook: the papermill runs (bars off) must not import it."""
    import subprocess
    import sys

    code = (
        "import os, sys; os.environ['COLA_PROGRESS'] = '0'; from colalib.utils import progress_bar; "
        "list(progress_bar(range(3), 'x')); print('tqdm.autonotebook' in sys.modules, 'tqdm.auto' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_cpu_features_name_the_model_and_only_the_bf16_flags(tmp_path):
    from colalib.utils import cpu_features, device_description

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t: fpu sse2 avx512f avx512_bf16 amx_tile\n")
    assert cpu_features(cpuinfo) == {"cpu_model": "Test CPU 9000", "bf16_flags": ["amx_tile", "avx512_bf16"]}
    assert cpu_features(tmp_path / "missing") == {}
    assert device_description("cpu").startswith("cpu:") and "threads" in device_description("cpu")
