"""User mappings in the OneLogin emulator: CRUD quirks, discovery, and when mappings run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox_conftest_fixtures import ROLE_IDS, USER_IDS, OneLogin, running

MODERATORS = str(ROLE_IDS["SOE Moderators"])


@pytest.fixture
def onelogin() -> Iterator[OneLogin]:
    with running() as sandbox:
        client = OneLogin(sandbox)
        client.ok(
            "POST",
            "/api/2/users/custom_attributes",
            {"user_field": {"name": "userType", "shortname": "userType"}},
        )
        yield client


def mapping(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "SOE: Moderator",
        "enabled": True,
        "match": "all",
        "position": None,
        "conditions": [{"source": "has_role", "operator": "ri", "value": MODERATORS}],
        "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
    }
    body.update(changes)
    return body


def user_type(onelogin: OneLogin, name: str) -> Any:
    return onelogin.ok("GET", f"/api/2/users/{USER_IDS[name]}")["custom_attributes"]["userType"]


def test_create_answers_only_the_id(onelogin: OneLogin) -> None:
    response = onelogin.call("POST", "/api/2/mappings", mapping())
    assert response.status_code == 201
    assert list(response.json()) == ["id"]
    created = onelogin.ok("GET", f"/api/2/mappings/{response.json()['id']}")
    assert created["position"] == 2  # after the seeded "Sales department"


def test_id_in_the_body_is_not_allowed(onelogin: OneLogin) -> None:
    response = onelogin.call("POST", "/api/2/mappings", mapping(id=1))
    assert response.status_code == 422
    assert response.json() == {
        "code": 422,
        "message": "Validation Failed",
        "errors": [{"field": "id", "message": ["Field is not allowed"]}],
    }


def test_missing_fields_are_reported_together(onelogin: OneLogin) -> None:
    response = onelogin.call("POST", "/api/2/mappings", {"name": "x"})
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"enabled", "match", "position", "conditions", "actions"}


def test_disabled_mapping_with_a_position_is_rejected(onelogin: OneLogin) -> None:
    response = onelogin.call("POST", "/api/2/mappings", mapping(enabled=False, position=1))
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == [
        "Position cannot be set while the mapping is not enabled"
    ]


def test_disabling_through_put_needs_a_null_position(onelogin: OneLogin) -> None:
    mapping_id = onelogin.ok("POST", "/api/2/mappings", mapping())["id"]
    rejected = onelogin.call(
        "PUT", f"/api/2/mappings/{mapping_id}", {"enabled": False, "position": 2}
    )
    assert rejected.status_code == 422
    accepted = onelogin.ok(
        "PUT", f"/api/2/mappings/{mapping_id}", {"enabled": False, "position": None}
    )
    assert accepted == {"id": mapping_id}
    assert onelogin.ok("GET", f"/api/2/mappings/{mapping_id}")["position"] is None


def test_list_shows_enabled_or_disabled_never_both(onelogin: OneLogin) -> None:
    enabled = [m["name"] for m in onelogin.ok("GET", "/api/2/mappings")]
    disabled = onelogin.ok("GET", "/api/2/mappings", enabled="false")
    assert enabled == ["Sales department"]
    assert [(m["name"], m["position"]) for m in disabled] == [("Old contractors", None)]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (
            {"conditions": [{"source": "has_role", "operator": "ri", "value": "12345"}]},
            "conditions.[0].value",
        ),
        (
            {"conditions": [{"source": "has_role", "operator": "=", "value": MODERATORS}]},
            "conditions.[0].operator",
        ),
        ({"actions": [{"action": "set_custom_attribute", "value": ["x"]}]}, "actions.[0].action"),
        ({"match": "some"}, "match"),
    ],
)
def test_invalid_content_is_422_with_the_field(
    onelogin: OneLogin, bad: dict[str, Any], field: str
) -> None:
    response = onelogin.call("POST", "/api/2/mappings", mapping(**bad))
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_discovery_lists_custom_attributes(onelogin: OneLogin) -> None:
    conditions = onelogin.ok("GET", "/api/2/mappings/conditions")
    actions = onelogin.ok("GET", "/api/2/mappings/actions")
    assert {"name": "Roles", "value": "has_role"} in conditions
    assert {"name": "userType", "value": "custom_attribute_userType"} in conditions
    assert {"name": "Set Role", "value": "add_role"} in actions
    assert {"name": "Set userType", "value": "set_usertype"} in actions
    assert onelogin.ok("GET", "/api/2/mappings/actions/set_usertype/values") == []


def test_has_role_operators_and_values(onelogin: OneLogin) -> None:
    operators = onelogin.ok("GET", "/api/2/mappings/conditions/has_role/operators")
    values = onelogin.ok("GET", "/api/2/mappings/conditions/has_role/values")
    assert operators == [
        {"name": "includes", "value": "ri"},
        {"name": "does not include", "value": "rin"},
    ]
    assert {"name": "SOE Moderators", "value": ROLE_IDS["SOE Moderators"]} in values
    string_ops = onelogin.ok("GET", "/api/2/mappings/conditions/email/operators")
    assert [op["value"] for op in string_ops] == ["=", "!=", "~", "!~", "bw", "ew"]


def test_creating_a_mapping_applies_it_to_nobody(onelogin: OneLogin) -> None:
    onelogin.ok("POST", "/api/2/mappings", mapping())
    assert user_type(onelogin, "bob") is None


@pytest.mark.parametrize(("mode", "answered"), [("sync", "Moderator"), ("async", None)])
def test_user_update_runs_mappings(onelogin: OneLogin, mode: str, answered: str | None) -> None:
    onelogin.ok("POST", "/api/2/mappings", mapping())
    user = onelogin.ok("PUT", f"/api/2/users/{USER_IDS['bob']}", {}, mappings=mode)
    assert user["custom_attributes"]["userType"] == answered
    assert user_type(onelogin, "bob") == "Moderator"


def test_mappings_disabled_skips_them(onelogin: OneLogin) -> None:
    onelogin.ok("POST", "/api/2/mappings", mapping())
    onelogin.ok("PUT", f"/api/2/users/{USER_IDS['bob']}", {}, mappings="disabled")
    assert user_type(onelogin, "bob") is None


def test_reapply_sets_matching_users_and_keeps_the_others(onelogin: OneLogin) -> None:
    onelogin.ok(
        "PUT",
        f"/api/2/users/{USER_IDS['alice']}",
        {"custom_attributes": {"userType": "Registered"}},
    )
    onelogin.ok("POST", "/api/2/mappings", mapping())
    answer = onelogin.control("POST", "/mappings/reapply").json()
    assert answer == {"changed_user_ids": [USER_IDS["bob"]]}
    assert user_type(onelogin, "bob") == "Moderator"
    assert user_type(onelogin, "alice") == "Registered"


def test_first_matching_mapping_in_position_order_wins(onelogin: OneLogin) -> None:
    engineering = [{"source": "has_role", "operator": "ri", "value": str(ROLE_IDS["Engineering"])}]
    onelogin.ok(
        "POST",
        "/api/2/mappings",
        mapping(
            name="Eng",
            conditions=engineering,
            actions=[{"action": "set_usertype", "value": ["Registered"]}],
        ),
    )
    onelogin.ok("POST", "/api/2/mappings", mapping(position=1))
    onelogin.control("POST", "/mappings/reapply")
    assert user_type(onelogin, "bob") == "Moderator"
    assert user_type(onelogin, "alice") == "Registered"


def test_sort_takes_a_raw_array(onelogin: OneLogin) -> None:
    created = onelogin.ok("POST", "/api/2/mappings", mapping())["id"]
    sales = onelogin.ok("GET", "/api/2/mappings")[0]["id"]
    assert onelogin.ok("PUT", "/api/2/mappings/sort", [created, sales]) == [created, sales]
    assert [m["id"] for m in onelogin.ok("GET", "/api/2/mappings")] == [created, sales]
    assert onelogin.call("PUT", "/api/2/mappings/sort", {"ids": [created]}).status_code == 400


def test_delete_is_204_then_404(onelogin: OneLogin) -> None:
    created = onelogin.ok("POST", "/api/2/mappings", mapping())["id"]
    assert onelogin.call("DELETE", f"/api/2/mappings/{created}").status_code == 204
    assert onelogin.call("DELETE", f"/api/2/mappings/{created}").status_code == 404
