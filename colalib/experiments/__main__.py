"""Fill the cache headlessly: ``python -m colalib.experiments classification --profile paper --seeds 0``."""
from __future__ import annotations

from ..classification import ClassifierConfig
from ..cola import SCOLAConfig
from ..gan import GANConfig
from ..stats import paired_differences, summarise
from .classification_study import ClassificationExperimentConfig, classification_experiment, mix_variant_experiment
from .generation_study import GenerationExperimentConfig, generation_experiment
from .peers_study import PeersExperimentConfig, peers_experiment


def main(argv: list[str] | None = None) -> int:
    """Fill the cache headlessly (e.g. on a GPU machine): ``python -m colalib.experiments classification
    --profile paper --seeds 0`` (or ``mix-variants``, or ``generation --methods cola cgan_pd``). The notebooks then
    reuse every finished unit."""
    import argparse
    import json

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
        peers_experiment(PeersExperimentConfig.for_profile(args.profile, **pover), SCOLAConfig.for_profile(args.profile),
                         ClassifierConfig.for_profile(args.profile), progress=False,
                         on_row=lambda r: print(json.dumps(r), flush=True))
        return 0
    if args.experiment == "generation":
        gen_over = {k: v for k, v in over.items() if k != "arms"}
        if args.methods:
            gen_over["methods"] = tuple(args.methods)
        gexp = GenerationExperimentConfig.for_profile(args.profile, **gen_over)
        rows = generation_experiment(gexp, SCOLAConfig.for_profile(args.profile),
                                     ClassifierConfig.for_profile(args.profile), progress=False,
                                     gan=GANConfig.for_profile(args.profile))
        for r in rows:
            print(json.dumps(r), flush=True)
        return 0
    exp = ClassificationExperimentConfig.for_profile(args.profile, **over)
    if args.experiment == "mix-variants":
        rows = mix_variant_experiment(exp.dataset, exp.sizes, exp.seeds, SCOLAConfig.for_profile(args.profile),
                                      ClassifierConfig.for_profile(args.profile), exp.synthetic_per_class,
                                      progress=False, on_row=lambda r: print(json.dumps(r), flush=True))
        print(json.dumps(summarise(rows, ("size", "variant"))))
        return 0
    rows = classification_experiment(exp, SCOLAConfig.for_profile(args.profile),
                                     ClassifierConfig.for_profile(args.profile, **({"arch": args.arch} if args.arch else {})),
                                     progress=False,
                                     on_row=lambda r: print(json.dumps(r), flush=True))
    print(json.dumps(paired_differences(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
