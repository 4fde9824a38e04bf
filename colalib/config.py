"""Experiment configurations and named profiles.

Every experiment has one frozen dataclass holding all of its parameters. Its defaults are the
thesis protocol (profile ``paper``); the class attribute ``PROFILES`` lists, for each profile, the
fields that differ from the defaults::

    @dataclass(frozen=True)
    class GenerationConfig(RunConfig):
        epochs: int = 500
        PROFILES: ClassVar[dict] = {"smoke": {"epochs": 2}, "quick": {"epochs": 60}, "paper": {}}

    cfg = GenerationConfig.for_profile("quick", seed=1)   # GenerationConfig(RunConfig): one run
    cfg.key()   # stable hash, used by the artifact cache

Profiles
    ``smoke``  CI: seconds per notebook, exercises every code path, numbers mean nothing.
    ``quick``  the default: a 2-core CPU, about two hours for all figures; results must mean something.
    ``paper``  the thesis protocol (GPU).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import numbers
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from .dataset_registry import DATASET_INFO

PROFILES: tuple[str, ...] = ("smoke", "quick", "paper")
DEFAULT_PROFILE = "quick"

C = TypeVar("C", bound="ExperimentConfig")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is a known profile name, else fail with the list of valid names."""
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}. Choose one of {', '.join(PROFILES)} "
                         f"(e.g. `make figures PROFILE=quick`).")
    return profile


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def config_key(obj: Any, length: int = 16) -> str:
    """Stable hash of a JSON-able object or dataclass (sorted keys), used as a cache key."""
    blob = json.dumps(_jsonable(obj), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


@dataclass(frozen=True)
class ExperimentConfig:
    """Base class of every configuration (see the module docstring): a profile and the profile machinery. A config
    derives from :class:`RunConfig` (one fit or training, one ``seed``) or :class:`StudyConfig` (a notebook's study,
    one subset per entry of ``seeds``), never from both."""

    profile: str = "paper"

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {"smoke": {}, "quick": {}, "paper": {}}
    # (dataset, profile) -> settings that differ on that dataset (e.g. fewer sizes for CIFAR-100's 100 classes on the
    # 2-core CPU), applied between the profile and the caller's overrides.
    DATASET_PROFILES: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {}
    # Fields added after results were cached: left out of to_dict() (and so of cache keys) while they hold these
    # values, so that units cached before the field existed keep their keys.
    _OMIT_AT_DEFAULT: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        check_profile(self.profile)
        dataset = getattr(self, "dataset", None)
        if isinstance(dataset, str) and dataset not in DATASET_INFO:  # fail at the config, before any plan or fit
            raise ValueError(f"Unknown dataset {dataset!r}; choose one of {', '.join(DATASET_INFO)} "
                             "(e.g. `-p DATASET cifar100`).")

    @classmethod
    def for_profile(cls: type[C], profile: str = DEFAULT_PROFILE, **overrides: Any) -> C:
        """The configuration of ``profile`` with ``overrides`` applied on top."""
        check_profile(profile)
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(overrides) - fields
        if unknown:
            hint = (f" It runs one subset per entry of `seeds`: pass seeds=({overrides['seed']},)."
                    if "seed" in unknown and "seeds" in fields else "")
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}; fields: {sorted(fields)}.{hint}")
        base = cls.PROFILES.get(profile, {})
        dataset = overrides.get("dataset", base.get("dataset"))
        values = {**base, **cls.DATASET_PROFILES.get((dataset, profile), {}), **overrides, "profile": profile}
        return cls(**values)

    def replace(self: C, **changes: Any) -> C:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = _jsonable(self)
        for name, value in self._OMIT_AT_DEFAULT.items():
            if name in d and d[name] == value:
                d.pop(name)
        return d

    def key(self) -> str:
        """Hash of every field and the class name: equal keys mean the same experiment."""
        return config_key({"class": type(self).__name__, **self.to_dict()})


@dataclass(frozen=True)
class RunConfig(ExperimentConfig):
    """One run: one model fit or one classifier training, seeded by ``seed`` (its data subset, initialisation and
    sampling). Units of work are cached by the key of such a config."""

    seed: int = 0


@dataclass(frozen=True)
class StudyConfig(ExperimentConfig):
    """A notebook's study: one data subset (and one run of every arm) per entry of ``seeds``, so that its claims can
    be paired by seed (:data:`colalib.stats.MIN_SUBSETS`). Studies are not cache units; their runs are."""

    seeds: tuple[int, ...] = (0,)
    #: fields that default to ``seeds`` when None (e.g. notebook 02's ``step_i_seeds``): :meth:`for_profile` given
    #: ``seeds`` (a notebook's ``SEEDS``) resets them to None unless they are given too
    SEED_DERIVED: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        check_seeds(self.seeds)

    @classmethod
    def for_profile(cls: type[C], profile: str = DEFAULT_PROFILE, **overrides: Any) -> C:
        """The profile's configuration with ``overrides``; given ``seeds``, the :attr:`SEED_DERIVED` fields follow
        them unless given as well (:meth:`replace` does not: it changes only what it is given)."""
        if "seeds" in overrides:
            for name in cls.SEED_DERIVED:
                overrides.setdefault(name, None)
        return super().for_profile(profile, **overrides)


def check_seeds(seeds: tuple[int, ...]) -> None:
    """``seeds`` of a :class:`StudyConfig`: at least one, all distinct integers."""
    def integer(s: object) -> bool:
        return isinstance(s, numbers.Integral) and not isinstance(s, bool)

    if not seeds or len(set(seeds)) != len(seeds) or not all(integer(s) for s in seeds):
        raise ValueError(f"seeds must be distinct integers, at least one, got {seeds!r} (e.g. SEEDS = [0, 1, 2])")
