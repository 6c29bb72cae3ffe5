"""onelogin/apps.py: which app is ours (exact name on the exact connector; several are duplicates),
the app read into the tool's vocabulary (sensitive values only as "(write-only)" or fingerprints),
and what `discover` shows of it (secrets only as fingerprints)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import Ids
from onelogin_scim_setup.model.tenant import App, Parameter, Tenant
from onelogin_scim_setup.onelogin.apps import apps_named, describe_app, find_app, read_app
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.secrets.token import fingerprint
from tests.helpers.onelogin_stub import BASE, count, token

API = f"{BASE}/api/2"

TOKEN = "a-scim-token-that-is-long-enough-0123456789"
RAW: dict[str, Any] = {
    "id": 7,
    "name": "SCIM SOE",
    "connector_id": 123,
    "provisioning": {"enabled": True},
    "configuration": {"scim_bearer_token": "opaque", "scim_base_url": "https://x", "other": TOKEN},
    "parameters": {"scimusername": {"label": "scimusername", "default_value": TOKEN}},
}


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Stubs that may go unused: some tests here check that nothing is asked at all."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        token(mock)
        yield mock


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        pytest.param(("configuration", "scim_bearer_token"), f"(sensitive) {fingerprint('opaque')}", id="secret key"),
        pytest.param(("configuration", "other"), f"(sensitive) {fingerprint(TOKEN)}", id="known secret"),
        pytest.param(("configuration", "scim_base_url"), "https://x", id="plain value"),
        pytest.param(("parameters", "scimusername"), {"label": "scimusername", "default_value": f"(sensitive) {fingerprint(TOKEN)}"}, id="parameter"),
    ],
)  # fmt: skip
def test_describe_app_masks_secrets(path: tuple[str, str], shown: Any) -> None:
    described = describe_app(RAW, [TOKEN])
    assert described[path[0]][path[1]] == shown


def test_describe_app_shows_the_provisioning_state() -> None:
    assert describe_app(RAW, [])["provisioning"] == {"enabled": True}


def test_describe_app_never_holds_a_secret() -> None:
    assert TOKEN not in repr(describe_app(RAW, [TOKEN]))
    assert "opaque" not in repr(describe_app(RAW, [TOKEN]))


@pytest.mark.parametrize("word", ["token", "Secret", "PASSWORD", "bearer", "api_key", "credential"])
def test_describe_app_masks_every_key_that_looks_secret(word: str) -> None:
    described = describe_app({"configuration": {f"x_{word}": "plain"}}, [])
    assert described["configuration"] == {f"x_{word}": f"(sensitive) {fingerprint('plain')}"}


@pytest.mark.parametrize("value", ["", None], ids=["empty", "null"])
def test_describe_app_shows_an_empty_secret_as_it_is(value: Any) -> None:
    described = describe_app({"configuration": {"scim_bearer_token": value}}, [""])
    assert described["configuration"] == {"scim_bearer_token": value}


def test_describe_app_of_a_bare_app_has_every_section() -> None:
    assert describe_app({"id": 7}, []) == {
        "app": {"id": 7, "name": None, "connector_id": None},
        "provisioning": {},
        "configuration": {},
        "parameters": {},
    }


def test_describe_app_keeps_a_parameter_without_fields() -> None:
    assert describe_app({"parameters": {"title": None}}, [])["parameters"] == {"title": {}}


CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
NAME = "SCIM SOE"


def listed(api: responses.RequestsMock, apps: list[dict[str, Any]]) -> None:
    api.get(
        f"{API}/connectors",
        json=[{"id": 5, "name": CONNECTOR + " x"}, {"id": 130, "name": CONNECTOR}],
    )
    api.get(f"{API}/apps", json=apps)


def test_our_apps_are_those_of_the_exact_name_on_the_exact_connector_by_id(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    apps = [
        {"id": 12, "name": NAME, "connector_id": 130},
        {"id": 3, "name": NAME + " 2", "connector_id": 130},
        {"id": 4, "name": NAME, "connector_id": 5},
        {"id": 11, "name": NAME, "connector_id": 130},
    ]
    listed(api, apps)
    connector_id, ours, named = apps_named(client, NAME, CONNECTOR)
    assert (connector_id, [a["id"] for a in ours], [a["id"] for a in named]) == (
        130,
        [11, 12],
        [12, 4, 11],
    )


def test_ids_of_our_apps_are_ordered_as_numbers(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed(api, [{"id": i, "name": NAME, "connector_id": 130} for i in ("10", "9")])
    assert [a["id"] for a in apps_named(client, NAME, CONNECTOR)[1]] == ["9", "10"]


def test_a_connector_not_named_exactly_is_an_error_with_a_hint(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/connectors", json=[{"id": 5, "name": CONNECTOR.lower()}])
    with pytest.raises(OneLoginError) as raised:
        apps_named(client, NAME, CONNECTOR)
    assert (raised.value.args[0], raised.value.hint) == (
        f"no OneLogin connector is named exactly {CONNECTOR!r}",
        "Set app.connector to a connector name from the OneLogin app catalogue "
        "(Apps > Add Apps); names match exactly, including case.",
    )


def test_find_app_refuses_two_apps_of_our_name_naming_their_ids(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed(api, [{"id": i, "name": NAME, "connector_id": 130} for i in (12, 11)])
    with pytest.raises(OneLoginError) as raised:
        find_app(client, NAME, CONNECTOR)
    assert (raised.value.args[0], raised.value.hint) == (
        f"2 apps are named {NAME!r} on connector {CONNECTOR!r} (ids 11, 12); "
        "the tool cannot tell which one it manages",
        "Rename or delete the extra apps in OneLogin, or set app.name to a unique name.",
    )


@pytest.mark.parametrize(
    ("apps", "ours"),
    [
        ([{"id": 11, "name": NAME, "connector_id": 130}], {"id": 11, "name": NAME, "connector_id": 130}),
        ([{"id": 4, "name": NAME, "connector_id": 5}], None),
    ],
    ids=["one of ours", "only on another connector"],
)  # fmt: skip
def test_find_app_answers_the_one_app_or_none(
    api: responses.RequestsMock,
    client: OneLoginClient,
    apps: list[dict[str, Any]],
    ours: dict[str, Any] | None,
) -> None:
    listed(api, apps)
    assert find_app(client, NAME, CONNECTOR) == (130, ours, apps)


SENSITIVE = frozenset({"scim_bearer_token"})
TEMPLATE = '{"a": 1}'
DESIRED = Tenant(
    app=App(
        NAME,
        CONNECTOR,
        (("scim_bearer_token", "t"), ("scim_base_url", "https://soe"), ("template", TEMPLATE)),
    ),
    parameters={
        "scimusername": Parameter("scimusername", "email", None),
        "title": Parameter("title", "title", True),
    },
)
WIRE_APP: dict[str, Any] = {
    "id": 11,
    "name": NAME,
    "connector_id": 130,
    "role_ids": [7, 8],
    "provisioning": {"enabled": True},
    "configuration": {"scim_base_url": "https://soe", "template": '{ "a" : 1 }'},
    "parameters": {
        "scimusername": {"user_attribute_mappings": "email", "include_in_saml_assertion": True},
        "title": {"user_attribute_mappings": None, "include_in_saml_assertion": True},
        "other": {"user_attribute_mappings": "x"},
        "odd": "not an object",
    },
}
FOUND = (130, [{"id": 11, "name": NAME, "connector_id": 130}], [])


def read_wire(
    api: responses.RequestsMock,
    client: OneLoginClient,
    wire: dict[str, Any],
    desired: Tenant = DESIRED,
) -> tuple[Any, Ids]:
    api.get(f"{API}/apps/11", json=wire)
    ids = Ids()
    return read_app(client, desired, ids, SENSITIVE, FOUND), ids


@pytest.mark.parametrize(
    ("value", "read"),
    [
        pytest.param("********", "(write-only)", id="masked"),
        pytest.param("\u2022\u2022\u2022\u2022", "(write-only)", id="bullets"),
        pytest.param("****1234", "(write-only)", id="last four shown"),
        pytest.param(None, "(write-only)", id="omitted"),
        pytest.param("", "(write-only)", id="empty"),
        pytest.param("shown-token", fingerprint("shown-token"), id="readable"),
    ],
)
def test_a_sensitive_value_is_read_only_as_write_only_or_its_fingerprint(
    api: responses.RequestsMock, client: OneLoginClient, value: str | None, read: str
) -> None:
    configuration = {} if value is None else {"scim_bearer_token": value}
    wire = {**WIRE_APP, "configuration": configuration}
    (app, _, _), _ = read_wire(api, client, wire)
    assert dict(app.configuration)["scim_bearer_token"] == read


def test_the_app_is_read_in_the_tools_vocabulary(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    (app, provisioning, parameters), ids = read_wire(api, client, WIRE_APP)
    assert app == App(
        NAME,
        CONNECTOR,
        # Left out of the answer: unreadable, so never re-sent (docs/uncertain-facts.md row 11).
        (
            ("scim_bearer_token", "(write-only)"),
            ("scim_base_url", "https://soe"),
            ("template", TEMPLATE),
        ),
    )
    assert (provisioning, parameters) == (
        True,
        {
            "scimusername": Parameter("scimusername", "email", None),
            "title": Parameter("title", "", True),
        },
    )
    assert (ids.connector_id, ids.app_id, ids.app_role_ids) == (130, 11, [7, 8])
    assert ids.app_parameters == {
        "scimusername": {"user_attribute_mappings": "email", "include_in_saml_assertion": True},
        "title": {"user_attribute_mappings": None, "include_in_saml_assertion": True},
        "other": {"user_attribute_mappings": "x"},
    }


@pytest.mark.parametrize("value", ["{not json", "[1]"], ids=["not JSON", "other JSON"])
def test_a_value_that_is_not_the_same_json_is_read_as_it_is(
    api: responses.RequestsMock, client: OneLoginClient, value: str
) -> None:
    wire = {**WIRE_APP, "configuration": {"template": value}}
    (app, _, _), _ = read_wire(api, client, wire)
    assert dict(app.configuration)["template"] == value


def test_a_bare_app_is_read_without_roles_provisioning_or_parameters(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    (app, provisioning, parameters), ids = read_wire(api, client, {"id": 11})
    assert (app.configuration, provisioning, parameters) == (
        (("scim_bearer_token", "(write-only)"), ("scim_base_url", ""), ("template", "")),
        False,
        {},
    )
    assert (ids.app_role_ids, ids.app_parameters) == ([], {})


@pytest.mark.parametrize(
    ("desired", "found", "read"),
    [
        pytest.param(Tenant(), FOUND, (None, None, {}), id="no app in the config"),
        pytest.param(DESIRED, None, (None, None, {}), id="apps not listed"),
        pytest.param(DESIRED, (130, [], []), (None, None, {}), id="no app of that name"),
        pytest.param(DESIRED, (130, [], [{"id": 4, "connector_id": 5}]), (App(NAME, "connector id 5"), None, {}), id="on another connector"),
        pytest.param(DESIRED, (130, [{"id": 11}, {"id": 12}], []), (App(NAME, CONNECTOR, duplicate_ids=(11, 12)), None, {}), id="duplicates"),
    ],
)  # fmt: skip
def test_without_exactly_one_app_of_ours_nothing_is_fetched(
    api: responses.RequestsMock,
    client: OneLoginClient,
    desired: Tenant,
    found: Any,
    read: Any,
) -> None:
    ids = Ids()
    assert read_app(client, desired, ids, SENSITIVE, found) == read
    assert (ids.app_id, count(api, f"{API}/apps/11")) == (None, 0)


def test_connectors_and_apps_are_listed_by_name_not_whole(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    listed(api, [])
    apps_named(client, NAME, CONNECTOR)
    queries = {call.request.url.split("?")[0]: call.request.url for call in api.calls}
    assert (
        parse_qs(urlsplit(queries[f"{API}/connectors"]).query)["name"],
        parse_qs(urlsplit(queries[f"{API}/apps"]).query)["name"],
    ) == ([CONNECTOR], [NAME])
