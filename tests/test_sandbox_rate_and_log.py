"""The rate budget control (`/_sandbox/rate_limit`) and the request log's query and body keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from onelogin_scim_setup.sandbox import Sandbox
from tests.sandbox_conftest_fixtures import SCIM_ENTERPRISE, USER_IDS, OneLogin, running


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running() as started:
        yield started


def test_rate_limit_control_reads_the_budget(sandbox: Sandbox) -> None:
    answer = OneLogin(sandbox).control("GET", "/rate_limit").json()
    assert (answer["limit"], answer["remaining"]) == (5000, 5000)
    assert 0 < answer["reset"] <= 3600


def test_rate_limit_control_sets_the_budget(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    body = {"limit": 5000, "remaining": 50, "reset": 3600}
    assert onelogin.control("PUT", "/rate_limit", body).json() == body
    response = onelogin.call("GET", "/api/2/roles")  # the token call spent one as well
    assert response.headers["X-RateLimit-Remaining"] == "48"


def test_rate_limit_control_keeps_omitted_fields(sandbox: Sandbox) -> None:
    answer = OneLogin(sandbox).control("PUT", "/rate_limit", {"remaining": 7}).json()
    assert (answer["limit"], answer["remaining"]) == (5000, 7)


@pytest.mark.parametrize(
    "body",
    [
        {"remaining": -1},
        {"remaining": 6000},
        {"reset": 4000},
        {"limit": "5000"},
        {"limit": True},
        {"budget": 1},
    ],
)
def test_rate_limit_control_checks_the_body(sandbox: Sandbox, body: dict[str, Any]) -> None:
    assert OneLogin(sandbox).control("PUT", "/rate_limit", body).status_code == 400


def spent(onelogin: OneLogin) -> None:
    onelogin.token()
    onelogin.control("PUT", "/rate_limit", {"remaining": 0, "reset": 120})


def test_a_spent_budget_answers_429_in_the_v2_shape(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    spent(onelogin)
    response = onelogin.call("GET", "/api/2/roles")
    assert response.status_code == 429
    assert response.json()["statusCode"] == 429
    assert response.json()["name"] == "TooManyRequestsError"
    assert 0 < int(response.headers["X-RateLimit-Reset"]) <= 120


def test_without_v2_headers_the_429_has_no_reset_header() -> None:
    with running(rate_limit_headers_on_v2=False) as sandbox:
        onelogin = OneLogin(sandbox)
        spent(onelogin)
        response = onelogin.call("GET", "/api/2/roles")
    assert response.status_code == 429
    assert "X-RateLimit-Reset" not in response.headers


def test_the_rate_limit_call_works_on_a_spent_budget_and_costs_nothing(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    spent(onelogin)
    for _ in range(2):
        answer = onelogin.call("GET", "/auth/rate_limit")
        assert answer.status_code == 200
        assert answer.json()["data"]["X-RateLimit-Remaining"] == 0


def test_the_rate_limit_call_is_never_faulted(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    onelogin.token()
    onelogin.control("PUT", "/faults", {"error_rate": 1.0, "drop_rate": 1.0})
    assert onelogin.call("GET", "/auth/rate_limit").status_code == 200


# --- the request log ---


def logged(onelogin: OneLogin) -> list[dict[str, Any]]:
    return [
        e
        for e in onelogin.control("GET", "/requests").json()
        if e["path"] != "/auth/oauth2/v2/token"
    ]


def test_the_log_records_query_parameters(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    onelogin.call("GET", "/api/2/users", fields="id,email", email="*@example.com")
    (entry,) = logged(onelogin)
    assert entry["query"] == {"fields": "id,email", "email": "*@example.com"}
    assert entry["body_keys"] == []


def test_the_log_records_nested_body_keys_and_no_values(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    body = {
        "connector_id": SCIM_ENTERPRISE,
        "name": "SCIM SOE",
        "parameters": {"userType": {"label": "userType", "include_in_saml_assertion": True}},
        "role_ids": [200002],
    }
    onelogin.call("POST", "/api/2/apps", body)
    (entry,) = logged(onelogin)
    assert entry["body_keys"] == [
        "connector_id",
        "name",
        "parameters",
        "parameters.userType",
        "parameters.userType.label",
        "parameters.userType.include_in_saml_assertion",
        "role_ids",
    ]
    assert "SCIM SOE" not in str(entry)


def test_the_log_records_custom_attribute_keys(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    onelogin.call(
        "PUT", f"/api/2/users/{USER_IDS['alice']}", {"custom_attributes": {"employee_id": "X"}}
    )
    (entry,) = logged(onelogin)
    assert entry["body_keys"] == ["custom_attributes", "custom_attributes.employee_id"]
    assert set(entry) == {"method", "path", "status", "query", "body_keys"}


def test_an_array_body_has_no_keys(sandbox: Sandbox) -> None:
    onelogin = OneLogin(sandbox)
    onelogin.call("PUT", "/api/2/roles/200002/apps", [1000001])
    assert logged(onelogin)[0]["body_keys"] == []
