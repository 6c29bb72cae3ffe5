"""The two sides, read with paged listings only (never one call per user): every call spends the
tenant's hourly budget, so the cost is the pages of the listings plus a constant.

`read_both` finds the app first (2 calls, so a missing app is reported before any listing is
spent), then reads the two sides at once, each through its own bounded machinery:
OneLogin: in parallel the app (its `scimusername` source and provisioning state), the roles, the
app's users and every user with `fields=`, through the read layer (`onelogin.listing`): a listing
whose first page tells `Total-Pages` has its other pages fetched in parallel, at most
`onelogin.concurrency` requests on the wire for the whole OneLogin client.
SOE: `GET /Users` by pages of 100 following `totalResults`, the pages after the first in parallel
(`soe.client.ScimClient.list_users`, at most the SCIM client's concurrency, which audit sets to
`onelogin.concurrency`, in flight).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from onelogin_scim_setup.audit.users import USER_TYPES, OneLoginUser, SoeUser
from onelogin_scim_setup.config.attributes import field_source
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import check_users, each
from onelogin_scim_setup.onelogin.apps import check_app, find_app
from onelogin_scim_setup.onelogin.client import APPS, ROLES, USERS, USERS_LIMIT, OneLoginClient
from onelogin_scim_setup.onelogin.listing import app_users, gather, list_all
from onelogin_scim_setup.onelogin.mappings import check_roles
from onelogin_scim_setup.soe.client import ScimClient
from onelogin_scim_setup.soe.users import (
    department_of,
    find_literal_placeholders,
    title_of,
    user_type_of,
)

USER_FIELDS = "id,email,username,status,department,title,role_ids,custom_attributes"
CUSTOM_PREFIX = "user.custom_fields."
USER_NAME_SOURCES = {"email": "email", "username": "username"}
ROLES_LIMIT = 650  # as client.list_roles pages them


@dataclass
class OneLoginSide:
    app_id: int
    provisioning: bool | None
    users: list[OneLoginUser]
    notes: list[str] = field(default_factory=list)
    # Attributes (department, title) the user list left out: not checked, never a finding.
    unchecked: frozenset[str] = frozenset()


def read_both(
    client: OneLoginClient, scim: ScimClient, config: Config
) -> tuple[OneLoginSide, list[SoeUser]]:
    """Both sides, read at the same time once the app is found: the wall time is the longer of
    the two, not their sum. A failure on either side stops the OneLogin calls not yet started
    (the hourly budget); a SOE listing already under way runs to its end, then the first
    failure is raised."""
    app_id = find_audited_app(client, config)
    sides: list[Callable[[], Any]] = [
        lambda: read_onelogin(client, config, app_id),
        lambda: read_soe(scim),
    ]
    onelogin, soe = gather(2, sides)
    return onelogin, soe


def find_audited_app(client: OneLoginClient, config: Config) -> int:
    """The id of the config's app (2 calls); an error that says to apply first when it is missing."""
    _, app, _ = find_app(client, config.app.name, config.app.connector)
    if app is None:
        raise OneLoginError(
            f"no app named {config.app.name!r} on connector {config.app.connector!r}",
            hint="Run plan and apply first: audit compares an existing setup with SOE.",
        )
    return int(app["id"])


def read_onelogin(
    client: OneLoginClient, config: Config, app_id: int | None = None
) -> OneLoginSide:
    """The app's users and every user's status, values and roles, from listings (the app found
    first when `app_id` is not given)."""
    if app_id is None:
        app_id = find_audited_app(client, config)
    workers = client.concurrency
    reads: list[Callable[[], Any]] = [
        lambda: client.get_app(app_id),
        lambda: list_all(client, ROLES, {}, ROLES_LIMIT, workers),
        lambda: app_users(client, app_id, workers=workers),
        lambda: list_all(client, USERS, {"fields": USER_FIELDS}, USERS_LIMIT, workers),
    ]
    raw_app, listed_roles, listed_app_users, raw_users = gather(workers, reads)
    # Every field read below is checked first: a malformed one is an error naming it (issue 19).
    check_app(raw_app, f"{APPS}/{app_id}", ["scimusername"])
    check_roles(listed_roles)
    for member in each(listed_app_users, "GET", f"{APPS}/{app_id}/users"):
        member.id()
    check_users(raw_users, USERS, _builtin_keys(config))
    notes: list[str] = []
    source = _user_name_source(raw_app, notes)
    role_names = {int(r["id"]): str(r.get("name", "")) for r in listed_roles}
    assigned = {int(u["id"]) for u in listed_app_users}
    customs = _custom_values(client, config, raw_users, notes)
    memberships = _role_memberships(client, config, raw_users, role_names, notes)
    unread = _unlisted_builtins(config, raw_users, notes)
    users = [
        _onelogin_user(raw, config, source, assigned, role_names, customs, memberships, unread)
        for raw in raw_users
    ]
    provisioning = (raw_app.get("provisioning") or {}).get("enabled")
    return OneLoginSide(
        app_id, provisioning if isinstance(provisioning, bool) else None, users, notes, unread
    )


def read_soe(scim: ScimClient) -> list[SoeUser]:
    """Every SOE user (the client pages in parallel when its concurrency allows)."""
    return [_soe_user(raw) for raw in scim.list_users()]


def _user_name_source(raw_app: dict[str, Any], notes: list[str]) -> str:
    parameter = (raw_app.get("parameters") or {}).get("scimusername") or {}
    mapped = str(parameter.get("user_attribute_mappings") or "email")
    if mapped in USER_NAME_SOURCES:
        return USER_NAME_SOURCES[mapped]
    notes.append(
        f"the app's scimusername parameter comes from {mapped!r}; audit matches SOE users by "
        "email instead"
    )
    return "email"


def _custom_values(
    client: OneLoginClient, config: Config, raw_users: list[dict[str, Any]], notes: list[str]
) -> dict[str, dict[int, str]] | None:
    """Custom field values by shortname and user id when the user list leaves them out
    (onelogin-python-sdk#109, docs/onelogin-api.md Op 7): one filtered listing per userType value,
    never a read per user. None when the list has them."""
    if all("custom_attributes" in raw for raw in raw_users):
        return None
    found: dict[str, dict[int, str]] = {}
    shortname = config.fields.user_type.shortname
    if config.fields.user_type.enabled:
        found[shortname] = {}
        workers = client.concurrency

        def holders(value: str) -> Callable[[], list[dict[str, Any]]]:
            query = {"fields": "id", f"custom_attributes.{shortname}": value}
            return lambda: list_all(client, USERS, query, USERS_LIMIT, workers)

        listed = gather(workers, [holders(value) for value in USER_TYPES])
        for value, matches in zip(USER_TYPES, listed, strict=True):
            found[shortname].update({int(u["id"]): value for u in matches})
    for attribute in ("department", "title"):
        source = field_source(config, attribute)
        if source and source.startswith(CUSTOM_PREFIX):
            notes.append(
                f"OneLogin's user list has no custom field values, so {attribute} (a custom "
                "field) is not compared"
            )
    return found


def _role_memberships(
    client: OneLoginClient,
    config: Config,
    raw_users: list[dict[str, Any]],
    role_names: dict[int, str],
    notes: list[str],
) -> dict[int, tuple[str, ...]] | None:
    """Each user's roles from one listing per promoted role (`GET /api/2/roles/{id}/users`) when
    the user list leaves `role_ids` out (a tenant that ignores `fields=`, docs/uncertain-facts.md
    row 30); None when the list has them. Only the roles a promotion names matter to the rules."""
    if all("role_ids" in raw for raw in raw_users):
        return None
    wanted = {p.role for p in config.promotions.roles}
    promoted = [(role_id, name) for role_id, name in sorted(role_names.items()) if name in wanted]

    def members(role_id: int) -> Callable[[], list[dict[str, Any]]]:
        return lambda: client.list_role_users(role_id)

    # In parallel, within the client's bound, like every other listing of the audit.
    listed = gather(client.concurrency, [members(role_id) for role_id, _ in promoted])
    found: dict[int, list[str]] = {}
    for (role_id, name), role_members in zip(promoted, listed, strict=True):
        for member in each(role_members, "GET", f"{ROLES}/{role_id}/users"):
            found.setdefault(member.id(), []).append(name)
    if wanted:
        notes.append(
            "OneLogin's user list has no role_ids, so the roles of promotions.roles were read "
            f"from each role's user list ({len([n for n in role_names.values() if n in wanted])} "
            "listings)"
        )
    return {user_id: tuple(roles) for user_id, roles in found.items()}


def _builtin_keys(config: Config) -> list[str]:
    """The built-in user attributes (`user.<key>`) department and title come from."""
    places = [field_source(config, attribute) for attribute in ("department", "title")]
    return [p.removeprefix("user.") for p in places if p and not p.startswith(CUSTOM_PREFIX)]


def _unlisted_builtins(
    config: Config, raw_users: list[dict[str, Any]], notes: list[str]
) -> frozenset[str]:
    """The built-in attributes (department, title) the config sends but the user list leaves out:
    not checked (never compared as unset, which would be a false finding), and said so."""
    missing = set()
    for attribute in ("department", "title"):
        place = field_source(config, attribute)
        if place is None or place.startswith(CUSTOM_PREFIX):
            continue
        key = place.removeprefix("user.")
        if any(key not in raw for raw in raw_users):
            missing.add(attribute)
            notes.append(
                f"OneLogin's user list has no {key} (it ignored fields=), so {attribute} is not "
                "checked"
            )
    return frozenset(missing)


def _onelogin_user(
    raw: dict[str, Any],
    config: Config,
    source: str,
    assigned: set[int],
    role_names: dict[int, str],
    customs: dict[str, dict[int, str]] | None,
    memberships: dict[int, tuple[str, ...]] | None = None,
    unread: frozenset[str] = frozenset(),
) -> OneLoginUser:
    user_id = int(raw["id"])
    custom = raw.get("custom_attributes") or {}

    def value(attribute: Literal["user_type", "department", "title"]) -> str | None:
        place = field_source(config, attribute)
        if place is None or attribute in unread:
            return None
        if place.startswith(CUSTOM_PREFIX):
            shortname = place.removeprefix(CUSTOM_PREFIX)
            if customs is not None:
                return customs.get(shortname, {}).get(user_id)
            return _text(custom.get(shortname))
        return _text(raw.get(place.removeprefix("user.")))

    email = str(raw.get("email") or "")
    status = raw.get("status")
    return OneLoginUser(
        id=user_id,
        user_name=str(raw.get(source) or email),
        email=email,
        status=status if isinstance(status, int) else None,
        assigned=user_id in assigned,
        roles=(
            memberships.get(user_id, ())
            if memberships is not None
            else tuple(role_names.get(int(r), "") for r in _ids(raw.get("role_ids")))
        ),
        user_type=value("user_type"),
        department=value("department"),
        title=value("title"),
    )


def _ids(value: Any) -> Iterable[int]:
    return (
        [int(v) for v in value if str(v).isascii() and str(v).isdigit()]
        if isinstance(value, list)
        else []
    )


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _soe_user(raw: dict[str, Any]) -> SoeUser:
    return SoeUser(
        id=str(raw.get("id", "")),
        user_name=str(raw.get("userName", "")),
        active=raw.get("active") is not False,
        user_type=user_type_of(raw),
        department=department_of(raw),
        title=title_of(raw),
        placeholders=tuple(find_literal_placeholders(raw)),
    )
