"""Read OneLogin's current state into a `Tenant`, plus the ids apply needs. Wire quirks end here.

One list call per kind where the API allows it: every call spends the tenant's hourly rate limit.
The calls go through the read layer (`onelogin.listing`): after the token, the independent listings
run in parallel (custom fields; connectors + apps; roles with their apps; mappings; users), then
what depends on them (the app, `onelogin.apps`; the mappings and their vocabulary,
`onelogin.mappings` and `onelogin.vocabulary`), each in its own thread, filling disjoint fields of
`Ids`. The custom fields, roles and users are read here: each is one listing turned into the
`Tenant`'s types.

Call budget of a read (converged tenant): token 1, custom fields 1, connectors 1, apps 1, app 1,
roles 1 per 650, mappings 2, mapping vocabulary 2 (when the tool owns or will own mappings), users:
the listing's pages, or one lookup per entry when that is cheaper (see `onelogin.listing`); when the
config manages userType, holders 2 (one filtered listing per promoted type, `onelogin.holders`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from onelogin_scim_setup.model.snapshot import Ids, Snapshot
from onelogin_scim_setup.model.tenant import CustomField, RoleAssignment, Tenant, UserValues
from onelogin_scim_setup.onelogin.answers import Fields, check_user, each
from onelogin_scim_setup.onelogin.apps import apps_named, read_app
from onelogin_scim_setup.onelogin.client import CUSTOM_ATTRIBUTES, USERS, OneLoginClient
from onelogin_scim_setup.onelogin.holders import read_holders
from onelogin_scim_setup.onelogin.listing import gather, users_by_email
from onelogin_scim_setup.onelogin.mappings import check_roles, read_mappings


def read(
    client: OneLoginClient,
    desired: Tenant,
    *,
    mapping_prefix: str,
    sensitive_keys: frozenset[str],
    adopt_mappings: Mapping[str, str] | None = None,
    holders_of: tuple[str, tuple[str, ...]] | None = None,
) -> Snapshot:
    """The current state of everything `desired` names (and the tool's own mappings).

    `adopt_mappings` maps old mapping names (an earlier default prefix) to the names they should
    have now; see `onelogin.mappings.read_mappings`. `holders_of` (the userType shortname and the
    types other than the default) adds the users holding those types (`onelogin.holders`).
    """
    ids = Ids()
    workers = client.concurrency
    need_custom, builtin = user_keys(desired)
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
            client,
            desired.users,
            need_custom_attributes=need_custom,
            workers=workers,
            need_keys=builtin,
        ),
        lambda: (
            read_holders(client, holders_of[0], holders_of[1], workers=workers)
            if holders_of
            else []
        ),
    ]
    tenant_fields, found_app, listed_roles, listed_mappings, listed_users, holders = gather(
        workers, first
    )
    _role_ids(listed_roles, ids)
    ids.listed_mappings = tuple(listed_mappings or ())
    adopt = adopt_mappings or {}
    then: list[Callable[[], Any]] = [
        lambda: read_app(client, desired, ids, sensitive_keys, found_app),
        lambda: read_mappings(
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
    return Snapshot(tenant, ids, tuple(holders))


def _custom_fields(client: OneLoginClient) -> dict[str, CustomField]:
    fields = {}
    for item in each(client.list_custom_attributes(), "GET", CUSTOM_ATTRIBUTES):
        shortname = item.name("shortname")
        fields[shortname] = CustomField(shortname, item.text("name") or "")
    return fields


def _role_ids(listed: list[dict[str, Any]] | None, ids: Ids) -> None:
    """Role ids by name (the first of a duplicated name), and each role's apps when listed."""
    if listed is None:
        return
    check_roles(listed)
    for role in listed:
        ids.roles.setdefault(str(role.get("name")), int(role["id"]))
        ids.role_names[int(role["id"])] = str(role.get("name"))
    if all("apps" in role for role in listed):
        ids.role_apps = {int(r["id"]): [_app_id(a) for a in r.get("apps") or []] for r in listed}
    if all("users" in role for role in listed):
        members: dict[str, list[int]] = {}
        for role in listed:
            members.setdefault(str(role.get("name")), []).extend(
                _app_id(u) for u in role.get("users") or []
            )
        ids.role_members = members


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


def _users(listed: dict[str, dict[str, Any]], desired: Tenant, ids: Ids) -> dict[str, UserValues]:
    """The desired users as they are. A user whose values already match is the desired entry
    itself (no second copy at k = 50,000), and only a user apply may write keeps its custom
    attributes in `ids` (the full map its PUT sends, ops.writes.users)."""
    users: dict[str, UserValues] = {}
    for email, wanted in desired.users.items():
        raw = listed.get(email)
        if raw is None:
            continue
        _check_user(raw, wanted)
        ids.users[email] = int(raw["id"])
        custom = raw.get("custom_attributes") or {}
        values = []
        for attribute, _ in wanted.values:
            if attribute.startswith("custom_attributes."):
                value = custom.get(attribute.removeprefix("custom_attributes."))
            else:
                value = raw.get(attribute)
            values.append((attribute, str(value) if value not in (None, "") else None))
        if tuple(values) == wanted.values:
            users[email] = wanted
            continue
        if "custom_attributes" in raw:
            # Only a map the answer showed: a user written without one is read first (its PUT
            # carries the whole map, ops.writes.users), so a value it does not show is kept.
            ids.user_custom_attributes[email] = dict(custom)
        users[email] = UserValues(email, tuple(values))
    return users


def user_keys(desired: Tenant) -> tuple[bool, list[str]]:
    """What the users listing must show for `desired`: whether custom attributes, and which
    built-in keys (`read`, and a caller that lists the users itself: ops.read_state)."""
    need_custom = any(
        attribute.startswith("custom_attributes.")
        for wanted in desired.users.values()
        for attribute, _ in wanted.values
    )
    builtin = sorted(
        {
            attribute
            for wanted in desired.users.values()
            for attribute, _ in wanted.values
            if not attribute.startswith("custom_attributes.")
        }
    )
    return need_custom, builtin


def current_users(
    listed: dict[str, dict[str, Any]], desired: Tenant, ids: Ids
) -> dict[str, UserValues]:
    """The desired users as `listed` shows them (see `_users`), for a caller that listed them."""
    return _users(listed, desired, ids)


def _check_user(raw: dict[str, Any], wanted: UserValues) -> None:
    """The fields read of a listed user (or of one read by id): `id`, `email`, the custom
    attributes (an object of plain values) and the built-in attributes the config manages."""
    builtin = [a for a, _ in wanted.values if not a.startswith("custom_attributes.")]
    check_user(Fields(raw, "GET", USERS), builtin)
