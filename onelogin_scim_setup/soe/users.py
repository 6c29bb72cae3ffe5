"""What an SOE SCIM user record says: userType, department, title, and literal placeholders that OneLogin failed to substitute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


_PLACEHOLDER_MARKS = ("{$", "${")


def check_listed(user: Mapping[str, Any], where: str) -> None:
    """A listed SCIM user the audit can read: an `id` (text or a whole number), `userName` text,
    `active` a boolean when present; else a ScimError naming the endpoint and the field."""
    from onelogin_scim_setup.errors import ScimError

    raw_id = user.get("id")
    problem = None
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or str(raw_id) == "":
        problem = f"id is {_shown(raw_id)}, not an id"
    elif not isinstance(user.get("userName"), str):
        problem = f"userName is {_shown(user.get('userName'))}, not text"
    elif not isinstance(user.get("active", True), bool):
        problem = f"active is {_shown(user.get('active'))}, not true or false"
    if problem:
        raise ScimError(
            f"{where}: a listed user's {problem}",
            status=200,
            hint="SOE's answer does not have the SCIM shape (RFC 7643): a proxy or a wrong "
            "soe.scim_base_url may be answering.",
        )


def _shown(value: Any) -> str:
    if value is None:
        return "missing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def user_type_of(user: Mapping[str, Any]) -> str:
    """SOE omits `userType` for regular users (docs/soe-scim.md §1.2), which means "Registered"."""
    value = user.get("userType")
    return "Registered" if value is None else str(value)


def department_of(user: Mapping[str, Any]) -> str | None:
    """Top-level `department`, else the enterprise extension's: SOE's shape is UNCERTAIN (§1.3)."""
    value = user.get("department")
    if value is None:
        extension = user.get(ENTERPRISE_USER)
        value = extension.get("department") if isinstance(extension, Mapping) else None
    return None if value is None else str(value)


def title_of(user: Mapping[str, Any]) -> str | None:
    """The core `title` (SOE likely maps it to v3's jobTitle, docs/soe-scim.md §1.3)."""
    value = user.get("title")
    return None if value is None else str(value)


def find_literal_placeholders(user: Mapping[str, Any]) -> list[str]:
    """Every string still holding a `{$…}` or `${…}` placeholder, as "path: value" items.

    OneLogin sends a template macro literally when it cannot resolve it; SOE then stores the text.
    """
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            if any(mark in value for mark in _PLACEHOLDER_MARKS):
                found.append(f"{path}: {value}")
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(user, "")
    return found


def matches_name(user: Mapping[str, Any], wanted: str) -> bool:
    """`userName`, or one of the emails, equals `wanted` case-insensitively."""
    key = wanted.casefold()
    if str(user.get("userName", "")).casefold() == key:
        return True
    emails = user.get("emails")
    return isinstance(emails, list) and any(
        isinstance(e, Mapping) and str(e.get("value", "")).casefold() == key for e in emails
    )
