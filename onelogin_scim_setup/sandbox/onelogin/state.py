"""The emulated OneLogin tenant, in memory: connectors, apps, roles, users, custom fields, mappings.

Role membership is stored once, on the role (`Role.app_ids`, `Role.user_ids`); `app.role_ids` and
`user.role_ids` are computed from it, so the app view and the role view of the same relation can
never disagree (docs/onelogin-api.md Op 3 "role_ids", Op 6 "Apps of a role").
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from onelogin_scim_setup.sandbox.http.wire import ApiError

T = TypeVar("T")
ACTIVE, SUSPENDED = 1, 2  # OneLogin's user status codes (0 unactivated, 3 locked, ...)
DEPROVISION_ACTIONS = ("suspend", "delete", "do_nothing")
# First ids per kind: arbitrary, distinct ranges so an id of the wrong kind is never found by luck.
FIRST_IDS = {
    "app": 1000001,
    "role": 200001,
    "user": 50001,
    "custom_attribute": 80001,
    "mapping": 300001,
    "parameter": 700001,
}

PARAMETER_DEFAULTS: dict[str, Any] = {
    "label": None,
    "user_attribute_mappings": None,
    "user_attribute_macros": None,
    "attributes_transformations": None,
    "values": None,
    "default_values": None,
    "skip_if_blank": False,
    "provisioned_entitlements": False,
    "include_in_saml_assertion": False,
}


def make_parameter(parameter_id: int, name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """An app parameter (Op 3 "parameters object"); `label` defaults to the name."""
    given = {key: value for key, value in fields.items() if key in PARAMETER_DEFAULTS}
    return {"id": parameter_id, **PARAMETER_DEFAULTS, "label": name, **given}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Connector:
    id: int
    name: str
    auth_method: int = 2
    allows_new_parameters: bool = True
    default_parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    default_configuration: dict[str, Any] = field(default_factory=dict)

    @property
    def icon_url(self) -> str:
        return f"https://cdn.sandbox.onelogin.invalid/images/icons/{self.id}.png"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "auth_method": self.auth_method,
            "allows_new_parameters": self.allows_new_parameters,
            "icon_url": self.icon_url,
        }


@dataclass
class ScimConnection:
    """The Configuration/Provisioning tab settings that the public API does not expose."""

    base_url: str | None = None
    bearer_token: str | None = None
    json_template: str | None = None
    api_connection_enabled: bool = False
    deprovision_action: str = "do_nothing"

    def complete(self) -> bool:
        return bool(
            self.base_url
            and self.bearer_token
            and self.json_template
            and self.api_connection_enabled
        )


@dataclass
class App:
    id: int
    connector_id: int
    name: str
    description: str = ""
    notes: str = ""
    visible: bool = True
    provisioning_enabled: bool = False
    configuration: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    scim: ScimConnection = field(default_factory=ScimConnection)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)


@dataclass
class Role:
    id: int
    name: str
    app_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    admin_ids: list[int] = field(default_factory=list)


@dataclass
class User:
    id: int
    username: str
    email: str
    firstname: str = ""
    lastname: str = ""
    title: str | None = None
    department: str | None = None
    company: str | None = None
    status: int = ACTIVE
    state: int = 1
    custom_attributes: dict[str, str | None] = field(default_factory=dict)
    # Custom fields whose value was set directly through the API (not by a mapping): the quirk
    # mappings_overwrite_user_values=False keeps mappings off them.
    direct: set[str] = field(default_factory=set)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)

    @property
    def display_name(self) -> str:
        return f"{self.firstname} {self.lastname}".strip()


@dataclass
class CustomAttribute:
    id: int
    name: str
    shortname: str
    position: int | None = None
    created: float = 0.0  # time.monotonic() at creation; 0 for seeded fields (long existing)
    action: str = ""  # its mapping action value; "" means the guessable `set_<shortname>`

    def __post_init__(self) -> None:
        self.action = self.action or action_value(self.id, self.shortname, "guessable")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "shortname": self.shortname,
            "position": self.position,
        }


def action_value(attribute_id: int, shortname: str, style: str) -> str:
    """The mapping action that sets a custom field (quirk `custom_field_action_value`)."""
    if style == "opaque":
        return f"set_custom_attribute_{attribute_id}"
    if style == "custom_attribute":
        return f"custom_attribute_{shortname}"
    return "set_" + shortname.lower()


@dataclass
class Mapping:
    id: int
    name: str
    enabled: bool
    match: str
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]


@dataclass
class Tenant:
    connectors: dict[int, Connector] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    roles: dict[int, Role] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    custom_attributes: dict[int, CustomAttribute] = field(default_factory=dict)
    mappings: dict[int, Mapping] = field(default_factory=dict)
    mapping_order: list[int] = field(default_factory=list)  # enabled mappings, position order
    provisioning_log: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _counters: dict[str, Iterator[int]] = field(default_factory=dict)
    _id_order: tuple[tuple[int, int | None], list[User]] = field(
        default_factory=lambda: ((0, None), []), repr=False, compare=False
    )

    def new_id(self, kind: str) -> int:
        counter = self._counters.setdefault(kind, itertools.count(FIRST_IDS[kind]))
        return next(counter)

    def connector(self, connector_id: int) -> Connector:
        return _found(self.connectors.get(connector_id), "connector", connector_id)

    def app(self, app_id: int) -> App:
        return _found(self.apps.get(app_id), "app", app_id)

    def role(self, role_id: int) -> Role:
        return _found(self.roles.get(role_id), "role", role_id)

    def user(self, user_id: int) -> User:
        return _found(self.users.get(user_id), "user", user_id)

    def mapping(self, mapping_id: int) -> Mapping:
        return _found(self.mappings.get(mapping_id), "mapping", mapping_id)

    def users_in_id_order(self) -> list[User]:
        """Every user, by id: sorted once per change of the user set, not once per list page.

        The count and the newest key identify the set; `delete_user` forgets the order.
        """
        key = (len(self.users), next(reversed(self.users), None))
        if self._id_order[0] != key:
            self._id_order = (key, sorted(self.users.values(), key=lambda u: u.id))
        return self._id_order[1]

    def delete_user(self, user_id: int) -> None:
        """Remove a user and its role memberships (DELETE /api/2/users/{id})."""
        self.users.pop(self.user(user_id).id)
        for role in self.roles.values():
            if user_id in role.user_ids:
                role.user_ids.remove(user_id)
        self._id_order = ((0, None), [])

    def shortnames(self) -> list[str]:
        return [attribute.shortname for attribute in self.custom_attributes.values()]

    def app_role_ids(self, app_id: int) -> list[int]:
        return sorted(role.id for role in self.roles.values() if app_id in role.app_ids)

    def role_index(self, user_ids: set[int]) -> dict[int, list[int]]:
        """`user_role_ids` for many users in one pass over the memberships (for list pages)."""
        index: dict[int, list[int]] = {}
        for role in sorted(self.roles.values(), key=lambda r: r.id):
            for user_id in role.user_ids:
                if user_id in user_ids:
                    index.setdefault(user_id, []).append(role.id)
        return index

    def user_role_ids(self, user_id: int) -> list[int]:
        return sorted(role.id for role in self.roles.values() if user_id in role.user_ids)

    def set_app_roles(self, app_id: int, role_ids: list[int]) -> None:
        """Replace the roles an app is given to (the `role_ids` semantics of app create/update)."""
        for role in self.roles.values():
            if role.id in role_ids and app_id not in role.app_ids:
                role.app_ids.append(app_id)
            elif role.id not in role_ids and app_id in role.app_ids:
                role.app_ids.remove(app_id)

    def app_user_ids(self, app_id: int) -> list[int]:
        """Users assigned to the app through any of their roles."""
        assigned = {
            u for role in self.roles.values() if app_id in role.app_ids for u in role.user_ids
        }
        return sorted(user_id for user_id in assigned if user_id in self.users)

    def position(self, mapping_id: int) -> int | None:
        if mapping_id in self.mapping_order:
            return self.mapping_order.index(mapping_id) + 1
        return None

    def log_provisioning(self, entry: dict[str, Any]) -> None:
        self.provisioning_log.append(entry)
        del self.provisioning_log[:-1000]  # bounded: a long-running sandbox must not grow forever


def _found(item: T | None, kind: str, item_id: int) -> T:
    if item is None:
        raise ApiError(404, f"The {kind} with id {item_id} could not be found")
    return item
