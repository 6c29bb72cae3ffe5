"""Read OneLogin's current state into a `Tenant`, plus the ids apply needs. Wire quirks end here.

One list call per kind where the API allows it: every call spends the tenant's hourly rate limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from onelogin_scim_setup.engine.tenant import (
    App,
    CustomField,
    MappingShape,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
    UserValues,
)
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.secrets.redact import is_masked
from onelogin_scim_setup.secrets.token import fingerprint

ROLE_CONDITION = "has_role"


@dataclass
class Ids:
    """What apply needs to address the objects of a `Tenant` on the wire."""

    connector_id: int | None = None
    app_id: int | None = None
    app_role_ids: list[int] = field(default_factory=list)
    roles: dict[str, int] = field(default_factory=dict)
    mappings: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    user_custom_attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Filled on first use by `MappingVocabulary`; the custom field may not exist at read time.
    vocabulary: MappingVocabulary | None = None


@dataclass(frozen=True)
class Snapshot:
    tenant: Tenant
    ids: Ids


@dataclass(frozen=True)
class MappingVocabulary:
    """The mapping action per custom field and the `has_role` operator, discovered, not guessed
    (docs/onelogin-api.md Op 5: the action value for a custom attribute is undocumented)."""

    actions: dict[str, str]
    role_operator: str

    def action_for(self, shortname: str) -> str:
        if shortname not in self.actions:
            raise OneLoginError(
                f"OneLogin offers no mapping action for the custom field {shortname!r}",
                hint="Check that the field exists (Users > Custom User Fields); "
                "GET /api/2/mappings/actions lists the actions.",
            )
        return self.actions[shortname]


def discover_vocabulary(
    client: OneLoginClient, shortnames: list[str], names: dict[str, str]
) -> MappingVocabulary:
    actions: dict[str, str] = {}
    for action in client.list_mapping_actions():
        value, label = str(action.get("value", "")), str(action.get("name", ""))
        for shortname in shortnames:
            # The likely form is set_<shortname>, maybe lowercased; match the label as a fallback.
            if (
                value.lower() == f"set_{shortname.lower()}"
                or label == f"Set {names.get(shortname, shortname)}"
            ):
                actions.setdefault(shortname, value)
    operators = client.list_condition_operators(ROLE_CONDITION)
    includes = [
        str(op["value"])
        for op in operators
        if str(op.get("value")) == "ri"
        or str(op.get("name", "")).lower() in ("includes", "include")
    ]
    if not includes:
        raise OneLoginError(
            "OneLogin offers no 'includes' operator for the has_role mapping condition",
            hint=f"GET /api/2/mappings/conditions/has_role/operators answered {operators!r}",
        )
    return MappingVocabulary(actions, includes[0])


def read(
    client: OneLoginClient,
    desired: Tenant,
    *,
    mapping_prefix: str,
    sensitive_keys: frozenset[str],
) -> Snapshot:
    """The current state of everything `desired` names (and the tool's own mappings)."""
    ids = Ids()
    tenant_fields = _custom_fields(client)
    app, provisioning, parameters = _app(client, desired, ids, sensitive_keys)
    roles = _roles(client, desired, ids)
    mappings = _mappings(client, desired, ids, mapping_prefix, tenant_fields)
    users = _users(client, desired, ids)
    tenant = Tenant(
        custom_fields=tenant_fields,
        app=app,
        provisioning=provisioning,
        parameters=parameters,
        roles=roles,
        mappings=mappings,
        users=users,
    )
    return Snapshot(tenant, ids)


def find_app(
    client: OneLoginClient, name: str, connector: str
) -> tuple[int, dict[str, Any] | None, list[dict[str, Any]]]:
    """(connector id, our app's summary or None, every app with that name on any connector)."""
    connectors = [c for c in client.list_connectors(connector) if c.get("name") == connector]
    if not connectors:
        raise OneLoginError(
            f"no OneLogin connector is named exactly {connector!r}",
            hint="Set app.connector to a connector name from the OneLogin app catalogue "
            "(Apps > Add Apps); names match exactly, including case.",
        )
    connector_id = int(connectors[0]["id"])
    named = [a for a in client.list_apps(name=name) if a.get("name") == name]
    ours = [a for a in named if a.get("connector_id") == connector_id]
    if len(ours) > 1:
        listed = ", ".join(str(a["id"]) for a in ours)
        raise OneLoginError(
            f"{len(ours)} apps are named {name!r} on connector {connector!r} (ids {listed}); "
            "the tool cannot tell which one it manages",
            hint="Rename or delete the extra apps in OneLogin, or set app.name to a unique name.",
        )
    return connector_id, (ours[0] if ours else None), named


def _same_json(left: str, right: str) -> bool:
    try:
        return bool(json.loads(left) == json.loads(right))
    except ValueError:
        return False


def _custom_fields(client: OneLoginClient) -> dict[str, CustomField]:
    return {
        str(item["shortname"]): CustomField(str(item["shortname"]), str(item.get("name") or ""))
        for item in client.list_custom_attributes()
    }


def _app(
    client: OneLoginClient, desired: Tenant, ids: Ids, sensitive_keys: frozenset[str]
) -> tuple[App | None, bool | None, dict[str, Parameter]]:
    if desired.app is None:
        return None, None, {}
    ids.connector_id, ours, named = find_app(client, desired.app.name, desired.app.connector)
    if ours is None:
        if named:
            other = App(desired.app.name, f"connector id {named[0].get('connector_id')}")
            return other, None, {}
        return None, None, {}
    raw = client.get_app(int(ours["id"]))
    ids.app_id = int(raw["id"])
    ids.app_role_ids = [int(r) for r in raw.get("role_ids") or []]
    configuration = raw.get("configuration") or {}
    managed = []
    for key, wanted in desired.app.configuration:
        value = configuration.get(key)
        if value is not None and key in sensitive_keys:
            value = "(write-only)" if is_masked(value) or value == "" else fingerprint(str(value))
        elif value is not None and _same_json(str(value), wanted):
            # A template pasted with other whitespace is the same template.
            value = wanted
        managed.append((key, "" if value is None else str(value)))
    app = App(desired.app.name, desired.app.connector, tuple(managed))
    provisioning = bool((raw.get("provisioning") or {}).get("enabled"))
    parameters = {
        name: Parameter(
            name,
            str(raw_parameter.get("user_attribute_mappings") or ""),
            bool(raw_parameter.get("include_in_saml_assertion")),
        )
        for name, raw_parameter in (raw.get("parameters") or {}).items()
        if name in desired.parameters
    }
    return app, provisioning, parameters


def _roles(client: OneLoginClient, desired: Tenant, ids: Ids) -> dict[str, RoleAssignment]:
    if not desired.roles and not desired.mappings:
        return {}
    app_roles = set(ids.app_role_ids)
    roles: dict[str, RoleAssignment] = {}
    for role in client.list_roles():
        name = str(role.get("name"))
        ids.roles.setdefault(name, int(role["id"]))
        if name in desired.roles:
            roles[name] = RoleAssignment(name, has_app=int(role["id"]) in app_roles)
    return roles


def _mappings(
    client: OneLoginClient,
    desired: Tenant,
    ids: Ids,
    prefix: str,
    tenant_fields: dict[str, CustomField],
) -> dict[str, UserMapping]:
    # Our names are "<prefix>: <field> for role <role>"; the ": " keeps "<prefix>-eu: ..." out.
    owned = [m for m in client.list_mappings() if str(m.get("name", "")).startswith(f"{prefix}: ")]
    if not owned:
        return {}
    shortnames = sorted({m.field for m in desired.mappings.values()} | set(tenant_fields))
    names = {s: f.name for s, f in tenant_fields.items()}
    ids.vocabulary = discover_vocabulary(client, shortnames, names)
    role_names = {role_id: name for name, role_id in ids.roles.items()}
    if not role_names:
        role_names = {int(r["id"]): str(r["name"]) for r in client.list_roles()}
        ids.roles.update({name: role_id for role_id, name in role_names.items()})
    field_of = {action: shortname for shortname, action in ids.vocabulary.actions.items()}
    result: dict[str, UserMapping] = {}
    for raw in owned:
        name = str(raw["name"])
        ids.mappings[name] = int(raw["id"])
        result[name] = _mapping_from_wire(raw, ids.vocabulary.role_operator, role_names, field_of)
    return result


def _mapping_from_wire(
    raw: dict[str, Any], operator: str, role_names: dict[int, str], field_of: dict[str, str]
) -> UserMapping:
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
        role_id = int(conditions[0]["value"])
        role = role_names.get(role_id, f"(role id {role_id})")
        field = field_of[str(actions[0]["action"])]
        return UserMapping(name, enabled, role, field, str(actions[0]["value"][0]))
    return UserMapping(name, enabled, "", "", "", shape=MappingShape.OTHER)


def _users(client: OneLoginClient, desired: Tenant, ids: Ids) -> dict[str, UserValues]:
    users: dict[str, UserValues] = {}
    for email, wanted in desired.users.items():
        found = [
            u
            for u in client.list_users(
                email=email, fields="id,email,department,title,custom_attributes"
            )
            if str(u.get("email", "")).lower() == email
        ]
        if not found:
            continue
        raw = found[0]
        if "custom_attributes" not in raw:
            # Some tenants leave custom_attributes out of list output (onelogin-python-sdk#109).
            raw = client.get_user(int(raw["id"]))
        ids.users[email] = int(raw["id"])
        custom = dict(raw.get("custom_attributes") or {})
        ids.user_custom_attributes[email] = custom
        values = []
        for attribute, _ in wanted.values:
            if attribute.startswith("custom_attributes."):
                value = custom.get(attribute.removeprefix("custom_attributes."))
            else:
                value = raw.get(attribute)
            values.append((attribute, str(value) if value not in (None, "") else None))
        users[email] = UserValues(email, tuple(values))
    return users


SECRET_WORDS = ("token", "secret", "password", "bearer", "key", "credential")


def describe_app(raw: dict[str, Any], known_secrets: list[str]) -> dict[str, Any]:
    """The app's configuration keys, parameters and provisioning state, for `discover`. Values whose
    key looks secret, or that equal a known secret, appear only as fingerprints."""

    def masked(key: str, value: Any) -> Any:
        text = "" if value is None else str(value)
        looks_secret = any(word in key.lower() for word in SECRET_WORDS)
        if text and (looks_secret or text in known_secrets):
            return f"(sensitive) {fingerprint(text)}"
        return value

    configuration = raw.get("configuration") or {}
    return {
        "app": {key: raw.get(key) for key in ("id", "name", "connector_id")},
        "provisioning": raw.get("provisioning") or {},
        "configuration": {key: masked(key, value) for key, value in configuration.items()},
        "parameters": {
            name: {key: masked(key, value) for key, value in (parameter or {}).items()}
            for name, parameter in (raw.get("parameters") or {}).items()
        },
    }
