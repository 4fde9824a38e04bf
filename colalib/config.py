"""Experiment configurations and named profiles.

Every experiment has one frozen dataclass holding all of its parameters. Its defaults are the
thesis protocol (profile ``paper``); the class attribute ``PROFILES`` lists, for each profile, the
fields that differ from the defaults::

    @dataclass(frozen=True)
    class GenerationConfig(ExperimentConfig):
        epochs: int = 500
        PROFILES: ClassVar[dict] = {"smoke": {"epochs": 2}, "quick": {"epochs": 60}, "paper": {}}

    cfg = GenerationConfig.for_profile("quick", seed=1)
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
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

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
    """Base class of every experiment configuration (see the module docstring)."""

    profile: str = "paper"
    seed: int = 0

    PROFILES: ClassVar[dict[str, dict[str, Any]]] = {"smoke": {}, "quick": {}, "paper": {}}
    # (dataset, profile) -> settings that differ on that dataset (e.g. fewer sizes for CIFAR-100's 100 classes on the
    # 2-core CPU), applied between the profile and the caller's overrides.
    DATASET_PROFILES: ClassVar[dict[tuple[str, str], dict[str, Any]]] = {}
    # Fields added after results were cached: left out of to_dict() (and so of cache keys) while they hold these
    # values, so that units cached before the field existed keep their keys.
    _OMIT_AT_DEFAULT: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        check_profile(self.profile)

    @classmethod
    def for_profile(cls: type[C], profile: str = DEFAULT_PROFILE, **overrides: Any) -> C:
        """The configuration of ``profile`` with ``overrides`` applied on top."""
        check_profile(profile)
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(overrides) - fields
        if unknown:
            raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}; fields: {sorted(fields)}")
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


def check_seeds(exp: Any) -> None:
    """An experiment config with ``seeds``: at least one, all distinct, and the base class's single ``seed`` unused
    (a caller who passes it is told to pass ``seeds``)."""
    if not exp.seeds or len(set(exp.seeds)) != len(exp.seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {exp.seeds!r}")
    if exp.seed != 0:
        raise TypeError(f"{type(exp).__name__} runs one subset per entry of `seeds`; pass seeds=({exp.seed},) "
                        "instead of seed=")
