"""The pure diff: current vs desired `Tenant` -> typed changes, in dependency order (custom field -> app -> parameters -> provisioning -> roles -> mappings -> user values), the order apply executes them in. No I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from onelogin_scim_setup.model.tenant import UNREADABLE, MappingShape, Tenant, as_fields
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan, StepState

ProvisioningVia = Literal["auto", "api", "manual"]


def diff(
    current: Tenant,
    desired: Tenant,
    *,
    create_roles: bool,
    sensitive: frozenset[str],
    provisioning_via_api: ProvisioningVia = "auto",
    exclusive_roles: bool = False,
) -> Plan:
    """Everything that must change in OneLogin to turn `current` into `desired` (the config's fixed
    manual steps excluded; a provisioning switch the API is not to set is a manual step here).

    `sensitive` names App configuration keys whose values are fingerprints of secrets. Roles that have
    the app without the config asking for it are `unmanaged` drift, or with `exclusive_roles` a removal.
    """
    changes: list[Change] = []
    changes += _custom_fields(current, desired)
    changes += _app(current, desired, sensitive)
    changes += _keyed(Kind.PARAMETER, current.parameters, desired.parameters)
    changes += _provisioning(current, desired, provisioning_via_api)
    changes += _roles(current, desired, create_roles)
    changes += _role_drift(current, desired, exclusive_roles)
    changes += _mappings(current, desired)
    changes += _users(current, desired)
    return Plan(tuple(changes))


def _provisioning(current: Tenant, desired: Tenant, via: ProvisioningVia) -> list[Change]:
    """Some tenants answer 200 to provisioning.enabled and do not keep it (docs/onelogin-api.md
    Op 3, terraform-provider-onelogin#85). `auto` tries the API once, when apply creates the app;
    on an existing app the switch is a manual step, so a tenant that ignores the API is not
    planned the same futile write on every run."""
    if desired.provisioning is None or current.provisioning is desired.provisioning:
        return []
    app_name = desired.app.name if desired.app else ""
    if via == "api" or (via == "auto" and current.app is None):
        return [
            Change(
                Action.UPDATE,
                Kind.PROVISIONING,
                app_name,
                (FieldChange("enabled", current.provisioning, desired.provisioning),),
                note="read back after the write; if OneLogin does not keep it, enable it in the UI",
            )
        ]
    wanted = "checked" if desired.provisioning else "unchecked"
    return [
        Change(
            Action.MANUAL,
            Kind.PROVISIONING,
            app_name,
            (FieldChange("Provisioning > Enable provisioning", current.provisioning, wanted),),
            note=f"In OneLogin: Apps > {app_name} > Provisioning, then Save (app.provisioning_via_api "
            f"is {via}: set it to api to have apply write it)",
            verify_by="plan shows no provisioning step; verify",
            state=StepState.PENDING,
            state_reason="OneLogin reads provisioning as "
            + ("enabled" if current.provisioning else "disabled"),
        )
    ]


def _field_changes(before: object, after: object) -> tuple[FieldChange, ...]:
    old = as_fields(before) if before is not None else {}
    new = as_fields(after) if after is not None else dict.fromkeys(old)
    changes = []
    for name, value in new.items():
        if old.get(name) == value:
            continue
        if isinstance(value, MappingShape) or isinstance(old.get(name), MappingShape):
            # A mapping's shape is shown only when a hand edit changed it, and by its label.
            if before is None or after is None:
                continue
            changes.append(FieldChange("form", _label(old.get(name)), _label(value)))
            continue
        changes.append(FieldChange(name, old.get(name), value))
    return tuple(changes)


def _label(value: object) -> object:
    return value.label if isinstance(value, MappingShape) else value


def _custom_fields(current: Tenant, desired: Tenant) -> list[Change]:
    changes = []
    mapped = {m.field for m in desired.mappings.values()}
    for shortname, wanted in desired.custom_fields.items():
        existing = current.custom_fields.get(shortname)
        if existing is not None and existing.mapping_action is False and shortname in mapped:
            changes.append(
                Change(
                    Action.CONFLICT,
                    Kind.CUSTOM_FIELD,
                    shortname,
                    note=existing.action_note or no_action_note(shortname, existing.name),
                )
            )
        if existing is not None:
            continue
        same_but_case = [
            name for name in current.custom_fields if name.lower() == shortname.lower()
        ]
        if same_but_case:
            changes.append(
                Change(
                    Action.CONFLICT,
                    Kind.CUSTOM_FIELD,
                    shortname,
                    note=f"a custom user field {same_but_case[0]!r} exists, which differs only by case; "
                    "shortnames are case-sensitive in the SCIM template and the tool never renames a "
                    f"field: set the config's shortname to {same_but_case[0]!r}, or rename the field "
                    "in OneLogin (Users > Custom User Fields)",
                )
            )
        else:
            changes.append(
                Change(Action.CREATE, Kind.CUSTOM_FIELD, shortname, _field_changes(None, wanted))
            )
    return changes


def no_action_note(shortname: str, name: str) -> str:
    return (
        f"OneLogin lists no mapping action for the custom field {shortname!r} (GET "
        f"/api/2/mappings/actions has no value set_{shortname.lower()} or "
        f"custom_attribute_{shortname.lower()} and no label 'Set {name}' or '{name}'), so its "
        "mappings cannot be written. A field created minutes ago may still be waiting for "
        "OneLogin's background job: plan again later. Otherwise name the action's value in "
        "fields.user_type.mapping_action (`discover` lists the actions), or create the mappings "
        "in the UI (Users > Mappings) as the plan's mapping lines show, with the action that "
        "sets this field"
    )


def _app(current: Tenant, desired: Tenant, sensitive: frozenset[str]) -> list[Change]:
    if desired.app is None:
        return []
    if current.app is None:
        fields_ = (
            FieldChange("name", None, desired.app.name),
            FieldChange("connector", None, desired.app.connector),
            *_configuration_changes((), desired.app.configuration, sensitive),
        )
        return [Change(Action.CREATE, Kind.APP, desired.app.name, fields_)]
    if current.app.duplicate_ids:
        listed = ", ".join(str(i) for i in current.app.duplicate_ids)
        note = (
            f"{len(current.app.duplicate_ids)} apps are named {desired.app.name!r} on connector "
            f"{desired.app.connector!r} (ids {listed}), e.g. from two applies on two machines at "
            "once; the tool cannot tell which one it manages. Fix: in OneLogin (Applications) keep "
            f"one (the oldest is id {current.app.duplicate_ids[0]}), delete or rename the others, "
            "then run plan again"
        )
        return [Change(Action.CONFLICT, Kind.APP, desired.app.name, note=note)]
    if current.app.connector != desired.app.connector:
        note = (
            f"an app named {desired.app.name!r} exists on connector {current.app.connector!r}, not "
            f"{desired.app.connector!r}; rename one of them (the tool never changes an app's connector)"
        )
        return [Change(Action.CONFLICT, Kind.APP, desired.app.name, note=note)]
    fields_ = _configuration_changes(
        current.app.configuration, desired.app.configuration, sensitive
    )
    changes = [Change(Action.UPDATE, Kind.APP, desired.app.name, fields_)] if fields_ else []
    unreadable = [
        key for key, value in current.app.configuration if key in sensitive and value == UNREADABLE
    ]
    if unreadable:
        keys = ", ".join(f"configuration.{key}" for key in unreadable)
        note = (
            f"{keys}: OneLogin shows the SCIM token masked (or not at all), so the tool cannot "
            "compare it and does not send it again; `token rotate` sends a new one, and "
            "`verify --e2e` shows whether the one OneLogin holds works"
        )
        changes.append(Change(Action.UNMANAGED, Kind.APP, desired.app.name, note=note))
    return changes


def _configuration_changes(
    current: tuple[tuple[str, str], ...],
    desired: tuple[tuple[str, str], ...],
    sensitive: frozenset[str],
) -> tuple[FieldChange, ...]:
    before = dict(current)
    return tuple(
        FieldChange(f"configuration.{key}", before.get(key), value, key in sensitive)
        for key, value in desired
        if before.get(key) != value and not (key in sensitive and before.get(key) == UNREADABLE)
    )


def _keyed(
    kind: Kind, current: dict[str, Any], desired: dict[str, Any], *, delete_extra: bool = False
) -> list[Change]:
    changes = []
    for key, wanted in desired.items():
        if key not in current:
            changes.append(Change(Action.CREATE, kind, key, _field_changes(None, wanted)))
        elif current[key] != wanted:
            changes.append(Change(Action.UPDATE, kind, key, _field_changes(current[key], wanted)))
    if delete_extra:
        # Only mappings named as the tool names them, and of the exact shape it writes, are deleted;
        # a same-named mapping someone reshaped by hand is left alone.
        for key in current:
            if key in desired:
                continue
            if getattr(current[key], "shape", None) is MappingShape.ROLE_TO_FIELD:
                changes.append(
                    Change(
                        Action.DELETE,
                        kind,
                        key,
                        _field_changes(current[key], None),
                        note="named as the tool names its mappings, and no longer in "
                        "promotions.roles",
                    )
                )
            else:
                changes.append(
                    Change(
                        Action.UNMANAGED,
                        kind,
                        key,
                        note="named as the tool names its mappings, but reshaped by hand "
                        "(other conditions or actions), so the tool leaves it alone; delete or "
                        "rename it in OneLogin (Users > Mappings)",
                    )
                )
    return changes


def _mappings(current: Tenant, desired: Tenant) -> list[Change]:
    """Mappings keyed by the name they should have (onelogin.mappings): a key whose current mapping
    has another name is either adopted from the old shared prefix (renamed) or a duplicate (deleted)."""
    changes = []
    for change in _keyed(Kind.MAPPING, current.mappings, desired.mappings, delete_extra=True):
        existing = current.mappings.get(change.key)
        if (
            existing is not None
            and existing.name != change.key
            and change.action is not Action.UNMANAGED
        ):
            if change.action is Action.DELETE:
                note = (
                    f"a second mapping named {existing.name!r}; the one with the lowest id is kept"
                )
            else:
                note = (
                    f"adopted: made under the old shared name {existing.name!r}, renamed in place "
                    "(set app.mapping_prefix to keep the old names)"
                )
            change = replace(change, note=note)
        changes.append(change)
    return changes


def _roles(current: Tenant, desired: Tenant, create_roles: bool) -> list[Change]:
    changes = []
    for name, wanted in desired.roles.items():
        existing = current.roles.get(name)
        if existing is not None and existing.duplicate_ids:
            listed = ", ".join(str(i) for i in existing.duplicate_ids)
            note = (
                f"{len(existing.duplicate_ids)} OneLogin roles are named {name!r} (ids {listed}); "
                "the tool cannot tell which one is meant: rename or delete the extra roles"
            )
            changes.append(Change(Action.CONFLICT, Kind.ROLE, name, note=note))
        elif existing is None and not create_roles:
            note = (
                f"role {name!r} does not exist in OneLogin; create it, fix the name (exact match), "
                "or set app.create_missing_roles: true"
            )
            changes.append(Change(Action.CONFLICT, Kind.ROLE, name, note=note))
        elif existing is None:
            changes.append(Change(Action.CREATE, Kind.ROLE, name, _field_changes(None, wanted)))
        elif wanted.has_app and not existing.has_app:
            # The app is added to the role's apps; other apps of the role are kept.
            changes.append(
                Change(Action.UPDATE, Kind.ROLE, name, (FieldChange("has_app", False, True),))
            )
    return changes


def _role_drift(current: Tenant, desired: Tenant, exclusive: bool) -> list[Change]:
    """Roles that give the app although the config does not list them in app.roles."""
    changes = []
    for name, existing in current.roles.items():
        wanted = desired.roles.get(name)
        if not existing.has_app or (wanted is not None and wanted.has_app):
            continue
        if existing.duplicate_ids:
            continue  # already a conflict: which of the same-named roles is meant is unknown
        if exclusive:
            note = (
                "app.exclusive_roles is true: the app is removed from this role (its other apps "
                "are kept); its members lose the app unless another role or a direct assignment "
                "gives it"
            )
            has_app = (FieldChange("has_app", True, False),)
            changes.append(Change(Action.DELETE, Kind.ROLE, name, has_app, note=note))
        else:
            note = (
                "has the app but is not in app.roles; the tool leaves it. Add it to app.roles, or "
                "set app.exclusive_roles: true to remove the app from it"
            )
            changes.append(Change(Action.UNMANAGED, Kind.ROLE, name, note=note))
    return changes


def _users(current: Tenant, desired: Tenant) -> list[Change]:
    changes = []
    for email, wanted in desired.users.items():
        existing = current.users.get(email)
        if existing is None:
            note = f"no OneLogin user has the email {email!r}; the tool never creates users"
            changes.append(Change(Action.CONFLICT, Kind.USER, email, note=note))
            continue
        before = dict(existing.values)
        fields_ = tuple(
            FieldChange(name, before.get(name), value)
            for name, value in wanted.values
            if before.get(name) != value
        )
        if fields_:
            changes.append(Change(Action.UPDATE, Kind.USER, email, fields_))
    return changes


def note_lookalikes(plan: Plan, lookalikes: dict[str, str]) -> Plan:
    """A mapping the plan creates beside a hand-made one of the same shape says so, and how to adopt
    the hand-made one instead (issue 21): the plan never duplicates it silently."""
    if not lookalikes:
        return plan
    changes = []
    for change in plan.changes:
        hand_made = lookalikes.get(change.key)
        if change.kind is Kind.MAPPING and change.action is Action.CREATE and hand_made:
            hint = (
                f"the hand-made mapping {hand_made!r} already does this: to adopt it instead, set "
                f"`mapping: {hand_made!r}` on this rule in promotions.roles (or run `import`)"
            )
            change = replace(change, note=f"{change.note}; {hint}" if change.note else hint)
        changes.append(change)
    return replace(plan, changes=tuple(changes))
