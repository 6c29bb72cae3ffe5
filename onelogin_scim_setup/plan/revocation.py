"""Demotion by construction, and the members each change reaches (docs/demotion.md). Pure: works on
what the read already holds, no I/O.

`reconcile` adds to the desired and current `Tenant` the userType of every user OneLogin shows
holding a promoted type (`onelogin.holders`) that the config no longer implies: such a user gets
the type the config implies (the first role of `promotions.roles` they are in, else
`promotions.default_user_type`) as a per-user value, so the ordinary diff plans one PUT naming the
user and the ordinary writer does it. Users with their own `promotions.users` user_type are left to
the ordinary diff. No mapping is created or deleted for this: a demoted user matches no promotion
mapping, so no reading of OneLogin's mapping evaluation can overwrite the value written.

`reach` counts the members a role change or a promotion mapping change reaches, from the role
listing (`fields=users`); None where the tenant ignored `fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.model.snapshot import Snapshot
from onelogin_scim_setup.model.tenant import Tenant, UserValues
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan
from onelogin_scim_setup.plan.desired import user_attribute

USER_TYPES = ("Registered", "Moderator", "Admin")


def promoted_types(config: Config) -> tuple[str, ...]:
    """The types other than the default: whoever holds one must be implied by the config."""
    return tuple(t for t in USER_TYPES if t != config.promotions.default_user_type)


@dataclass(frozen=True)
class Reconciled:
    desired: Tenant
    current: Tenant
    # email -> why its userType changes (the plan's note on that user's change)
    causes: dict[str, str]
    # users whose membership could not be read (neither role_ids nor the role listing's users)
    unknown: tuple[str, ...] = ()
    # email -> the group its userType change is shown in at scale (Change.cause): the role that
    # implies the new type, the removed rule, or nothing implying it any more
    labels: dict[str, str] = field(default_factory=dict)
    # the promotions.users emails with their own user_type (lowercase), and the userType attribute
    per_user: frozenset[str] = frozenset()
    attribute: str = ""


PER_USER_CAUSE = "its own promotions.users user_type"


def removed_rule_cause(role: str, user_type: str) -> str:
    return f"rule removed: role {role!r} -> {user_type} (its mapping is deleted)"


def role_cause(role: str, user_type: str) -> str:
    return f"role {role!r} implies {user_type}"


def unimplied_cause(default: str) -> str:
    return f"in no promoting role, no promotions.users user_type: {default}"


def reconcile(config: Config, desired: Tenant, snapshot: Snapshot) -> Reconciled:
    """Desired and current with a userType value for every holder the config does not imply.
    Fills `snapshot.ids` (users, their custom attributes) for those users, as the read does."""
    if not config.fields.user_type.enabled:
        return Reconciled(desired, snapshot.tenant, {})
    if not snapshot.holders:
        per_user = {u.email.lower() for u in config.promotions.users if u.user_type is not None}
        attribute = user_attribute(config, "user_type")
        return Reconciled(desired, snapshot.tenant, {}, (), {}, frozenset(per_user), attribute)
    attribute = user_attribute(config, "user_type")
    default = config.promotions.default_user_type
    per_user = {u.email.lower() for u in config.promotions.users if u.user_type is not None}
    rules = [(p.role, p.user_type) for p in config.promotions.roles]
    # The promotion rules this plan removes: their mappings are the tool's own, gone from the config.
    removed = {
        m.role: m.value
        for name, m in snapshot.tenant.mappings.items()
        if name not in desired.mappings
        and m.field == config.fields.user_type.shortname
        and m.value != default
    }
    ids = snapshot.ids
    members = {name: set(user_ids) for name, user_ids in (ids.role_members or {}).items()}
    wanted_users = dict(desired.users)
    current_users = dict(snapshot.tenant.users)
    causes: dict[str, str] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    for holder in snapshot.holders:
        if holder.email in per_user:
            continue  # its own promotions.users entry: the ordinary diff
        if holder.role_ids is not None:
            roles = {ids.role_names.get(r, "") for r in holder.role_ids}
        elif ids.role_members is not None:
            roles = {name for name, ids_ in members.items() if holder.id in ids_}
        else:
            unknown.append(holder.email)
            continue
        rule = next(((role, kind) for role, kind in rules if role in roles), None)
        implied = rule[1] if rule else default
        if implied == holder.user_type:
            continue
        gone = next((r for r in sorted(roles) if removed.get(r) == holder.user_type), None)
        if rule is None and gone is not None:
            labels[holder.email] = removed_rule_cause(gone, holder.user_type)
            causes[holder.email] = (
                f"holds {holder.user_type} from role {gone!r}, whose rule is removed from "
                f"promotions.roles (its mapping is deleted): demoted to {default} by a per-user "
                "write, which no promotion mapping matches"
            )
        elif rule is None:
            labels[holder.email] = unimplied_cause(default)
            causes[holder.email] = (
                f"holds {holder.user_type}, which nothing in the config implies any more (in no "
                "role of promotions.roles, no user_type in promotions.users): demoted to "
                f"{default} by a per-user write, which no promotion mapping matches"
            )
        else:
            labels[holder.email] = role_cause(rule[0], implied)
            causes[holder.email] = (
                f"holds {holder.user_type}, but role {rule[0]!r} implies {implied} (the first of "
                "promotions.roles the user is in)"
            )
        wanted_users[holder.email] = _with(
            wanted_users.get(holder.email), holder.email, attribute, implied
        )
        current_users[holder.email] = _with(
            current_users.get(holder.email), holder.email, attribute, holder.user_type
        )
        ids.users.setdefault(holder.email, holder.id)
        if holder.custom is not None:
            ids.user_custom_attributes.setdefault(holder.email, dict(holder.custom))
    return Reconciled(
        replace(desired, users=wanted_users),
        replace(snapshot.tenant, users=current_users),
        causes,
        tuple(unknown),
        labels,
        frozenset(per_user),
        attribute,
    )


def _with(values: UserValues | None, email: str, attribute: str, value: str) -> UserValues:
    kept = tuple(item for item in (values.values if values else ()) if item[0] != attribute)
    return UserValues(email, (*kept, (attribute, value)))


def annotate(plan: Plan, reconciled: Reconciled, snapshot: Snapshot, desired: Tenant) -> Plan:
    """The causes on the users' changes, and the members each role or mapping change reaches."""
    members = snapshot.ids.role_members
    changes = []
    for change in plan.changes:
        if change.kind is Kind.USER and change.key in reconciled.causes:
            note = reconciled.causes[change.key]
            change = replace(change, note=f"{change.note}; {note}" if change.note else note)
            change = replace(change, cause=reconciled.labels.get(change.key, ""))
        elif (
            change.kind is Kind.USER
            and change.key.lower() in reconciled.per_user
            and any(f.name == reconciled.attribute for f in change.fields)
        ):
            change = replace(change, cause=PER_USER_CAUSE)
        elif change.action in (Action.CREATE, Action.UPDATE, Action.DELETE) and members is not None:
            role = _role_of(change, snapshot.tenant, desired)
            if role is not None:
                change = replace(change, reach=len(set(members.get(role, ()))))
        changes.append(change)
    return Plan(tuple(changes))


def _role_of(change: Change, current: Tenant, desired: Tenant) -> str | None:
    if change.kind is Kind.ROLE:
        return change.key
    if change.kind is Kind.MAPPING:
        mapping = desired.mappings.get(change.key) or current.mappings.get(change.key)
        return mapping.role if mapping is not None else None
    return None
