"""Fill the cache headlessly: ``python -m colalib.experiments classification --profile paper --seeds 0``."""
from __future__ import annotations

import time

from ..stats import paired_differences, summarise
from .classification_study import ClassificationExperimentConfig, classification_experiment, mix_variant_experiment
from .generation_study import GenerationExperimentConfig, generation_experiment
from .peers_study import PeersExperimentConfig, peers_experiment


def fill_main(argv: list[str]) -> int:
    """``python -m colalib.experiments fill NN --profile P [--executor local|dask] [--workers N] [--scheduler ADDR]``:
    compute the missing units of notebook NN's plan in parallel, dependencies first."""
    import argparse
    import json

    from .plan import EXECUTORS, fill, notebook_plan
    parser = argparse.ArgumentParser(prog="python -m colalib.experiments fill", description=fill_main.__doc__)
    parser.add_argument("notebook", help="notebook number, e.g. 05")
    parser.add_argument("--dataset", help="the notebook's DATASET parameter (default: its own)")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--executor", choices=EXECUTORS, default="local")
    parser.add_argument("--workers", type=int, help="worker processes of one thread each (default: every core)")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a LocalCluster)")
    args = parser.parse_args(argv)
    # fails here, before any compute, on a bad notebook, profile or dataset
    tasks = notebook_plan(args.notebook, args.profile, args.dataset)
    start = time.perf_counter()
    results = fill(tasks, args.executor, args.workers, args.scheduler)
    wall = time.perf_counter() - start
    print(json.dumps({"notebook": args.notebook, "profile": args.profile, "executor": args.executor,
                      "workers": args.workers, "units": len(results), "wall_s": round(wall, 1),
                      "unit_s": round(sum(r["seconds"] for r in results), 1)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Fill the cache headlessly (e.g. on a GPU machine): ``python -m colalib.experiments fill 05 --workers 2`` (a
    notebook's plan, in parallel), or ``python -m colalib.experiments classification
    --profile paper --seeds 0`` (or ``mix-variants``, or ``generation --methods cola cgan_pd``). The notebooks then
    reuse every finished unit."""
    import argparse
    import json
    import sys

    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "fill":
        return fill_main(argv[1:])
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("experiment", choices=["classification", "mix-variants", "generation", "peers"])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--sizes", type=int, nargs="*")
    parser.add_argument("--seeds", type=int, nargs="*")
    parser.add_argument("--dataset")
    parser.add_argument("--arch", help="classifier (Table 5.2 ablation)")
    parser.add_argument("--arms", nargs="*")
    parser.add_argument("--methods", nargs="*", help="generation: e.g. cola cgan_pd")
    args = parser.parse_args(argv)
    from ..utils import set_num_threads
    set_num_threads()  # COLA_THREADS or every core
    over = {k: tuple(v) if isinstance(v, list) else v for k, v in
            (("sizes", args.sizes), ("seeds", args.seeds), ("dataset", args.dataset), ("arms", args.arms)) if v}
    if args.experiment == "peers":
        pover = {k: v for k, v in over.items() if k != "arms"}
        if args.methods:
            pover["methods"] = tuple(args.methods)
        peers_experiment(PeersExperimentConfig.for_profile(args.profile, **pover), progress=False,
                         on_row=lambda r: print(json.dumps(r), flush=True))
        return 0
    if args.experiment == "generation":
        gen_over = {k: v for k, v in over.items() if k != "arms"}
        if args.methods:
            gen_over["methods"] = tuple(args.methods)
        gexp = GenerationExperimentConfig.for_profile(args.profile, **gen_over)
        rows = generation_experiment(gexp, progress=False)
        for r in rows:
            print(json.dumps(r), flush=True)
        return 0
    exp = ClassificationExperimentConfig.for_profile(args.profile, **over, **({"arch": args.arch} if args.arch else {}))
    if args.experiment == "mix-variants":
        rows = mix_variant_experiment(exp.dataset, exp.sizes, exp.seeds, exp.scola_config(), exp.classifier_config(),
                                      exp.synthetic_per_class,
                                      progress=False, on_row=lambda r: print(json.dumps(r), flush=True))
        print(json.dumps(summarise(rows, ("size", "variant"))))
        return 0
    rows = classification_experiment(exp, progress=False, on_row=lambda r: print(json.dumps(r), flush=True))
    print(json.dumps(paired_differences(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
