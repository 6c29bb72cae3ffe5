"""Safety thresholds (octoDNS's idea): a plan that deletes or overwrites too much is refused unless
the operator says --force (deletions of owned mappings, removals of the app from roles, overwrites of
per-user values, userType promotions and demotions). Pure: counts the plan's changes against
`safety.*` from the config."""

from __future__ import annotations

from dataclasses import dataclass

from onelogin_scim_setup.config.models import SafetySettings
from onelogin_scim_setup.errors import SafetyError
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.plan.changes import Action, Kind, Plan


@dataclass(frozen=True)
class Counts:
    mapping_deletes: int
    role_removals: int  # roles app.exclusive_roles takes the app from
    user_overwrites: int  # per-user values that hold something now and would hold something else
    user_managed: int  # per-user values the config manages
    # promotions and demotions: per-user userType writes, plus the known members of the role of
    # each promotion mapping created, changed or deleted (plan.revocation's `reach`)
    user_type_changes: int = 0

    @property
    def user_percent(self) -> float:
        return 100.0 * self.user_overwrites / self.user_managed if self.user_managed else 0.0


def count(plan: Plan, desired: Tenant, user_type_attribute: str | None = None) -> Counts:
    deletes = sum(c.action is Action.DELETE and c.kind is Kind.MAPPING for c in plan.api_changes)
    removals = sum(c.action is Action.DELETE and c.kind is Kind.ROLE for c in plan.api_changes)
    # userType changes are counted by max_user_type_changes, not as per-user overwrites.
    overwrites = sum(
        item.before is not None and item.name != user_type_attribute
        for c in plan.api_changes
        if c.kind is Kind.USER
        for item in c.fields
    )
    managed = sum(
        name != user_type_attribute for user in desired.users.values() for name, _ in user.values
    )
    direct = sum(
        item.name == user_type_attribute
        for c in plan.api_changes
        if c.kind is Kind.USER
        for item in c.fields
    )
    through_mappings = sum(
        c.reach or 0 for c in plan.api_changes if c.kind is Kind.MAPPING and user_type_attribute
    )
    return Counts(deletes, removals, overwrites, managed, direct + through_mappings)


def breaches(
    plan: Plan, desired: Tenant, limits: SafetySettings, user_type_attribute: str | None = None
) -> list[str]:
    """Each threshold the plan passes, with the counts; empty when the plan is within all of them."""
    counts = count(plan, desired, user_type_attribute)
    found = []
    if counts.mapping_deletes > limits.max_mapping_deletes:
        found.append(
            f"it would delete {counts.mapping_deletes} owned mapping(s), more than "
            f"safety.max_mapping_deletes ({limits.max_mapping_deletes})"
        )
    if counts.role_removals > limits.max_role_removals:
        found.append(
            f"it would take the app from {counts.role_removals} role(s) (app.exclusive_roles), "
            f"more than safety.max_role_removals ({limits.max_role_removals})"
        )
    if (
        counts.user_overwrites >= limits.min_user_changes
        and counts.user_percent > limits.max_user_change_percent
    ):
        found.append(
            f"it would overwrite {counts.user_overwrites} of {counts.user_managed} per-user values "
            f"({counts.user_percent:.0f}%), more than safety.max_user_change_percent "
            f"({limits.max_user_change_percent:g}%)"
        )
    if counts.user_type_changes > limits.max_user_type_changes:
        found.append(
            f"it would promote or demote {counts.user_type_changes} user(s) (per-user userType "
            "writes plus the members of the roles whose promotion mapping changes), more than "
            f"safety.max_user_type_changes ({limits.max_user_type_changes})"
        )
    return found


def check(
    plan: Plan, desired: Tenant, limits: SafetySettings, user_type_attribute: str | None = None
) -> None:
    found = breaches(plan, desired, limits, user_type_attribute)
    if found:
        raise SafetyError(
            "apply refused before any write: " + "; ".join(found),
            hint="Review the plan; if it is what you want, run apply again with --force, or raise "
            "the limits under `safety:` in the config.",
        )
