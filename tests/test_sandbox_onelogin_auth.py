"""The OneLogin emulator's front door: tokens, bearer checks, error shapes, rate limit, scope."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from onelogin_scim_setup.sandbox import Sandbox
from tests.sandbox_conftest_fixtures import CLIENT, OneLogin, running

TOKEN_PATH = "/auth/oauth2/v2/token"
GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running() as started:
        yield started


def post_token(sandbox: Sandbox, **kwargs: Any) -> requests.Response:
    return requests.post(sandbox.onelogin_url + TOKEN_PATH, timeout=10, **kwargs)


def test_basic_auth_token_has_the_documented_fields(sandbox: Sandbox) -> None:
    response = post_token(sandbox, auth=CLIENT, json=GRANT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "created_at",
        "expires_in",
        "refresh_token",
        "token_type",
        "account_id",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 36000


def test_onelogin_header_and_form_body_are_accepted_and_give_the_same_token(
    sandbox: Sandbox,
) -> None:
    header = {"Authorization": f"client_id:{CLIENT[0]}, client_secret:{CLIENT[1]}"}
    first = post_token(sandbox, headers=header, json=GRANT).json()["access_token"]
    form = {"grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": CLIENT[1]}
    second = post_token(sandbox, data=form).json()["access_token"]
    assert first == second


def test_bad_credentials_answer_the_flat_401(sandbox: Sandbox) -> None:
    response = post_token(sandbox, auth=(CLIENT[0], "wrong"), json=GRANT)
    assert response.status_code == 401
    assert response.json() == {
        "error": True,
        "code": 401,
        "type": "Unauthorized",
        "message": "Authentication Failure",
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/api/2/apps",
            {"statusCode": 401, "name": "UnauthorizedError", "message": "Unauthorized"},
        ),
        (
            "/api/1/users/custom_attributes",
            {
                "status": {
                    "error": True,
                    "code": 401,
                    "type": "Unauthorized",
                    "message": "Authentication Failure",
                }
            },
        ),
    ],
)
def test_missing_bearer_is_401_in_the_family_shape(
    sandbox: Sandbox, path: str, expected: object
) -> None:
    response = requests.get(sandbox.onelogin_url + path, timeout=10)
    assert response.status_code == 401
    assert response.json() == expected


def test_unknown_bearer_is_401(sandbox: Sandbox) -> None:
    response = requests.get(
        sandbox.onelogin_url + "/api/2/apps", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert response.status_code == 401


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_scheme_is_case_insensitive(sandbox: Sandbox, scheme: str) -> None:
    token = OneLogin(sandbox).token()
    response = requests.get(
        sandbox.onelogin_url + "/api/2/apps",
        headers={"Authorization": f"{scheme} {token}"},
        timeout=10,
    )
    assert response.status_code == 200


def test_expired_token_is_401_and_a_new_token_is_issued() -> None:
    with running(token_lifetime=1) as sandbox:
        client = OneLogin(sandbox)
        old = client.token()
        time.sleep(1.1)
        assert client.call("GET", "/api/2/apps").status_code == 401
        basic = base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
        fresh = post_token(sandbox, headers={"Authorization": f"Basic {basic}"}, json=GRANT)
        assert fresh.json()["access_token"] != old


def test_every_answer_has_request_id_and_rate_limit_headers(sandbox: Sandbox) -> None:
    response = OneLogin(sandbox).call("GET", "/api/2/apps/999")
    assert response.status_code == 404
    assert response.headers["x-request-id"]
    assert response.headers["X-RateLimit-Limit"] == "5000"
    assert response.headers["X-RateLimit-Remaining"] == "4998"  # the token call counted too
    assert 0 < int(response.headers["X-RateLimit-Reset"]) <= 3600


def test_not_found_is_the_v2_shape(sandbox: Sandbox) -> None:
    response = OneLogin(sandbox).call("GET", "/api/2/roles/1")
    assert response.json() == {
        "statusCode": 404,
        "name": "NotFoundError",
        "message": "The role with id 1 could not be found",
    }


def test_rate_limit_answers_429_when_the_budget_is_spent() -> None:
    with running(rate_limit_per_hour=3) as sandbox:
        client = OneLogin(sandbox)
        statuses = [client.call("GET", "/api/2/apps").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        last = client.call("GET", "/api/2/apps")
        assert last.json()["name"] == "TooManyRequestsError"
        assert last.headers["X-RateLimit-Remaining"] == "0"
        assert "Retry-After" not in last.headers


def test_control_endpoints_do_not_count_against_the_rate_limit() -> None:
    with running(rate_limit_per_hour=2) as sandbox:
        client = OneLogin(sandbox)
        for _ in range(5):
            assert client.control("GET", "/state").status_code == 200
        assert client.call("GET", "/api/2/apps").status_code == 200


def test_read_all_scope_forbids_writes() -> None:
    with running(api_scope="Read All") as sandbox:
        client = OneLogin(sandbox)
        assert client.call("GET", "/api/2/roles").status_code == 200
        response = client.call("POST", "/api/2/roles", {"name": "New"})
        assert response.status_code == 403
        assert response.json()["name"] == "ForbiddenError"
