"""The plan's data: typed changes, rendered separately as text or versioned JSON. No I/O."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# 2: the `unmanaged` action (drift shown, not applied) and saved plans' `basis` (engine.saved).
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
    # The members of the role a role or promotion-mapping change reaches (engine.revocation);
    # None: not a role or mapping change, or the role listing did not show members.
    reach: int | None = None

    @property
    def title(self) -> str:
        return f"{self.kind.value} {self.key!r}"

    def to_dict(self) -> dict[str, Any]:
        return {
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
        }


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
