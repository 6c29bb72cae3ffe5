"""Every field the tool reads from a server's answer is checked where it enters (issue 19): a
OneLogin or SOE answer with a field of the wrong type, a bad id, a wrong shape, NaN, Infinity or a
lone surrogate is a `OneLoginError` / `ScimError` naming the endpoint and the field, never a
misread value or a crash further on. Each case feeds one bad value into an otherwise good tenant,
so the case fails if that field is not checked."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from requests import PreparedRequest

from onelogin_scim_setup.errors import OneLoginError, ScimError
from onelogin_scim_setup.model.tenant import (
    App,
    CustomField,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
    UserValues,
)
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import read
from onelogin_scim_setup.onelogin.vocabulary import describe_vocabulary
from onelogin_scim_setup.soe.client import ScimClient
from onelogin_scim_setup.soe.users import ENTERPRISE_USER
from tests.helpers.onelogin_stub import BASE, CLIENT_ID, SECRET, token

API = f"{BASE}/api/2"
CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
PREFIX = "acme-scim"
OURS = f"{PREFIX}: userType for role Mods"
EMAIL = "ada@example.com"

# What a good tenant answers, by path (and, for the users, by which listing it is).
GOOD: dict[str, Any] = {
    "/api/2/users/custom_attributes": [{"id": 1, "name": "User type", "shortname": "userType"}],
    "/api/2/connectors": [{"id": 130, "name": CONNECTOR}],
    "/api/2/apps": [{"id": 11, "name": "SCIM SOE", "connector_id": 130}],
    "/api/2/apps/11": {
        "id": 11,
        "name": "SCIM SOE",
        "connector_id": 130,
        "role_ids": [7],
        "provisioning": {"enabled": True},
        "configuration": {"scim_base_url": "https://soe.example"},
        "parameters": {
            "scimusername": {"user_attribute_mappings": "email", "include_in_saml_assertion": True}
        },
    },
    "/api/2/roles": [{"id": 7, "name": "Mods", "apps": [11], "users": [100]}],
    "/api/2/mappings": [
        {
            "id": 3,
            "name": OURS,
            "enabled": True,
            "position": 1,
            "conditions": [{"source": "has_role", "operator": "ri", "value": "7"}],
            "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
        }
    ],
    "/api/2/mappings/actions": [{"name": "Set User type", "value": "set_usertype"}],
    "/api/2/mappings/conditions/has_role/operators": [{"name": "includes", "value": "ri"}],
    "users by email": [
        {
            "id": 100,
            "email": EMAIL,
            "department": "Eng",
            "custom_attributes": {"userType": "Moderator"},
        }
    ],
    "holders": [
        {
            "id": 100,
            "email": EMAIL,
            "role_ids": [7],
            "custom_attributes": {"userType": "Moderator"},
        }
    ],
}

DESIRED = Tenant(
    custom_fields={"userType": CustomField("userType", "User type")},
    app=App("SCIM SOE", CONNECTOR, ()),
    parameters={"scimusername": Parameter("scimusername", "email", True)},
    roles={"Mods": RoleAssignment("Mods", has_app=True)},
    mappings={OURS: UserMapping(OURS, True, "Mods", "userType", "Moderator")},
    users={
        EMAIL: UserValues(
            EMAIL, (("custom_attributes.userType", "Moderator"), ("department", "Eng"))
        )
    },
)


def _key(request: PreparedRequest) -> str:
    parts = urlsplit(str(request.url))
    query = parse_qs(parts.query)
    if parts.path == "/api/2/users":
        return "holders" if "custom_attributes.userType" in query else "users by email"
    if parts.path == "/api/2/mappings" and query.get("enabled") == ["false"]:
        return "disabled mappings"
    return parts.path


@pytest.fixture
def tenant() -> Iterator[tuple[dict[str, Any], Callable[[], Any]]]:
    """(the answers, a function reading the tenant): change an answer, then read."""
    answers = copy.deepcopy(GOOD)
    answers["disabled mappings"] = []
    bodies: dict[str, str] = {}  # a raw body instead of the JSON of `answers`

    def answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        key = _key(request)
        return 200, {}, bodies.get(key) or json.dumps(answers[key])

    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
        OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0) as client,
    ):
        token(api)
        api.add_callback(responses.GET, re.compile(re.escape(API) + ".*"), callback=answer)
        answers["raw bodies"] = bodies

        def run() -> Any:
            return read(
                client,
                DESIRED,
                mapping_prefix=PREFIX,
                sensitive_keys=frozenset(),
                holders_of=("userType", ("Moderator",)),
            )

        yield answers, run


def test_the_good_tenant_reads_cleanly(tenant: tuple[dict[str, Any], Callable[[], Any]]) -> None:
    """The baseline every case below spoils in one field."""
    _, run = tenant
    snapshot = run()
    assert snapshot.ids.app_id == 11
    assert snapshot.ids.roles == {"Mods": 7}
    assert snapshot.tenant.mappings[OURS].role == "Mods"
    assert snapshot.tenant.users[EMAIL] == DESIRED.users[EMAIL]
    assert [h.id for h in snapshot.holders] == [100]


BAD_IDS = [
    pytest.param("abc", id="letters"),
    pytest.param(True, id="bool"),
    pytest.param(1.5, id="float"),
    pytest.param(-7, id="negative"),
    pytest.param(2**64, id="huge"),
    pytest.param({"a": 1}, id="object"),
    pytest.param([1], id="list"),
    pytest.param(None, id="null"),
]
BAD_TEXTS = [
    pytest.param(12, id="number"),
    pytest.param(["x"], id="list"),
    pytest.param({"a": "b"}, id="object"),
    pytest.param(True, id="bool"),
]
BAD_FLAGS = [
    pytest.param("yes", id="text"),
    pytest.param(1, id="number"),
    pytest.param([], id="list"),
]
BAD_PLAINS = [
    pytest.param({"a": 1}, id="object"),
    pytest.param([1, 2], id="list"),
]
BAD_LISTS = [
    pytest.param("x", id="text"),
    pytest.param({"a": 1}, id="object"),
    pytest.param(3, id="number"),
]
BAD_OBJECTS = [
    pytest.param("x", id="text"),
    pytest.param([1], id="list"),
    pytest.param(3, id="number"),
]

# (answer key, endpoint named, path to the field inside the answer, the field the error names)
ID_FIELDS = [
    ("/api/2/connectors", "/api/2/connectors", [0, "id"], "id"),
    ("/api/2/apps", "/api/2/apps", [0, "id"], "id"),
    ("/api/2/apps", "/api/2/apps", [0, "connector_id"], "connector_id"),
    ("/api/2/apps/11", "/api/2/apps/11", ["id"], "id"),
    # Refused by the app's shape check (onelogin.api.app_shape), which names the whole list.
    ("/api/2/apps/11", "/api/2/apps/11", ["role_ids", 0], "role_ids"),
    ("/api/2/roles", "/api/2/roles", [0, "id"], "id"),
    ("/api/2/roles", "/api/2/roles", [0, "apps", 0], "apps[0]"),
    ("/api/2/roles", "/api/2/roles", [0, "users", 0], "users[0]"),
    ("/api/2/mappings", "/api/2/mappings", [0, "id"], "id"),
    ("users by email", "/api/2/users", [0, "id"], "id"),
    ("holders", "/api/2/users", [0, "id"], "id"),
    ("holders", "/api/2/users", [0, "role_ids", 0], "role_ids[0]"),
]
TEXT_FIELDS = [
    ("/api/2/users/custom_attributes", "/api/2/users/custom_attributes", [0, "shortname"], None),
    ("/api/2/users/custom_attributes", "/api/2/users/custom_attributes", [0, "name"], "name"),
    ("/api/2/connectors", "/api/2/connectors", [0, "name"], "name"),
    ("/api/2/apps", "/api/2/apps", [0, "name"], "name"),
    (
        "/api/2/apps/11",
        "/api/2/apps/11",
        ["parameters", "scimusername", "user_attribute_mappings"],
        "parameters.scimusername.user_attribute_mappings",
    ),
    ("/api/2/roles", "/api/2/roles", [0, "name"], "name"),
    ("/api/2/mappings", "/api/2/mappings", [0, "name"], "name"),
    ("/api/2/mappings", "/api/2/mappings", [0, "conditions", 0, "source"], "conditions[0].source"),
    (
        "/api/2/mappings",
        "/api/2/mappings",
        [0, "conditions", 0, "operator"],
        "conditions[0].operator",
    ),
    ("/api/2/mappings", "/api/2/mappings", [0, "actions", 0, "action"], "actions[0].action"),
    ("/api/2/mappings/actions", "/api/2/mappings/actions", [0, "value"], "value"),
    ("/api/2/mappings/actions", "/api/2/mappings/actions", [0, "name"], "name"),
    (
        "/api/2/mappings/conditions/has_role/operators",
        "/api/2/mappings/conditions/has_role/operators",
        [0, "value"],
        "value",
    ),
    ("users by email", "/api/2/users", [0, "email"], "email"),
    ("holders", "/api/2/users", [0, "email"], "email"),
]
FLAG_FIELDS = [
    ("/api/2/apps/11", "/api/2/apps/11", ["provisioning", "enabled"], "provisioning.enabled"),
    (
        "/api/2/apps/11",
        "/api/2/apps/11",
        ["parameters", "scimusername", "include_in_saml_assertion"],
        "parameters.scimusername.include_in_saml_assertion",
    ),
    ("/api/2/mappings", "/api/2/mappings", [0, "enabled"], "enabled"),
]
PLAIN_FIELDS = [
    (
        "/api/2/apps/11",
        "/api/2/apps/11",
        ["configuration", "scim_base_url"],
        "configuration",
    ),
    ("/api/2/mappings", "/api/2/mappings", [0, "conditions", 0, "value"], "conditions[0].value"),
    ("/api/2/mappings", "/api/2/mappings", [0, "actions", 0, "value", 0], "actions[0].value[0]"),
    ("users by email", "/api/2/users", [0, "department"], "department"),
    (
        "users by email",
        "/api/2/users",
        [0, "custom_attributes", "userType"],
        "custom_attributes.userType",
    ),
    ("holders", "/api/2/users", [0, "custom_attributes", "userType"], "custom_attributes.userType"),
]
LIST_FIELDS = [
    ("/api/2/apps/11", "/api/2/apps/11", ["role_ids"], "role_ids"),
    ("/api/2/roles", "/api/2/roles", [0, "apps"], "apps"),
    ("/api/2/roles", "/api/2/roles", [0, "users"], "users"),
    ("/api/2/mappings", "/api/2/mappings", [0, "conditions"], "conditions"),
    ("/api/2/mappings", "/api/2/mappings", [0, "actions"], "actions"),
    ("/api/2/mappings", "/api/2/mappings", [0, "actions", 0, "value"], "actions[0].value"),
    ("holders", "/api/2/users", [0, "role_ids"], "role_ids"),
]
OBJECT_FIELDS = [
    ("/api/2/apps/11", "/api/2/apps/11", ["configuration"], "configuration"),
    ("/api/2/apps/11", "/api/2/apps/11", ["provisioning"], "provisioning"),
    ("/api/2/apps/11", "/api/2/apps/11", ["parameters"], "parameters"),
    ("/api/2/apps/11", "/api/2/apps/11", ["parameters", "scimusername"], "parameters.scimusername"),
    ("/api/2/mappings", "/api/2/mappings", [0, "conditions", 0], "conditions[0]"),
    ("/api/2/mappings", "/api/2/mappings", [0, "actions", 0], "actions[0]"),
    ("users by email", "/api/2/users", [0, "custom_attributes"], "custom_attributes"),
    ("holders", "/api/2/users", [0, "custom_attributes"], "custom_attributes"),
]


def _cases(fields: list[Any], values: list[Any]) -> list[Any]:
    return [
        pytest.param(
            *field, value.values[0], id=f"{field[0]}:{'.'.join(map(str, field[2]))}-{value.id}"
        )
        for field in fields
        for value in values
    ]


def _set(answer: Any, where: list[Any], value: Any) -> None:
    for step in where[:-1]:
        answer = answer[step]
    answer[where[-1]] = value


def _refused(
    tenant: tuple[dict[str, Any], Callable[[], Any]], key: str, where: list[Any], value: Any
) -> OneLoginError:
    answers, run = tenant
    _set(answers[key], where, value)
    with pytest.raises(OneLoginError) as raised:
        run()
    return raised.value


def _assert_names(error: OneLoginError, endpoint: str, field: str | None) -> None:
    assert (error.method, error.path) == ("GET", endpoint), error.lines()
    text = "\n".join(error.lines())
    assert f"GET {endpoint}" in text
    if field is not None:  # a field the generic listing check refuses first names it its own way
        assert f"field {field}" in error.message, error.message


@pytest.mark.parametrize(
    ("key", "endpoint", "where", "field", "value"),
    _cases(ID_FIELDS, BAD_IDS)
    + _cases(TEXT_FIELDS, BAD_TEXTS)
    + _cases(FLAG_FIELDS, BAD_FLAGS)
    + _cases(PLAIN_FIELDS, BAD_PLAINS)
    + _cases(LIST_FIELDS, BAD_LISTS)
    + _cases(OBJECT_FIELDS, BAD_OBJECTS),
)
def test_a_bad_field_is_an_error_naming_the_endpoint_and_the_field(
    tenant: tuple[dict[str, Any], Callable[[], Any]],
    key: str,
    endpoint: str,
    where: list[Any],
    field: str | None,
    value: Any,
) -> None:
    if field == "connector_id" and value is None:
        # Null is allowed there: an app listed without its connector is not the tool's app.
        answers, run = tenant
        _set(answers[key], where, value)
        assert run().ids.app_id is None
        return
    error = _refused(tenant, key, where, value)
    _assert_names(error, endpoint, field)
    assert error.hint is not None


@pytest.mark.parametrize(
    ("key", "endpoint", "where", "field"),
    [
        (
            "/api/2/users/custom_attributes",
            "/api/2/users/custom_attributes",
            [0, "shortname"],
            "shortname",
        ),
        ("/api/2/roles", "/api/2/roles", [0, "name"], "name"),
        # (A looked-up user without an email, or with "", is simply not the one asked for.)
        ("holders", "/api/2/users", [0, "email"], "email"),
    ],
)
@pytest.mark.parametrize("value", ["", None], ids=["empty", "missing"])
def test_a_name_the_tool_keys_by_must_be_there(
    tenant: tuple[dict[str, Any], Callable[[], Any]],
    key: str,
    endpoint: str,
    where: list[Any],
    field: str,
    value: Any,
) -> None:
    answers, run = tenant
    if value is None:
        del answers[key][0][where[-1]]
        with pytest.raises(OneLoginError) as raised:
            run()
        _assert_names(raised.value, endpoint, field)
    else:
        _assert_names(_refused(tenant, key, where, value), endpoint, field)


@pytest.mark.parametrize(
    ("key", "endpoint"),
    [
        ("/api/2/users/custom_attributes", "/api/2/users/custom_attributes"),
        ("/api/2/roles", "/api/2/roles"),
        ("/api/2/mappings", "/api/2/mappings"),
        ("/api/2/apps/11", "/api/2/apps/11"),
        ("users by email", "/api/2/users"),
        ("holders", "/api/2/users"),
        ("/api/2/mappings/actions", "/api/2/mappings/actions"),
    ],
)
@pytest.mark.parametrize(
    "poison",
    [
        pytest.param("NaN", id="NaN"),
        pytest.param("Infinity", id="Infinity"),
        pytest.param("-Infinity", id="minus-Infinity"),
        pytest.param('"a\\ud800b"', id="lone-surrogate"),
        pytest.param('"\\udfff"', id="lone-low-surrogate"),
    ],
)
def test_nan_infinity_and_lone_surrogates_are_refused_naming_the_endpoint(
    tenant: tuple[dict[str, Any], Callable[[], Any]], key: str, endpoint: str, poison: str
) -> None:
    """Refused with the whole answer, before any field is read (bounds.loads): the error names
    the endpoint and what the JSON holds."""
    answers, run = tenant
    marker = "__poison__"
    target = answers[key][0] if isinstance(answers[key], list) else answers[key]
    first = next(k for k in target if k not in ("id",))
    target[first] = marker
    answers["raw bodies"][key] = json.dumps(answers[key]).replace(f'"{marker}"', poison)
    with pytest.raises(OneLoginError) as raised:
        run()
    assert (raised.value.method, raised.value.path) == ("GET", endpoint)
    assert "refused" in raised.value.message


@pytest.mark.parametrize(
    ("key", "body"),
    [
        ("/api/2/roles", [3]),
        ("/api/2/mappings", ["x"]),
        ("/api/2/apps/11", []),
        ("/api/2/mappings/actions", {"a": 1}),
    ],
)
def test_a_wrong_shape_is_refused_naming_the_endpoint(
    tenant: tuple[dict[str, Any], Callable[[], Any]], key: str, body: Any
) -> None:
    answers, run = tenant
    answers[key] = body
    with pytest.raises(OneLoginError) as raised:
        run()
    assert raised.value.path == key


def test_a_has_role_value_that_is_no_id_is_a_hand_made_mapping(
    tenant: tuple[dict[str, Any], Callable[[], Any]],
) -> None:
    """A condition value is checked plain text; a has_role one that names no role id is a shape
    the tool never writes: read as "other" (the diff leaves it to a person), never a crash."""
    answers, run = tenant
    answers["/api/2/mappings"][0]["conditions"][0]["value"] = "Mods"
    snapshot = run()
    assert snapshot.tenant.mappings[OURS].shape.value == "other"


def test_discover_refuses_a_bad_field_too() -> None:
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
        OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0) as client,
    ):
        token(api)
        api.get(f"{API}/users/custom_attributes", json=GOOD["/api/2/users/custom_attributes"])
        api.get(f"{API}/mappings/actions", json=GOOD["/api/2/mappings/actions"])
        api.get(
            f"{API}/mappings/conditions/has_role/operators", json=[{"name": "includes", "value": 3}]
        )
        with pytest.raises(OneLoginError) as raised:
            describe_vocabulary(client, ["userType"])
    assert raised.value.path == "/api/2/mappings/conditions/has_role/operators"
    assert "field value" in raised.value.message


# --- SOE -----------------------------------------------------------------------------------------

SCIM = "https://soe.example/api/scim/v2"
SCIM_TOKEN = "tok-" + "Q" * 44
GOOD_SCIM_USER: dict[str, Any] = {
    "id": "42",
    "userName": EMAIL,
    "active": True,
    "userType": "Moderator",
    "department": "Eng",
    "title": "Dev",
    ENTERPRISE_USER: {"department": "Eng"},
    "emails": [{"value": EMAIL, "primary": True}],
}

SCIM_FIELDS = [
    (
        ["id"],
        [
            pytest.param([1], id="list"),
            pytest.param({"a": 1}, id="object"),
            pytest.param("", id="empty"),
            pytest.param(None, id="missing"),
            pytest.param(True, id="bool"),
        ],
        "id",
    ),
    (["userName"], [*BAD_TEXTS, pytest.param(None, id="missing")], "userName"),
    (["active"], BAD_FLAGS, "active"),
    (["userType"], BAD_TEXTS, "userType"),
    (["department"], BAD_TEXTS, "department"),
    (["title"], BAD_TEXTS, "title"),
    ([ENTERPRISE_USER], BAD_OBJECTS, ENTERPRISE_USER),
    ([ENTERPRISE_USER, "department"], BAD_TEXTS, f"{ENTERPRISE_USER}.department"),
    (["emails"], BAD_OBJECTS[:1] + BAD_OBJECTS[2:], "emails"),
    (["emails", 0], BAD_TEXTS[:2] + BAD_TEXTS[3:], "emails[0].value"),
    (["emails", 0, "value"], BAD_TEXTS, "emails[0].value"),
]


def _scim_cases() -> list[Any]:
    return [
        pytest.param(where, value.values[0], field, id=f"{'.'.join(map(str, where))}-{value.id}")
        for where, values, field in SCIM_FIELDS
        for value in values
    ]


def _spoiled(where: list[Any], value: Any) -> dict[str, Any]:
    user = copy.deepcopy(GOOD_SCIM_USER)
    _set(user, where, value)
    return user


def _list_response(*users: dict[str, Any]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(users),
        "Resources": list(users),
    }


@pytest.mark.parametrize(("where", "value", "field"), _scim_cases())
@pytest.mark.parametrize("reader", ["list_users", "get_user", "find_user"])
def test_a_bad_scim_field_is_an_error_naming_the_endpoint_and_the_field(
    reader: str, where: list[Any], value: Any, field: str
) -> None:
    user = _spoiled(where, value)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{SCIM}/Users/42", json=user)
        mock.get(f"{SCIM}/Users", json=_list_response(user))
        with ScimClient(SCIM, SCIM_TOKEN) as client:
            read: Callable[[], Any] = {
                "list_users": lambda: list(client.list_users()),
                "get_user": lambda: client.get_user(42),
                "find_user": lambda: client.find_user(EMAIL),
            }[reader]
            with pytest.raises(ScimError) as raised:
                read()
    message = raised.value.message
    endpoint = {"list_users": "GET /Users?startIndex=1", "get_user": "GET /Users/42"}
    assert message.startswith(endpoint.get(reader, "GET /Users?filter")), message
    assert f"(field {field}" in message, message


def test_the_good_scim_user_reads_cleanly() -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{SCIM}/Users", json=_list_response(GOOD_SCIM_USER))
        with ScimClient(SCIM, SCIM_TOKEN) as client:
            assert list(client.list_users()) == [GOOD_SCIM_USER]


def test_a_scim_resource_that_is_no_object_is_refused() -> None:
    with responses.RequestsMock() as mock:
        mock.get(f"{SCIM}/Users", json=_list_response(GOOD_SCIM_USER, "x"))  # type: ignore[arg-type]
        with ScimClient(SCIM, SCIM_TOKEN) as client, pytest.raises(ScimError) as raised:
            list(client.list_users())
    assert "Resources[1] is a str" in raised.value.message


@pytest.mark.parametrize(
    ("key", "where", "value", "field"),
    [
        ("/api/2/users/custom_attributes", [0, "shortname"], 5, "shortname"),
        ("/api/2/roles", [0, "name"], ["x"], "name"),
        ("/api/2/roles", [0, "id"], "seven", "id"),
        ("/api/2/mappings", [0, "enabled"], "yes", "enabled"),
        ("/api/2/mappings", [0, "actions", 0, "value"], "Moderator", "actions[0].value"),
        ("/api/2/apps/11", ["parameters", "scimusername"], "email", "parameters.scimusername"),
        ("/api/2/apps/11", ["role_ids"], {"a": 1}, "role_ids"),
    ],
)
def test_import_refuses_a_bad_field_naming_the_endpoint_and_the_field(
    key: str, where: list[Any], value: Any, field: str
) -> None:
    from onelogin_scim_setup.ops.adopt import read_setup

    answers = copy.deepcopy(GOOD)
    answers["disabled mappings"] = []
    # import recognises the userType field by the parameter it feeds, then reads the mappings.
    answers["/api/2/apps/11"]["parameters"]["userType"] = {
        "user_attribute_mappings": "custom_attribute_userType"
    }
    _set(answers[key], where, value)

    def answer(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        return 200, {}, json.dumps(answers[_key(request)])

    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as api,
        OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0) as client,
    ):
        token(api)
        api.add_callback(responses.GET, re.compile(re.escape(API) + ".*"), callback=answer)
        with pytest.raises(OneLoginError) as raised:
            read_setup(client, "SCIM SOE", CONNECTOR)
    assert raised.value.path == key, raised.value.lines()
    assert f"field {field}" in raised.value.message, raised.value.message
