"""Plans of cached units filled in parallel (issue #15): the local process pool and a Dask LocalCluster fill the same
smoke plan with identical results, and the notebook's driver then computes nothing."""

import json

import pytest

from colalib.cache import ArtifactCache
from colalib.experiments import ClassificationExperimentConfig, classification_experiment
from colalib.experiments.classification_study import classification_units
from colalib.experiments.executors import Task, check_plan, fill
from colalib.experiments.generation_study import GenerationExperimentConfig
from colalib.experiments.graph import plan
from colalib.experiments.plan import notebook_plan


def _noop() -> None:
    return None


def test_a_bad_plan_fails_before_any_compute():
    with pytest.raises(ValueError, match="duplicate"):
        check_plan([Task("a", _noop), Task("a", _noop)])
    with pytest.raises(ValueError, match="unknown"):
        check_plan([Task("a", _noop, deps=("b",))])
    with pytest.raises(ValueError, match="cycle"):
        check_plan([Task("a", _noop, deps=("b",)), Task("b", _noop, deps=("a",))])
    with pytest.raises(ValueError, match="no plan for notebook"):
        notebook_plan("01", "smoke")
    with pytest.raises(ValueError, match="executor"):
        fill([Task("a", _noop)], executor="slurm")


def test_the_classification_plan_puts_each_model_before_the_arms_that_need_it():
    exp = ClassificationExperimentConfig.for_profile("smoke")
    tasks = plan(classification_units(exp).values())
    fits = [t for t in tasks if t.key.startswith("scola/")]
    arms = [t for t in tasks if not t.key.startswith("scola/")]
    assert len(fits) == len(exp.sizes) * len(exp.seeds) and len(arms) == len(fits) * len(exp.arms)
    assert all(t.deps == () for t in arms if t.key.startswith("real/"))
    assert all(len(t.deps) == 1 and t.deps[0].startswith("scola/") for t in arms if not t.key.startswith("real/"))


def _accuracies(cache_dir) -> dict:
    return {p.name: json.loads(p.read_text())["accuracy"] for p in (cache_dir / "classification").glob("*.json")}


@pytest.mark.notebook
def test_local_and_dask_fills_agree_and_leave_nothing_for_the_notebook(tmp_path, monkeypatch):
    """A driver with ``executor="local"`` fills its plan in 2 worker processes into the cache it is given (not the
    environment's), then only assembles; a Dask LocalCluster of 2 workers fills the same plan with the same results."""
    pytest.importorskip("dask.distributed")
    import colalib.experiments.units as units

    exp = ClassificationExperimentConfig.for_profile("smoke", sizes=(5,))
    tasks = plan(classification_units(exp).values())
    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path / "environment"))

    def no_training(*args, **kwargs):
        raise AssertionError("a unit of the filled plan was computed again in the driver's process")

    with monkeypatch.context() as patched:  # the workers are spawned: only this process's training is patched away
        patched.setattr(units, "train_and_evaluate", no_training)
        rows = classification_experiment(exp, ArtifactCache(tmp_path / "local"), "local", workers=2, progress=False)
    local = _accuracies(tmp_path / "local")
    assert len(local) == len(exp.arms) and sorted(r["accuracy"] for r in rows) == sorted(local.values())
    done = fill(tasks, executor="dask", workers=2, progress=False, cache_dir=tmp_path / "dask")
    assert [d["key"] for d in done] == [t.key for t in tasks]
    assert _accuracies(tmp_path / "dask") == local
    assert not (tmp_path / "environment").exists()


def test_the_peers_plan_scores_each_method_after_its_fit_and_the_judge():
    tasks = notebook_plan("07", "smoke")
    check_plan(tasks)
    keys = [t.key for t in tasks]
    for t in tasks:
        if t.key.startswith("quality/"):
            method = t.key.split("/")[1]
            assert set(t.deps) == {f"fit/{method}/digits/5/0", "judge/digits/20"}
        if t.key.startswith(("fid/", "synthetic/", "mix/")):
            assert all(keys.index(d) < keys.index(t.key) for d in t.deps) and t.deps
    # the thesis's Gaussian sampler is sCOLA's own Mix arm: one unit, under the peers' key (it was planned twice)
    assert "toy" in keys and sum(k.startswith("sampler/") for k in keys) == 2 and len(set(keys)) == len(keys)
    assert "mix/scola/digits/5/0/n10" in keys and not any(k.startswith("sampler/Gaussian") for k in keys)


@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_every_generation_config_asks_for_at_most_the_images_a_class_has(profile):
    """CIFAR-100 has 500 training images per class, CIFAR-10 5,000: no size or judge may ask for more, in the main
    dataset or beside it (a dataset is never drawn beside itself)."""
    from colalib.experiments import GenerationExperimentConfig

    per_class = {"cifar10": 5000, "cifar100": 500, "digits": 150}
    for dataset in ("cifar10", "cifar100"):
        exp = GenerationExperimentConfig.for_profile(profile, dataset=dataset)
        for e in [exp] + exp.beside_configs():
            assert e.dataset != exp.dataset or e is exp
            assert max(e.sizes) <= per_class[e.dataset] and e.judge_per_class <= per_class[e.dataset], e
    assert [e.dataset for e in GenerationExperimentConfig.for_profile("quick").beside_configs()] == ["cifar100"]


@pytest.mark.notebook
def test_the_generation_plan_holds_every_unit_of_notebook_03(tmp_path, monkeypatch):
    """Notebook 03's plan (fits, FID, CAS, with a dataset beside) leaves nothing for its driver to compute."""
    from colalib.experiments import GenerationExperimentConfig, generation_experiment
    from colalib.experiments.executors import run_task
    from colalib.experiments.generation_study import generation_units

    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path))
    assert len(notebook_plan("03", "smoke")) == len(notebook_plan("03", "smoke", "digits"))
    exp = GenerationExperimentConfig.for_profile("smoke", methods=("scola", "glo"), n_fid=20, n_real_fid=20, beside=())
    tasks = plan(generation_units(exp).values())
    check_plan(tasks)
    keys = [t.key for t in tasks]
    assert "fit/glo/digits/5/0" in keys and "fid/real/digits/5/0/n20" in keys and "cas/glo/digits/5/0/n10" in keys
    assert keys.index("fit/glo/digits/5/0") < keys.index("cas/glo/digits/5/0/n10")
    for t in tasks:
        if not t.key.startswith("judge/"):
            run_task(t)

    import colalib.experiments.units as units
    import colalib.metrics as metrics

    def computed_again(*args, **kwargs):
        raise AssertionError("a unit of the filled plan was computed again")

    monkeypatch.setattr(units, "train_and_evaluate", computed_again)
    monkeypatch.setattr(metrics, "fid_against_dataset", computed_again)
    rows = generation_experiment(exp, ArtifactCache(tmp_path), progress=False)
    assert {r["method"] for r in rows} == {"real", "scola", "glo"}


def cached_sleep(cache_dir: str, name: str, seconds: float) -> None:
    """A unit of work for the tests: cached under ``test/``, taking ``seconds``."""
    import time

    ArtifactCache(cache_dir).get_or_compute("test", {"name": name}, lambda: (time.sleep(seconds), {"name": name})[1])


@pytest.mark.slow
def test_a_killed_fill_loses_only_its_unfinished_unit(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    cache = tmp_path / "cache"
    script = (
        "import sys; sys.path[:0] = {path!r}\n"
        "from colalib.experiments.executors import Task, fill\n"
        "from test_plan import cached_sleep\n"
        "fill([Task('a', cached_sleep, dict(cache_dir={cache!r}, name='a', seconds=0)),\n"
        "      Task('b', cached_sleep, dict(cache_dir={cache!r}, name='b', seconds=120), deps=('a',))],\n"
        "     workers=1, progress=False)\n"
    ).format(path=[str(p) for p in (tmp_path.parent, *sys.path)] + [os.path.dirname(__file__)], cache=str(cache))
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    store = ArtifactCache(cache)
    deadline = time.time() + 120
    while store.load("test", {"name": "a"}) is None and time.time() < deadline:
        time.sleep(0.5)
    time.sleep(3)  # b is now running
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert store.load("test", {"name": "a"}) == {"name": "a"}  # the finished unit survives
    assert store.load("test", {"name": "b"}) is None  # the unfinished one is simply missing, not half-written
    assert sorted(p.name for p in (cache / "test").iterdir()) == [store.path("test", {"name": "a"}).name]
    fill([Task("b", cached_sleep, dict(cache_dir=str(cache), name="b", seconds=0))], workers=1, progress=False)
    assert store.load("test", {"name": "b"}) == {"name": "b"}  # the lock of the killed worker was released


def _nothing_computed(monkeypatch) -> None:
    """From now on every unit must come from the cache: claiming one (the step before computing it) fails."""
    import contextlib

    @contextlib.contextmanager
    def computed_again(self, namespace, config, kind="json"):
        raise AssertionError(f"a unit of the filled plan was computed again ({namespace})")
        yield

    monkeypatch.setattr(ArtifactCache, "claim", computed_again)


def test_the_ablation_plan_plans_a_shared_unit_once():
    """Quick profile: the InfoGAN fit of Table 4.3 is the Laplacian fit of Fig. 5.2, so it and its CAS are planned once;
    VGG16 is planned only when its weights exist."""
    from colalib.experiments import AblationExperimentConfig
    from colalib.experiments.ablations import ablation_units
    from colalib.losses import vgg16_available

    exp = AblationExperimentConfig.for_profile("quick")
    tasks = plan(ablation_units(exp).values())
    check_plan(tasks)
    fits = [t.key for t in tasks if t.key.startswith("fit/")]
    measures = [m for m in exp.losses if m != "laplacian" and (m != "vgg16" or vgg16_available())]
    seeds = len(exp.seeds)
    assert len(fits) == seeds * (len(exp.generators) + len(measures)) and "fit/laplacian/cifar10/50/0" not in fits
    assert sum(t.key.startswith("fid/") for t in tasks) == seeds * len(exp.generators)
    assert sum(t.key.startswith("cas/") for t in tasks) == len(fits) + seeds  # and the Real arm of each subset


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", ["02", "04", "05", "06", "07", "08"])
def test_a_filled_plan_leaves_nothing_for_the_notebook(notebook, tmp_path, monkeypatch):
    """Notebooks 02, 04, 05 (with Table 5.2), 06, 07 (with the sampler ablation and the toy) and 08 (the gap study and
    the step-III study), smoke: after their plan is filled, the calls the notebook makes compute nothing."""
    from colalib.baselines import GLO
    from colalib.cola import COLA, SCOLA
    from colalib.data import load_dataset, small_sample
    from colalib.experiments import (
        AblationExperimentConfig,
        FIDInadequacyConfig,
        clustering_experiment,
        fid_inadequacy_experiment,
        fit_or_load,
        generator_ablation,
        similarity_ablation,
    )
    from colalib.experiments.clustering_study import ClusteringExperimentConfig
    from colalib.experiments.executors import run_task

    monkeypatch.setenv("COLA_CACHE_DIR", str(tmp_path))
    for task in notebook_plan(notebook, "smoke"):
        run_task(task)
    _nothing_computed(monkeypatch)
    cache = ArtifactCache(tmp_path)
    if notebook == "02":
        exp = ClusteringExperimentConfig.for_profile("smoke")
        data, gen = exp.subset(0), exp.generation_config(0)
        results, rows = clustering_experiment(exp, cache, progress=False)
        assert {(r["seed"], r["method"]) for r in rows} >= {(0, "MMDC without RotNet"), (0, "k-means on PCA-50")}
        main = results[0]["MMDC (RotNet + consistency)"]
        fit_or_load(COLA, gen, data, cache, targets=main["targets"], clusters=main["clusters"], progress=False)
        fit_or_load(GLO, gen, data, cache, progress=False)
    elif notebook == "05":
        from colalib.experiments import classifier_ablation

        exp = ClassificationExperimentConfig.for_profile("smoke")
        assert classification_experiment(exp, cache, progress=False)
        assert classifier_ablation(exp, cache, progress=False)
    elif notebook == "08":
        from colalib.experiments.gap_study import GapStudyConfig, gap_study, step_iii_study

        gap_exp = GapStudyConfig.for_profile("smoke")
        assert gap_study(gap_exp, cache, progress=False, combine=False)
        assert step_iii_study(gap_exp, cache, progress=False)
    elif notebook == "07":
        from colalib.experiments import PeersExperimentConfig, peers_experiment, sampler_ablation, toy_unit
        from colalib.toy import ToyConfig

        exp = PeersExperimentConfig.for_profile("smoke")
        assert {r["method"] for r in peers_experiment(exp, cache, progress=False)} == set(exp.methods)
        assert {r["variant"] for r in sampler_ablation(exp, cache, progress=False)} >= {"real"}
        toy_unit(ToyConfig.for_profile("smoke"), spreads=(1.0, 0.5, 2.0), cache=cache)
    elif notebook == "04":
        exp = AblationExperimentConfig.for_profile("smoke")
        assert generator_ablation(exp, cache, progress=False) and similarity_ablation(exp, cache, progress=False)
    else:
        exp = FIDInadequacyConfig.for_profile("smoke")
        models, rows = fid_inadequacy_experiment(exp, cache, progress=False)
        assert [(r["seed"], r["spread"]) for r in rows] == [(0, s) for s in exp.spreads] and list(models) == [0]
        scola = exp.scola_config(exp.seeds[0])
        fit_or_load(
            SCOLA,
            exp.transfer_config(scola),
            small_sample(load_dataset(exp.dataset), exp.transfer_per_class, scola.seed),
            cache,
            progress=False,
        )


def test_the_clustering_plan_runs_every_seed_and_generates_on_each():
    """Notebook 02 with 3 seeds (the paper profile's): three MMDC runs per seed; on each seed's images COLA (after that
    seed's full MMDC) and GLO, then each one's FID and CAS (Fig. 4.1 without labels)."""
    from colalib.experiments.clustering_study import ClusteringExperimentConfig, clustering_units

    exp = ClusteringExperimentConfig.for_profile("smoke", seeds=(3, 1, 2))
    tasks = plan(clustering_units(exp).values())
    check_plan(tasks)
    keys = [t.key for t in tasks]
    assert sum(k.startswith("mmdc") for k in keys) == 9 and len(set(keys)) == len(keys)
    by_key = {t.key: t for t in tasks}
    for seed in exp.seeds:
        at = f"digits/20/{seed}"
        assert by_key[f"fit/cola/{at}"].deps == (f"mmdc/{at}",) and by_key[f"fit/glo/{at}"].deps == ()
        for method in ("cola", "glo"):
            assert by_key[f"fid/{method}/{at}/n{exp.n_fid}"].deps == (f"fit/{method}/{at}",)
            assert by_key[f"cas/{method}/{at}/n{exp.cas_per_class}"].deps == (f"fit/{method}/{at}",)
    for t in tasks:  # every unit is trained and scored with its own subset's seed
        config = t.kwargs.get("config", t.kwargs.get("scola"))
        seed = t.key.split("/")[3 if t.key.startswith("mmdc") else 4]  # mmdc/<data>/<size>/<seed>, kind/method/...
        assert config.seed == t.kwargs["seed"] == int(seed)
    assert ClusteringExperimentConfig.for_profile("paper").seeds == (0, 1, 2)


def test_step_i_runs_on_its_own_subsets_and_the_generators_on_theirs():
    """The quick profile compares the MMDC variants on nine subsets and the generators on five: step I's extra
    subsets hold MMDC units only; a notebook's SEEDS sets both; step I's subsets must include the generators'."""
    from colalib.experiments.clustering_study import ClusteringExperimentConfig, clustering_units

    exp = ClusteringExperimentConfig.for_profile("quick")
    assert exp.seeds == (0, 1, 2, 3, 4) and exp.clustering_seeds == tuple(range(9))
    keys = [t.key for t in plan(clustering_units(exp).values())]
    seed_of = {k: int(k.split("/")[3 if k.startswith("mmdc") else 4]) for k in keys}
    assert {s for k, s in seed_of.items() if k.startswith("mmdc")} == set(range(9))
    assert {s for k, s in seed_of.items() if not k.startswith("mmdc")} == set(range(5))
    assert ClusteringExperimentConfig.for_profile("quick", seeds=(0,)).clustering_seeds == (0,)
    assert len(notebook_plan("02", "quick", seeds=(0,))) == 9  # the tutorial pass: 3 MMDC + 2 x (fit, FID, CAS)
    with pytest.raises(ValueError, match="must include every seed"):
        ClusteringExperimentConfig.for_profile("quick", seeds=(0, 9), step_i_seeds=(0, 1))


def test_the_fid_inadequacy_plan_sweeps_and_transfers_on_every_seed():
    """Notebook 06 with 3 seeds (the paper profile's): per seed one fit before its spreads (each with the judge's
    GAN-test of its CAS samples), one transfer model, and both models' transfers read by the judge."""
    from colalib.experiments import FIDInadequacyConfig
    from colalib.experiments.fid_inadequacy import fid_inadequacy_units

    exp = FIDInadequacyConfig.for_profile("smoke", seeds=(4, 5, 6))
    tasks = plan(fid_inadequacy_units(exp).values())
    check_plan(tasks)
    keys = [t.key for t in tasks]
    assert [k for k in keys if k.startswith("fit/scola/")] == [f"fit/scola/digits/10/{s}" for s in (4, 5, 6)]
    assert [k for k in keys if k.startswith("fit/scola-cgan")] == [
        f"fit/scola-cgan_res/digits/5/{s}" for s in (4, 5, 6)
    ]
    assert sum(k.startswith("spread/") for k in keys) == sum(k.startswith("spread_gan_test/") for k in keys)
    assert sum(k.startswith("spread/") for k in keys) == 3 * len(exp.spreads)
    assert sum(k.startswith("class_transfer/") for k in keys) == 3 * 2 and keys.count("judge/digits/20") == 1
    assert all(
        t.kwargs["clf"].seed == t.kwargs["scola"].seed == int(t.key.rsplit("/", 1)[1])
        for t in tasks
        if t.key.startswith("spread/")
    )
    assert FIDInadequacyConfig.for_profile("paper").seeds == (0, 1, 2)
    with pytest.raises(TypeError, match="seeds=\\(3,\\)"):
        FIDInadequacyConfig.for_profile("smoke", seed=3)
    with pytest.raises(ValueError, match="distinct"):
        FIDInadequacyConfig.for_profile("smoke", seeds=(1, 1))


def test_the_classification_plan_holds_each_shared_unit_once():
    """Notebook 05 (quick) plans Table 5.1's units and Table 5.2's, each shared unit once (Table 5.2's resnet20 row is
    Table 5.1's Mix arm at 50 per class); notebook 08's gap study computes its default reading with the very units of
    notebook 05 (the same signatures, so the same cache entries), and its step-III readings share their subset's fit;
    on CIFAR-100 only Table 5.1 / Fig. 5.1 is planned."""
    tasks = notebook_plan("05", "quick")
    check_plan(tasks)
    keys = [t.key for t in tasks]
    assert "mix/cifar10/50/0/resnet32" in keys and "mix/cifar10/50/0/resnet20" not in keys
    seeds = {str(s) for s in ClassificationExperimentConfig.for_profile("quick").seeds}
    assert {k.split("/")[3] for k in keys if k.count("/") >= 3} == seeds and len(seeds) >= 3  # paired subsets
    gap = notebook_plan("08", "quick")
    check_plan(gap)
    signatures = {t.identity: t.key for t in tasks}
    default = next(t for t in gap if t.key.startswith("mix/cifar10/10/0/default"))
    assert signatures.get(default.identity) == "mix/cifar10/10/0"
    covariance = next(t for t in gap if t.key == "mix/cifar10/10/0/sample covariance, tangent")
    assert covariance.deps == ("fit/scola/cifar10/10/0/default (Ledoit-Wolf, ambient, re-projected)",)
    c100 = [t.key.split("/")[0] for t in notebook_plan("05", "quick", "cifar100")]
    assert set(c100) == {"scola", "real", "synthetic", "mix"}
    # the chapter-6 check: one unit per size and subset, after its subset's sCOLA fit and notebook 03's judge (the same
    # unit as 03's, so one cache entry)
    checks = [t for t in tasks if t.key.startswith("mean_estimation/")]
    assert len(checks) == len(ClassificationExperimentConfig.for_profile("quick").sizes) * len(seeds)
    assert all(set(t.deps) == {"scola/cifar10/" + t.key.split("/", 2)[2], "judge/cifar10/500"} for t in checks)
    judge = next(t for t in tasks if t.key == "judge/cifar10/500")
    assert judge.identity in {t.identity for t in notebook_plan("03", "quick")}


def pid_then_sleep(pid_file: str, seconds: float) -> None:
    """A unit of work for the tests: writes the worker's pid, then sleeps."""
    import os
    import time

    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(seconds)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/status") as f:
            return "zombie" not in f.read()
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_a_killed_fill_takes_its_workers_with_it(tmp_path):
    """Killing only the ``fill`` process (not its process group) ends its local workers within seconds: no orphan
    goes on computing."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "worker.pid"
    script = (
        "import sys; sys.path[:0] = {path!r}\n"
        "from colalib.experiments.executors import Task, fill\n"
        "from test_plan import pid_then_sleep\n"
        "fill([Task('a', pid_then_sleep, dict(pid_file={pid_file!r}, seconds=120))], workers=1, progress=False)\n"
    ).format(path=[str(p) for p in sys.path] + [os.path.dirname(__file__)], pid_file=str(pid_file))
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.time() + 120
        while not pid_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        worker = int(pid_file.read_text())
        assert _alive(worker)
        proc.send_signal(signal.SIGKILL)  # the parent only
        proc.wait()
        deadline = time.time() + 15
        while _alive(worker) and time.time() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the worker outlived its fill process"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_make_figures_records_each_computed_unit_slowest_first(tmp_path, monkeypatch):
    """``make figures`` writes each filled unit's seconds to the notebook's results folder (``fill_units.csv``): what
    dominates a notebook's time is on record; a second fill finds every unit cached and keeps that record."""
    import csv
    import os
    import sys

    import colalib.experiments.plan as plan_module

    monkeypatch.syspath_prepend(os.path.dirname(__file__))  # the spawned worker unpickles test_plan.cached_sleep
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.path.dirname(__file__), *sys.path]))
    cache = str(tmp_path / "cache")
    monkeypatch.setenv("COLA_CACHE_DIR", cache)  # where the fill journals its units
    tasks = [
        Task("quick", cached_sleep, dict(cache_dir=cache, name="quick", seconds=0)),
        Task("slow", cached_sleep, dict(cache_dir=cache, name="slow", seconds=1.5), deps=("quick",)),
    ]
    monkeypatch.setattr(plan_module, "notebook_plan", lambda number, profile, dataset=None, seeds=None: tasks)
    rn = _run_notebooks_module()
    for var in ("COLA_RESULTS_DIR", "COLA_FIGURES_DIR"):  # unset, and restored after the test whatever it sets
        monkeypatch.setenv(var, "-")
        monkeypatch.delenv(var)
    assert rn.keep_committed_results([]) == {}
    monkeypatch.setenv("COLA_FIGURES_DIR", str(tmp_path / "mine"))
    chosen = rn.keep_committed_results([["SEEDS", "[0, 1, 2]"]])  # a changed run leaves results/ alone
    assert chosen == {"COLA_RESULTS_DIR": str(rn.REPO / "custom" / "results")}
    monkeypatch.delenv("COLA_RESULTS_DIR")
    folder = rn.results_folder("05_classification_cifar100.ipynb", "quick")
    assert folder.name == "05_classification_cifar100"
    assert rn.results_folder("05_classification.ipynb", "paper").name == "05_classification_paper"
    rn.fill_plan("05", "quick", "cifar100", tmp_path / "results")
    rows = list(csv.DictReader(open(tmp_path / "results" / "fill_units.csv")))
    assert [r["key"] for r in rows] == ["slow", "quick"]  # slowest first
    assert float(rows[0]["seconds"]) >= 1.5 and rows[0]["cached"] == "False" and rows[1]["task"] == "cached_sleep"
    assert rows[1]["cached"] == "False"  # computed in about 0 s: still computed (it wrote its unit), not cached
    before = (tmp_path / "results" / "fill_units.csv").read_text()
    rn.fill_plan("05", "quick", "cifar100", tmp_path / "results")  # everything cached: the record is kept
    assert (tmp_path / "results" / "fill_units.csv").read_text() == before
    journal = rn.journal_path(tmp_path / "results")
    assert journal.parent.parent == tmp_path / "cache" and not journal.exists()  # a finished fill leaves none
    # a fill killed after computing "slow" (9.9 s, 12 s into it) left its journal; the resuming fill finds "slow"
    # cached, reports the killed fill's seconds for it and adds that fill's wall time to its own
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(
        "key,seconds,computed,commit,fill_started,elapsed_s\nslow,9.9,True,abc1234,2026-11-30T18:02:06+00:00,12.0\n"
    )
    assert rn.read_journal(journal)[1] == 12.0
    assert rn.fill_plan("05", "quick", "cifar100", tmp_path / "results") >= 12.0
    rows = {r["key"]: r for r in csv.DictReader(open(tmp_path / "results" / "fill_units.csv"))}
    assert rows["slow"]["seconds"] == "9.9" and rows["slow"]["resumed"] == "True"
    assert rows["slow"]["commit"] == "abc1234"
    # "quick", found cached, keeps the row of the fill that computed it (a refill never erases a unit's cost)
    assert rows["quick"]["cached"] == "False" and rows["quick"]["resumed"] == "False"
    assert not journal.exists()
    # a unit added to the plan: the refill computes it alone and the record keeps every other unit's seconds
    tasks.append(Task("added", cached_sleep, dict(cache_dir=cache, name="added", seconds=0.2)))
    rn.fill_plan("05", "quick", "cifar100", tmp_path / "results")
    after = {r["key"]: r for r in csv.DictReader(open(tmp_path / "results" / "fill_units.csv"))}
    assert after["slow"] == rows["slow"] and after["quick"] == rows["quick"] and after["added"]["cached"] == "False"


def _run_notebooks_module():
    import importlib.util
    from pathlib import Path

    script = Path(__file__).parents[1] / "scripts" / "run_notebooks.py"
    spec = importlib.util.spec_from_file_location("run_notebooks", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_figures_and_make_studies_split_the_notebooks():
    rn = _run_notebooks_module()
    every = [p.name[:2] for p in rn.numbered_notebooks()]
    figures = [p.name[:2] for p in rn.numbered_notebooks(group="figures")]
    studies = [p.name[:2] for p in rn.numbered_notebooks(group="studies")]
    assert figures == ["01", "02", "03", "04", "05", "06"] and studies == ["07", "08"]
    assert sorted(figures + studies) == every  # every notebook in exactly one group
    with pytest.raises(SystemExit, match="No group"):
        rn.numbered_notebooks(group="thesis")


def test_make_studies_runs_notebook_03_with_cola_and_glo_and_make_figures_does_not():
    """Fig. 4.1's COLA and GLO below the full datasets are a study: ``make figures`` runs notebook 03 with Fig. 4.5's
    methods, ``make studies`` runs it again with ``COLA_GLO`` into its own folder, before 07 and 08, and fills the
    study's plan (the thesis plan and COLA's and GLO's units)."""
    rn = _run_notebooks_module()
    studies = rn.notebook_runs([], "studies", "quick", False)
    assert [(nb.name[:2], name, config) for nb, _, name, config in studies] == [
        ("03", "03_generation_cola_glo.ipynb", {"cola_glo": True}),
        ("07", "07_peers.ipynb", {}),
        ("08", "08_gap_study.ipynb", {}),
    ]
    assert studies[0][1] == {"COLA_GLO": True}  # the notebook's parameter
    assert rn.results_folder(studies[0][2], "quick").name == "03_generation_cola_glo"
    figures = rn.notebook_runs([], "figures", "quick", False)
    assert all(extra.get("COLA_GLO") is None for _, extra, _, _ in figures)
    assert not rn.notebook_runs([], "studies", "quick", True)[0][1]  # changed parameters: the default runs only
    for profile in ("smoke", "paper"):  # notebook 03 draws COLA and GLO itself there: no study run to add
        assert [name for _, _, name, _ in rn.notebook_runs([], "studies", profile, False)] == [
            "07_peers.ipynb",
            "08_gap_study.ipynb",
        ]
    thesis = {t.key for t in notebook_plan("03", "quick")}
    study = {t.key for t in notebook_plan("03", "quick", cola_glo=True)}
    assert thesis < study and not any(k.split("/")[1] in ("glo", "cola") for k in thesis)
    assert {k.split("/")[1] for k in study - thesis} == {"glo", "cola"}


def test_the_study_run_adds_cola_and_glo_in_the_tables_order_on_every_dataset():
    quick = GenerationExperimentConfig.for_profile("quick")
    assert quick.all_methods == ("scola", "cgan_pd") and quick.beside_configs()[0].all_methods == ("scola",)
    study = GenerationExperimentConfig.for_profile("quick", cola_glo=True)
    assert study.all_methods == ("scola", "glo", "cola", "cgan_pd") and study.methods == quick.methods
    assert [e.all_methods for e in study.beside_configs()] == [("scola", "glo", "cola")]
    assert study.replace(cola_glo=False) == quick  # the study is the thesis run plus COLA and GLO, both ways
    assert GenerationExperimentConfig.for_profile("quick", cola_glo=True, methods=("scola",)).all_methods == (
        "scola",
        "glo",
        "cola",
    )


def test_notebook_03_judges_scola_against_the_real_images_on_notebook_05s_subsets_and_units():
    """Quick: sCOLA and the real images run on notebook 05's five subsets, and their fits and CAS arms are 05's units
    (same identity, one cache entry), so both notebooks judge sCOLA against the real images on the same paired
    subsets; the baselines (CGAN-PD, and COLA and GLO in the study run) run on the first three. Given SEEDS, every
    method runs on every seed."""
    quick = GenerationExperimentConfig.for_profile("quick")
    assert quick.seeds_of("scola") == quick.seeds_of("real") == (0, 1, 2, 3, 4)
    assert quick.seeds_of("cgan_pd") == (0, 1, 2)
    seeds = {}
    for t in notebook_plan("03", "quick", cola_glo=True):
        if "method" in t.kwargs and t.kwargs.get("arm") != "real":
            seeds.setdefault((t.kwargs["dataset"], t.kwargs["method"]), set()).add(t.kwargs["seed"])
    assert seeds[("cifar10", "scola")] == seeds[("cifar100", "scola")] == {0, 1, 2, 3, 4}
    assert seeds[("cifar10", "cgan_pd")] == seeds[("cifar10", "glo")] == seeds[("cifar100", "cola")] == {0, 1, 2}
    shared = {t.identity for t in notebook_plan("05", "quick")} | {
        t.identity for t in notebook_plan("05", "quick", "cifar100")
    }
    ours = {t.key: t.identity for t in notebook_plan("03", "quick")}
    for dataset, size in (("cifar10", 10), ("cifar100", 5)):
        for seed in range(5):
            for key in (
                f"fit/scola/{dataset}/{size}/{seed}",
                f"cas/scola/{dataset}/{size}/{seed}/n200",
                f"cas/real/{dataset}/{size}/{seed}/n200",
            ):
                assert ours[key] in shared, key
    assert GenerationExperimentConfig.for_profile("quick", seeds=(0, 1, 2, 3)).seeds_of("cgan_pd") == (0, 1, 2, 3)
    with pytest.raises(ValueError, match="baseline_subsets"):
        GenerationExperimentConfig.for_profile("quick", baseline_subsets=0)


def test_a_plan_with_seeds_is_the_notebooks_plan_for_those_seeds():
    default = {t.key for t in notebook_plan("02", "smoke")}
    two = {t.key for t in notebook_plan("02", "smoke", seeds=(0, 1))}
    assert default < two and any(k.endswith("/1") for k in two - default)
    c100 = notebook_plan("05", "quick", "cifar100", seeds=(1,))
    assert {t.kwargs["seed"] for t in c100} == {1}
    # notebook 03 draws CIFAR-100 beside CIFAR-10: the tutorial pass (SEEDS=0) is one subset there too
    beside = GenerationExperimentConfig.for_profile("quick", seeds=(0,)).beside_configs()
    assert [(e.dataset, e.seeds) for e in beside] == [("cifar100", (0,))]
    assert GenerationExperimentConfig.for_profile("quick").beside_configs()[
        0
    ] == GenerationExperimentConfig.for_profile("quick", dataset="cifar100", beside=())  # the default keeps its seeds


def test_the_example_study_is_declared_once_and_shares_notebook_05s_units():
    """docs/adding_a_study.md: a study module's units give its plan, and a unit another study declares (notebook 05's
    fits and arms, smoke profile) is the same unit: same identity, so one cache entry."""
    from colalib.experiments.example_study import MixGainConfig, mix_gain_units

    exp = MixGainConfig.for_profile("smoke")
    tasks = plan(mix_gain_units(exp).values())
    check_plan(tasks)
    assert [t.key for t in tasks] == ["scola/digits/5/0", "real/digits/5/0", "mix/digits/5/0"]
    assert {t.identity for t in tasks} <= {t.identity for t in notebook_plan("05", "smoke")}


def test_fill_plan_skips_notebook_01_but_a_bad_config_fails_loudly(tmp_path):
    rn = _run_notebooks_module()
    assert rn.fill_plan("01", "smoke", None, tmp_path / "results") == 0.0  # no plan: nothing to fill
    with pytest.raises(ValueError, match="Unknown dataset 'nope'"):  # not swallowed into a serial run
        rn.fill_plan("05", "smoke", "nope", tmp_path / "results")
