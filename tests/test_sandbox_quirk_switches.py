"""Each quirk switch, on both sides: the optimistic and the pessimistic profile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.sandbox_conftest_fixtures import (
    ROLE_IDS,
    SCIM_ENTERPRISE,
    USER_IDS,
    OneLogin,
    Soe,
    running,
)

OPT, PESS = "optimistic", "pessimistic"
FIELDS = "/api/2/users/custom_attributes"


def both(optimistic: Any, pessimistic: Any) -> Any:
    """Parametrize a test over the two profiles with the outcome each one expects."""
    return pytest.mark.parametrize(
        ("profile", "expected"), [(OPT, optimistic), (PESS, pessimistic)]
    )


@pytest.fixture
def profile() -> str:
    return OPT  # overridden by `both`


def client(profile: str, **options: Any) -> Iterator[OneLogin]:
    with running(profile, **options) as sandbox:
        yield OneLogin(sandbox)


@pytest.fixture
def onelogin(profile: str) -> Iterator[OneLogin]:
    yield from client(profile)


def scim_app(onelogin: OneLogin, **body: Any) -> requests.Response:
    return onelogin.call(
        "POST", "/api/2/apps", {"connector_id": SCIM_ENTERPRISE, "name": "SCIM SOE", **body}
    )


def new_field(onelogin: OneLogin, shortname: str = "userType") -> requests.Response:
    body = {"user_field": {"name": "userType", "shortname": shortname}}
    return onelogin.call("POST", FIELDS, body)


@both(True, False)
def test_provisioning_enabled_sticks(onelogin: OneLogin, expected: bool) -> None:
    app_id = scim_app(onelogin, provisioning={"enabled": True}).json()["id"]
    assert onelogin.ok("GET", f"/api/2/apps/{app_id}")["provisioning"]["enabled"] is expected


@both(True, False)
def test_rate_limit_headers_on_v2(onelogin: OneLogin, expected: bool) -> None:
    assert ("X-RateLimit-Limit" in onelogin.call("GET", "/api/2/roles").headers) is expected


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_v1_and_the_rate_limit_call_keep_the_headers(onelogin: OneLogin) -> None:
    assert "X-RateLimit-Remaining" in onelogin.call("GET", "/api/1/users/custom_attributes").headers
    answer = onelogin.ok("GET", "/auth/rate_limit")
    assert answer["status"]["code"] == 200
    assert set(answer["data"]) == {
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    }


@both(True, False)
def test_custom_field_action_delay(onelogin: OneLogin, expected: bool) -> None:
    new_field(onelogin)
    names = {a["name"] for a in onelogin.ok("GET", "/api/2/mappings/actions")}
    assert ("Set userType" in names) is expected


def test_an_action_not_yet_listed_is_refused_in_a_mapping() -> None:
    with running(PESS, custom_field_action_value="guessable") as sandbox:
        onelogin = OneLogin(sandbox)
        new_field(onelogin)
        mapping = {
            "name": "m",
            "enabled": True,
            "match": "all",
            "position": None,
            "conditions": [{"source": "has_role", "operator": "ri", "value": "200003"}],
            "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
        }
        assert onelogin.call("POST", "/api/2/mappings", mapping).status_code == 422


@both("set_usertype", "set_custom_attribute_{id}")
def test_custom_field_action_value(expected: str, profile: str) -> None:
    with running(profile, custom_field_action_delay=0.0) as sandbox:
        onelogin = OneLogin(sandbox)
        field_id = new_field(onelogin).json()["id"]
        actions = onelogin.ok("GET", "/api/2/mappings/actions")
    assert {"name": "Set userType", "value": expected.format(id=field_id)} in actions


@both(200, 422)
def test_parameter_label_on_existing(onelogin: OneLogin, expected: int) -> None:
    app_id = scim_app(onelogin).json()["id"]
    body = {"parameters": {"department": {"label": "Dept", "skip_if_blank": True}}}
    assert onelogin.call("PUT", f"/api/2/apps/{app_id}", body).status_code == expected
    assert onelogin.ok("GET", f"/api/2/apps/{app_id}")["parameters"]["department"]["label"] == (
        "department"
    )


@both(200, 422)
def test_connector_parameter_flags_writable(onelogin: OneLogin, expected: int) -> None:
    app_id = scim_app(onelogin).json()["id"]
    body = {"parameters": {"department": {"include_in_saml_assertion": True}}}
    assert onelogin.call("PUT", f"/api/2/apps/{app_id}", body).status_code == expected


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_flags_of_an_added_parameter_are_writable(onelogin: OneLogin) -> None:
    app_id = scim_app(onelogin, parameters={"userType": {"label": "userType"}}).json()["id"]
    body = {"parameters": {"userType": {"include_in_saml_assertion": True}}}
    assert onelogin.call("PUT", f"/api/2/apps/{app_id}", body).status_code == 200


@both(200, 422)
def test_custom_attribute_null(onelogin: OneLogin, expected: int) -> None:
    body = {"custom_attributes": {"employee_id": None}}
    assert onelogin.call("PUT", f"/api/2/users/{USER_IDS['alice']}", body).status_code == expected


@both("", None)
def test_an_empty_custom_attribute(onelogin: OneLogin, expected: str | None) -> None:
    path = f"/api/2/users/{USER_IDS['alice']}"
    onelogin.ok("PUT", path, {"custom_attributes": {"employee_id": ""}})
    assert onelogin.ok("GET", path)["custom_attributes"]["employee_id"] == expected


@both("E1001", None)
def test_custom_attributes_put(onelogin: OneLogin, expected: str | None) -> None:
    new_field(onelogin, "team")
    path = f"/api/2/users/{USER_IDS['alice']}"
    onelogin.ok("PUT", path, {"custom_attributes": {"team": "Platform"}})
    custom = onelogin.ok("GET", path)["custom_attributes"]
    assert (custom["team"], custom["employee_id"]) == ("Platform", expected)


@both(["Sales"], ["Default", "Engineering", "SOE Moderators", "SOE Admins", "Sales"])
def test_role_name_filter(onelogin: OneLogin, expected: list[str]) -> None:
    assert [r["name"] for r in onelogin.ok("GET", "/api/2/roles", name="Sales")] == expected


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_role_name_always_filters(onelogin: OneLogin) -> None:
    assert [r["name"] for r in onelogin.ok("GET", "/api/2/roles", role_name="Sales")] == ["Sales"]


@both(True, False)
def test_custom_attributes_in_user_list(expected: bool, profile: str) -> None:
    with running(profile, users_fields_honoured=True) as sandbox:
        users = OneLogin(sandbox).ok("GET", "/api/2/users", fields="id,custom_attributes")
    assert all(("custom_attributes" in user) is expected for user in users)


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_one_user_always_has_custom_attributes(onelogin: OneLogin) -> None:
    user = onelogin.ok("GET", f"/api/2/users/{USER_IDS['alice']}")
    assert user["custom_attributes"] == {"employee_id": "E1001"}


@both(201, 200)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/2/apps", {"connector_id": SCIM_ENTERPRISE, "name": "SCIM SOE"}),
        ("/api/2/users", {"email": "zoe@example.com"}),
        (FIELDS, {"user_field": {"name": "Team", "shortname": "team"}}),
    ],
)
def test_create_status(onelogin: OneLogin, expected: int, path: str, body: Any) -> None:
    assert onelogin.call("POST", path, body).status_code == expected


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_documented_creates_stay_201(onelogin: OneLogin) -> None:
    assert onelogin.call("POST", "/api/2/roles", {"name": "New"}).status_code == 201


@both(
    ({"auth_method_description"}, {"brand_id", "enforcement_point"}),
    ({"brand_id", "enforcement_point"}, {"auth_method_description"}),
)
def test_app_object(onelogin: OneLogin, expected: tuple[set[str], set[str]]) -> None:
    present, absent = expected
    app = scim_app(onelogin).json()
    assert present <= set(app)
    assert not absent & set(app)


@both(422, 201)
def test_role_names_unique(onelogin: OneLogin, expected: int) -> None:
    assert onelogin.call("POST", "/api/2/roles", {"name": "Sales"}).status_code == expected


@both("100", "50")
def test_users_page_limit(expected: str, profile: str) -> None:
    with running(profile, page_size=500, users=120) as sandbox:
        onelogin = OneLogin(sandbox)
        assert onelogin.call("GET", "/api/2/users", limit=500).headers["Page-Items"] == expected
        assert onelogin.call("GET", "/api/2/users").headers["Page-Items"] == "50"


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_page_size_stays_the_overall_cap(profile: str) -> None:
    with running(profile, page_size=2) as sandbox:
        assert len(OneLogin(sandbox).ok("GET", "/api/2/users", limit=100)) == 2


@both(True, False)
def test_roles_fields_apps(onelogin: OneLogin, expected: bool) -> None:
    roles = onelogin.ok("GET", "/api/2/roles", fields="apps")
    assert ("apps" in roles[0]) is expected


@both({"id", "email"}, {"id", "email", "username", "status", "role_ids"})
def test_users_fields_honoured(onelogin: OneLogin, expected: set[str]) -> None:
    user = onelogin.ok("GET", "/api/2/users", fields="id,email")[0]
    assert expected <= set(user)
    assert not {"custom_attributes"} & set(user)


@both(True, False)
def test_empty_user_put_runs_mappings(onelogin: OneLogin, expected: bool) -> None:
    erin = USER_IDS["erin"]
    onelogin.ok("DELETE", f"/api/2/roles/{ROLE_IDS['Default']}/users", [erin])
    user = onelogin.ok("PUT", f"/api/2/users/{erin}?mappings=sync", {})
    assert (ROLE_IDS["Default"] in user["role_ids"]) is expected


@both("userType", "usertype")
def test_shortname_case(onelogin: OneLogin, expected: str) -> None:
    new_field(onelogin)
    assert expected in [f["shortname"] for f in onelogin.ok("GET", FIELDS)]


@both(201, 422)
def test_builtin_shortnames(onelogin: OneLogin, expected: int) -> None:
    assert new_field(onelogin, "department").status_code == expected


@both([SCIM_ENTERPRISE, 156557, 163938], [])
def test_connector_name_filter(onelogin: OneLogin, expected: list[int]) -> None:
    found = onelogin.ok("GET", "/api/2/connectors", name="SCIM v2 Enterprise")
    assert [c["id"] for c in found] == expected


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_a_wildcard_connector_name_matches_on_both_sides(onelogin: OneLogin) -> None:
    found = onelogin.ok("GET", "/api/2/connectors", name="SCIM Provisioner with SAML (SCIM v2 E*")
    assert SCIM_ENTERPRISE in [c["id"] for c in found]


@both(True, False)
def test_paging_headers_everywhere(onelogin: OneLogin, expected: bool) -> None:
    assert ("Total-Count" in onelogin.call("GET", "/api/2/apps").headers) is expected
    assert "Total-Count" in onelogin.call("GET", "/api/2/roles").headers


@both(404, 401)
def test_soe_scim_off_status(expected: int, profile: str) -> None:
    with running(profile) as sandbox:
        soe = Soe(sandbox)
        soe.configure(scim_enabled=False)
        assert soe.scim("GET", "/Users").status_code == expected


@pytest.mark.parametrize("profile", [OPT, PESS])
def test_the_seeded_field_follows_the_action_style(onelogin: OneLogin, profile: str) -> None:
    values = {a["name"]: a["value"] for a in onelogin.ok("GET", "/api/2/mappings/actions")}
    expected = "set_employee_id" if profile == OPT else "set_custom_attribute_80001"
    assert values["Set Employee ID"] == expected


@pytest.mark.parametrize(
    ("value", "label", "action"),
    [
        ("guessable", "set_name", ("Set userType", "set_usertype")),
        ("custom_attribute", "name", ("userType", "custom_attribute_userType")),
        ("opaque", "name", ("userType", "set_custom_attribute_{id}")),
        ("opaque", "set_custom_attribute_name", ("Set custom attribute userType", "x_{id}")),
    ],
)
def test_custom_field_action_label_and_value(
    value: str, label: str, action: tuple[str, str]
) -> None:
    options = {"custom_field_action_value": value, "custom_field_action_label": label}
    with running(OPT, **options) as sandbox:
        onelogin = OneLogin(sandbox)
        field_id = new_field(onelogin).json()["id"]
        actions = onelogin.ok("GET", "/api/2/mappings/actions")
    name, wanted = action[0], action[1].format(id=field_id)
    if wanted.startswith("x_"):
        wanted = f"set_custom_attribute_{field_id}"
    assert {"name": name, "value": wanted} in actions


@pytest.mark.parametrize(
    ("style", "shown"),
    [
        ("clear", "soe-token-0123456789"),
        ("stars", "********"),
        ("bullets", "\u2022" * 8),
        ("last4", "****6789"),
        ("omitted", None),
    ],
)
def test_bearer_read_back(style: str, shown: str | None) -> None:
    with running(OPT, expose_scim_configuration=True, bearer_read_back=style) as sandbox:
        onelogin = OneLogin(sandbox)
        app_id = scim_app(onelogin).json()["id"]
        body = {"configuration": {"scim_bearer_token": "soe-token-0123456789"}}
        onelogin.ok("PUT", f"/api/2/apps/{app_id}", body)
        configuration = onelogin.ok("GET", f"/api/2/apps/{app_id}")["configuration"]
    assert configuration.get("scim_bearer_token") == shown


@pytest.mark.parametrize(
    ("keys", "honoured", "has"),
    [("full", False, True), ("documented", True, True), ("documented", False, False)],
)
def test_users_list_keys(keys: str, honoured: bool, has: bool) -> None:
    options = {"users_list_keys": keys, "users_fields_honoured": honoured}
    with running(OPT, **options) as sandbox:
        listed = OneLogin(sandbox).ok("GET", "/api/2/users", fields="id,email,department,title")
        one = OneLogin(sandbox).ok("GET", f"/api/2/users/{USER_IDS['alice']}")
    assert all(("department" in u and "title" in u) is has for u in listed)
    assert {"department", "title", "role_ids"} <= set(one)  # a single read is always whole


@pytest.mark.parametrize("body", ["json", "html"])
def test_auth_429_body(body: str) -> None:
    with running(OPT, auth_429_body=body) as sandbox:
        onelogin = OneLogin(sandbox)
        onelogin.control("PUT", "/rate_limit", {"remaining": 0})
        answer = requests.post(
            f"{sandbox.onelogin_url}/auth/oauth2/v2/token",
            auth=("sandbox-client-id", "sandbox-client-secret"),
            json={"grant_type": "client_credentials"},
            timeout=10,
        )
    assert answer.status_code == 429
    assert "Retry-After" not in answer.headers
    html = answer.headers["Content-Type"].startswith("text/html")
    assert html is (body == "html")
    assert ("X-RateLimit-Limit" not in answer.headers) is (body == "html")


def employee_id_mapping(onelogin: OneLogin, role: str, value: str) -> None:
    """A mapping: members of `role` get Employee ID = `value` (the seeded custom field)."""
    actions = {a["name"]: a["value"] for a in onelogin.ok("GET", "/api/2/mappings/actions")}
    body = {
        "name": f"employee id {value}",
        "enabled": True,
        "match": "all",
        "position": None,
        "conditions": [{"source": "has_role", "operator": "ri", "value": str(ROLE_IDS[role])}],
        "actions": [{"action": actions["Set Employee ID"], "value": [value]}],
    }
    assert onelogin.call("POST", "/api/2/mappings", body).status_code == 201


def reapply_and_read(onelogin: OneLogin, user: str) -> Any:
    requests.post(f"{onelogin.url}/_sandbox/mappings/reapply", timeout=10).raise_for_status()
    return onelogin.ok("GET", f"/api/2/users/{USER_IDS[user]}")["custom_attributes"]["employee_id"]


@both("first", "second")
def test_mapping_evaluation(profile: str, expected: str) -> None:
    # bob is in Engineering and SOE Moderators: both mappings match him, in position order.
    for onelogin in client(profile, custom_field_action_delay=0.0):
        employee_id_mapping(onelogin, "Engineering", "first")
        employee_id_mapping(onelogin, "SOE Moderators", "second")
        assert reapply_and_read(onelogin, "bob") == expected
        # A user only one mapping matches gets its value either way.
        assert reapply_and_read(onelogin, "alice") == "first"


@both("mapped", "direct")
def test_mappings_overwrite_user_values(profile: str, expected: str) -> None:
    for onelogin in client(profile, custom_field_action_delay=0.0):
        bob = USER_IDS["bob"]
        onelogin.ok("PUT", f"/api/2/users/{bob}?mappings=disabled", {"custom_attributes": {"employee_id": "direct"}})  # fmt: skip
        employee_id_mapping(onelogin, "SOE Moderators", "mapped")
        assert reapply_and_read(onelogin, "bob") == expected
        # An empty direct write gives the field back to the mappings, on both sides.
        onelogin.ok("PUT", f"/api/2/users/{bob}?mappings=disabled", {"custom_attributes": {"employee_id": ""}})  # fmt: skip
        assert reapply_and_read(onelogin, "bob") == "mapped"
