"""A computed plan: the plan plus everything apply needs to carry it out, so apply takes nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from onelogin_scim_setup.config.models import SafetySettings
from onelogin_scim_setup.model.snapshot import Snapshot
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.plan.changes import Plan
from onelogin_scim_setup.plan.incremental import ReadReport
from onelogin_scim_setup.plan.target import Target


@dataclass(frozen=True)
class WireValues:
    """Values apply sends that the plan holds only as fingerprints (the token) or summaries."""

    configuration: dict[str, str]


@dataclass(frozen=True)
class ComputedPlan:
    """`plan` was computed from `snapshot` (OneLogin as read, with the wire ids) towards `desired`."""

    plan: Plan
    desired: Tenant
    snapshot: Snapshot
    wire: WireValues
    # Seconds apply waits for a just-created custom field's mapping action (onelogin.action_wait).
    action_wait: float = 60.0
    safety: SafetySettings = field(default_factory=SafetySettings)
    # `--target`: `plan` holds only that resource and what it depends on (plan.target).
    target: Target | None = None
    # The per-user attribute holding userType (None: not managed), for safety.max_user_type_changes.
    user_type_attribute: str | None = None
    # How OneLogin was read (full or incremental, why, the calls spent); None: not reported.
    read: ReadReport | None = None
