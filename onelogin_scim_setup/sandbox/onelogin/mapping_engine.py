"""User mappings: the vocabulary (conditions, operators, actions) and their evaluation.

As in OneLogin (docs/onelogin-api.md Op 5 [C]), mappings are not applied when created or modified; they
run when a user is created or updated, or when "Reapply Mappings" is pressed. Enabled mappings run
in position order; `match` is `all` or `any`.

UNCERTAIN choices:
- the action for a custom field is named "Set <field name>" (quirk `custom_field_action_label`:
  or "<field name>", or "Set custom attribute <field name>"); its value is `set_<shortname
  lower-cased>` or, with the quirk `custom_field_action_value="opaque"`, `set_custom_attribute_<id>`
  (`"custom_attribute"`: `custom_attribute_<shortname>`, the form of the documented condition);
  with `custom_field_action_delay` it is listed only that many seconds after the field's creation;
- string operators compare case-insensitively; `has_role` takes the role id as a string;
- for a single-valued action (a custom field, `set_status`) the first matching mapping in
  position order sets the value (quirk `mapping_evaluation="first_match"`), or every matching
  mapping runs in position order and the last one wins (`"last_wins"`); `add_role` actions
  accumulate and never remove a role;
- a mapping overwrites a custom field value set directly on the user through the API (quirk
  `mappings_overwrite_user_values=True`, OneLogin KB0010625's reading), or leaves such a value
  alone (`False`); a direct write of an empty value gives the field back to the mappings;
- a user matched by no mapping keeps the value it had.
"""

from __future__ import annotations

import time
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError
from onelogin_scim_setup.sandbox.onelogin.state import Mapping, Tenant, User, now_iso
from onelogin_scim_setup.sandbox.push.placeholders import user_field
from onelogin_scim_setup.sandbox.quirks import Quirks

ROLE_OPERATORS = [
    {"name": "includes", "value": "ri"},
    {"name": "does not include", "value": "rin"},
]
STRING_OPERATORS = [
    {"name": "equals", "value": "="},
    {"name": "does not equal", "value": "!="},
    {"name": "contains", "value": "~"},
    {"name": "does not contain", "value": "!~"},
    {"name": "begins with", "value": "bw"},
    {"name": "ends with", "value": "ew"},
]
BUILTIN_CONDITIONS = [
    {"name": "Email", "value": "email"},
    {"name": "Username", "value": "username"},
    {"name": "First Name", "value": "firstname"},
    {"name": "Last Name", "value": "lastname"},
    {"name": "Department", "value": "department"},
    {"name": "Title", "value": "title"},
    {"name": "Company", "value": "company"},
    {"name": "Roles", "value": "has_role"},
]
BUILTIN_ACTIONS = [
    {"name": "Set Role", "value": "add_role"},
    {"name": "Set Status", "value": "set_status"},
]
STATUS_VALUES = [
    {"name": "Unactivated", "value": "0"},
    {"name": "Active", "value": "1"},
    {"name": "Suspended", "value": "2"},
    {"name": "Locked", "value": "3"},
]
CUSTOM_CONDITION = "custom_attribute_"


def conditions(tenant: Tenant) -> list[dict[str, str]]:
    custom = [
        {"name": attribute.name, "value": CUSTOM_CONDITION + attribute.shortname}
        for attribute in tenant.custom_attributes.values()
    ]
    return BUILTIN_CONDITIONS + custom


def condition_operators(tenant: Tenant, source: str) -> list[dict[str, str]]:
    if source not in {item["value"] for item in conditions(tenant)}:
        raise ApiError(404, f"Unknown condition: {source}")
    return ROLE_OPERATORS if source == "has_role" else STRING_OPERATORS


def condition_values(tenant: Tenant, source: str) -> list[dict[str, Any]]:
    condition_operators(tenant, source)
    if source == "has_role":
        return [{"name": role.name, "value": role.id} for role in tenant.roles.values()]
    return []  # free text


def action_label(name: str, style: str = "set_name") -> str:
    """The label of a custom field's action (quirk `custom_field_action_label`)."""
    if style == "name":
        return name
    if style == "set_custom_attribute_name":
        return f"Set custom attribute {name}"
    return f"Set {name}"


def actions(tenant: Tenant, delay: float = 0.0, label: str = "set_name") -> list[dict[str, str]]:
    """Built-in actions, then one per custom field older than `delay` seconds."""
    now = time.monotonic()
    custom = [
        {"name": action_label(attribute.name, label), "value": attribute.action}
        for attribute in tenant.custom_attributes.values()
        if now - attribute.created >= delay
    ]
    return BUILTIN_ACTIONS + custom


def action_values(tenant: Tenant, action: str, delay: float = 0.0) -> list[dict[str, Any]]:
    if action not in {item["value"] for item in actions(tenant, delay)}:
        raise ApiError(404, f"Unknown action: {action}")
    if action == "add_role":
        return [{"name": role.name, "value": role.id} for role in tenant.roles.values()]
    if action == "set_status":
        return STATUS_VALUES
    return []  # a custom field takes free text


def action_shortname(tenant: Tenant, action: str) -> str | None:
    for attribute in tenant.custom_attributes.values():
        if attribute.action == action:
            return attribute.shortname
    return None


def apply_mappings(tenant: Tenant, user_ids: list[int], quirks: Quirks | None = None) -> set[int]:
    """Run the enabled mappings for these users; the ids of the users that changed."""
    chosen = quirks or Quirks()
    changed = set()
    for user_id in user_ids:
        user = tenant.users[user_id]
        if _apply_to(tenant, user, chosen):
            if chosen.mapping_write_bumps_updated_at:
                user.updated_at = now_iso()
            changed.add(user_id)
    return changed


def _apply_to(tenant: Tenant, user: User, quirks: Quirks) -> bool:
    values: dict[str, str | None] = {}
    roles: set[int] = set()
    for mapping_id in tenant.mapping_order:
        mapping = tenant.mappings[mapping_id]
        if not matches(tenant, mapping, user):
            continue
        for action in mapping.actions:
            given = [str(item) for item in action.get("value") or []]
            if action["action"] == "add_role":
                roles.update(int(item) for item in given if item.isdigit())
            elif quirks.mapping_evaluation == "last_wins":
                values[action["action"]] = given[0] if given else None
            else:
                values.setdefault(action["action"], given[0] if given else None)
    if not quirks.mappings_overwrite_user_values:
        values = {
            action: value
            for action, value in values.items()
            if action_shortname(tenant, action) not in user.direct
        }
    return (
        _set_status(user, values)
        | _set_custom(tenant, user, values)
        | _add_roles(tenant, user, roles)
    )


def matches(tenant: Tenant, mapping: Mapping, user: User) -> bool:
    results = [_condition_holds(tenant, condition, user) for condition in mapping.conditions]
    return all(results) if mapping.match == "all" else any(results)


def _condition_holds(tenant: Tenant, condition: dict[str, Any], user: User) -> bool:
    source, operator = condition.get("source"), condition.get("operator")
    expected = str(condition.get("value") or "")
    if source == "has_role":
        has = expected in {str(role_id) for role_id in tenant.user_role_ids(user.id)}
        return has if operator == "ri" else not has
    if isinstance(source, str) and source.startswith(CUSTOM_CONDITION):
        actual = user.custom_attributes.get(source.removeprefix(CUSTOM_CONDITION))
    else:
        actual = user_field(user, str(source))
    return _compare(str(actual or "").lower(), str(operator), expected.lower())


def _compare(actual: str, operator: str, expected: str) -> bool:
    checks = {
        "=": actual == expected,
        "!=": actual != expected,
        "~": expected in actual,
        "!~": expected not in actual,
        "bw": actual.startswith(expected),
        "ew": actual.endswith(expected),
    }
    return checks.get(operator, False)


def _set_status(user: User, values: dict[str, str | None]) -> bool:
    wanted = values.get("set_status")
    if wanted is None or not wanted.isdigit() or int(wanted) == user.status:
        return False
    user.status = int(wanted)
    return True


def _set_custom(tenant: Tenant, user: User, values: dict[str, str | None]) -> bool:
    changed = False
    for action, value in values.items():
        shortname = action_shortname(tenant, action)
        if shortname is not None and user.custom_attributes.get(shortname) != value:
            user.custom_attributes[shortname] = value
            changed = True
    return changed


def _add_roles(tenant: Tenant, user: User, role_ids: set[int]) -> bool:
    changed = False
    for role_id in sorted(role_ids):
        role = tenant.roles.get(role_id)
        if role is not None and user.id not in role.user_ids:
            role.user_ids.append(user.id)
            changed = True
    return changed
