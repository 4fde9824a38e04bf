"""Cache keys are a contract: a refactor must not change what any planned unit is keyed on, or a fill started before it
(and every cache on users' disks) silently recomputes. Each unit of every notebook's plan, in the smoke and quick
profiles, is recorded by the hash of its :attr:`colalib.experiments.graph.Unit.identity` (its run step and the arguments
its cache key holds, configs as dicts) in ``tests/data/unit_signatures.json``; the test recomputes them.

A deliberate change of a recipe (a profile's field, a config default) changes keys on purpose: regenerate the record
with ``python tests/test_cache_keys.py --write`` and say so in the commit."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

RECORD = Path(__file__).parent / "data" / "unit_signatures.json"
# (notebook, dataset, the config fields a run sets): every plan `make figures` and `make studies` fill
PLANS = [
    ("02", None, {}),
    ("03", None, {}),
    ("03", None, {"cola_glo": True}),  # notebook 03's study run (make studies): the units 03 ran before 2026-12-07
    ("04", None, {}),
    ("05", None, {}),
    ("05", "cifar100", {}),
    ("06", None, {}),
    ("07", None, {}),
    ("08", None, {}),
]
PROFILES = ("smoke", "quick", "paper")


def current_signatures() -> dict[str, dict[str, str]]:
    """``{"<profile>/<notebook>[/<dataset>]": {plan key: hash of the unit's signature}}`` for every plan."""
    from colalib.experiments.plan import notebook_plan

    out = {}
    for profile in PROFILES:
        for notebook, dataset, config in PLANS:
            tasks = notebook_plan(notebook, profile, dataset, **config)
            out["/".join(filter(None, (profile, notebook, dataset, *config)))] = {
                t.key: hashlib.sha256(t.identity.encode()).hexdigest()[:16] for t in tasks
            }
    return out


def test_every_recorded_unit_keeps_its_cache_key():
    recorded = json.loads(RECORD.read_text())
    now = current_signatures()
    changed = []
    for plan, units in recorded.items():
        assert plan in now, f"plan {plan} is no longer built; regenerate {RECORD.name} if that is deliberate"
        shared = set(units) & set(now[plan])
        assert shared, f"no unit of {plan} keeps its plan key: the test would compare nothing"
        changed += [f"{plan}: {k}" for k in sorted(shared) if units[k] != now[plan][k]]
    assert not changed, "cache keys changed (units would be recomputed):\n" + "\n".join(changed[:20])


def test_the_record_covers_every_quick_plan_unit_it_names():
    """The record is not a stale subset: most units each plan builds today are recorded (new units may be added)."""
    recorded = json.loads(RECORD.read_text())
    for plan, units in current_signatures().items():
        assert len(set(units) & set(recorded.get(plan, {}))) >= 0.5 * len(units), f"{plan}: record mostly stale"


def test_an_fid_unit_identity_names_only_what_its_cache_key_holds():
    """fid_unit keys on the study's dataset, n_fid and n_real_fid: its unit's identity changes with them and with
    nothing else of the study (here its seeds), so that the record flags exactly the FID units that would recompute."""
    from colalib.experiments import GenerationExperimentConfig, steps

    exp = GenerationExperimentConfig.for_profile("smoke")
    cfg = exp.scola_config(0)

    def identity(e):
        return steps.fid("k", "scola", "digits", 5, 0, cfg, steps.FIDProtocol.of(e)).identity

    assert identity(exp) == identity(exp.replace(seeds=(0, 1, 2), sizes=(5, 10)))
    assert identity(exp) != identity(exp.replace(n_fid=exp.n_fid + 1)) != identity(exp.replace(n_real_fid=7))


def test_a_fit_is_one_unit_for_every_reading_of_step_iii():
    """A fit is keyed without the sampling-only fields (:meth:`SCOLAConfig.fit_key`): two configs that differ only in
    step III are one unit, one that changes training is another."""
    from colalib.cola import SCOLAConfig
    from colalib.experiments import steps

    cfg = SCOLAConfig.for_profile("smoke")

    def identity(c):
        return steps.fit("k", "scola", "digits", 5, 0, c).identity

    assert identity(cfg) == identity(cfg.replace(covariance="sample", spread_space="tangent", spread=0.5))
    assert identity(cfg) != identity(cfg.replace(epochs=cfg.epochs + 1))


if __name__ == "__main__":
    if "--write" in sys.argv:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(json.dumps(current_signatures(), indent=1, sort_keys=True) + "\n")
        print(f"wrote {RECORD}")
