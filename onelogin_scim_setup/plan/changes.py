"""The plan's data: typed changes, rendered separately as text or versioned JSON. No I/O."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# 2: the `unmanaged` action (drift shown, not applied) and saved plans' `basis` (ops.saved).
# 2: the `unmanaged` action (drift shown, not applied) and saved plans' `basis` (ops.saved).
# Additions that keep version 2 (older readers ignore them): a manual change's `state` and
# `state_reason`; a targeted plan's `target` (plan.target).
PLAN_FORMAT_VERSION = 2


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MANUAL = "manual"
    CONFLICT = "conflict"  # the tool will not resolve it by itself; apply refuses until it is fixed
    # Drift the config does not manage (e.g. a role with the app that is not in app.roles): shown so
    # nothing changes silently, never written, and not a pending change for --detailed-exitcode.
    UNMANAGED = "unmanaged"


class Kind(str, Enum):
    CUSTOM_FIELD = "custom_field"
    APP = "app"
    PARAMETER = "parameter"
    PROVISIONING = "provisioning"
    ROLE = "role"
    MAPPING = "mapping"
    USER = "user"
    SOE = "soe"
    ONELOGIN_UI = "onelogin_ui"


# The kinds of change carried by the app's one write (and so one apply step).
APP_KINDS = frozenset({Kind.APP, Kind.PARAMETER, Kind.PROVISIONING})


class StepState(str, Enum):
    """What is known of a manual step (plan.manual.state_of): proven done, proven still to do,
    or not provable from what was read (plan does not contact SOE; some settings have no API)."""

    DONE = "done"
    PENDING = "pending"
    UNCHECKED = "cannot_be_checked"

    @property
    def label(self) -> str:
        return {
            StepState.DONE: "done (verified)",
            StepState.PENDING: "pending",
            StepState.UNCHECKED: "cannot be checked",
        }[self]


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any
    sensitive: bool = False  # values are fingerprints already; renderers label them


@dataclass(frozen=True)
class Change:
    action: Action
    kind: Kind
    key: str
    fields: tuple[FieldChange, ...] = ()
    note: str = ""
    verify_by: str = ""
    # Manual changes only: what plan (or verify) could prove of the step, and why.
    state: StepState | None = None
    state_reason: str = ""
    # The members of the role a role or promotion-mapping change reaches (plan.revocation);
    # None: not a role or mapping change, or the role listing did not show members.
    reach: int | None = None
    # A userType change only: why the type changes, one label per role or cause (plan.revocation),
    # so a plan at scale groups promotions and demotions by it (plan.groups).
    cause: str = ""

    @property
    def title(self) -> str:
        return f"{self.kind.value} {self.key!r}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": self.action.value,
            "kind": self.kind.value,
            "key": self.key,
            "fields": [
                {"name": f.name, "before": f.before, "after": f.after, "sensitive": f.sensitive}
                for f in self.fields
            ],
            "note": self.note,
            "verify_by": self.verify_by,
            **({"reach": self.reach} if self.reach is not None else {}),
            **({"cause": self.cause} if self.cause else {}),
        }
        if self.state is not None:
            data["state"] = self.state.value
            data["state_reason"] = self.state_reason
        return data


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def api_changes(self) -> tuple[Change, ...]:
        return tuple(
            c for c in self.changes if c.action in (Action.CREATE, Action.UPDATE, Action.DELETE)
        )

    @property
    def manual_steps(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.MANUAL)

    @property
    def unmanaged(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.UNMANAGED)

    @property
    def conflicts(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.CONFLICT)

    @property
    def has_changes(self) -> bool:
        """What --detailed-exitcode reports: API work pending, or conflicts to resolve."""
        return bool(self.api_changes or self.conflicts)

    def counts(self) -> dict[str, int]:
        return {action.value: sum(c.action is action for c in self.changes) for action in Action}

    def to_dict(self) -> dict[str, Any]:
        changes = [c.to_dict() for c in self.changes]
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "summary": self.counts(),
            "has_changes": self.has_changes,
            "checksum": checksum(changes),
            "changes": changes,
        }


def checksum(changes: list[dict[str, Any]]) -> str:
    """A digest of the plan's changes, so CI can check that apply does exactly what was reviewed."""
    text = json.dumps(changes, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


class PlanShapeError(ValueError):
    """A plan document (a saved plan, for `show`) that is not the shape `Plan.to_dict` writes."""


def plan_from_dicts(changes: object) -> Plan:
    """The `Plan` back from its JSON changes (`Plan.to_dict()["changes"]`), every value checked:
    the file may have been edited by hand, so anything else is a `PlanShapeError` naming where."""
    if not isinstance(changes, list):
        raise PlanShapeError("`changes` is not a list")
    return Plan(tuple(_change_from_dict(item, f"changes[{n}]") for n, item in enumerate(changes)))


def _change_from_dict(item: object, where: str) -> Change:
    if not isinstance(item, dict):
        raise PlanShapeError(f"{where} is not an object")

    def text(key: str, *, default: str | None = None) -> str:
        value = item.get(key, default)
        if not isinstance(value, str):
            raise PlanShapeError(f"{where}.{key} is not a string")
        return value

    def choice(key: str, enum: type[Enum], *, default: str | None = None) -> Any:
        value = text(key, default=default)
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(e.value) for e in enum)
            raise PlanShapeError(f"{where}.{key} is {value!r}, not one of {allowed}") from None

    raw_fields = item.get("fields", [])
    if not isinstance(raw_fields, list):
        raise PlanShapeError(f"{where}.fields is not a list")
    fields_ = []
    for n, raw in enumerate(raw_fields):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise PlanShapeError(f"{where}.fields[{n}] is not an object with a string `name`")
        fields_.append(
            FieldChange(
                raw["name"], raw.get("before"), raw.get("after"), bool(raw.get("sensitive"))
            )
        )
    state = choice("state", StepState) if item.get("state") is not None else None
    reach = item.get("reach")
    if reach is not None and (isinstance(reach, bool) or not isinstance(reach, int) or reach < 0):
        raise PlanShapeError(f"{where}.reach is not a count of members")
    return Change(
        choice("action", Action),
        choice("kind", Kind),
        text("key"),
        tuple(fields_),
        note=text("note", default=""),
        verify_by=text("verify_by", default=""),
        state=state,
        state_reason=text("state_reason", default="") if state is not None else "",
        reach=reach,
        cause=text("cause", default=""),
    )
