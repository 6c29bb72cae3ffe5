"""What the config implies for every user: which attributes OneLogin sends and which userType each
user should get (a per-user value first, then the first matching role mapping in config order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from onelogin_scim_setup.audit.users import OneLoginUser
from onelogin_scim_setup.config.models import Config, UserEntry


@dataclass(frozen=True)
class Policy:
    """What the config implies: which attributes OneLogin sends and which userType each user gets."""

    role_user_types: tuple[tuple[str, str], ...] = ()  # (role, userType), in config order
    # The config's per-user entries themselves (no copy): indexed by email on first use.
    user_values: Sequence[UserEntry] = ()
    user_type_sent: bool = True
    department_sent: bool = False
    title_sent: bool = False
    allow_moderator: bool = False
    allow_admin: bool = False
    provisioning: bool | None = True  # as OneLogin reports it; None: unknown
    default_user_type: str = "Registered"  # promotions.default_user_type

    def implied_user_type(self, user: OneLoginUser) -> tuple[str | None, str]:
        """(userType the config implies, why): a per-user value first, then the first role mapping
        in config order the user matches (apply appends mappings in that order). None: no rule."""
        if user_type := self._user_types.get(user.email.casefold()):
            return user_type, "promotions.users"
        for role, user_type in self.role_user_types:
            if role in user.roles:
                return user_type, f"role {role!r}"
        return None, ""

    def role_user_type(self, user: OneLoginUser) -> tuple[str, str] | None:
        """(role, userType) of the first role mapping in config order the user matches."""
        return next(((r, t) for r, t in self.role_user_types if r in user.roles), None)

    def per_user(self, email: str) -> tuple[str | None, str | None]:
        """(department, title) promotions.users sets for this email."""
        entry = self._entries.get(email.casefold())
        return (None, None) if entry is None else (entry.department, entry.title)

    # Indexes by email, built once on first use (one pass over the entries each): a lookup per
    # user, never a scan of every per-user entry (linear CPU). The first entry of an email wins,
    # as a scan in order would; the values are the entries' own strings.
    @cached_property
    def _user_types(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for entry in self.user_values:
            if entry.user_type:
                found.setdefault(entry.email.casefold(), entry.user_type)
        return found

    @cached_property
    def _entries(self) -> dict[str, UserEntry]:
        found: dict[str, UserEntry] = {}
        for entry in self.user_values:
            found.setdefault(entry.email.casefold(), entry)
        return found


def policy_of(config: Config, *, provisioning: bool | None = True) -> Policy:
    fields = config.fields
    return Policy(
        role_user_types=tuple((p.role, p.user_type) for p in config.promotions.roles),
        user_values=config.promotions.users,
        user_type_sent=fields.user_type.enabled,
        department_sent=fields.department.enabled,
        title_sent=fields.title.enabled,
        allow_moderator=config.soe.allow_moderator_promotion,
        allow_admin=config.soe.allow_admin_promotion,
        provisioning=provisioning,
        default_user_type=config.promotions.default_user_type,
    )
