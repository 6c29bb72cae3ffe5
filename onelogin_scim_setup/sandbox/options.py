"""The sandbox's settings: `SandboxOptions` (both emulators) and `FaultSpec` (fault injection)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from onelogin_scim_setup.sandbox.quirks import Quirks

RATE_FIELDS = (
    "error_rate",
    "rate_limit_rate",
    "slow_rate",
    "slow_seconds",
    "drop_rate",
    "latency",
    "retry_after",
)
SCOPES = ("Manage All", "Read All")
SCENARIOS = ("drift",)


@dataclass(frozen=True)
class LostAnswer:
    """A targeted fault: the `nth` request (1-based, counted from when the spec was set) whose
    method is `method` and whose path fully matches the regular expression `path` is processed and
    its answer dropped, and so are the `times - 1` matching requests after it (a client's retries).
    Unlike the rates it draws nothing, so a test loses exactly the answer it means to."""

    method: str
    path: str
    nth: int = 1
    times: int = 1

    def __post_init__(self) -> None:
        if not (isinstance(self.method, str) and self.method.isalpha()):
            raise ValueError(f"LostAnswer.method must be an HTTP method, got {self.method!r}")
        if not isinstance(self.path, str):
            raise ValueError("LostAnswer.path must be a regular expression")
        try:
            re.compile(self.path)
        except re.error as error:
            raise ValueError(f"LostAnswer.path is not a regular expression: {error}") from error
        for name in ("nth", "times"):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                raise ValueError(f"LostAnswer.{name} must be a whole number >= 1, got {value!r}")

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method.upper() and re.fullmatch(self.path, path) is not None

    def loses(self, count: int) -> bool:
        """Whether the `count`-th matching request (1-based) loses its answer."""
        return self.nth <= count < self.nth + self.times

    @classmethod
    def from_json(cls, data: Any) -> LostAnswer:
        if not isinstance(data, dict):
            raise ValueError("lose_answers must be a list of objects {method, path, nth, times}")
        unknown = set(data) - {"method", "path", "nth", "times"}
        if unknown:
            raise ValueError(f"unknown lose_answers fields {sorted(unknown)}")
        try:
            return cls(**data)
        except TypeError as error:
            raise ValueError(str(error)) from error


@dataclass(frozen=True)
class FaultSpec:
    """Seeded, reproducible faults on the emulated public APIs (never on `/_sandbox/`).

    Rates are probabilities in [0, 1] drawn per request from `random.Random(seed)`.
    `per_endpoint` maps a path prefix (e.g. "/api/2/apps") to overrides of the rate fields: a dict
    naming some of them, or a whole `FaultSpec` (all its rate fields apply). The longest prefix wins.
    `lose_answers`: targeted lost answers (`LostAnswer`), applied whatever the rates draw.
    """

    seed: int = 0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.2
    drop_rate: float = 0.0
    latency: float = 0.0
    retry_after: int = 0
    per_endpoint: Mapping[str, Mapping[str, float] | FaultSpec] = field(default_factory=dict)
    lose_answers: tuple[LostAnswer, ...] = ()

    def __post_init__(self) -> None:
        for name in ("error_rate", "rate_limit_rate", "slow_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FaultSpec.{name} must be between 0 and 1, got {value}")
        for name in ("slow_seconds", "latency", "retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"FaultSpec.{name} must not be negative")
        for prefix, override in self.per_endpoint.items():
            if not isinstance(override, FaultSpec):
                unknown = set(override) - set(RATE_FIELDS)
                if unknown:
                    raise ValueError(f"per_endpoint[{prefix!r}] has unknown keys {sorted(unknown)}")
                if not all(_is_number(value) for value in override.values()):
                    raise ValueError(f"per_endpoint[{prefix!r}] values must be numbers")

    def rates_for(self, path: str) -> dict[str, float]:
        """The rate fields that apply to a request path (global values, then the longest prefix)."""
        rates = {name: float(getattr(self, name)) for name in RATE_FIELDS}
        matching = [prefix for prefix in self.per_endpoint if path.startswith(prefix)]
        if matching:
            override = self.per_endpoint[max(matching, key=len)]
            if isinstance(override, FaultSpec):
                rates.update({name: float(getattr(override, name)) for name in RATE_FIELDS})
            else:
                rates.update({name: float(value) for name, value in override.items()})
        return rates

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["per_endpoint"] = {
            prefix: (value.to_json() if isinstance(value, FaultSpec) else dict(value))
            for prefix, value in self.per_endpoint.items()
        }
        data["lose_answers"] = [
            {"method": lost.method, "path": lost.path, "nth": lost.nth, "times": lost.times}
            for lost in self.lose_answers
        ]
        return data

    @classmethod
    def from_json(cls, data: Any) -> FaultSpec:
        """Build from the JSON body of `PUT /_sandbox/faults`; raises ValueError on a bad body."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object of FaultSpec fields")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown FaultSpec fields {sorted(unknown)}")
        per_endpoint = data.get("per_endpoint") or {}
        if not isinstance(per_endpoint, dict) or not all(
            isinstance(v, dict) for v in per_endpoint.values()
        ):
            raise ValueError("per_endpoint must map path prefixes to objects of rate fields")
        lose_answers = data.get("lose_answers") or []
        if not isinstance(lose_answers, list):
            raise ValueError("lose_answers must be a list of objects {method, path, nth, times}")
        lost = tuple(LostAnswer.from_json(item) for item in lose_answers)
        values = {k: v for k, v in data.items() if k not in ("per_endpoint", "lose_answers")}
        try:
            return cls(**values, per_endpoint=per_endpoint, lose_answers=lost)
        except TypeError as error:
            raise ValueError(str(error)) from error


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class SandboxOptions:
    """Everything the two emulators can be told at start (docs/sandbox.md lists each option)."""

    host: str = "127.0.0.1"
    onelogin_port: int = 0
    soe_port: int = 0
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"  # noqa: S105 (the sandbox's published demo credential)
    page_size: int = 50
    rate_limit_per_hour: int = 5000
    token_lifetime: int = 36000
    quirks: Quirks = field(default_factory=Quirks.optimistic)
    faults: FaultSpec = field(default_factory=FaultSpec)
    seed_data: bool = True
    api_scope: str = "Manage All"
    push_timeout: float = 5.0
    users: int = 0
    roles: int = 0
    soe_users: int = 0
    scenario: str | None = None

    def __post_init__(self) -> None:
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.rate_limit_per_hour < 0 or self.token_lifetime < 1:
            raise ValueError("rate_limit_per_hour must be >= 0 and token_lifetime >= 1")
        if self.api_scope not in SCOPES:
            raise ValueError(f"api_scope must be one of {SCOPES}")
        if min(self.users, self.roles, self.soe_users) < 0:
            raise ValueError("users, roles and soe_users must not be negative")
        if self.scenario is not None and self.scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {SCENARIOS}, not {self.scenario!r}")
