"""The pure diff: current vs desired `Tenant` -> typed changes, in dependency order (custom field -> app -> parameters -> provisioning -> roles -> mappings -> user values), the order apply executes them in. No I/O."""

from __future__ import annotations

from typing import Any

from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.engine.tenant import MappingShape, Tenant, as_fields


def diff(
    current: Tenant, desired: Tenant, *, create_roles: bool, sensitive: frozenset[str]
) -> Plan:
    """Everything that must change in OneLogin to turn `current` into `desired` (manual steps excluded).

    `sensitive` names App configuration keys whose values are fingerprints of secrets.
    """
    changes: list[Change] = []
    changes += _custom_fields(current, desired)
    changes += _app(current, desired, sensitive)
    changes += _keyed(Kind.PARAMETER, current.parameters, desired.parameters)
    if desired.provisioning is not None and current.provisioning is not desired.provisioning:
        app_name = desired.app.name if desired.app else ""
        changes.append(
            Change(
                Action.UPDATE,
                Kind.PROVISIONING,
                app_name,
                (FieldChange("enabled", current.provisioning, desired.provisioning),),
                note="read back after the write; if OneLogin does not keep it, enable it in the UI",
            )
        )
    changes += _roles(current, desired, create_roles)
    changes += _keyed(Kind.MAPPING, current.mappings, desired.mappings, delete_extra=True)
    changes += _users(current, desired)
    return Plan(tuple(changes))


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
    for shortname, wanted in desired.custom_fields.items():
        if shortname in current.custom_fields:
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
    if current.app.connector != desired.app.connector:
        note = (
            f"an app named {desired.app.name!r} exists on connector {current.app.connector!r}, not "
            f"{desired.app.connector!r}; rename one of them (the tool never changes an app's connector)"
        )
        return [Change(Action.CONFLICT, Kind.APP, desired.app.name, note=note)]
    fields_ = _configuration_changes(
        current.app.configuration, desired.app.configuration, sensitive
    )
    return [Change(Action.UPDATE, Kind.APP, desired.app.name, fields_)] if fields_ else []


def _configuration_changes(
    current: tuple[tuple[str, str], ...],
    desired: tuple[tuple[str, str], ...],
    sensitive: frozenset[str],
) -> tuple[FieldChange, ...]:
    before = dict(current)
    return tuple(
        FieldChange(f"configuration.{key}", before.get(key), value, key in sensitive)
        for key, value in desired
        if before.get(key) != value
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
        changes += [
            Change(Action.DELETE, kind, key, _field_changes(current[key], None))
            for key in current
            if key not in desired
            and getattr(current[key], "shape", None) is MappingShape.ROLE_TO_FIELD
        ]
    return changes


def _roles(current: Tenant, desired: Tenant, create_roles: bool) -> list[Change]:
    changes = []
    for name, wanted in desired.roles.items():
        existing = current.roles.get(name)
        if existing is None and not create_roles:
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
