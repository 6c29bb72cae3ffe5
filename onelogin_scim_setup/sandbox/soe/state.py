"""The emulated SOE site: its SCIM admin settings and its users (docs/soe-scim.md §1).

`userType` rules (§1.2, CONFIRMED from Stack's own scripts): the values are `Registered`,
`Moderator`, `Admin` (exact case). A change that needs a promotion switch that is off is silently
ignored (the answer is still 200, the value unchanged): Registered<->Moderator needs "Allow
Moderator Promotion", any change to or from Admin needs "Allow Admin Promotion". Any other value
(including "" and unsubstituted placeholder text) is ignored. Regular users carry no `userType`.
Every other attribute is stored as sent, so a literal `${user.firstname}` is stored literally.
`department` is kept top-level; one sent under the enterprise extension is moved there too.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_TYPES = ("Registered", "Moderator", "Admin")
# Set by the SOE server, never stored from a request body.
MANAGED_KEYS = {"schemas", "id", "meta", "userType", "active", ENTERPRISE_USER}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def aged(stamp: str, seconds: float) -> str:
    """A stored time moved `seconds` into the past (the control endpoint that lets time pass)."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class SoeSettings:
    """Admin Settings → ACCESS MANAGEMENT → SCIM (all off by default, as on a new site)."""

    scim_enabled: bool = False
    bearer_token: str | None = None
    allow_moderator_promotion: bool = False
    allow_admin_promotion: bool = False
    allow_deletion: bool = False


@dataclass
class SoeUser:
    id: int
    attributes: dict[str, Any]
    user_type: str = "Registered"
    active: bool = True
    created: str = field(default_factory=_now)
    last_modified: str = field(default_factory=_now)

    @property
    def user_name(self) -> str:
        return str(self.attributes.get("userName", ""))

    def to_scim(self, base_url: str) -> dict[str, Any]:
        data: dict[str, Any] = {"schemas": [CORE_USER], "id": str(self.id), **self.attributes}
        data["active"] = self.active
        if self.user_type != "Registered":
            data["userType"] = self.user_type
        data["meta"] = {
            "resourceType": "User",
            "created": self.created,
            "lastModified": self.last_modified,
            "location": f"{base_url}/api/scim/v2/users/{self.id}",
        }
        return data


@dataclass
class SoeSite:
    settings: SoeSettings = field(default_factory=SoeSettings)
    users: dict[int, SoeUser] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))

    def find(self, attribute: str, value: str) -> list[SoeUser]:
        """Users whose attribute equals value, case-insensitively (`emails.value`: any email)."""
        wanted = value.lower()
        return [u for u in self.sorted_users() if wanted in _values(u, attribute)]

    def new_id(self) -> int:
        return next(self._ids)

    def add(self, user: SoeUser) -> None:
        """Store a user as is (seeding: no promotion switch applies)."""
        self.users[user.id] = user

    def age(self, seconds: float) -> None:
        """Every record's `meta.created` and `meta.lastModified` moved into the past."""
        for user in self.users.values():
            user.created = aged(user.created, seconds)
            user.last_modified = aged(user.last_modified, seconds)

    def sorted_users(self) -> list[SoeUser]:
        return sorted(self.users.values(), key=lambda u: u.id)

    def create(self, body: dict[str, Any]) -> SoeUser:
        user_name = body.get("userName")
        if not isinstance(user_name, str) or not user_name:
            raise ApiError(400, "userName is required")
        if self.find("userName", user_name):
            raise ApiError(409, f"A user with userName {user_name} already exists")
        user = SoeUser(next(self._ids), {})
        self.update(user, body)
        self.users[user.id] = user
        return user

    def update(self, user: SoeUser, body: dict[str, Any]) -> None:
        """A partial update, as SOE accepts on PUT: only the keys sent change."""
        user_name = body.get("userName", user.user_name)
        if not isinstance(user_name, str) or not user_name:
            raise ApiError(400, "userName must be a non-empty string")
        if any(other.id != user.id for other in self.find("userName", user_name)):
            raise ApiError(409, f"A user with userName {user_name} already exists")
        if "active" in body:
            user.active = _boolean(body["active"])
        extension = body.get(ENTERPRISE_USER)
        if isinstance(extension, dict) and "department" in extension:
            user.attributes["department"] = extension["department"]
        user.attributes.update({k: v for k, v in body.items() if k not in MANAGED_KEYS})
        if "userType" in body:
            self._change_user_type(user, body["userType"])
        user.last_modified = _now()

    def _change_user_type(self, user: SoeUser, requested: Any) -> None:
        if requested not in USER_TYPES or requested == user.user_type:
            return  # unknown values are ignored, still 200
        switch = (
            self.settings.allow_admin_promotion
            if "Admin" in (requested, user.user_type)
            else self.settings.allow_moderator_promotion
        )
        if switch:
            user.user_type = requested


def _boolean(value: Any) -> bool:
    # Entra-style clients send "True"/"False" strings in PATCH; accept them as SOE does not say.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ApiError(400, f"active must be a boolean, not {value!r}")


def _values(user: SoeUser, attribute: str) -> set[str]:
    if attribute == "id":
        return {str(user.id)}
    if attribute == "emails.value":
        emails = user.attributes.get("emails")
        items = emails if isinstance(emails, list) else []
        return {str(e.get("value", "")).lower() for e in items if isinstance(e, dict)}
    return {str(user.attributes.get(attribute, "")).lower()}
