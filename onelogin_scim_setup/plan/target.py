"""`plan --target KIND[:NAME]` and `apply --target`: terraform's resource targeting.

A targeted plan holds the changes of the named resources and of every resource they depend on,
transitively, and nothing else; the config's fixed manual steps are left out (`runbook` lists
them). What depends on what, from the desired state:

- a parameter: the app, and the custom field it maps (`custom_attribute_<shortname>`);
- provisioning, and a role's `has_app`: the app;
- a user mapping: its role and its custom field;
- a user's values: the custom fields among them (`custom_attributes.<shortname>`).

The app and the custom fields depend on nothing. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from onelogin_scim_setup.errors import UsageError
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.plan.changes import Change, Kind, Plan

TARGET_KINDS = (
    Kind.CUSTOM_FIELD,
    Kind.APP,
    Kind.PARAMETER,
    Kind.PROVISIONING,
    Kind.ROLE,
    Kind.MAPPING,
    Kind.USER,
)
Resource = tuple[Kind, str]


@dataclass(frozen=True)
class Target:
    kind: Kind
    name: str | None = None  # None: every resource of the kind

    def __str__(self) -> str:
        return self.kind.value if self.name is None else f"{self.kind.value}:{self.name}"


def parse(text: str) -> Target:
    """`KIND` or `KIND:NAME` (the name may hold colons: only the first one splits)."""
    kind_text, colon, name = text.partition(":")
    kinds = ", ".join(k.value for k in TARGET_KINDS)
    try:
        kind = Kind(kind_text.strip())
    except ValueError:
        kind = None
    if kind not in TARGET_KINDS or kind is None:
        raise UsageError(
            f"--target {text!r}: {kind_text!r} is not a kind a plan changes",
            hint=f"Use KIND or KIND:NAME, KIND one of {kinds} (as the plan names them).",
        )
    if colon and not name:
        raise UsageError(f"--target {text!r}: the name after {kind.value}: is empty")
    return Target(kind, name if colon else None)


def _resources(desired: Tenant, changes: tuple[Change, ...]) -> set[Resource]:
    known = {(c.kind, c.key) for c in changes if c.kind in TARGET_KINDS}
    known |= {(Kind.CUSTOM_FIELD, name) for name in desired.custom_fields}
    if desired.app is not None:
        known |= {(Kind.APP, desired.app.name), (Kind.PROVISIONING, desired.app.name)}
    known |= {(Kind.PARAMETER, name) for name in desired.parameters}
    known |= {(Kind.ROLE, name) for name in desired.roles}
    known |= {(Kind.MAPPING, name) for name in desired.mappings}
    known |= {(Kind.USER, email) for email in desired.users}
    return known


def _depends_on(resource: Resource, desired: Tenant) -> set[Resource]:
    kind, name = resource
    app = {(Kind.APP, desired.app.name)} if desired.app is not None else set()
    fields = desired.custom_fields
    if kind in (Kind.PROVISIONING, Kind.ROLE):
        return app
    if kind is Kind.PARAMETER and name in desired.parameters:
        mapped = desired.parameters[name].user_attribute_mappings
        return app | {(Kind.CUSTOM_FIELD, s) for s in fields if mapped == f"custom_attribute_{s}"}
    if kind is Kind.MAPPING and name in desired.mappings:
        mapping = desired.mappings[name]
        found = {(Kind.ROLE, mapping.role)}
        return found | ({(Kind.CUSTOM_FIELD, mapping.field)} if mapping.field in fields else set())
    if kind is Kind.USER and name in desired.users:
        attributes = [a for a, _ in desired.users[name].values]
        return {(Kind.CUSTOM_FIELD, s) for s in fields if f"custom_attributes.{s}" in attributes}
    return set()


def selected(target: Target, desired: Tenant, plan: Plan) -> set[Resource]:
    """The targeted resources and, transitively, what they depend on; a target that names
    nothing the config or the plan knows is a UsageError listing some names it does know."""
    known = _resources(desired, plan.changes)
    named = {
        r
        for r in known
        if r[0] is target.kind
        and (
            target.name is None
            or r[1] == target.name
            or (target.kind is Kind.USER and r[1].casefold() == target.name.casefold())
        )
    }
    if not named:
        names = sorted(n for k, n in known if k is target.kind)
        listed = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
        raise UsageError(
            f"--target {target}: the config manages no {target.kind.value} by that name",
            hint=f"Known: {listed}." if names else f"The config manages no {target.kind.value}.",
        )
    found, todo = set(named), list(named)
    while todo:
        for dependency in _depends_on(todo.pop(), desired) - found:
            found.add(dependency)
            todo.append(dependency)
    return found


def targeted(plan: Plan, desired: Tenant, target: Target) -> Plan:
    """Only the changes of the targeted resources and their dependencies, in plan order."""
    keep = selected(target, desired, plan)
    return Plan(tuple(c for c in plan.changes if (c.kind, c.key) in keep))
