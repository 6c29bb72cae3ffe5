"""The two sides of an audit as their listings show them: OneLogin's users (intent) and SOE's SCIM
users (reality). `ops.audit_read` builds them; `audit.rules` compares them."""

from __future__ import annotations

from dataclasses import dataclass

SUSPENDED = 2  # OneLogin's user status "Suspended": what triggers the deprovision action
USER_TYPES = ("Registered", "Moderator", "Admin")


@dataclass(frozen=True)
class OneLoginUser:
    """One OneLogin user as the listings show it. `user_type` None: no value (or unreadable)."""

    id: int
    user_name: str  # the SCIM userName OneLogin sends for this user
    email: str
    status: int | None
    assigned: bool
    roles: tuple[str, ...] = ()
    user_type: str | None = None
    department: str | None = None
    title: str | None = None

    @property
    def suspended(self) -> bool:
        return self.status == SUSPENDED


@dataclass(frozen=True)
class SoeUser:
    """One SOE SCIM user. `user_type` is "Registered" when SOE omits it (docs/soe-scim.md §1.2)."""

    id: str
    user_name: str
    active: bool
    user_type: str
    department: str | None = None
    title: str | None = None
    placeholders: tuple[str, ...] = ()
