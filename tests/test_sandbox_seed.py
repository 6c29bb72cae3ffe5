"""Seeds: the organization-size tenant, SOE users and paging, and the drift scenario."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions
from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN
from tests.sandbox_conftest_fixtures import USER_IDS, OneLogin, Soe, running


def all_pages(onelogin: OneLogin, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    response = onelogin.call("GET", path, **params)
    while True:
        assert response.status_code == 200, response.text
        items += response.json()
        cursor = response.headers.get("After-Cursor")
        if not cursor:
            return items
        response = onelogin.call("GET", path, cursor=cursor)


def test_scale_seed_is_deterministic() -> None:
    first = Sandbox(SandboxOptions(users=30, roles=4))
    second = Sandbox(SandboxOptions(users=30, roles=4))
    assert first.tenant.users.keys() == second.tenant.users.keys()
    assert [r.user_ids for r in first.tenant.roles.values()] == [
        r.user_ids for r in second.tenant.roles.values()
    ]


def test_scale_users_and_roles_follow_the_documented_pattern() -> None:
    tenant = Sandbox(SandboxOptions(users=7, roles=3)).tenant
    roles = {role.name: role for role in tenant.roles.values()}
    users = {user.email: user for user in tenant.users.values()}
    assert {"Role 001", "Role 002", "Role 003"} <= set(roles)
    seventh = users["user00007@example.com"]
    assert (seventh.username, seventh.lastname, seventh.department) == (
        "user00007",
        "00007",
        "Dept 7",
    )
    assert seventh.id in roles["Role 001"].user_ids  # (7 - 1) % 3 + 1
    assert users["user00002@example.com"].id in roles["Role 002"].user_ids


def test_users_without_roles_belong_to_none() -> None:
    tenant = Sandbox(SandboxOptions(users=3, seed_data=False)).tenant
    assert len(tenant.users) == 3
    assert tenant.roles == {}


def test_a_full_listing_of_2000_users_counts_every_user() -> None:
    with running(users=2000, roles=20, page_size=100) as sandbox:
        onelogin = OneLogin(sandbox)
        users = all_pages(onelogin, "/api/2/users", limit=100)
        first = onelogin.call("GET", "/api/2/users", limit=100)
    assert len(users) == len({u["id"] for u in users}) == 2005
    assert first.headers["Total-Count"] == "2005"
    assert first.headers["Total-Pages"] == "21"


def test_listed_users_carry_their_roles() -> None:
    with running(users=4, roles=2) as sandbox:
        users = OneLogin(sandbox).ok("GET", "/api/2/users", email="user0000*")
    assert [u["role_ids"] for u in users] == [[200006], [200007], [200006], [200007]]


def test_soe_users_must_exist_in_onelogin() -> None:
    with pytest.raises(ValueError, match="soe_users=6"):
        Sandbox(SandboxOptions(soe_users=6))


@pytest.fixture
def soe() -> Iterator[Soe]:
    with running(users=245, soe_users=250) as sandbox:
        soe = Soe(sandbox)
        soe.configure()
        yield soe


def test_soe_users_match_the_first_onelogin_users(soe: Soe) -> None:
    users = soe.users()
    assert len(users) == 250
    assert [u["userName"] for u in users[:2]] == ["alice@example.com", "bob@example.com"]
    assert users[-1]["userName"] == "user00245@example.com"
    assert all(u["active"] for u in users)


@pytest.mark.parametrize(
    ("params", "start", "items", "first"),
    [
        ({}, 1, 100, "alice@example.com"),
        ({"startIndex": 101, "count": 100}, 101, 100, "user00096@example.com"),
        ({"startIndex": 201, "count": 100}, 201, 50, "user00196@example.com"),
        ({"startIndex": 3, "count": 2}, 3, 2, "carol@example.com"),
        ({"count": 1000}, 1, 100, "alice@example.com"),
        ({"startIndex": 0, "count": 1}, 1, 1, "alice@example.com"),
        ({"startIndex": 251}, 251, 0, None),
        ({"count": 0}, 1, 0, None),
    ],
)
def test_soe_pages_with_start_index_and_count(
    soe: Soe, params: dict[str, int], start: int, items: int, first: str | None
) -> None:
    page = soe.scim("GET", "/Users", **params).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (250, start, items)
    assert len(page["Resources"]) == items
    assert (page["Resources"][0]["userName"] if items else None) == first


def test_soe_paging_visits_every_user_once(soe: Soe) -> None:
    names: list[str] = []
    start = 1
    while True:
        page = soe.scim("GET", "/Users", startIndex=start, count=100).json()
        names += [u["userName"] for u in page["Resources"]]
        start += page["itemsPerPage"]
        if not page["Resources"] or start > page["totalResults"]:
            break
    assert len(names) == len(set(names)) == 250


# --- the drift scenario ---


@pytest.fixture(scope="module")
def drift() -> Iterator[tuple[dict[str, Any], dict[str, dict[str, Any]]]]:
    """(OneLogin state, SOE users by userName) of a fresh drift sandbox."""
    with Sandbox(SandboxOptions(scenario="drift")) as sandbox:
        state = OneLogin(sandbox).state()
        soe = {u["userName"]: u for u in Soe(sandbox).users()}
        yield state, soe


def onelogin_user(state: dict[str, Any], email: str) -> dict[str, Any]:
    return next(u for u in state["users"] if u["email"] == email)


def assigned(state: dict[str, Any], email: str) -> bool:
    app = next(a for a in state["apps"] if a["name"] == "SCIM SOE")
    return bool(set(onelogin_user(state, email)["role_ids"]) & set(app["role_ids"]))


def test_drift_app_is_set_up(drift: tuple[dict[str, Any], dict[str, Any]]) -> None:
    state, _ = drift
    app = next(a for a in state["apps"] if a["name"] == "SCIM SOE")
    assert app["connector_id"] == 130179
    assert app["provisioning"] == {"enabled": True}
    assert app["scim"]["api_connection_enabled"] is True
    assert app["scim"]["base_url"].endswith("/api/scim/v2")
    assert app["parameters"]["userType"]["user_attribute_mappings"] == "custom_attribute_userType"
    assert "userType" in [f["shortname"] for f in state["custom_attributes"]]


def test_drift_soe_site_has_scim_on() -> None:
    with Sandbox(SandboxOptions(scenario="drift")) as sandbox:
        answer = Soe(sandbox).scim("GET", "/Users", token=DRIFT_SCIM_TOKEN)
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("email", "status", "is_assigned", "soe_active"),
    [
        ("alice@example.com", 1, True, True),
        ("suspended.user@example.com", 2, True, True),
        ("unassigned.user@example.com", 1, False, True),
        ("returning.user@example.com", 1, True, False),
        ("new.hire@example.com", 1, True, None),
        ("erin@example.com", 1, False, None),
    ],
)
def test_drift_status_categories(
    drift: tuple[dict[str, Any], dict[str, Any]],
    email: str,
    status: int,
    is_assigned: bool,
    soe_active: bool | None,
) -> None:
    state, soe = drift
    assert onelogin_user(state, email)["status"] == status
    assert assigned(state, email) is is_assigned
    assert (soe[email]["active"] if email in soe else None) is soe_active


def test_drift_orphan_is_only_in_soe(drift: tuple[dict[str, Any], dict[str, Any]]) -> None:
    state, soe = drift
    assert soe["orphan.user@example.com"]["active"] is True
    assert "orphan.user@example.com" not in [u["email"] for u in state["users"]]


def test_drift_user_type_mismatch(drift: tuple[dict[str, Any], dict[str, Any]]) -> None:
    state, soe = drift
    user = onelogin_user(state, "type.mismatch@example.com")
    assert user["custom_attributes"]["userType"] == "Moderator"
    assert soe["type.mismatch@example.com"]["userType"] == "Registered"


def test_drift_mapping_not_applied(drift: tuple[dict[str, Any], dict[str, Any]]) -> None:
    state, soe = drift
    user = onelogin_user(state, "mapping.pending@example.com")
    admins = next(r["id"] for r in state["roles"] if r["name"] == "SOE Admins")
    mapping = next(m for m in state["mappings"] if m["name"] == "SOE userType Admin")
    assert admins in user["role_ids"]
    assert mapping["conditions"][0]["value"] == str(admins)
    assert mapping["actions"][0]["value"] == ["Admin"]
    assert user["custom_attributes"]["userType"] is None
    assert soe["mapping.pending@example.com"]["userType"] == "Registered"


@pytest.mark.parametrize(
    ("email", "key", "onelogin_value", "soe_value"),
    [
        ("attribute.mismatch@example.com", "department", "Platform", "Sales"),
        ("attribute.mismatch@example.com", "title", "Engineer", "Intern"),
        ("literal.placeholder@example.com", "title", "Designer", "{$user.title}"),
        ("alice@example.com", "title", "Engineer", "Engineer"),
    ],
)
def test_drift_attributes(
    drift: tuple[dict[str, Any], dict[str, Any]],
    email: str,
    key: str,
    onelogin_value: str,
    soe_value: str,
) -> None:
    state, soe = drift
    assert onelogin_user(state, email)[key] == onelogin_value
    assert soe[email][key] == soe_value


@pytest.mark.parametrize(
    ("email", "user_type"),
    [
        ("alice@example.com", "Registered"),
        ("bob@example.com", "Moderator"),
        ("carol@example.com", "Admin"),
    ],
)
def test_drift_clean_users_match(
    drift: tuple[dict[str, Any], dict[str, Any]], email: str, user_type: str
) -> None:
    state, soe = drift
    user = onelogin_user(state, email)
    assert (user["custom_attributes"]["userType"] or "Registered") == user_type
    assert soe[email]["userType"] == user_type
    assert soe[email]["active"] is True
    assert soe[email]["name"]["givenName"] == user["firstname"]


def test_drift_needs_the_demo_tenant() -> None:
    with pytest.raises(ValueError, match="drift"):
        Sandbox(SandboxOptions(scenario="drift", seed_data=False))


def test_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="scenario"):
        SandboxOptions(scenario="chaos")


def test_control_replaces_a_users_roles_and_provisioning_follows() -> None:
    with Sandbox(SandboxOptions(scenario="drift")) as sandbox:
        onelogin, soe = OneLogin(sandbox), Soe(sandbox)
        answer = onelogin.control(
            "PUT", f"/users/{USER_IDS['alice']}/roles", {"role_ids": [200001]}
        )
        assert answer.status_code == 200
        assert answer.json()["role_ids"] == [200001]
        alice = next(u for u in soe.users() if u["userName"] == "alice@example.com")
    assert alice["active"] is False


@pytest.mark.parametrize("body", [{"role_ids": "x"}, {"role_ids": [True]}, {}])
def test_control_roles_body_is_checked(body: dict[str, Any]) -> None:
    with running() as sandbox:
        answer = OneLogin(sandbox).control("PUT", f"/users/{USER_IDS['alice']}/roles", body)
    assert answer.status_code == 400


def test_a_user_created_after_a_listing_is_on_the_next_listing_in_id_order() -> None:
    with running(users=250, roles=2, page_size=100) as sandbox:
        onelogin = OneLogin(sandbox)
        before = all_pages(onelogin, "/api/2/users", limit=100)
        created = onelogin.ok("POST", "/api/2/users", {"email": "late@example.com"})
        after = all_pages(onelogin, "/api/2/users", limit=100)
    assert [u["id"] for u in after] == [u["id"] for u in before] + [created["id"]]


def test_the_id_order_is_by_id_whatever_the_insertion_order() -> None:
    sandbox = Sandbox(SandboxOptions(users=3, roles=1))
    tenant = sandbox.tenant
    moved = tenant.users.pop(min(tenant.users))
    tenant.users[moved.id] = moved  # now inserted last, though its id is the lowest
    assert [user.id for user in tenant.users_in_id_order()] == sorted(tenant.users)
