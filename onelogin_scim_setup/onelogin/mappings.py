"""The tool's user mappings on the wire: which mappings it owns (by name), and each one read into the
tool's vocabulary (role -> custom field value) or, if reshaped by hand, as shape "other"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from onelogin_scim_setup.model.snapshot import ActionMatch, Ids, MappingVocabulary
from onelogin_scim_setup.model.tenant import CustomField, MappingShape, Tenant, UserMapping
from onelogin_scim_setup.onelogin.answers import each, whole_id
from onelogin_scim_setup.onelogin.client import MAPPINGS, ROLES, OneLoginClient
from onelogin_scim_setup.onelogin.vocabulary import ROLE_CONDITION, discover_vocabulary

SHORTNAME = "[A-Za-z][A-Za-z0-9_]*"  # config.models.Shortname


def owned_mapping_name(prefix: str) -> re.Pattern[str]:
    """The names the tool gives its mappings (plan.desired.mapping_name), and only those: the
    `": "` after the prefix keeps "<prefix>-eu: ..." and "<prefix>/<app>: ..." out."""
    return re.compile(rf"{re.escape(prefix)}: {SHORTNAME} for role .+", re.DOTALL)


def check_roles(listed: list[dict[str, Any]], path: str = ROLES) -> None:
    """Every field a role listing is read for: `id`, `name`, and `apps` and `users` (ids, or
    objects holding one) when listed."""
    for role in each(listed, "GET", path):
        role.id()
        role.name()
        role.ids("apps", refs=True)
        role.ids("users", refs=True)


def check_mappings(listed: list[dict[str, Any]], path: str = MAPPINGS) -> None:
    """Every field a mapping listing is read for (docs/onelogin-api.md Op 5): `id`, `name`,
    `enabled`, each condition's `source`, `operator` and `value`, each action's `action` and
    `value` (a list of plain values)."""
    for mapping in each(listed, "GET", path):
        mapping.id()
        mapping.text("name")  # a mapping without a name is not the tool's: passed over
        mapping.flag("enabled")
        for condition in mapping.objects("conditions") or []:
            condition.text("source")
            condition.text("operator")
            condition.plain("value")
        for action in mapping.objects("actions") or []:
            action.text("action")
            for n, _ in enumerate(action.items("value") or []):
                action.plain_item("value", n)


def read_mappings(
    client: OneLoginClient,
    desired: Tenant,
    ids: Ids,
    prefix: str,
    adopt: Mapping[str, str],
    tenant_fields: dict[str, CustomField],
    listed: list[dict[str, Any]],
) -> dict[str, UserMapping]:
    """The tool's mappings, keyed by the name they should have.

    A second mapping with an owned name (two applies on two machines) is keyed "<name> (id N)", so
    the diff deletes it and keeps the lowest id. A mapping named as `adopt` maps (made under an old
    default prefix) is keyed by its new name and holds its old one, so the diff renames it in place.
    """
    check_mappings(listed)
    owned = owned_mapping_name(prefix)
    listing = sorted(listed, key=lambda raw: int(raw["id"]))
    # A mapping the config names explicitly (adopted by `import`) is owned by that exact name.
    ours = [
        m
        for m in listing
        if owned.fullmatch(str(m.get("name", ""))) or str(m.get("name", "")) in desired.mappings
    ]
    legacy = [m for m in listing if str(m.get("name", "")) in adopt]
    wanted_fields = {m.field for m in desired.mappings.values()}
    # Preflight: a field that exists but has no mapping action yet would stop apply half-way, so
    # its action is looked up now and its absence planned as a conflict (diff).
    if not ours and not legacy and not wanted_fields & set(tenant_fields):
        return {}
    shortnames = sorted(wanted_fields | set(tenant_fields))
    names = {s: f.name for s, f in tenant_fields.items()}
    explicit = {
        s: f.configured_action for s, f in desired.custom_fields.items() if f.configured_action
    }
    vocabulary = discover_vocabulary(client, shortnames, names, explicit=explicit)
    ids.vocabulary = adopt_hand_made_actions(vocabulary, ours, desired, owned, wanted_fields)
    for shortname in wanted_fields & set(tenant_fields):
        found = ids.vocabulary.has_action(shortname)
        match = ids.vocabulary.matches.get(shortname)
        note = match.problem if match is not None and not found else ""
        tenant_fields[shortname] = replace(
            tenant_fields[shortname], mapping_action=found, action_note=note
        )
    role_names = {role_id: name for name, role_id in ids.roles.items()}
    if not role_names:
        every_role = client.list_roles()
        check_roles(every_role)
        role_names = {int(r["id"]): str(r["name"]) for r in every_role}
        ids.roles.update({name: role_id for role_id, name in role_names.items()})
    field_of = {action: shortname for shortname, action in ids.vocabulary.actions.items()}
    result: dict[str, UserMapping] = {}
    for raw in ours:
        name = str(raw["name"])
        key = f"{name} (id {raw['id']})" if name in result else name
        ids.mappings[key] = int(raw["id"])
        result[key] = mapping_from_wire(raw, ids.vocabulary.role_operator, role_names, field_of)
    for raw in legacy:
        key = adopt[str(raw["name"])]
        mapping = mapping_from_wire(raw, ids.vocabulary.role_operator, role_names, field_of)
        # Adopted only when the new name is free and the mapping still has the shape the tool
        # wrote; otherwise it is left exactly as it is (never deleted).
        if key not in result and mapping.shape is MappingShape.ROLE_TO_FIELD:
            ids.mappings[key] = int(raw["id"])
            result[key] = mapping
    missing = {
        (m.role, m.field, m.value): name
        for name, m in desired.mappings.items()
        if name not in result
    }
    known = {id(raw) for raw in [*ours, *legacy]}
    for raw in listing:
        conditions, actions = raw.get("conditions"), raw.get("actions")
        if id(raw) in known or not missing:
            continue
        if not (isinstance(conditions, list) and isinstance(actions, list)):
            continue
        if not all(isinstance(part, dict) for part in conditions + actions):
            continue
        try:
            mapping = mapping_from_wire(raw, ids.vocabulary.role_operator, role_names, field_of)
        except (KeyError, TypeError, ValueError):  # made by hand in a form the tool never writes
            continue
        planned = missing.get((mapping.role, mapping.field, mapping.value))
        if mapping.shape is MappingShape.ROLE_TO_FIELD and planned is not None:
            ids.lookalikes.setdefault(planned, mapping.name)
    return result


def adopt_hand_made_actions(
    vocabulary: MappingVocabulary,
    ours: list[dict[str, Any]],
    desired: Tenant,
    owned: re.Pattern[str],
    wanted_fields: set[str],
) -> MappingVocabulary:
    """A field whose action no rule resolves takes the action of the mappings that carry the tool's
    name for it, made by hand as the plan's hint says, when they all use one listed action that no
    other field has: so the hinted manual fix converges (docs/uncertain-facts.md row 23)."""
    listed = {value for value, _ in vocabulary.listed}
    taken = set(vocabulary.actions.values())
    actions, matches = dict(vocabulary.actions), dict(vocabulary.matches)
    for shortname in sorted(wanted_fields - set(vocabulary.actions)):
        match = matches.get(shortname)
        if match is not None and match.how == "mapping_action":
            continue  # the config named an action the tenant does not list: that stays a conflict
        used = {
            str(raw["actions"][0].get("action"))
            for raw in ours
            if _field_of_name(str(raw.get("name", "")), desired, owned) == shortname
            and len(raw.get("actions") or []) == 1
        }
        if len(used) != 1:
            continue
        (action,) = used
        allowed = {value for value, _ in match.candidates} if match and match.candidates else None
        if action not in listed or action in taken or (allowed and action not in allowed):
            continue
        actions[shortname] = action
        taken.add(action)
        candidates = match.candidates if match else ()
        matches[shortname] = ActionMatch(shortname, action, "hand-made mapping", candidates)
    return replace(vocabulary, actions=actions, matches=matches)


def _field_of_name(name: str, desired: Tenant, owned: re.Pattern[str]) -> str | None:
    """The custom field a mapping with the tool's name sets (the name says it)."""
    if name in desired.mappings:
        return desired.mappings[name].field
    if not owned.fullmatch(name):
        return None
    return name.split(": ", 1)[1].split(" for role ", 1)[0]


def mapping_from_wire(
    raw: dict[str, Any], operator: str, role_names: dict[int, str], field_of: dict[str, str]
) -> UserMapping:
    """A wire mapping in the tool's vocabulary; shape "other" unless it is exactly role -> field."""
    name, enabled = str(raw["name"]), bool(raw.get("enabled"))
    conditions, actions = raw.get("conditions") or [], raw.get("actions") or []
    if (
        len(conditions) == 1
        and len(actions) == 1
        and conditions[0].get("source") == ROLE_CONDITION
        and conditions[0].get("operator") == operator
        and str(actions[0].get("action")) in field_of
        and len(actions[0].get("value") or []) == 1
    ):
        role_id = whole_id(conditions[0]["value"])
        if role_id is None:  # has_role names a role by its id; anything else was made by hand
            return UserMapping(name, enabled, "", "", "", shape=MappingShape.OTHER)
        role = role_names.get(role_id, f"(role id {role_id})")
        field = field_of[str(actions[0]["action"])]
        return UserMapping(name, enabled, role, field, str(actions[0]["value"][0]))
    return UserMapping(name, enabled, "", "", "", shape=MappingShape.OTHER)
