"""soe/users.py: reading a SOE user's fields (userType, department, title) and finding placeholders
that arrived literally."""

from __future__ import annotations

from typing import Any

import pytest

from onelogin_scim_setup.soe.users import ENTERPRISE_USER as EXT
from onelogin_scim_setup.soe.users import (
    department_of,
    find_literal_placeholders,
    title_of,
    user_type_of,
)


def user(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": str(n), "userName": f"user{n}@example.com", **extra}


READERS = [
    (
        user_type_of,
        {},
        "Registered",
    ),  # SOE omits userType for regular users (docs/soe-scim.md §1.2)
    (user_type_of, {"userType": None}, "Registered"),
    (user_type_of, {"userType": "Moderator"}, "Moderator"),
    (user_type_of, {"userType": "Admin"}, "Admin"),
    (department_of, {}, None),
    (department_of, {"department": "Ops"}, "Ops"),
    (department_of, {EXT: {"department": "R&D"}}, "R&D"),
    (department_of, {"department": "Ops", EXT: {"department": "R&D"}}, "Ops"),
    (department_of, {EXT: {"manager": {"value": "7"}}}, None),
    (title_of, {}, None),
    (title_of, {"title": "Dev"}, "Dev"),
]


@pytest.mark.parametrize(("reader", "resource", "expected"), READERS)
def test_reading_soe_user_fields(
    reader: Any, resource: dict[str, Any], expected: str | None
) -> None:
    assert reader(resource) == expected


def test_find_literal_placeholders_reports_paths_and_values() -> None:
    resource = {
        "userName": "a@example.com",
        "title": "{$user.title}",
        "name": {"givenName": "Ann", "familyName": "${user.lastname}"},
        "emails": [{"value": "a@example.com"}, {"value": "{$user.email}"}],
        EXT: {"department": "{$user.department}"},
        "active": True,
    }
    assert find_literal_placeholders(resource) == [
        "title: {$user.title}",
        "name.familyName: ${user.lastname}",
        "emails[1].value: {$user.email}",
        f"{EXT}.department: {{$user.department}}",
    ]


def test_find_literal_placeholders_is_empty_for_a_clean_user() -> None:
    assert find_literal_placeholders(user(1, title="Dev", name={"givenName": "A $ {b}"})) == []
