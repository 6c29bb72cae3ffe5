"""OneLogin → SOE provisioning inside the sandbox: real SCIM calls between the two emulators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from onelogin_scim_setup.sandbox import Sandbox
from tests.sandbox_conftest_fixtures import (
    ROLE_IDS,
    SOE_TOKEN,
    USER_IDS,
    OneLogin,
    Soe,
    connect,
    running,
)

ENGINEERING_EMAILS = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dave@example.com",
]
MODERATORS = str(ROLE_IDS["SOE Moderators"])


@dataclass
class Pair:
    onelogin: OneLogin
    soe: Soe
    app_id: int


def pair_in(sandbox: Sandbox) -> Pair:
    onelogin, soe = OneLogin(sandbox), Soe(sandbox)
    soe.configure(allow_moderator_promotion=True)
    onelogin.ok(
        "POST",
        "/api/2/users/custom_attributes",
        {"user_field": {"name": "userType", "shortname": "userType"}},
    )
    return Pair(onelogin, soe, onelogin.create_scim_app(("Engineering",)))


@pytest.fixture
def pair() -> Iterator[Pair]:
    with running() as sandbox:
        yield pair_in(sandbox)


@pytest.fixture
def connected(pair: Pair) -> Pair:
    response = connect(pair.onelogin, pair.soe, pair.app_id)
    assert response.status_code == 200, response.text
    return pair


def soe_user(pair: Pair, email: str) -> dict[str, Any]:
    user = pair.soe.user(email)
    assert user is not None, f"{email} is not in SOE"
    return user


def soe_names(pair: Pair) -> list[str]:
    return [u["userName"] for u in pair.soe.users()]


def test_nothing_is_pushed_before_the_connection_is_enabled(pair: Pair) -> None:
    connect(pair.onelogin, pair.soe, pair.app_id, api_connection_enabled=False)
    assert soe_names(pair) == []


def test_enabling_the_connection_provisions_every_assigned_user(connected: Pair) -> None:
    assert soe_names(connected) == ENGINEERING_EMAILS
    alice = connected.soe.user("alice@example.com")
    assert alice is not None
    assert alice["name"] == {"givenName": "Alice", "familyName": "Anders"}
    assert alice["displayName"] == "Alice Anders"
    assert (alice["department"], alice["title"], alice["active"]) == ("Platform", "Engineer", True)
    assert alice["userType"] == "Registered"  # the custom field is empty: "" is ignored by SOE
    log = connected.onelogin.state()["provisioning_log"]
    assert [(e["action"], e["status"]) for e in log] == [("create", 201)] * 4


def test_state_masks_the_scim_token(connected: Pair) -> None:
    app = next(a for a in connected.onelogin.state()["apps"] if a["id"] == connected.app_id)
    assert app["scim"]["bearer_token"].startswith("sha256:")
    assert SOE_TOKEN not in json.dumps(connected.onelogin.state())


def test_a_failing_connection_test_is_400_and_stays_disabled(pair: Pair) -> None:
    response = connect(pair.onelogin, pair.soe, pair.app_id, bearer_token="wrong")
    assert response.status_code == 400
    assert "401" in response.json()["error"]
    app = next(a for a in pair.onelogin.state()["apps"] if a["id"] == pair.app_id)
    assert app["scim"]["api_connection_enabled"] is False
    assert soe_names(pair) == []


def test_reapplied_mapping_promotes_to_moderator(connected: Pair) -> None:
    mapping = {
        "name": "SOE: Moderator",
        "enabled": True,
        "match": "all",
        "position": None,
        "conditions": [{"source": "has_role", "operator": "ri", "value": MODERATORS}],
        "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
    }
    connected.onelogin.ok("POST", "/api/2/mappings", mapping)
    assert soe_user(connected, "bob@example.com")["userType"] == "Registered"
    connected.onelogin.control("POST", "/mappings/reapply")
    assert soe_user(connected, "bob@example.com")["userType"] == "Moderator"
    assert soe_user(connected, "alice@example.com")["userType"] == "Registered"


def test_user_update_through_the_api_is_pushed(connected: Pair) -> None:
    path = f"/api/1/users/{USER_IDS['dave']}/set_custom_attributes"
    connected.onelogin.ok("PUT", path, {"custom_attributes": {"userType": "Moderator"}})
    connected.onelogin.ok("PUT", f"/api/2/users/{USER_IDS['dave']}", {"title": "SRE"})
    dave = connected.soe.user("dave@example.com")
    assert dave is not None
    assert (dave["userType"], dave["title"]) == ("Moderator", "SRE")


def test_suspending_a_user_deactivates_them_in_soe(connected: Pair) -> None:
    connected.onelogin.control("PUT", f"/users/{USER_IDS['alice']}/status", {"status": 2})
    assert soe_user(connected, "alice@example.com")["active"] is False
    connected.onelogin.control("PUT", f"/users/{USER_IDS['alice']}/status", {"status": 1})
    assert soe_user(connected, "alice@example.com")["active"] is True


def test_losing_the_app_through_a_role_deactivates(connected: Pair) -> None:
    engineering = ROLE_IDS["Engineering"]
    connected.onelogin.call("DELETE", f"/api/2/roles/{engineering}/users", [USER_IDS["carol"]])
    assert soe_user(connected, "carol@example.com")["active"] is False
    assert soe_user(connected, "bob@example.com")["active"] is True


def test_adding_a_role_to_the_app_provisions_its_users(connected: Pair) -> None:
    sales = ROLE_IDS["Sales"]
    connected.onelogin.ok("PUT", f"/api/2/roles/{sales}/apps", [connected.app_id])
    assert "erin@example.com" in soe_names(connected)


def test_do_nothing_sends_nothing_on_deprovision(pair: Pair) -> None:
    connect(pair.onelogin, pair.soe, pair.app_id, deprovision_action="do_nothing")
    pair.onelogin.control("PUT", f"/users/{USER_IDS['alice']}/status", {"status": 2})
    assert soe_user(pair, "alice@example.com")["active"] is True
    assert pair.onelogin.state()["provisioning_log"][-1]["action"] == "do_nothing"


def test_dollar_brace_placeholders_arrive_literally_by_default(pair: Pair) -> None:
    template = json.dumps({"userName": "{$user.email}", "name": {"givenName": "${user.firstname}"}})
    connect(pair.onelogin, pair.soe, pair.app_id, json_template=template)
    alice = pair.soe.user("alice@example.com")
    assert alice is not None
    assert alice["name"]["givenName"] == "${user.firstname}"


def test_dollar_brace_placeholders_are_substituted_when_asked() -> None:
    with running(substitute_dollar_brace=True) as sandbox:
        pair = pair_in(sandbox)
        template = json.dumps(
            {"userName": "${user.email}", "name": {"givenName": "${user.firstname}"}}
        )
        connect(pair.onelogin, pair.soe, pair.app_id, json_template=template)
        assert soe_user(pair, "alice@example.com")["name"] == {"givenName": "Alice"}


def test_values_are_json_escaped(connected: Pair) -> None:
    connected.onelogin.ok(
        "PUT", f"/api/2/users/{USER_IDS['alice']}", {"title": 'Lead "Quotes" \\ Eng'}
    )
    assert soe_user(connected, "alice@example.com")["title"] == 'Lead "Quotes" \\ Eng'


def test_a_failing_push_does_not_break_the_api_call(connected: Pair) -> None:
    connected.soe.configure(bearer_token="rotated")
    response = connected.onelogin.call("PUT", f"/api/2/users/{USER_IDS['alice']}", {"title": "X"})
    assert response.status_code == 200
    last = connected.onelogin.state()["provisioning_log"][-1]
    assert last["status"] == 401
    assert "lookup failed" in last["error"]
