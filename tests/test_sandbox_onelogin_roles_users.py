"""Roles, users, custom attributes and v2 pagination in the OneLogin emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox_conftest_fixtures import ROLE_IDS, USER_IDS, OneLogin, running

ENGINEERING = ROLE_IDS["Engineering"]


@pytest.fixture
def onelogin() -> Iterator[OneLogin]:
    with running(page_size=2) as sandbox:
        yield OneLogin(sandbox)


def test_pagination_follows_after_cursor_over_three_pages(onelogin: OneLogin) -> None:
    seen, cursor, pages = [], None, 0
    while True:
        response = onelogin.call("GET", "/api/2/users", **({"cursor": cursor} if cursor else {}))
        pages += 1
        seen += [u["id"] for u in response.json()]
        assert response.headers["Total-Count"] == "5"
        assert response.headers["Total-Pages"] == "3"
        assert response.headers["Current-Page"] == str(pages)
        cursor = response.headers.get("After-Cursor")
        if not cursor:
            break
    assert seen == sorted(USER_IDS.values())
    assert pages == 3


def test_page_parameter_and_limit_cap(onelogin: OneLogin) -> None:
    response = onelogin.call("GET", "/api/2/users", limit=100, page=3)
    assert [u["id"] for u in response.json()] == [USER_IDS["erin"]]
    assert response.headers["Page-Items"] == "1"
    assert "After-Cursor" not in response.headers
    assert response.headers["Before-Cursor"]


def test_role_create_answers_a_single_object(onelogin: OneLogin) -> None:
    response = onelogin.call("POST", "/api/2/roles", {"name": "SOE Users"})
    assert response.status_code == 201
    body = response.json()
    assert list(body) == ["id"]
    assert onelogin.ok("GET", f"/api/2/roles/{body['id']}")["name"] == "SOE Users"


@pytest.mark.parametrize("key", ["name", "role_name"])
def test_role_list_filters_by_name(onelogin: OneLogin, key: str) -> None:
    found = onelogin.ok("GET", "/api/2/roles", **{key: "SOE*"})
    assert [r["name"] for r in found] == ["SOE Moderators", "SOE Admins"]


def test_role_list_adds_member_arrays_with_fields(onelogin: OneLogin) -> None:
    plain = onelogin.ok("GET", "/api/2/roles", name="SOE Admins")[0]
    full = onelogin.ok("GET", "/api/2/roles", name="SOE Admins", fields="users,apps")[0]
    assert set(plain) == {"id", "name"}
    assert full["users"] == [USER_IDS["carol"]]
    assert full["apps"] == []


def test_role_apps_put_takes_a_raw_array_and_replaces(onelogin: OneLogin) -> None:
    first = onelogin.create_scim_app(())
    second = onelogin.ok("POST", "/api/2/apps", {"connector_id": 29034, "name": "Slack 2"})["id"]
    path = f"/api/2/roles/{ENGINEERING}/apps"
    assert onelogin.ok("PUT", path, [first]) == [{"id": first}]
    assert onelogin.ok("PUT", path, [second]) == [{"id": second}]
    assert [a["id"] for a in onelogin.ok("GET", path)] == [second]
    assert onelogin.ok("GET", f"/api/2/apps/{first}")["role_ids"] == []
    assert onelogin.ok("GET", f"/api/2/apps/{second}")["role_ids"] == [ENGINEERING]


def test_role_apps_object_body_is_400(onelogin: OneLogin) -> None:
    response = onelogin.call("PUT", f"/api/2/roles/{ENGINEERING}/apps", {"apps": [1]})
    assert response.status_code == 400
    assert response.json()["message"] == "Expected array in request"


def test_role_apps_unknown_app_is_404(onelogin: OneLogin) -> None:
    response = onelogin.call("PUT", f"/api/2/roles/{ENGINEERING}/apps", [424242])
    assert response.status_code == 404
    assert response.json()["name"] == "NotFoundError"


def test_role_users_add_and_remove_with_raw_arrays(onelogin: OneLogin) -> None:
    path = f"/api/2/roles/{ROLE_IDS['SOE Moderators']}/users"
    assert onelogin.ok("POST", path, [USER_IDS["dave"]]) == [{"id": USER_IDS["dave"]}]
    assert onelogin.call("DELETE", path, [USER_IDS["bob"]]).status_code == 204
    users = onelogin.call("GET", path, limit=2).json()
    assert [u["id"] for u in users] == [USER_IDS["dave"]]
    assert onelogin.call("DELETE", path, {"users": [1]}).status_code == 400


def test_role_put_with_empty_users_removes_nobody(onelogin: OneLogin) -> None:
    onelogin.ok("PUT", f"/api/2/roles/{ENGINEERING}", {"name": "Engineering", "users": []})
    assert len(onelogin.ok("GET", f"/api/2/roles/{ENGINEERING}")["users"]) == 4


def test_user_list_has_custom_attributes_only_when_fields_name_it(onelogin: OneLogin) -> None:
    plain = onelogin.ok("GET", "/api/2/users", email="alice@example.com")[0]
    with_fields = onelogin.ok(
        "GET", "/api/2/users", email="alice@example.com", fields="email,custom_attributes"
    )[0]
    single = onelogin.ok("GET", f"/api/2/users/{USER_IDS['alice']}")
    assert "custom_attributes" not in plain
    assert with_fields == {
        "id": USER_IDS["alice"],
        "email": "alice@example.com",
        "custom_attributes": {"employee_id": "E1001"},
    }
    assert single["custom_attributes"] == {"employee_id": "E1001"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"email": "*@example.com"}, 5),
        ({"email": "ALICE@example.com"}, 1),
        ({"email": "alice@example"}, 0),
        ({"firstname": "c*"}, 1),
        ({"user_ids": "50001,50005"}, 2),
        ({"custom_attributes.employee_id": "E1002"}, 1),
    ],
)
def test_user_list_filters(onelogin: OneLogin, query: dict[str, str], expected: int) -> None:
    response = onelogin.call("GET", "/api/2/users", limit=2, **query)
    assert response.headers["Total-Count"] == str(expected)


def test_custom_attribute_needs_the_user_field_wrapper(onelogin: OneLogin) -> None:
    bare = onelogin.call(
        "POST", "/api/2/users/custom_attributes", {"name": "userType", "shortname": "userType"}
    )
    assert bare.status_code == 422
    wrapped = onelogin.call(
        "POST",
        "/api/2/users/custom_attributes",
        {"user_field": {"name": "userType", "shortname": "userType"}},
    )
    assert wrapped.status_code == 201
    assert list(wrapped.json()) == ["id"]
    listed = onelogin.ok("GET", "/api/2/users/custom_attributes")
    assert [a["shortname"] for a in listed] == ["employee_id", "userType"]
    v1 = onelogin.ok("GET", "/api/1/users/custom_attributes")
    assert v1["data"] == [["employee_id", "userType"]]


def test_user_put_merges_custom_attributes_and_ignores_role_ids(onelogin: OneLogin) -> None:
    onelogin.ok(
        "POST",
        "/api/2/users/custom_attributes",
        {"user_field": {"name": "Team", "shortname": "team"}},
    )
    path = f"/api/2/users/{USER_IDS['alice']}"
    user = onelogin.ok(
        "PUT", path, {"title": "SRE", "custom_attributes": {"team": "core"}, "role_ids": []}
    )
    assert user["title"] == "SRE"
    assert user["custom_attributes"] == {"employee_id": "E1001", "team": "core"}
    assert user["role_ids"] == [ROLE_IDS["Default"], ENGINEERING]


def test_user_put_with_an_undefined_custom_attribute_is_422(onelogin: OneLogin) -> None:
    response = onelogin.call(
        "PUT", f"/api/2/users/{USER_IDS['alice']}", {"custom_attributes": {"nope": "x"}}
    )
    assert response.status_code == 422


def test_v1_set_custom_attributes_rejects_unknown_shortnames(onelogin: OneLogin) -> None:
    path = f"/api/1/users/{USER_IDS['bob']}/set_custom_attributes"
    bad = onelogin.call("PUT", path, {"custom_attributes": {"usertype": "Moderator"}})
    assert bad.status_code == 400
    assert bad.json()["status"]["message"] == (
        "input custom_attributes is not valid. Valid custom_attributes -> ['employee_id']"
    )
    good = onelogin.ok("PUT", path, {"custom_attributes": {"employee_id": "B-2"}})
    assert good["status"]["code"] == 200
    assert onelogin.ok("GET", f"/api/2/users/{USER_IDS['bob']}")["custom_attributes"] == {
        "employee_id": "B-2"
    }


def test_v1_add_and_remove_roles(onelogin: OneLogin) -> None:
    path = f"/api/1/users/{USER_IDS['erin']}"
    onelogin.ok("PUT", path + "/add_roles", {"role_id_array": [ENGINEERING]})
    assert ENGINEERING in onelogin.ok("GET", f"/api/2/users/{USER_IDS['erin']}")["role_ids"]
    onelogin.ok("PUT", path + "/remove_roles", {"role_id_array": [ENGINEERING]})
    assert ENGINEERING not in onelogin.ok("GET", f"/api/2/users/{USER_IDS['erin']}")["role_ids"]


def test_create_user_answers_201_with_the_user(onelogin: OneLogin) -> None:
    response = onelogin.call(
        "POST", "/api/2/users", {"email": "frank@example.com", "firstname": "Frank"}
    )
    assert response.status_code == 201
    assert response.json()["username"] == "frank"
    duplicate = onelogin.call("POST", "/api/2/users", {"email": "frank@example.com"})
    assert duplicate.status_code == 422


def test_the_user_list_filters_on_updated_times_and_time_passes_by_the_clock_control(
    onelogin: OneLogin,
) -> None:
    def count(**filters: str) -> int:
        return int(onelogin.call("GET", "/api/2/users", **filters).headers["Total-Count"])

    def newest() -> str:
        return max(onelogin.ok("GET", f"/api/2/users/{i}")["updated_at"] for i in USER_IDS.values())

    before = newest()
    assert count(updated_until="2000-01-01T00:00:00Z") == 0
    assert count(updated_since="2000-01-01T00:00:00Z") == 5
    aged = onelogin.control("POST", "/clock/age", {"seconds": 3600})
    assert aged.status_code == 200
    assert newest() < before
    assert count(updated_since=before) == 0
    refused = onelogin.call("GET", "/api/2/users", updated_since="yesterday")
    assert refused.status_code == 400
    assert onelogin.control("POST", "/clock/age", {"seconds": -1}).status_code == 400


def test_the_user_list_filters_on_an_app(onelogin: OneLogin) -> None:
    for app in onelogin.ok("GET", "/api/2/apps"):
        users = onelogin.call("GET", f"/api/2/apps/{app['id']}/users")
        listed = onelogin.call("GET", "/api/2/users", app_id=app["id"])
        assert listed.headers["Total-Count"] == users.headers["Total-Count"]
    assert onelogin.call("GET", "/api/2/users", app_id="x").status_code == 400
