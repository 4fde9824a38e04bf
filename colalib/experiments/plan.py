"""Plans: the units of work a notebook needs, with their dependencies, filled in parallel before the notebook runs.

A :class:`Task` names one cached unit (a module-level function of picklable arguments: configs, dataset names,
sizes, seeds) and the tasks it depends on (a classifier's Mix arm needs its trained sCOLA). :func:`fill` computes the
tasks whose results are missing from the cache, dependencies first, with

* ``executor="local"``: a process pool (:mod:`concurrent.futures`, ``spawn`` start method) of ``workers`` processes of
  one thread each. Measured (``benchmarks/bench_fill.py``, idle 2-core machine, each from an empty cache): on notebook
  04's whole quick plan (18 units) 2 workers x 1 thread 1,192 s, 1 worker x 2 threads 1,293 s (ratio 1.08), hence
  the default; on notebook 05's 4-unit plan at 10 per class (one fit before three arms) 1 x 2 wins, 446 s against
  545 s (ratio 0.82), because the fit leaves a worker idle;
* ``executor="dask"``: a ``dask.distributed`` cluster (``scheduler`` address, or a ``LocalCluster`` of ``workers``
  processes when None); Dask tracks the dependencies itself. Workers write to the cache folder they see
  (``COLA_CACHE_DIR``): on several machines point it at a shared folder.

Every unit is cached atomically and claimed with a file lock (:meth:`colalib.cache.ArtifactCache.claim`), so a killed
worker loses only its unfinished unit and two ``fill`` processes on one cache never compute a unit twice at once. The
notebook then only assembles the cached units.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable

from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..utils import progress_bar
from .classification_study import ClassificationExperimentConfig
from .generation_study import GenerationExperimentConfig
from .peers_study import PeersExperimentConfig
from .registry import PEER_SAMPLERS, model_config
from .tasks import Task, arm_task, fid_task, fit_task, judge_task, quality_task, toy_task, training_subset

__all__ = ["EXECUTORS", "Task", "check_plan", "classification_plan", "fill", "fill_report", "generation_plan",
           "notebook_plan", "peers_plan", "run_task", "seconds_by_task", "training_subset"]

EXECUTORS = ("local", "dask")


def run_task(task: Task, *_deps: Any) -> dict:
    """Run one task in a worker, on one thread (``COLA_THREADS``, default 1); returns its key, seconds and whether it
    computed anything (it wrote to the cache) or found its unit cached."""
    import torch
    from ..cache import saved_in_this_process
    torch.set_num_threads(int(os.environ.get("COLA_THREADS", "1")))
    start, saved = time.perf_counter(), saved_in_this_process()
    task.fn(**task.kwargs)
    return {"key": task.key, "seconds": time.perf_counter() - start, "computed": saved_in_this_process() > saved}


def check_plan(tasks: list[Task]) -> None:
    """Fail before any compute when a key repeats, a dependency is unknown, or the dependencies form a cycle."""
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate task keys: {sorted({k for k in keys if keys.count(k) > 1})}")
    known = set(keys)
    for t in tasks:
        unknown = [d for d in t.deps if d not in known]
        if unknown:
            raise ValueError(f"task {t.key!r} depends on unknown tasks {unknown}")
    _topological(tasks)  # raises on a cycle


def fill(tasks: list[Task], executor: str = "local", workers: int | None = None, scheduler: str | None = None,
         progress: bool = True, on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Compute every task of a plan in parallel, dependencies first; one progress bar over the units with an ETA.
    Returns ``{key, seconds, computed}`` per task (``computed`` False: its unit came from the cache); ``on_result``
    is called with each of them as its unit finishes (e.g. to journal the seconds of a fill that may be killed)."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    check_plan(tasks)
    workers = workers or max(1, os.cpu_count() or 1)
    if executor == "dask":
        return _fill_dask(tasks, workers, scheduler, progress, on_result)
    return _fill_local(tasks, workers, progress, on_result)


def _fill_local(tasks: list[Task], workers: int, progress: bool,
                on_result: Callable[[dict], None] | None = None) -> list[dict]:
    import multiprocessing
    done: dict[str, dict] = {}
    pending = {t.key: t for t in tasks}
    bar = progress_bar(None, desc="units", progress=progress, total=len(tasks))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_exit_with_parent, initargs=(os.getpid(),)) as pool:
        running: dict = {}
        while pending or running:
            for key in [k for k, t in pending.items() if set(t.deps) <= set(done)]:
                running[pool.submit(run_task, pending.pop(key))] = key
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                running.pop(future)
                result = future.result()  # a failing unit stops the fill with its own error
                done[result["key"]] = result
                if on_result:
                    on_result(result)
                bar.update(1)
    bar.close()
    return [done[t.key] for t in tasks]


def fill_report(tasks: list[Task], results: list[dict], commit: str = "",
                earlier: dict[str, dict] | None = None) -> list[dict]:
    """One row per unit of a filled plan (the list :func:`fill` returned): its key, the task it ran, its seconds in the
    worker and whether it came from the cache (it wrote nothing, :func:`run_task`), slowest first, so that what
    dominates a notebook's time is on record (``results/NN_name/fill_units.csv``, written by ``make figures``).
    ``earlier``: results journalled by a killed fill of the same plan (by key); a unit it computed that this fill
    found cached keeps that fill's seconds and commit, marked ``resumed``."""
    by_key = {r["key"]: r for r in results}
    rows = []
    for t in tasks:
        now, before = by_key[t.key], (earlier or {}).get(t.key)
        if not now["computed"] and before is not None:   # the journal holds only computed units
            rows.append({"key": t.key, "task": t.fn.__name__, "seconds": round(float(before["seconds"]), 1),
                         "cached": False, "commit": before.get("commit", commit), "resumed": True})
        else:
            rows.append({"key": t.key, "task": t.fn.__name__, "seconds": round(now["seconds"], 1),
                         "cached": not now["computed"], "commit": commit, "resumed": False})
    return sorted(rows, key=lambda r: -r["seconds"])


def seconds_by_task(report: list[dict]) -> dict[str, float]:
    """Worker seconds of a :func:`fill_report` per task kind (fit_task, arm_task, fid_task, ...), largest first."""
    totals: dict[str, float] = {}
    for row in report:
        totals[row["task"]] = totals.get(row["task"], 0.0) + row["seconds"]
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """A local worker's initializer: a daemon thread ends the worker when the ``fill`` process that started it is gone
    (killed with SIGTERM or SIGKILL, its workers would otherwise go on computing as orphans). Its unfinished unit is
    lost, as for a killed worker."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _fill_dask(tasks: list[Task], workers: int, scheduler: str | None, progress: bool,
               on_result: Callable[[dict], None] | None = None) -> list[dict]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise ImportError("the dask executor needs dask.distributed: pip install 'colalib[cluster]'") from err
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        futures: dict[str, Any] = {}
        for t in _topological(tasks):  # every dependency is submitted before the tasks that need it
            futures[t.key] = client.submit(run_task, t, *[futures[d] for d in t.deps], key=f"colalib-{t.key}",
                                           pure=False)
        bar = progress_bar(None, desc="units", progress=progress, total=len(tasks))
        done = {}
        for future in as_completed(list(futures.values())):
            result = future.result()
            done[result["key"]] = result
            if on_result:
                on_result(result)
            bar.update(1)
        bar.close()
        return [done[t.key] for t in tasks]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _topological(tasks: list[Task]) -> list[Task]:
    """The tasks in an order where every dependency comes first (stable); a ``ValueError`` names a cycle."""
    done: set[str] = set()
    order: list[Task] = []
    pending = list(tasks)
    while pending:
        ready = [t for t in pending if set(t.deps) <= done]
        if not ready:
            raise ValueError(f"the dependencies of {[t.key for t in pending]} form a cycle")
        order += ready
        done |= {t.key for t in ready}
        pending = [t for t in pending if t.key not in done]
    return order


# -- plans per notebook ------------------------------------------------------------------------------------------------

def classification_plan(exp: ClassificationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig) -> list[Task]:
    """Notebook 05's runs (Table 5.1, Fig. 5.1): per size and subset one sCOLA fit, then its arms; the Real arm needs
    no model. The same units, with the same keys, as :func:`classification_experiment`."""
    tasks = []
    for size in exp.sizes:
        for seed in exp.seeds:
            cfg, clf_s = scola.replace(seed=seed), clf.replace(seed=seed)
            fit_key = f"scola/{exp.dataset}/{size}/{seed}"
            tasks.append(Task(fit_key, fit_task, dict(method="scola", dataset=exp.dataset, size=size, seed=seed,
                                                      config=model_config("scola", cfg))))
            for arm in exp.arms:
                tasks.append(Task(f"{arm}/{exp.dataset}/{size}/{seed}", arm_task,
                                  dict(arm=arm, dataset=exp.dataset, size=size, seed=seed, scola=cfg, clf=clf_s,
                                       synthetic_per_class=exp.synthetic_per_class),
                                  deps=() if arm == "real" else (fit_key,)))
    return tasks


# the slowest fits first, so that two workers finish together (CGAN-PD and COLA's MMDC + fit dominate notebook 03)
_FIT_ORDER = ("cgan_pd", "cola", "glo", "scola")


def generation_plan(exp: GenerationExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
                    gan: Any = None, with_beside: bool = True) -> list[Task]:
    """Notebook 03's runs (Fig. 4.1, 4.5; the t/v scale study): per dataset (``exp`` and, when ``with_beside``, each of
    ``exp.beside_configs()``), size, subset and method one fit, then its FID and CAS units (and, with ``n_quality``,
    the judge's scores of its samples; for sCOLA its FID at the real subset's sample count); the real subset's FID and
    Real arm need no model; the judge and the t-scale fits of the scale study. The same units, with the same keys, as
    :func:`generation_experiment` and :func:`t_scale_experiment`."""
    fits, scored = [], []
    judge = f"judge/{exp.dataset}/{exp.judge_per_class}"
    judges = [Task(judge, judge_task, dict(dataset=exp.dataset, per_class=exp.judge_per_class,
                                           clf=exp.judge_config(clf)))]
    for e in [exp] + (exp.beside_configs() if with_beside else []):
        e_judge = f"judge/{e.dataset}/{e.judge_per_class}"
        if e.n_quality and e_judge != judge:
            judges.append(Task(e_judge, judge_task, dict(dataset=e.dataset, per_class=e.judge_per_class,
                                                         clf=e.judge_config(clf))))
        for size in sorted(e.sizes, reverse=True):
            for seed in e.seeds:
                cfg, clf_s = scola.replace(seed=seed), clf.replace(seed=seed)
                gan_s = gan.replace(seed=seed) if gan is not None else None
                at = f"{e.dataset}/{size}/{seed}"
                for method in ("real",) + tuple(e.methods):
                    cfg_m = model_config(method, cfg, gan_s)
                    deps: tuple[str, ...] = ()
                    if method != "real":
                        deps = (f"fit/{method}/{at}",)
                        fits.append((_FIT_ORDER.index(method) if method in _FIT_ORDER else 0,
                                     Task(deps[0], fit_task, dict(method=method, dataset=e.dataset, size=size,
                                                                  seed=seed, config=cfg_m))))
                    scored.append(Task(f"fid/{method}/{at}/n{e.n_fid}", fid_task, dict(method=method, dataset=e.dataset,
                                                                           size=size, seed=seed, config=cfg_m, exp=e),
                                       deps=deps))
                    scored.append(Task(f"cas/{method}/{at}/n{e.cas_per_class}", arm_task,
                                       dict(arm="real" if method == "real" else "synthetic", dataset=e.dataset,
                                            size=size, seed=seed, scola=cfg_m, clf=clf_s,
                                            synthetic_per_class=e.cas_per_class,
                                            method="scola" if method == "real" else method), deps=deps))
                    if method == "scola":
                        scored.append(Task(f"fid/{method}/{at}/n_real", fid_task,
                                           dict(method=method, dataset=e.dataset, size=size, seed=seed, config=cfg_m,
                                                exp=e, equal_n=True), deps=deps))
                    if method != "real" and e.n_quality:
                        scored.append(Task(f"quality/{method}/{at}/n{e.n_quality}", quality_task,
                                           dict(method=method, dataset=e.dataset, size=size, seed=seed, config=cfg_m,
                                                judge_per_class=e.judge_per_class, judge_clf=e.judge_config(clf),
                                                n=e.n_quality), deps=deps + (e_judge,)))
    def once(ts):  # a dataset beside itself: the same units (keys name everything that differs), planned once
        kept: dict[str, Task] = {}
        for t in ts:
            kept.setdefault(t.key, t)
        return list(kept.values())

    tasks = once(t for _, t in sorted(fits, key=lambda p: p[0]))
    scored = once(scored)
    small, known = min(exp.sizes), {t.key for t in tasks}
    for t_scale in exp.t_scales:  # t_scale_experiment: sCOLA on the smallest subset of seed scola.seed
        cfg = scola.replace(t_scale=t_scale)
        if t_scale == scola.t_scale and f"fit/scola/{exp.dataset}/{small}/{scola.seed}" in known:
            continue  # the default scale is the generation run's own fit
        tasks.append(Task(f"fit/scola-t{t_scale}/{exp.dataset}/{small}/{scola.seed}", fit_task,
                          dict(method="scola", dataset=exp.dataset, size=small, seed=scola.seed, config=cfg)))
    return judges + tasks + scored


def peers_plan(exp: PeersExperimentConfig, scola: SCOLAConfig, clf: ClassifierConfig,
               toy: Any = None, toy_spreads: tuple[float, ...] = (1.0, 0.5, 2.0)) -> list[Task]:
    """Notebook 07's runs: the judge; per size, subset and method one fit, then its FID, CAS, Mix and sample-quality
    units (the Real arm needs no model); the sampler ablation's Mix arms on the smallest size; the MM-GAN toy. The same
    units, with the same keys, as :func:`peers_experiment`, :func:`mix_variant_experiment` and :func:`toy_unit`."""
    gen, judge_clf = exp.generation(), clf.replace(seed=0)
    judge = f"judge/{exp.dataset}/{exp.judge_per_class}"
    fits = [Task(judge, judge_task, dict(dataset=exp.dataset, per_class=exp.judge_per_class, clf=judge_clf))]
    scored = []
    for size in sorted(exp.sizes, reverse=True):
        for seed in exp.seeds:
            cfg, clf_s, at = scola.replace(seed=seed), clf.replace(seed=seed), f"{exp.dataset}/{size}/{seed}"
            common = dict(dataset=exp.dataset, size=size, seed=seed)
            scored.append(Task(f"real/{at}", arm_task, dict(arm="real", scola=cfg, clf=clf_s,
                                                            synthetic_per_class=exp.synthetic_per_class, **common)))
            for method in exp.methods:
                cfg_m, fit = model_config(method, cfg), f"fit/{method}/{at}"
                fits.append(Task(fit, fit_task, dict(method=method, config=cfg_m, **common)))
                scored.append(Task(f"fid/{method}/{at}/n{exp.n_fid}", fid_task,
                                   dict(method=method, config=cfg_m, exp=gen, **common), deps=(fit,)))
                for arm in ("synthetic", "mix"):
                    scored.append(Task(f"{arm}/{method}/{at}/n{exp.synthetic_per_class}", arm_task,
                                       dict(arm=arm, scola=cfg_m, clf=clf_s, synthetic_per_class=exp.synthetic_per_class,
                                            method=method, **common), deps=(fit,)))
                scored.append(Task(f"quality/{method}/{at}", quality_task,
                                   dict(method=method, config=cfg_m, judge_per_class=exp.judge_per_class,
                                        judge_clf=judge_clf, n=exp.n_quality, **common), deps=(fit, judge)))
    small = min(exp.sizes)
    for seed in exp.seeds:  # the sampler ablation (notebook 07): Mix arms of sCOLA with another step-III sampler
        for name, (over, sampling) in PEER_SAMPLERS.items():
            at = f"{exp.dataset}/{small}/{seed}"
            fit = f"fit/scola-{name}/{at}" if over else f"fit/scola/{at}"
            if over:
                fits.append(Task(fit, fit_task, dict(method="scola", dataset=exp.dataset, size=small, seed=seed,
                                                     config=scola.replace(seed=seed, **over))))
            scored.append(Task(f"sampler/{name}/{at}", arm_task,
                               dict(arm="mix", dataset=exp.dataset, size=small, seed=seed,
                                    scola=scola.replace(seed=seed, **over), clf=clf.replace(seed=seed),
                                    synthetic_per_class=exp.synthetic_per_class, sampling=sampling or None),
                               deps=(fit,) if fit in {t.key for t in fits} else ()))
    if toy is not None:
        fits.append(Task("toy", toy_task, dict(config=toy, spreads=tuple(toy_spreads))))
    return fits + scored


def _classification_plan(profile: str, dataset: str | None) -> list[Task]:
    """Notebook 05's plan: Table 5.1 / Fig. 5.1 and, on CIFAR-10 (the notebook's ``DATASET``; digits in the smoke
    profile), its studies: Table 5.2, the gap study, the step-III study."""
    from ..gap import GapStudyConfig
    from .gap_plan import classification_notebook_plan
    over = {"dataset": dataset} if dataset else {}
    studies = dataset in (None, "cifar10")
    return classification_notebook_plan(ClassificationExperimentConfig.for_profile(profile, **over),
                                        SCOLAConfig.for_profile(profile), ClassifierConfig.for_profile(profile),
                                        GapStudyConfig.for_profile(profile, **over) if studies else None)


def notebook_plan(notebook: str, profile: str, dataset: str | None = None) -> list[Task]:
    """The plan of notebook ``notebook`` (its number, e.g. ``"05"``) in ``profile``, on ``dataset`` (None: the
    notebook's default)."""
    over = {"dataset": dataset} if dataset else {}
    from ..gan import GANConfig
    from ..toy import ToyConfig
    from .ablations import AblationExperimentConfig, ablation_plan
    from .clustering_study import ClusteringExperimentConfig, clustering_plan
    from .fid_inadequacy import FIDInadequacyConfig, fid_inadequacy_plan
    plans = {"02": lambda: clustering_plan(ClusteringExperimentConfig.for_profile(profile, **over)),
             "03": lambda: generation_plan(GenerationExperimentConfig.for_profile(profile, **over),
                                           SCOLAConfig.for_profile(profile), ClassifierConfig.for_profile(profile),
                                           GANConfig.for_profile(profile)),
             "04": lambda: ablation_plan(AblationExperimentConfig.for_profile(profile, **over)),
             "05": lambda: _classification_plan(profile, dataset),
             "06": lambda: fid_inadequacy_plan(FIDInadequacyConfig.for_profile(profile, **over)),
             "07": lambda: peers_plan(PeersExperimentConfig.for_profile(profile, **over), SCOLAConfig.for_profile(profile),
                                      ClassifierConfig.for_profile(profile), ToyConfig.for_profile(profile))}
    number = notebook.zfill(2)[:2]
    if number not in plans:
        raise ValueError(f"no plan for notebook {notebook!r}; plans exist for {sorted(plans)} (notebook 01 computes "
                         "its Monte Carlo simulations when it runs)")
    return plans[number]()
