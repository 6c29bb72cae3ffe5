"""onelogin/read.py: reading OneLogin into a Tenant; which mappings the tool owns (the exact
"<prefix>: " name form) and which of them have the exact shape it writes (only those may ever be
deleted); finding the mapping vocabulary."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import MappingVocabulary, Snapshot
from onelogin_scim_setup.model.tenant import (
    App,
    CustomField,
    MappingShape,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
    UserValues,
)
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import read
from onelogin_scim_setup.onelogin.vocabulary import (
    discover_vocabulary,
    match_actions,
    wait_for_actions,
)
from onelogin_scim_setup.secrets.token import fingerprint
from tests.helpers.onelogin_stub import BASE, CLIENT_ID, SECRET, count, token

API = f"{BASE}/api/2"
CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
# Any prefix: the rule is the separator, whatever the default prefix is.
PREFIX = "acme-scim"
OURS = f"{PREFIX}: userType for role Mods"
ROLE_TO_FIELD: dict[str, Any] = {
    "id": 3,
    "name": OURS,
    "enabled": True,
    "conditions": [{"source": "has_role", "operator": "ri", "value": "7"}],
    "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
}


DESIRED = Tenant(mappings={OURS: UserMapping(OURS, True, "Mods", "userType", "Moderator")})


def read_mappings(
    api: responses.RequestsMock,
    client: OneLoginClient,
    wire: list[dict[str, Any]],
    *,
    desired: Tenant | None = None,
    tenant_fields: list[dict[str, Any]] | None = None,
) -> Snapshot:
    fields = [{"id": 1, "name": "userType", "shortname": "userType"}]
    api.get(
        f"{API}/users/custom_attributes", json=fields if tenant_fields is None else tenant_fields
    )
    api.get(f"{API}/mappings", json=wire, match=[matchers.query_param_matcher({"enabled": "true"})])
    api.get(f"{API}/mappings", json=[], match=[matchers.query_param_matcher({"enabled": "false"})])
    api.get(f"{API}/mappings/actions", json=[{"name": "Set userType", "value": "set_usertype"}])
    api.get(
        f"{API}/mappings/conditions/has_role/operators", json=[{"name": "includes", "value": "ri"}]
    )
    api.get(f"{API}/roles", json=[{"id": 7, "name": "Mods"}])
    return read(client, desired or DESIRED, mapping_prefix=PREFIX, sensitive_keys=frozenset())


@pytest.mark.parametrize(
    "name",
    [
        f"{PREFIX}-eu: userType for role Mods",
        f"{PREFIX}:userType for role Mods",
        f"{PREFIX} userType for role Mods",
        f"x{PREFIX}: userType for role Mods",
        "Sales department",
    ],
)
def test_a_mapping_not_named_prefix_colon_space_is_not_ours(
    api: responses.RequestsMock, client: OneLoginClient, name: str
) -> None:
    snapshot = read_mappings(api, client, [{**ROLE_TO_FIELD, "name": name}])
    assert (snapshot.tenant.mappings, snapshot.ids.mappings) == ({}, {})


def test_an_owned_mapping_of_the_exact_shape_is_read_with_its_id(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    snapshot = read_mappings(api, client, [ROLE_TO_FIELD])
    assert (snapshot.tenant.mappings, snapshot.ids.mappings) == (
        {OURS: UserMapping(OURS, True, "Mods", "userType", "Moderator")},
        {OURS: 3},
    )


def test_a_disabled_owned_mapping_is_read_as_disabled(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    snapshot = read_mappings(api, client, [{**ROLE_TO_FIELD, "enabled": False}])
    assert snapshot.tenant.mappings[OURS].enabled is False


CONDITION = ROLE_TO_FIELD["conditions"][0]
ACTION = ROLE_TO_FIELD["actions"][0]


@pytest.mark.parametrize(
    "edit",
    [
        {"conditions": [CONDITION, {**CONDITION, "value": "8"}]},
        {"conditions": []},
        {"actions": [ACTION, {**ACTION, "value": ["Admin"]}]},
        {"actions": []},
        {"conditions": [{**CONDITION, "source": "has_group"}]},
        {"conditions": [{**CONDITION, "operator": "!ri"}]},
        {"actions": [{**ACTION, "action": "set_role"}]},
        {"actions": [{**ACTION, "value": ["Moderator", "Admin"]}]},
        {"actions": [{**ACTION, "value": []}]},
    ],
    ids=[
        "two conditions",
        "no condition",
        "two actions",
        "no action",
        "other condition source",
        "other operator",
        "other action",
        "two values",
        "no value",
    ],
)
def test_an_owned_mapping_edited_by_hand_is_of_another_shape(
    api: responses.RequestsMock, client: OneLoginClient, edit: dict[str, Any]
) -> None:
    snapshot = read_mappings(api, client, [{**ROLE_TO_FIELD, **edit}])
    assert snapshot.tenant.mappings[OURS] == UserMapping(
        OURS, True, "", "", "", shape=MappingShape.OTHER
    )


def test_a_role_the_tenant_no_longer_has_is_named_by_its_id(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    gone = {**ROLE_TO_FIELD, "conditions": [{**CONDITION, "value": "99"}]}
    snapshot = read_mappings(api, client, [gone])
    assert snapshot.tenant.mappings[OURS].role == "(role id 99)"


def vocabulary(
    api: responses.RequestsMock,
    client: OneLoginClient,
    actions: list[dict[str, str]],
    operators: list[dict[str, str]] | None = None,
) -> MappingVocabulary:
    api.get(f"{API}/mappings/actions", json=actions)
    api.get(
        f"{API}/mappings/conditions/has_role/operators",
        json=[{"name": "includes", "value": "ri"}] if operators is None else operators,
    )
    return discover_vocabulary(client, ["userType"], {"userType": "User Type"})


@pytest.mark.parametrize(
    "action",
    [
        {"name": "Set something", "value": "set_usertype"},
        {"name": "Set something", "value": "SET_USERTYPE"},
        {"name": "Set User Type", "value": "custom_attribute_17"},
    ],
    ids=["by value", "by value, any case", "by label"],
)
def test_the_action_of_a_custom_field_is_found_by_value_or_label(
    api: responses.RequestsMock, client: OneLoginClient, action: dict[str, str]
) -> None:
    found = vocabulary(api, client, [{"name": "Set role", "value": "set_role"}, action])
    assert found.actions == {"userType": action["value"]}


def test_a_value_match_wins_over_a_label_match(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    by_label = {"name": "Set User Type", "value": "custom_attribute_17"}
    found = vocabulary(api, client, [by_label, {"name": "x", "value": "set_usertype"}])
    assert found.actions == {"userType": "set_usertype"}


def test_two_value_matches_are_ambiguous_never_a_silent_pick(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    actions = [{"name": "a", "value": "set_usertype"}, {"name": "b", "value": "SET_USERTYPE"}]
    found = vocabulary(api, client, actions)
    assert found.actions == {}
    assert "'a' (set_usertype), 'b' (SET_USERTYPE)" in found.matches["userType"].problem


def test_a_label_naming_the_shortname_counts_when_the_field_has_no_name(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/mappings/actions", json=[{"name": "Set dept", "value": "custom_attribute_3"}])
    api.get(
        f"{API}/mappings/conditions/has_role/operators", json=[{"name": "includes", "value": "ri"}]
    )
    found = discover_vocabulary(client, ["dept"], {})
    assert found.actions == {"dept": "custom_attribute_3"}


def test_a_field_without_an_action_is_an_error_naming_it(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    found = vocabulary(api, client, [{"name": "Set role", "value": "set_role"}])
    with pytest.raises(OneLoginError, match="custom field 'userType'") as raised:
        found.action_for("userType")
    assert raised.value.hint is not None
    assert "Users > Custom User Fields" in raised.value.hint


@pytest.mark.parametrize(
    ("operators", "chosen"),
    [
        ([{"name": "does not include", "value": "nri"}, {"name": "x", "value": "ri"}], "ri"),
        ([{"name": "Includes", "value": "has"}], "has"),
        ([{"name": "include", "value": "inc"}], "inc"),
    ],
)
def test_the_includes_operator_is_found_by_value_or_name(
    api: responses.RequestsMock,
    client: OneLoginClient,
    operators: list[dict[str, str]],
    chosen: str,
) -> None:
    assert vocabulary(api, client, [], operators).role_operator == chosen


def test_no_includes_operator_is_an_error(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    with pytest.raises(OneLoginError, match="no 'includes' operator"):
        vocabulary(api, client, [], [{"name": "does not include", "value": "nri"}])


def test_owned_mappings_are_read_when_the_config_has_none_left(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # Config without promotions: every owned mapping is to be deleted, so it must be read whole.
    snapshot = read_mappings(api, client, [ROLE_TO_FIELD], desired=Tenant())
    assert (snapshot.tenant.mappings[OURS].role, snapshot.ids.roles) == ("Mods", {"Mods": 7})


def test_roles_are_listed_once_per_read(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    read_mappings(api, client, [ROLE_TO_FIELD])
    assert count(api, f"{API}/roles") == 1


def test_an_owned_mapping_is_recognised_before_its_custom_field_exists(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    snapshot = read_mappings(api, client, [ROLE_TO_FIELD], tenant_fields=[])
    assert snapshot.tenant.mappings[OURS].shape is MappingShape.ROLE_TO_FIELD


def stub_read(
    api: responses.RequestsMock, *, mappings: list[dict[str, object]], apps: list[dict[str, object]]
) -> None:
    api.get(
        f"{API}/users/custom_attributes",
        json=[{"id": 1, "name": "userType", "shortname": "userType"}],
    )
    api.get(
        f"{API}/connectors",
        json=[{"id": 130179, "name": CONNECTOR}, {"id": 1, "name": CONNECTOR + " x"}],
    )
    api.get(f"{API}/apps", json=apps)


def test_read_translates_owned_mappings_and_ignores_others(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    app = {"id": 9, "name": "SCIM SOE", "connector_id": 130179}
    stub_read(api, mappings=[], apps=[app])
    api.get(
        f"{API}/apps/9",
        json={**app, "role_ids": [7], "provisioning": {"enabled": True}, "parameters": {}},
    )
    api.get(f"{API}/roles", json=[{"id": 7, "name": "Mods"}])
    owned = {
        "id": 3,
        "name": "p: userType for role Mods",
        "enabled": True,
        "match": "all",
        "position": 2,
        "conditions": [{"source": "has_role", "operator": "ri", "value": "7"}],
        "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
    }
    foreign = {**owned, "id": 4, "name": "Sales department"}
    api.get(
        f"{API}/mappings",
        json=[owned, foreign],
        match=[matchers.query_param_matcher({"enabled": "true"})],
    )
    api.get(f"{API}/mappings", json=[], match=[matchers.query_param_matcher({"enabled": "false"})])
    api.get(f"{API}/mappings/actions", json=[{"name": "Set userType", "value": "set_usertype"}])
    api.get(
        f"{API}/mappings/conditions/has_role/operators", json=[{"name": "includes", "value": "ri"}]
    )
    desired = Tenant(
        app=App("SCIM SOE", CONNECTOR),
        roles={"Mods": RoleAssignment("Mods", False)},
        mappings={
            "p: userType for role Mods": UserMapping(
                "p: userType for role Mods", True, "Mods", "userType", "Admin"
            )
        },
    )
    snapshot = read(client, desired, mapping_prefix="p", sensitive_keys=frozenset())
    assert snapshot.tenant.mappings == {
        "p: userType for role Mods": UserMapping(
            "p: userType for role Mods", True, "Mods", "userType", "Moderator"
        )
    }
    assert snapshot.tenant.roles == {"Mods": RoleAssignment("Mods", True)}
    assert snapshot.ids.mappings == {"p: userType for role Mods": 3}


def test_two_apps_with_our_name_are_read_as_duplicates_listing_ids(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    twins = [{"id": i, "name": "SCIM SOE", "connector_id": 130179} for i in (12, 11)]
    api.get(f"{API}/users/custom_attributes", json=[])
    api.get(f"{API}/connectors", json=[{"id": 130179, "name": CONNECTOR}])
    api.get(f"{API}/apps", json=twins)
    api.get(f"{API}/roles", json=[])  # listed for drift even when the config names no role
    api.get(f"{API}/mappings", json=[])
    api.get(f"{API}/mappings", json=[])
    snapshot = read(
        client,
        Tenant(app=App("SCIM SOE", CONNECTOR)),
        mapping_prefix="p",
        sensitive_keys=frozenset(),
    )
    assert snapshot.tenant.app == App("SCIM SOE", CONNECTOR, duplicate_ids=(11, 12))
    assert snapshot.ids.app_id is None


def test_users_missing_custom_attributes_in_list_are_read_one_by_one(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/users/custom_attributes", json=[])
    api.get(f"{API}/mappings", json=[])
    api.get(f"{API}/mappings", json=[])
    api.get(f"{API}/users", json=[{"id": 42, "email": "D@x.io"}])
    api.get(
        f"{API}/users/42",
        json={"id": 42, "email": "D@x.io", "custom_attributes": {"userType": "Admin"}},
    )
    desired = Tenant(
        users={"d@x.io": UserValues("d@x.io", (("custom_attributes.userType", "Moderator"),))}
    )
    snapshot = read(client, desired, mapping_prefix="p", sensitive_keys=frozenset())
    assert snapshot.tenant.users["d@x.io"].values == (("custom_attributes.userType", "Admin"),)
    assert json.loads(json.dumps(snapshot.ids.user_custom_attributes)) == {
        "d@x.io": {"userType": "Admin"}
    }


ACTION_CASES = [
    # (actions OneLogin lists, the value found for userType or None)
    ([{"name": "Set userType", "value": "set_usertype"}], "set_usertype"),
    (
        [{"name": "Set userType", "value": "set_custom_attribute_80002"}],
        "set_custom_attribute_80002",
    ),
    ([{"name": "Set Employee ID", "value": "set_employee_id"}], None),
    (
        [
            {"name": "Set userType", "value": "set_custom_attribute_9"},
            {"name": "Set user type", "value": "set_userType"},
        ],
        "set_userType",  # a value match wins over a label match
    ),
]


@pytest.mark.parametrize(("listed", "found"), ACTION_CASES)
def test_mapping_action_is_found_by_value_or_label(
    listed: list[dict[str, object]], found: str | None
) -> None:
    assert match_actions(listed, ["userType"], {"userType": "userType"}).get("userType") == found


def test_action_is_asked_again_until_it_appears(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/mappings/actions", json=[])
    api.get(f"{API}/mappings/actions", json=[{"name": "Set userType", "value": "set_x_1"}])
    pauses: list[float] = []
    found = wait_for_actions(
        client, ["userType"], {}, wait=60, sleep=pauses.append, clock=lambda: 0.0
    )
    assert (found, len(pauses)) == ({"userType": "set_x_1"}, 1)


def read_roles(
    api: responses.RequestsMock,
    client: OneLoginClient,
    roles: list[dict[str, Any]],
    desired: Tenant,
    app_role_ids: list[int] | None = None,
) -> Snapshot:
    api.get(f"{API}/users/custom_attributes", json=[])
    api.get(f"{API}/mappings", json=[])
    api.get(f"{API}/roles", json=roles)
    if app_role_ids is not None:
        app = {"id": 9, "name": "SCIM SOE", "connector_id": 130179}
        api.get(f"{API}/connectors", json=[{"id": 130179, "name": CONNECTOR}])
        api.get(f"{API}/apps", json=[app])
        api.get(f"{API}/apps/9", json={**app, "role_ids": app_role_ids})
    return read(client, desired, mapping_prefix="p", sensitive_keys=frozenset())


MODS = Tenant(roles={"Mods": RoleAssignment("Mods", True)})


def test_a_duplicated_role_name_is_read_once_with_every_id_and_the_first_id_kept(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed = [{"id": 8, "name": "Mods"}, {"id": 7, "name": "Mods"}, {"id": 6, "name": "Sales"}]
    snapshot = read_roles(api, client, listed, MODS)
    assert snapshot.tenant.roles == {"Mods": RoleAssignment("Mods", False, (7, 8))}
    assert snapshot.ids.roles == {"Mods": 8, "Sales": 6}


@pytest.mark.parametrize(
    ("apps", "role_apps"),
    [
        pytest.param([[1, 2], []], {7: [1, 2], 8: []}, id="ids"),
        pytest.param([[{"id": 1}], None], {7: [1], 8: []}, id="objects and null"),
    ],
)
def test_each_roles_apps_are_kept_when_the_listing_has_them(
    api: responses.RequestsMock, client: OneLoginClient, apps: list[Any], role_apps: Any
) -> None:
    listed = [{"id": 7, "name": "Mods", "apps": apps[0]}, {"id": 8, "name": "x", "apps": apps[1]}]
    assert read_roles(api, client, listed, MODS).ids.role_apps == role_apps


def test_roles_apps_are_unknown_when_one_role_lacks_them(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed = [{"id": 7, "name": "Mods", "apps": [1]}, {"id": 8, "name": "x"}]
    assert read_roles(api, client, listed, MODS).ids.role_apps is None


def test_a_role_holding_the_app_is_read_even_when_the_config_does_not_name_it(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed = [{"id": 7, "name": "Mods"}, {"id": 8, "name": "Sales"}, {"id": 6, "name": "Ops"}]
    desired = Tenant(app=App("SCIM SOE", CONNECTOR), roles={"Ops": RoleAssignment("Ops", True)})
    snapshot = read_roles(api, client, listed, desired, app_role_ids=[8])
    assert snapshot.tenant.roles == {
        "Sales": RoleAssignment("Sales", True),
        "Ops": RoleAssignment("Ops", False),
    }


def test_a_duplicated_role_has_the_app_when_any_of_its_ids_has_it(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed = [{"id": 7, "name": "Mods"}, {"id": 8, "name": "Mods"}, {"id": 9, "name": "Mods"}]
    desired = Tenant(app=App("SCIM SOE", CONNECTOR), roles=MODS.roles)
    snapshot = read_roles(api, client, listed, desired, app_role_ids=[8])
    assert snapshot.tenant.roles == {"Mods": RoleAssignment("Mods", True, (7, 8, 9))}


def test_a_users_values_are_read_with_empty_ones_as_missing(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/users/custom_attributes", json=[])
    api.get(f"{API}/mappings", json=[])
    api.get(
        f"{API}/users",
        json=[
            {
                "id": 42,
                "email": "d@x.io",
                "title": "",
                "department": "Ops",
                "custom_attributes": {"userType": "Admin", "level": None},
            }
        ],
    )
    wanted = (
        ("title", "CTO"),
        ("department", "Ops"),
        ("custom_attributes.userType", "Moderator"),
        ("custom_attributes.level", "3"),
    )
    desired = Tenant(
        users={"gone@x.io": UserValues("gone@x.io", ()), "d@x.io": UserValues("d@x.io", wanted)}
    )
    snapshot = read(client, desired, mapping_prefix="p", sensitive_keys=frozenset())
    assert snapshot.tenant.users == {
        "d@x.io": UserValues(
            "d@x.io",
            (
                ("title", None),
                ("department", "Ops"),
                ("custom_attributes.userType", "Admin"),
                ("custom_attributes.level", None),
            ),
        )
    }
    assert (snapshot.ids.users, snapshot.ids.user_custom_attributes) == (
        {"d@x.io": 42},
        {"d@x.io": {"userType": "Admin", "level": None}},
    )


def test_read_gives_the_app_its_sensitive_keys_custom_fields_and_parameters(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    app = {"id": 9, "name": "SCIM SOE", "connector_id": 130179}
    api.get(
        f"{API}/users/custom_attributes",
        json=[{"shortname": "userType", "name": "User Type"}, {"shortname": "x", "name": None}],
    )
    api.get(f"{API}/mappings", json=[])
    api.get(f"{API}/roles", json=[])
    api.get(f"{API}/connectors", json=[{"id": 130179, "name": CONNECTOR}])
    api.get(f"{API}/apps", json=[app])
    api.get(
        f"{API}/apps/9",
        json={
            **app,
            "configuration": {"scim_bearer_token": "readable-token"},
            "provisioning": {"enabled": True},
            "parameters": {"title": {"user_attribute_mappings": "title"}},
        },
    )
    desired = Tenant(
        app=App("SCIM SOE", CONNECTOR, (("scim_bearer_token", "t"),)),
        parameters={"title": Parameter("title", "title", None)},
    )
    tenant = read(
        client, desired, mapping_prefix="p", sensitive_keys=frozenset({"scim_bearer_token"})
    ).tenant
    assert tenant.app == App(
        "SCIM SOE", CONNECTOR, (("scim_bearer_token", fingerprint("readable-token")),)
    )
    assert (tenant.provisioning, tenant.parameters, tenant.custom_fields) == (
        True,
        {"title": Parameter("title", "title", None)},
        {"userType": CustomField("userType", "User Type"), "x": CustomField("x", "")},
    )


class InFlight:
    """Counts the requests being answered at once (a `responses` callback for every GET)."""

    def __init__(self, users_pages: int) -> None:
        self.users_pages = users_pages
        self.now = self.peak = self.answered = 0
        self.lock = threading.Lock()

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        url = urlsplit(str(request.url))
        try:
            # Other listings answer slower than pages of users, so they are still in flight
            # while the pages of users are read in parallel.
            time.sleep(0.01 if url.path.endswith("/users") else 0.05)
            return self.answer(url)
        finally:
            with self.lock:
                self.now -= 1
                self.answered += 1

    def answer(self, url: SplitResult) -> tuple[int, dict[str, str], str]:
        path = url.path.removeprefix("/api/2")
        if path == "/users":
            number = int(parse_qs(url.query).get("page", ["1"])[0])
            headers = {"Total-Pages": str(self.users_pages), "Current-Page": str(number)}
            users = [
                {"id": number * 100 + i, "email": f"u{number}-{i}@x.io", "title": None}
                for i in range(3)
            ]
            return 200, headers, json.dumps(users)
        found: Any = {
            "/connectors": [{"id": 130179, "name": CONNECTOR}],
            "/apps": [{"id": 9, "name": "SCIM SOE", "connector_id": 130179}],
            "/apps/9": {"id": 9, "name": "SCIM SOE", "connector_id": 130179, "role_ids": []},
        }.get(path, [])
        return 200, {}, json.dumps(found)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_whole_read_never_has_more_requests_in_flight_than_the_concurrency(
    concurrency: int,
) -> None:
    in_flight = InFlight(users_pages=8)
    emails = [f"u{page}-0@x.io" for page in range(1, 9)]
    desired = Tenant(
        app=App("SCIM SOE", CONNECTOR),
        roles=MODS.roles,
        users={email: UserValues(email, (("title", "CTO"),)) for email in emails},
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        token(mock)
        mock.add_callback(responses.GET, re.compile(f"{API}/.*"), callback=in_flight)
        with OneLoginClient(BASE, CLIENT_ID, SECRET, concurrency=concurrency) as client:
            snapshot = read(client, desired, mapping_prefix="p", sensitive_keys=frozenset())
    assert sorted(snapshot.ids.users) == sorted(emails)
    # custom fields, connectors, apps, the app, roles, 2 mappings, 8 pages of users
    assert in_flight.answered == 15
    assert in_flight.peak <= concurrency


def test_a_user_already_as_wanted_is_the_desired_entry_itself_and_keeps_no_custom_map(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # One copy of each per-user entry from config to plan: a converged user is not copied again,
    # and only a user apply may write keeps the custom attributes its PUT sends.
    api.get(f"{API}/users/custom_attributes", json=[])
    api.get(f"{API}/mappings", json=[])
    listed = [
        {"id": 1, "email": "same@x.io", "department": "Ops", "custom_attributes": {"a": "1"}},
        {"id": 2, "email": "other@x.io", "department": "Eng", "custom_attributes": {"a": "2"}},
    ]
    api.get(f"{API}/users", json=listed)
    same = UserValues("same@x.io", (("department", "Ops"),))
    other = UserValues("other@x.io", (("department", "Ops"),))
    desired = Tenant(users={"same@x.io": same, "other@x.io": other})
    snapshot = read(client, desired, mapping_prefix="p", sensitive_keys=frozenset())
    assert snapshot.tenant.users["same@x.io"] is same
    assert snapshot.tenant.users["other@x.io"] == UserValues("other@x.io", (("department", "Eng"),))
    assert snapshot.ids.users == {"same@x.io": 1, "other@x.io": 2}
    assert snapshot.ids.user_custom_attributes == {"other@x.io": {"a": "2"}}
