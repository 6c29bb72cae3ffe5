"""The OneLogin client: pagination, duplicate-safe creates, each endpoint's quirks, no secret leaks."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import MaybeProcessed
from onelogin_scim_setup.onelogin.client import OneLoginClient
from tests.helpers.onelogin_stub import (
    ACCESS,
    ACCESS_2,
    BASE,
    BASIC,
    CLIENT_ID,
    SECRET,
    TOKEN_URL,
    count,
    token,
)

APPS, ROLES, MAPPINGS = f"{BASE}/api/2/apps", f"{BASE}/api/2/roles", f"{BASE}/api/2/mappings"
FIELDS, THINGS = f"{BASE}/api/2/users/custom_attributes", f"{BASE}/api/2/things"


@pytest.fixture
def client() -> Iterator[OneLoginClient]:
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=2, backoff_factor=0) as made:
        yield made


def query(**params: str) -> list[Any]:
    return [matchers.query_param_matcher(params)]


def body(expected: Any) -> list[Any]:
    return [matchers.json_params_matcher(expected)]


def page(
    api: responses.RequestsMock, url: str, ids: list[int], headers: Any = None, **params: str
) -> None:
    api.get(url, json=[{"id": i} for i in ids], headers=headers or {}, match=query(**params))


def ids_of(items: list[dict[str, Any]]) -> list[int]:
    return [int(item["id"]) for item in items]


def test_get_all_follows_after_cursor_over_three_pages(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    page(api, ROLES, [1, 2], {"After-Cursor": "c2"}, limit="650")
    page(
        api, ROLES, [3, 4], {"After-Cursor": "c3", "Before-Cursor": "c1"}, limit="650", cursor="c2"
    )
    page(api, ROLES, [5], {"Before-Cursor": "c2"}, limit="650", cursor="c3")
    assert ids_of(client.list_roles()) == [1, 2, 3, 4, 5]


def test_get_all_pages_by_number_without_cursor_headers(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    page(api, THINGS, [1, 2], limit="2")
    page(api, THINGS, [3, 4], limit="2", page="2")
    page(api, THINGS, [5], limit="2", page="3")
    assert ids_of(client.get_all("/api/2/things", limit=2)) == [1, 2, 3, 4, 5]


def test_get_all_stops_at_total_pages(api: responses.RequestsMock, client: OneLoginClient) -> None:
    page(api, THINGS, [1], {"Current-Page": "1", "Total-Pages": "2"}, limit="1")
    page(api, THINGS, [2], {"Current-Page": "2", "Total-Pages": "2"}, limit="1", page="2")
    assert ids_of(client.get_all("/api/2/things", limit=1)) == [1, 2]


def test_get_all_takes_a_page_answered_twice_as_the_whole_list(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    page(api, THINGS, [1, 2], limit="2")
    page(api, THINGS, [1, 2], limit="2", page="2")  # a server that ignores `page`
    assert ids_of(client.get_all("/api/2/things", limit=2)) == [1, 2]


def test_a_repeated_cursor_is_an_error_not_a_loop(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    page(api, ROLES, [1], {"After-Cursor": "same"}, limit="650")
    page(api, ROLES, [2], {"After-Cursor": "same"}, limit="650", cursor="same")
    with pytest.raises(OneLoginError, match="same After-Cursor twice"):
        client.list_roles()


def test_post_500_then_found_does_not_post_again(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(APPS, status=500, json={"statusCode": 500, "message": "Internal Server Error"})
    looked: list[bool] = []

    def find() -> dict[str, Any] | None:
        looked.append(True)
        return {"id": 9, "name": "SCIM SOE", "connector_id": 130179}

    assert client.create_app({"connector_id": 130179, "name": "SCIM SOE"}, find)["id"] == 9
    assert (count(api, APPS), len(looked)) == (1, 1)


def test_post_connection_error_with_nothing_found_is_sent_again(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(ROLES, body=requests.ConnectionError("connection reset by peer"))
    api.get(ROLES, json=[], match=query(name="SOE Admins", role_name="SOE Admins", limit="650"))
    api.post(ROLES, status=201, json={"id": 12}, match=body({"name": "SOE Admins"}))
    assert client.create_role("SOE Admins") == 12
    assert count(api, ROLES) == 3  # POST, the lookup, POST


def test_post_dropped_after_the_server_created_does_not_create_twice(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    server: list[dict[str, Any]] = []

    def create_then_drop(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        server.append({"id": 5, **json.loads(request.body or "{}")["user_field"]})
        raise requests.ConnectionError("connection dropped before the answer")

    api.add_callback(responses.POST, FIELDS, callback=create_then_drop)
    api.add_callback(responses.GET, FIELDS, callback=lambda _: (200, {}, json.dumps(server)))
    assert client.create_custom_attribute("User Type", "userType") == 5
    assert len(server) == 1


def test_create_gives_up_after_max_retries_when_nothing_is_found(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    for _ in range(3):
        api.post(APPS, status=503, json={"statusCode": 503, "message": "Unavailable"})
    with pytest.raises(MaybeProcessed) as caught:
        client.create("/api/2/apps", {"name": "x"}, find_existing=lambda: None)
    assert (caught.value.status, count(api, APPS)) == (503, 3)


def test_post_429_is_retried_by_the_adapter_because_it_was_refused(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(APPS, status=429, headers={"Retry-After": "0"}, json={"message": "Too Many Requests"})
    api.post(APPS, status=201, json={"id": 5, "name": "x"})
    assert client.create("/api/2/apps", {"name": "x"}, find_existing=lambda: None) == {
        "id": 5,
        "name": "x",
    }
    assert count(api, APPS) == 2


@pytest.mark.parametrize("answer", [{"id": 12}, [{"id": 12}]], ids=["object", "one-element array"])
def test_create_role_returns_the_id_from_an_object_or_an_array(
    api: responses.RequestsMock, client: OneLoginClient, answer: Any
) -> None:
    api.post(ROLES, status=201, json=answer, match=body({"name": "SOE Admins"}))
    assert client.create_role("SOE Admins") == 12


def test_create_custom_attribute_sends_the_user_field_wrapper(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(
        FIELDS,
        status=201,
        json={"id": 5},
        match=body({"user_field": {"name": "User Type", "shortname": "userType"}}),
    )
    assert client.create_custom_attribute("User Type", "userType") == 5


MAPPING = {"name": "m", "enabled": False, "match": "all", "conditions": [], "actions": []}


def test_create_mapping_drops_id_nulls_position_when_disabled_and_reads_nothing_back(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(MAPPINGS, status=201, json={"id": 77}, match=body({**MAPPING, "position": None}))
    assert client.create_mapping({**MAPPING, "id": 3, "position": 2}) == 77
    assert [c.request.method for c in api.calls if "/api/" in c.request.url] == ["POST"]


def test_update_mapping_drops_id_and_reads_nothing_back(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.put(f"{MAPPINGS}/77", json={"id": 77}, match=body({**MAPPING, "position": None}))
    client.update_mapping(77, {**MAPPING, "id": 77, "position": 4})
    assert [c.request.method for c in api.calls if "/api/" in c.request.url] == ["PUT"]


def test_set_role_apps_sends_a_raw_array(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.put(f"{ROLES}/7/apps", json=[{"id": 3}, {"id": 4}], match=body([3, 4]))
    assert client.set_role_apps(7, [3, 4]) == [3, 4]


def test_list_mappings_reads_enabled_and_disabled_once_each(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(MAPPINGS, json=[{"id": 1}, {"id": 2}], match=query(enabled="true"))
    api.get(MAPPINGS, json=[{"id": 2}, {"id": 3}], match=query(enabled="false"))
    assert [mapping["id"] for mapping in client.list_mappings()] == [1, 2, 3]


def test_update_user_disables_mappings_by_default(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    change = {"custom_attributes": {"userType": "Moderator"}}
    api.put(
        f"{BASE}/api/2/users/4",
        json={"id": 4, **change},
        match=[*query(mappings="disabled"), *body(change)],
    )
    assert client.update_user(4, change)["custom_attributes"] == {"userType": "Moderator"}


def test_list_users_passes_filters_and_fields(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(
        f"{BASE}/api/2/users",
        json=[{"id": 4}],
        match=query(email="a@example.com", fields="id,email", limit="100"),
    )
    assert client.list_users(email="a@example.com", fields="id,email") == [{"id": 4}]


def test_delete_mapping_takes_404_as_already_deleted(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.delete(f"{MAPPINGS}/77", status=404, json={"statusCode": 404, "message": "Not found"})
    api.delete(f"{MAPPINGS}/78", status=404, json={"statusCode": 404, "message": "Not found"})
    client.delete_mapping(77)
    with pytest.raises(OneLoginError) as caught:
        client.delete_mapping(78, missing_ok=False)
    assert caught.value.status == 404


def test_secrets_never_reach_logs_or_errors(
    api: responses.RequestsMock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `-v` logging set up by an earlier CLI test in this process must not hide the records.
    monkeypatch.setattr(logging.getLogger("onelogin_scim_setup"), "propagate", True)
    caplog.set_level(logging.DEBUG, logger="onelogin_scim_setup")
    caplog.set_level(logging.DEBUG)
    api.get(f"{APPS}/1", status=401, json={"message": "Unauthorized"})
    token(api, ACCESS_2)
    api.get(f"{APPS}/1", json={"id": 1})
    scim_token = "SCIM-TOKEN-0b7e5d2c91"
    echo = f"bad {scim_token}; token {ACCESS_2} for {SECRET} / Basic {BASIC}"
    api.put(f"{APPS}/1", status=422, json={"statusCode": 422, "message": echo})
    api.get(f"{APPS}/2", body=requests.ConnectionError("connection reset by peer"))
    api.post(TOKEN_URL, status=401, json={"message": f"Authentication Failure for {SECRET}"})
    errors: list[OneLoginError] = []
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0) as client:
        client.get_app(1)
        update = {"configuration": {"scim_bearer_token": scim_token}}
        for call in (lambda: client.update_app(1, update), lambda: client.get_app(2)):
            with pytest.raises(OneLoginError) as caught:
                call()
            errors.append(caught.value)
    with pytest.raises(OneLoginError) as caught:
        OneLoginClient(BASE, CLIENT_ID, SECRET).get_app(3)  # the token call itself fails
    errors.append(caught.value)
    texts = [caplog.text, *(record.getMessage() for record in caplog.records)]
    texts += [f"{error} {error!r} {error.hint}" for error in errors]
    assert "GET /api/2/apps/1 -> 200" in caplog.text  # the request lines are there...
    assert [error.status for error in errors] == [422, None, 401]
    for secret in (SECRET, ACCESS, ACCESS_2, BASIC, scim_token):
        assert not [text for text in texts if secret in text]  # ...and no secret is


def test_mapping_post_dropped_after_the_server_created_does_not_create_twice(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    server: list[dict[str, Any]] = []

    def create_then_drop(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        server.append({"id": 78 + len(server), **json.loads(request.body or "{}")})
        raise requests.ConnectionError("connection dropped before the answer")

    api.add_callback(responses.POST, MAPPINGS, callback=create_then_drop)
    api.add_callback(
        responses.GET,
        MAPPINGS,
        callback=lambda request: (200, {}, json.dumps(server if "true" in request.url else [])),
    )
    assert client.create_mapping(MAPPING) == 78
    assert len(server) == 1


RATE = f"{BASE}/auth/rate_limit"
BUDGET = {"X-RateLimit-Limit": 5000, "X-RateLimit-Remaining": 12, "X-RateLimit-Reset": 840}


def test_rate_limit_reads_the_budget_from_auth_rate_limit(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(RATE, json={"status": {"error": False, "code": 200}, "data": BUDGET})
    assert tuple(client.rate_limit()) == (5000, 12, 840)


def test_429_without_rate_headers_asks_auth_rate_limit_and_stops_at_once(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{APPS}/1", status=429, json={"statusCode": 429, "message": "Too Many"})
    api.get(RATE, json={"status": {"error": False, "code": 200}, "data": BUDGET})
    stopped = "it resets in 840 s \\(GET /auth/rate_limit\\); stopped at once"
    with pytest.raises(OneLoginError, match=stopped):
        client.get_app(1)
    assert (count(api, f"{APPS}/1"), count(api, RATE)) == (1, 1)


def test_429_without_rate_headers_and_a_near_reset_is_retried(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{APPS}/1", status=429, json={"message": "Too Many"})
    near = {**BUDGET, "X-RateLimit-Reset": 0}
    api.get(RATE, json={"status": {"error": False, "code": 200}, "data": near})
    api.get(f"{APPS}/1", json={"data": {"id": 1, "name": "SCIM SOE"}})
    client.get_app(1)
    assert (count(api, f"{APPS}/1"), count(api, RATE)) == (2, 1)


def test_429_while_asking_when_it_resets_is_not_asked_about_again(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    for _ in range(3):
        api.get(f"{APPS}/1", status=429, json={"message": "Too Many"})
        api.get(RATE, status=429, json={"message": "Too Many"})
    with pytest.raises(OneLoginError, match="OneLogin did not say when it resets"):
        client.get_app(1)
    # One question, before the first retry, itself retried by the adapter; never a nested one,
    # and not asked again for the error message.
    assert (count(api, f"{APPS}/1"), count(api, RATE)) == (3, 3)


def test_each_429_without_rate_headers_asks_when_it_resets(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    for _ in range(2):
        api.get(f"{APPS}/1", status=429, json={"message": "Too Many"})
        api.get(RATE, json={"status": {"error": False, "code": 200}, "data": BUDGET})
    for _ in range(2):
        with pytest.raises(OneLoginError, match="it resets in 840 s"):
            client.get_app(1)
    assert count(api, RATE) == 2


def test_429_with_a_reset_header_does_not_ask_auth_rate_limit(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    for _ in range(3):
        api.get(f"{APPS}/1", status=429, headers={"X-RateLimit-Reset": "5"}, json={})
    with pytest.raises(OneLoginError, match="it resets in 5 s"):
        client.get_app(1)
    assert count(api, RATE) == 0


def test_user_update_sends_empty_strings_not_null_for_custom_values(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    sent = {"custom_attributes": {"userType": "", "employee_id": "E1"}}
    api.put(f"{BASE}/api/2/users/4", json={"id": 4}, match=body(sent))
    client.update_user(4, {"custom_attributes": {"userType": None, "employee_id": "E1"}})


def test_role_lookup_matches_names_itself_when_the_filter_is_ignored(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # A tenant that ignores both filters answers every role; only the exact name counts.
    every = [{"id": 1, "name": "SOE Admins (old)"}, {"id": 2, "name": "SOE Admins"}]
    api.post(ROLES, body=requests.ConnectionError("connection reset by peer"))
    api.get(ROLES, json=every, match=query(name="SOE Admins", role_name="SOE Admins", limit="650"))
    assert client.create_role("SOE Admins") == 2
    assert count(api, ROLES) == 2  # the POST, the lookup; no second POST
