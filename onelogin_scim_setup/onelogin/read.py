"""Read OneLogin's current state into a `Tenant`, plus the ids apply needs. Wire quirks end here.

One list call per kind where the API allows it: every call spends the tenant's hourly rate limit.
The calls go through the read layer (`onelogin.listing`): after the token, the independent listings
run in parallel (custom fields; connectors + apps; roles with their apps; mappings; users), then
what depends on them (the app; the mapping vocabulary), each in its own thread, filling disjoint
fields of `Ids`.

Call budget of a read (converged tenant): token 1, custom fields 1, connectors 1, apps 1, app 1,
roles 1 per 650, mappings 2, mapping vocabulary 2 (when the tool owns or will own mappings), users:
the listing's pages, or one lookup per entry when that is cheaper (see `onelogin.listing`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
from onelogin_scim_setup.onelogin.listing import gather, users_by_email
from onelogin_scim_setup.secrets.redact import is_masked
from onelogin_scim_setup.secrets.token import fingerprint

ROLE_CONDITION = "has_role"
SHORTNAME = "[A-Za-z][A-Za-z0-9_]*"  # config.models.Shortname


@dataclass
class Ids:
    """What apply needs to address the objects of a `Tenant` on the wire."""

    connector_id: int | None = None
    app_id: int | None = None
    app_role_ids: list[int] = field(default_factory=list)
    # The app's parameters by name as last read: a name here exists, so `label` is never sent for it.
    app_parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    # Each role's app ids, from the role listing with `fields=apps`; None where the tenant ignores
    # `fields` (apply then reads the role's apps before replacing them).
    role_apps: dict[int, list[int]] | None = None
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

    def has_action(self, shortname: str) -> bool:
        return shortname in self.actions


def match_actions(
    listed: list[dict[str, Any]], shortnames: list[str], names: dict[str, str]
) -> dict[str, str]:
    """Each custom field's mapping action value, found by value or by label.

    The value is undocumented (docs/onelogin-api.md Op 5 [U]): the likely form is
    `set_<shortname>`, maybe lowercased; a tenant may use an opaque value, which only the label
    `Set <field name>` identifies. A value match wins over a label match.
    """
    by_value: dict[str, str] = {}
    by_label: dict[str, str] = {}
    for action in listed:
        value, label = str(action.get("value", "")), str(action.get("name", ""))
        for shortname in shortnames:
            if value.lower() == f"set_{shortname.lower()}":
                by_value.setdefault(shortname, value)
            elif label == f"Set {names.get(shortname, shortname)}":
                by_label.setdefault(shortname, value)
    return {**by_label, **by_value}


def wait_for_actions(
    client: OneLoginClient,
    shortnames: list[str],
    names: dict[str, str],
    *,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, str]:
    """`match_actions` on `GET /api/2/mappings/actions`, asked again with a growing pause until every
    field in `shortnames` has its action or `wait` seconds have passed: a just-created field's
    action comes from a background job (docs/onelogin-api.md Op 5). Returns what was found."""
    deadline = clock() + wait
    pause = 0.5
    while True:
        found = match_actions(client.list_mapping_actions(), shortnames, names)
        left = deadline - clock()
        if all(s in found for s in shortnames) or left <= 0:
            return found
        sleep(min(pause, left))
        pause = min(pause * 2, 10.0)


def discover_vocabulary(
    client: OneLoginClient, shortnames: list[str], names: dict[str, str], *, wait: float = 0.0
) -> MappingVocabulary:
    actions = wait_for_actions(client, shortnames, names, wait=wait)
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
    adopt_mappings: Mapping[str, str] | None = None,
) -> Snapshot:
    """The current state of everything `desired` names (and the tool's own mappings).

    `adopt_mappings` maps old mapping names (an earlier default prefix) to the names they should
    have now; see `_mappings`.
    """
    ids = Ids()
    workers = client.concurrency
    need_custom = any(
        attribute.startswith("custom_attributes.")
        for wanted in desired.users.values()
        for attribute, _ in wanted.values
    )
    app_name = desired.app.name if desired.app else ""
    connector = desired.app.connector if desired.app else ""
    first: list[Callable[[], Any]] = [
        lambda: _custom_fields(client),
        lambda: apps_named(client, app_name, connector) if desired.app else None,
        # Listed whenever there is an app, even if the config names no role: roles that have the
        # app outside app.roles are drift the plan must show (one listing, with each role's apps).
        lambda: client.list_roles_with_apps() if desired.app or desired.roles else None,
        client.list_mappings,
        lambda: users_by_email(
            client, desired.users, need_custom_attributes=need_custom, workers=workers
        ),
    ]
    tenant_fields, found_app, listed_roles, listed_mappings, listed_users = gather(workers, first)
    _role_ids(listed_roles, ids)
    adopt = adopt_mappings or {}
    then: list[Callable[[], Any]] = [
        lambda: _app(client, desired, ids, sensitive_keys, found_app),
        lambda: _mappings(
            client, desired, ids, mapping_prefix, adopt, tenant_fields, listed_mappings
        ),
    ]
    (app, provisioning, parameters), mappings = gather(workers, then)
    roles = _roles(listed_roles, desired, ids)
    users = _users(listed_users, desired, ids)
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
    """(connector id, our app's summary or None, every app with that name on any connector).

    For commands that need the one app (discover, token rotate): several apps of that name on the
    connector are an error here; `plan` shows them as a conflict instead (see `read`).
    """
    connector_id, ours, named = apps_named(client, name, connector)
    if len(ours) > 1:
        listed = ", ".join(str(a["id"]) for a in ours)
        raise OneLoginError(
            f"{len(ours)} apps are named {name!r} on connector {connector!r} (ids {listed}); "
            "the tool cannot tell which one it manages",
            hint="Rename or delete the extra apps in OneLogin, or set app.name to a unique name.",
        )
    return connector_id, (ours[0] if ours else None), named


def apps_named(
    client: OneLoginClient, name: str, connector: str
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(connector id, the apps of that name on that connector by ascending id, those on any)."""
    connectors = [c for c in client.list_connectors(connector) if c.get("name") == connector]
    if not connectors:
        raise OneLoginError(
            f"no OneLogin connector is named exactly {connector!r}",
            hint="Set app.connector to a connector name from the OneLogin app catalogue "
            "(Apps > Add Apps); names match exactly, including case.",
        )
    connector_id = int(connectors[0]["id"])
    named = [a for a in client.list_apps(name=name) if a.get("name") == name]
    ours = sorted((a for a in named if a.get("connector_id") == connector_id), key=_wire_id)
    return connector_id, ours, named


def _wire_id(item: dict[str, Any]) -> int:
    return int(item["id"])


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
    client: OneLoginClient,
    desired: Tenant,
    ids: Ids,
    sensitive_keys: frozenset[str],
    found: tuple[int, list[dict[str, Any]], list[dict[str, Any]]] | None,
) -> tuple[App | None, bool | None, dict[str, Parameter]]:
    if desired.app is None or found is None:
        return None, None, {}
    ids.connector_id, ours, named = found
    if not ours:
        if named:
            other = App(desired.app.name, f"connector id {named[0].get('connector_id')}")
            return other, None, {}
        return None, None, {}
    if len(ours) > 1:
        # Two applies on two machines both created it. Which one the SCIM connection, roles and
        # users hang on is for a person to decide: plan shows a conflict, apply refuses.
        duplicates = tuple(_wire_id(a) for a in ours)
        return App(desired.app.name, desired.app.connector, duplicate_ids=duplicates), None, {}
    raw = client.get_app(int(ours[0]["id"]))
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
    ids.app_parameters = parameter_states(raw)
    parameters = {
        name: Parameter(
            name,
            str(raw_parameter.get("user_attribute_mappings") or ""),
            # A flag the config does not manage is read as not managed, so it never differs.
            None
            if desired.parameters[name].include_in_saml_assertion is None
            else bool(raw_parameter.get("include_in_saml_assertion")),
        )
        for name, raw_parameter in (raw.get("parameters") or {}).items()
        if name in desired.parameters
    }
    return app, provisioning, parameters


def parameter_states(raw_app: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The app's parameters as they are now (apply decides create vs update from these)."""
    return {
        str(name): dict(value)
        for name, value in (raw_app.get("parameters") or {}).items()
        if isinstance(value, dict)
    }


def _role_ids(listed: list[dict[str, Any]] | None, ids: Ids) -> None:
    """Role ids by name (the first of a duplicated name), and each role's apps when listed."""
    if listed is None:
        return
    for role in listed:
        ids.roles.setdefault(str(role.get("name")), int(role["id"]))
    if all("apps" in role for role in listed):
        ids.role_apps = {int(r["id"]): [_app_id(a) for a in r.get("apps") or []] for r in listed}


def _app_id(item: Any) -> int:
    # The role list's `apps` are ids; a list of `{"id"}` objects is read the same way.
    return int(item["id"]) if isinstance(item, dict) else int(item)


def _roles(
    listed: list[dict[str, Any]] | None, desired: Tenant, ids: Ids
) -> dict[str, RoleAssignment]:
    """The desired roles as they are, and every listed role that has the app (drift the diff
    shows); whether each has the app comes from the app's `role_ids`."""
    if listed is None:
        return {}
    app_roles = set(ids.app_role_ids)
    roles: dict[str, RoleAssignment] = {}
    named: dict[str, list[int]] = {}
    for role in listed:
        name = str(role.get("name"))
        named.setdefault(name, []).append(int(role["id"]))
        if name in desired.roles or int(role["id"]) in app_roles:
            has_app = roles[name].has_app if name in roles else False
            roles[name] = RoleAssignment(name, has_app=has_app or int(role["id"]) in app_roles)
    for name, role_ids in named.items():
        if name in roles and len(role_ids) > 1:
            roles[name] = RoleAssignment(name, roles[name].has_app, tuple(sorted(role_ids)))
    return roles


def owned_mapping_name(prefix: str) -> re.Pattern[str]:
    """The names the tool gives its mappings (engine.desired.mapping_name), and only those: the
    `": "` after the prefix keeps "<prefix>-eu: ..." and "<prefix>/<app>: ..." out."""
    return re.compile(rf"{re.escape(prefix)}: {SHORTNAME} for role .+", re.DOTALL)


def _mappings(
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
    owned = owned_mapping_name(prefix)
    listing = sorted(listed, key=_wire_id)
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
    ids.vocabulary = discover_vocabulary(client, shortnames, names)
    for shortname in wanted_fields & set(tenant_fields):
        found = ids.vocabulary.has_action(shortname)
        tenant_fields[shortname] = replace(tenant_fields[shortname], mapping_action=found)
    role_names = {role_id: name for name, role_id in ids.roles.items()}
    if not role_names:
        role_names = {int(r["id"]): str(r["name"]) for r in client.list_roles()}
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
    return result


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
        role_id = int(conditions[0]["value"])
        role = role_names.get(role_id, f"(role id {role_id})")
        field = field_of[str(actions[0]["action"])]
        return UserMapping(name, enabled, role, field, str(actions[0]["value"][0]))
    return UserMapping(name, enabled, "", "", "", shape=MappingShape.OTHER)


def _users(listed: dict[str, dict[str, Any]], desired: Tenant, ids: Ids) -> dict[str, UserValues]:
    users: dict[str, UserValues] = {}
    for email, wanted in desired.users.items():
        raw = listed.get(email)
        if raw is None:
            continue
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
