"""The SOE SCIM emulator: auth, list/filter/paging, partial PUT, PATCH, DELETE, userType rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.sandbox_conftest_fixtures import Soe, running

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def soe() -> Iterator[Soe]:
    with running(seed_data=False) as sandbox:
        site = Soe(sandbox)
        site.configure()
        yield site


def create(soe: Soe, user_name: str, **extra: Any) -> dict[str, Any]:
    response = soe.scim("POST", "/Users", {"userName": user_name, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_scim_switched_off_is_404() -> None:
    with running(seed_data=False) as sandbox:
        response = Soe(sandbox).scim("GET", "/Users")
        assert response.status_code == 404
        assert set(response.json()) == {"ErrorMessage"}


@pytest.mark.parametrize("token", ["wrong", ""])
def test_wrong_or_missing_token_is_401(soe: Soe, token: str) -> None:
    response = soe.scim("GET", "/Users", token=token)
    assert response.status_code == 401
    assert "ErrorMessage" in response.json()


def test_settings_show_the_token_masked(soe: Soe) -> None:
    settings = requests.get(f"{soe.url}/_sandbox/settings", timeout=10).json()
    assert settings["bearer_token"].startswith("sha256:")
    assert len(settings["bearer_token"]) == len("sha256:") + 8
    assert settings["allow_moderator_promotion"] is False


def test_registered_users_have_no_user_type_key(soe: Soe) -> None:
    created = create(soe, "a@example.com", name={"givenName": "A"})
    assert "userType" not in created
    assert created["id"].isdigit()
    assert created["active"] is True
    assert created["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert created["meta"]["location"].endswith(f"/api/scim/v2/users/{created['id']}")


def test_duplicate_user_name_is_409(soe: Soe) -> None:
    create(soe, "a@example.com")
    assert soe.scim("POST", "/Users", {"userName": "A@example.com"}).status_code == 409


def test_list_response_and_count_cap(soe: Soe) -> None:
    for index in range(3):
        create(soe, f"u{index}@example.com")
    body = soe.scim("GET", "/Users", startIndex=2, count=500).json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (3, 2, 2)
    assert [u["userName"] for u in body["Resources"]] == ["u1@example.com", "u2@example.com"]


def test_count_is_capped_at_100(soe: Soe) -> None:
    for index in range(101):
        soe.scim("POST", "/Users", {"userName": f"u{index}"})
    body = soe.scim("GET", "/Users", count=1000).json()
    assert (body["totalResults"], body["itemsPerPage"]) == (101, 100)


def test_filter_by_user_name_is_case_insensitive(soe: Soe) -> None:
    create(soe, "Alice@Example.com")
    create(soe, "bob@example.com")
    found = soe.scim("GET", "/Users", filter='userName eq "alice@example.com"').json()
    assert [u["userName"] for u in found["Resources"]] == ["Alice@Example.com"]
    assert soe.scim("GET", "/Users", filter='userName eq "nobody"').json()["totalResults"] == 0


def test_lower_case_users_path_works(soe: Soe) -> None:
    created = create(soe, "a@example.com")
    assert soe.scim("GET", f"/users/{created['id']}").status_code == 200
    assert soe.scim("GET", "/Users/999").status_code == 404


def test_put_with_a_partial_body_changes_only_what_is_sent(soe: Soe) -> None:
    created = create(soe, "a@example.com", name={"givenName": "A", "familyName": "B"}, title="Dev")
    response = soe.scim("PUT", f"/Users/{created['id']}", {"active": False})
    assert response.status_code == 200
    user = response.json()
    assert user["active"] is False
    assert user["name"] == {"givenName": "A", "familyName": "B"}
    assert user["title"] == "Dev"


def test_department_under_the_enterprise_extension_is_stored_top_level(soe: Soe) -> None:
    created = create(soe, "a@example.com", **{ENTERPRISE: {"department": "Platform"}})
    assert created["department"] == "Platform"
    assert ENTERPRISE not in created


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "active", "value": False},
        {"op": "Replace", "value": {"active": False}},
        {"op": "replace", "path": "active", "value": "False"},
    ],
)
def test_patch_replace_active(soe: Soe, operation: dict[str, Any]) -> None:
    created = create(soe, "a@example.com")
    body = {"schemas": [PATCH_OP], "Operations": [operation]}
    response = soe.scim("PATCH", f"/Users/{created['id']}", body)
    assert response.status_code == 200
    assert response.json()["active"] is False


def test_patch_nested_path(soe: Soe) -> None:
    created = create(soe, "a@example.com", name={"givenName": "A", "familyName": "B"})
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "name.givenName", "value": "Z"}],
    }
    assert soe.scim("PATCH", f"/Users/{created['id']}", body).json()["name"] == {
        "givenName": "Z",
        "familyName": "B",
    }


def test_delete_is_refused_unless_switched_on(soe: Soe) -> None:
    created = create(soe, "a@example.com")
    refused = soe.scim("DELETE", f"/Users/{created['id']}")
    assert refused.status_code == 404
    assert refused.json()["ErrorMessage"].startswith("user deletion for SCIM is not enabled")
    soe.configure(allow_deletion=True)
    assert soe.scim("DELETE", f"/Users/{created['id']}").status_code == 204
    assert soe.scim("GET", f"/Users/{created['id']}").status_code == 404


def test_moderators_cannot_be_deleted(soe: Soe) -> None:
    soe.configure(allow_deletion=True, allow_moderator_promotion=True)
    created = create(soe, "m@example.com", userType="Moderator")
    response = soe.scim("DELETE", f"/Users/{created['id']}")
    assert response.status_code == 500
    assert response.json()["ErrorMessage"].startswith("Moderators cannot be deleted")


@pytest.mark.parametrize(
    ("switches", "start", "requested", "expected"),
    [
        ({}, "Registered", "Moderator", None),
        ({"allow_moderator_promotion": True}, "Registered", "Moderator", "Moderator"),
        ({"allow_moderator_promotion": True}, "Registered", "Admin", None),
        ({"allow_admin_promotion": True}, "Registered", "Admin", "Admin"),
        ({"allow_admin_promotion": True}, "Registered", "Moderator", None),
        ({"allow_moderator_promotion": True}, "Moderator", "Registered", None),
        ({"allow_moderator_promotion": True}, "Moderator", "Admin", "Moderator"),
        ({"allow_moderator_promotion": True}, "Registered", "moderator", None),
        ({"allow_moderator_promotion": True}, "Registered", "", None),
        ({"allow_moderator_promotion": True}, "Registered", "${user.custom_fields.userType}", None),
    ],
)
def test_user_type_rules(
    soe: Soe, switches: dict[str, bool], start: str, requested: str, expected: str | None
) -> None:
    soe.configure(allow_moderator_promotion=True, allow_admin_promotion=True)
    created = create(soe, "a@example.com", userType=start)
    soe.configure(
        **{"allow_moderator_promotion": False, "allow_admin_promotion": False, **switches}
    )
    response = soe.scim("PUT", f"/Users/{created['id']}", {"userType": requested})
    assert response.status_code == 200
    assert response.json().get("userType") == expected


def test_literal_placeholders_are_stored_as_sent(soe: Soe) -> None:
    created = create(
        soe, "a@example.com", name={"givenName": "${user.firstname}"}, title="{$user.title}"
    )
    stored = soe.user("a@example.com")
    assert stored is not None
    assert stored["name"]["givenName"] == "${user.firstname}"
    assert created["title"] == "{$user.title}"


def test_a_saml_sign_in_creates_a_user_outside_scim(soe: Soe) -> None:
    body = {"userName": "otto@example.com", "name": {"givenName": "Otto"}}
    response = requests.post(f"{soe.url}/_sandbox/users", json=body, timeout=10)
    assert response.status_code == 201, response.text
    stored = requests.get(f"{soe.url}/_sandbox/users", timeout=10).json()
    assert [(u["userName"], u["active"], u["userType"]) for u in stored] == [
        ("otto@example.com", True, "Registered")
    ]
    assert soe.scim("GET", "/Users").json()["totalResults"] == 1


def test_a_second_sign_in_with_the_same_user_name_is_409(soe: Soe) -> None:
    body = {"userName": "otto@example.com"}
    assert requests.post(f"{soe.url}/_sandbox/users", json=body, timeout=10).status_code == 201
    assert requests.post(f"{soe.url}/_sandbox/users", json=body, timeout=10).status_code == 409


def test_time_passes_for_every_record_by_the_clock_control(soe: Soe) -> None:
    created = create(soe, "ada@example.com")
    url = f"{soe.url}/_sandbox/clock/age"
    assert requests.post(url, json={"seconds": 7200}, timeout=10).status_code == 200
    after = soe.scim("GET", f"/Users/{created['id']}").json()
    assert after["meta"]["lastModified"] < created["meta"]["lastModified"]
    assert after["meta"]["created"] < created["meta"]["created"]
    assert requests.post(url, json={"seconds": "1"}, timeout=10).status_code == 400
