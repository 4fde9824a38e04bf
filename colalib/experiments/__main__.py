"""Fill the cache headlessly (e.g. on a GPU machine): ``python -m colalib.experiments fill 05 --profile paper``
computes the missing units of notebook 05's plan in parallel; the notebook then only assembles them."""
from __future__ import annotations

import argparse
import json
import sys
import time

from .executors import EXECUTORS, fill
from .plan import notebook_plan


def fill_main(argv: list[str]) -> int:
    """``python -m colalib.experiments fill NN --profile P [--dataset D] [--seeds S ...] [--cola-glo]
    [--executor local|dask] [--workers N] [--scheduler ADDR]``: compute the missing units of notebook NN's plan in
    parallel, dependencies first (``--cola-glo``: notebook 03's study run, ``make studies``)."""

    parser = argparse.ArgumentParser(prog="python -m colalib.experiments fill", description=fill_main.__doc__)
    parser.add_argument("notebook", help="notebook number, e.g. 05")
    parser.add_argument("--dataset", help="the notebook's DATASET parameter (default: its own)")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seeds", type=int, nargs="*", help="the notebook's SEEDS (default: the profile's)")
    parser.add_argument("--cola-glo", action="store_true",
                        help="notebook 03's study run (make studies, COLA_GLO): also COLA and GLO at its sizes")
    parser.add_argument("--executor", choices=EXECUTORS, default="local")
    parser.add_argument("--workers", type=int, help="worker processes of one thread each (default: every core)")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a LocalCluster)")
    args = parser.parse_args(argv)
    # fails here, before any compute, on a bad notebook, profile or dataset
    if args.cola_glo and args.notebook.zfill(2) != "03":
        parser.error(f"--cola-glo is notebook 03's study run; got notebook {args.notebook}")
    config = {"cola_glo": True} if args.cola_glo else {}
    tasks = notebook_plan(args.notebook, args.profile, args.dataset, tuple(args.seeds) if args.seeds else None,
                          **config)
    start = time.perf_counter()
    results = fill(tasks, args.executor, args.workers, args.scheduler)
    wall = time.perf_counter() - start
    print(json.dumps({"notebook": args.notebook, "profile": args.profile, "executor": args.executor,
                      "workers": args.workers, "units": len(results), "wall_s": round(wall, 1),
                      "unit_s": round(sum(r["seconds"] for r in results), 1)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m colalib.experiments fill NN ...`` (:func:`fill_main`); the one command of this module."""

    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m colalib.experiments fill NN [--profile P] ... (see: fill --help)\n\n" + __doc__.strip())
        return 0
    if argv[0] != "fill":
        raise SystemExit(f"unknown command {argv[0]!r}: the one command is 'fill' (python -m colalib.experiments fill "
                         "05 --profile quick); the per-experiment commands were removed, every notebook's plan is "
                         "filled by 'fill'")
    return fill_main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
