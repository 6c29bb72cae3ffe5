"""The two sides, read with paged listings only (never one call per user): every call spends the
tenant's hourly budget, so the cost is the pages of the listings plus a constant.

OneLogin: the connector and app (to find the app), the app (its `scimusername` source and
provisioning state), the roles, the app's users and every user with `fields=`. SOE: `GET /Users`
by pages of 100 following `totalResults`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from onelogin_scim_setup.audit.users import USER_TYPES, OneLoginUser, SoeUser
from onelogin_scim_setup.config.attributes import field_source
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.apps import find_app
from onelogin_scim_setup.onelogin.client import OneLoginClient
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


@dataclass
class OneLoginSide:
    app_id: int
    provisioning: bool | None
    users: list[OneLoginUser]
    notes: list[str] = field(default_factory=list)


def read_onelogin(client: OneLoginClient, config: Config) -> OneLoginSide:
    """The app's users and every user's status, values and roles, from listings."""
    _, app, _ = find_app(client, config.app.name, config.app.connector)
    if app is None:
        raise OneLoginError(
            f"no app named {config.app.name!r} on connector {config.app.connector!r}",
            hint="Run plan and apply first: audit compares an existing setup with SOE.",
        )
    app_id = int(app["id"])
    raw_app = client.get_app(app_id)
    notes: list[str] = []
    source = _user_name_source(raw_app, notes)
    role_names = {int(r["id"]): str(r.get("name", "")) for r in client.list_roles()}
    assigned = {int(u["id"]) for u in client.list_app_users(app_id)}
    raw_users = client.list_users(fields=USER_FIELDS)
    customs = _custom_values(client, config, raw_users, notes)
    users = [
        _onelogin_user(raw, config, source, assigned, role_names, customs) for raw in raw_users
    ]
    provisioning = (raw_app.get("provisioning") or {}).get("enabled")
    return OneLoginSide(
        app_id, provisioning if isinstance(provisioning, bool) else None, users, notes
    )


def read_soe(scim: ScimClient) -> list[SoeUser]:
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
        for value in USER_TYPES:
            matches = client.list_users(fields="id", **{f"custom_attributes.{shortname}": value})
            found[shortname].update({int(u["id"]): value for u in matches})
    for attribute in ("department", "title"):
        source = field_source(config, attribute)
        if source and source.startswith(CUSTOM_PREFIX):
            notes.append(
                f"OneLogin's user list has no custom field values, so {attribute} (a custom "
                "field) is not compared"
            )
    return found


def _onelogin_user(
    raw: dict[str, Any],
    config: Config,
    source: str,
    assigned: set[int],
    role_names: dict[int, str],
    customs: dict[str, dict[int, str]] | None,
) -> OneLoginUser:
    user_id = int(raw["id"])
    custom = raw.get("custom_attributes") or {}

    def value(attribute: Literal["user_type", "department", "title"]) -> str | None:
        place = field_source(config, attribute)
        if place is None:
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
        roles=tuple(role_names.get(int(r), "") for r in _ids(raw.get("role_ids"))),
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
