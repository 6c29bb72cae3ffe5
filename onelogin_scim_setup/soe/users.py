"""What an SOE SCIM user record says: userType, department, title, and literal placeholders that OneLogin failed to substitute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


_PLACEHOLDER_MARKS = ("{$", "${")


def check_listed(user: Mapping[str, Any], where: str) -> None:
    """A SCIM user the tool can read: an `id` (text or a whole number), `userName` text, `active`
    a boolean when present, and, when present, `userType`, `department` and `title` text, the
    enterprise extension an object with `department` text, `emails` a list of objects whose
    `value` is text; else a ScimError naming the endpoint and the field."""
    from onelogin_scim_setup.errors import ScimError

    problem = _problem(user)
    if problem:
        raise ScimError(
            f"{where}: a listed user's {problem}",
            status=200,
            hint="SOE's answer does not have the SCIM shape (RFC 7643): a proxy or a wrong "
            "soe.scim_base_url may be answering.",
        )


def _problem(user: Mapping[str, Any]) -> str | None:
    raw_id = user.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or str(raw_id) == "":
        return f"id is {_shown(raw_id)}, not an id (field id)"
    if not isinstance(user.get("userName"), str):
        return f"userName is {_shown(user.get('userName'))}, not text (field userName)"
    if not isinstance(user.get("active", True), bool):
        return f"active is {_shown(user.get('active'))}, not true or false (field active)"
    for field in TEXT_FIELDS:
        if not isinstance(user.get(field), str | None):
            return f"{field} is {_shown(user.get(field))}, not text (field {field})"
    extension = user.get(ENTERPRISE_USER)
    if extension is not None:
        if not isinstance(extension, Mapping):
            return f"enterprise extension is {_shown(extension)}, not an object (field {ENTERPRISE_USER})"
        if not isinstance(extension.get("department"), str | None):
            found = _shown(extension.get("department"))
            return f"department is {found}, not text (field {ENTERPRISE_USER}.department)"
    emails = user.get("emails")
    if emails is not None and not isinstance(emails, list):
        return f"emails is {_shown(emails)}, not a list (field emails)"
    for index, email in enumerate(emails or []):
        if not isinstance(email, Mapping) or not isinstance(email.get("value"), str | None):
            return f"emails[{index}] is {_shown(email)}, not an email object (field emails[{index}].value)"
    return None


TEXT_FIELDS = ("userType", "department", "title")


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
