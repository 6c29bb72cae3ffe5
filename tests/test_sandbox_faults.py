"""Fault injection: seeded and reproducible, shaped per API family, never on control endpoints."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from onelogin_scim_setup.sandbox import FaultSpec, Sandbox
from tests.sandbox_conftest_fixtures import OneLogin, Soe, running


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running() as started:
        yield started


def set_faults(sandbox: Sandbox, **spec: Any) -> requests.Response:
    return requests.put(f"{sandbox.onelogin_url}/_sandbox/faults", json=spec, timeout=10)


def statuses(sandbox: Sandbox, seed: int, count: int = 30) -> list[int]:
    set_faults(sandbox)
    client = OneLogin(sandbox)
    client.token()  # before the faults: the token call is faulted like any other
    set_faults(sandbox, seed=seed, error_rate=0.3, rate_limit_rate=0.2)
    return [client.call("GET", "/api/2/roles").status_code for _ in range(count)]


def test_same_seed_gives_the_same_faults() -> None:
    with running() as first, running() as second:
        assert statuses(first, seed=7) == statuses(second, seed=7)


def test_faults_follow_the_rates_and_the_seed(sandbox: Sandbox) -> None:
    seven = statuses(sandbox, seed=7)
    assert {200, 429, 500} <= set(seven)
    assert statuses(sandbox, seed=8) != seven


def test_faults_given_at_start_apply_from_the_first_request() -> None:
    with running(faults=FaultSpec(error_rate=1.0)) as sandbox:
        response = requests.post(f"{sandbox.onelogin_url}/auth/oauth2/v2/token", timeout=10)
        assert response.status_code == 500


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        (
            "GET",
            "/api/2/apps",
            {"statusCode": 500, "name": "InternalServerError", "message": "Internal Server Error"},
        ),
        (
            "GET",
            "/api/1/users/custom_attributes",
            {
                "status": {
                    "error": True,
                    "code": 500,
                    "type": "internal server error",
                    "message": "Internal Server Error",
                }
            },
        ),
        (
            "POST",
            "/auth/oauth2/v2/token",
            {
                "error": True,
                "code": 500,
                "type": "internal server error",
                "message": "Internal Server Error",
            },
        ),
    ],
)
def test_injected_500_uses_the_family_error_shape(
    sandbox: Sandbox, method: str, path: str, expected: Any
) -> None:
    set_faults(sandbox, error_rate=1.0)
    response = requests.request(method, sandbox.onelogin_url + path, timeout=10)
    assert response.status_code == 500
    assert response.json() == expected
    assert response.headers["x-request-id"]


def test_injected_429_has_retry_after_and_rate_limit_headers(sandbox: Sandbox) -> None:
    set_faults(sandbox, rate_limit_rate=1.0, retry_after=7)
    response = requests.get(f"{sandbox.onelogin_url}/api/2/apps", timeout=10)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
        response.headers
    )


def test_faults_reach_the_soe_side_in_its_shape(sandbox: Sandbox) -> None:
    soe = Soe(sandbox)
    soe.configure()
    set_faults(sandbox, error_rate=1.0)
    response = soe.scim("GET", "/Users")
    assert response.status_code == 500
    assert response.json() == {"ErrorMessage": "Internal Server Error"}


def test_control_endpoints_are_never_faulted(sandbox: Sandbox) -> None:
    set_faults(sandbox, error_rate=1.0, drop_rate=1.0)
    assert requests.get(f"{sandbox.onelogin_url}/_sandbox/state", timeout=10).status_code == 200
    assert requests.get(f"{sandbox.soe_url}/_sandbox/settings", timeout=10).status_code == 200


def test_per_endpoint_overrides_the_global_rates(sandbox: Sandbox) -> None:
    client = OneLogin(sandbox)
    client.token()
    set_faults(sandbox, per_endpoint={"/api/2/apps": {"error_rate": 1.0}})
    assert client.call("GET", "/api/2/apps").status_code == 500
    assert client.call("GET", "/api/2/roles").status_code == 200


def test_drops_happen_before_or_after_the_write(sandbox: Sandbox) -> None:
    client = OneLogin(sandbox)
    client.token()
    set_faults(sandbox, seed=3, drop_rate=1.0)
    for index in range(12):
        with pytest.raises(requests.ConnectionError):
            client.call("POST", "/api/2/roles", {"name": f"Dropped {index}"})
    set_faults(sandbox)
    log = [
        entry
        for entry in client.control("GET", "/requests").json()
        if entry["path"] == "/api/2/roles"
    ]
    after = [entry for entry in log if entry["dropped"] == "after"]
    assert 0 < len(after) < len(log) == 12
    created = client.ok("GET", "/api/2/roles", name="Dropped*")
    assert len(created) == len(after)
    assert {entry["status"] for entry in after} == {201}


def test_latency_and_slow_requests_add_delay(sandbox: Sandbox) -> None:
    client = OneLogin(sandbox)
    client.token()
    set_faults(sandbox, latency=0.1, slow_rate=1.0, slow_seconds=0.1)
    started = time.monotonic()
    assert client.call("GET", "/api/2/roles").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_requests_log_records_public_calls_and_can_be_cleared(sandbox: Sandbox) -> None:
    client = OneLogin(sandbox)
    client.call("GET", "/api/2/apps?limit=1")
    log = client.control("GET", "/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/auth/oauth2/v2/token", 200),
        ("GET", "/api/2/apps", 200),
    ]
    assert client.control("DELETE", "/requests").status_code == 204
    assert client.control("GET", "/requests").json() == []


def test_bad_fault_spec_is_400(sandbox: Sandbox) -> None:
    response = set_faults(sandbox, error_rate=2)
    assert response.status_code == 400
    assert "error_rate" in response.json()["error"]
    assert set_faults(sandbox, nonsense=1).status_code == 400


def test_fault_spec_round_trips_through_get(sandbox: Sandbox) -> None:
    set_faults(sandbox, seed=5, drop_rate=0.5, per_endpoint={"/api/2": {"latency": 0.0}})
    spec = requests.get(f"{sandbox.soe_url}/_sandbox/faults", timeout=10).json()
    assert (spec["seed"], spec["drop_rate"], spec["per_endpoint"]) == (
        5,
        0.5,
        {"/api/2": {"latency": 0.0}},
    )


@pytest.mark.parametrize("field", ["error_rate", "drop_rate", "rate_limit_rate", "slow_rate"])
def test_rates_outside_zero_one_are_refused(field: str) -> None:
    values: dict[str, Any] = {field: 1.5}
    with pytest.raises(ValueError, match=field):
        FaultSpec(**values)


def test_a_targeted_lost_answer_drops_exactly_the_nth_matching_requests_after_applying_them(
    sandbox: Sandbox,
) -> None:
    """`lose_answers`: the 2nd and 3rd POST /api/2/roles are processed and their answers lost;
    the 1st and 4th, and a request of another method or path, are answered; nothing is drawn."""
    client = OneLogin(sandbox)
    client.token()
    lost = [{"method": "POST", "path": "/api/2/roles", "nth": 2, "times": 2}]
    assert set_faults(sandbox, lose_answers=lost).status_code == 200
    answered = []
    for index in range(4):
        try:
            status = client.call("POST", "/api/2/roles", {"name": f"Target {index}"}).status_code
        except requests.ConnectionError:
            status = None
        answered.append(status)
        assert client.call("GET", "/api/2/roles").status_code == 200  # another method
    assert answered == [201, None, None, 201]
    log = [e for e in client.control("GET", "/requests").json() if e["method"] == "POST"]
    assert [e.get("dropped") for e in log[-4:]] == [None, "after", "after", None]
    created = client.ok("GET", "/api/2/roles", name="Target*")
    assert len(created) == 4  # every one was applied
    spec = requests.get(f"{sandbox.onelogin_url}/_sandbox/faults", timeout=10).json()
    assert spec["lose_answers"] == [{**lost[0]}]


@pytest.mark.parametrize(
    "rule",
    [
        {"method": "PUT", "path": "(", "nth": 1},
        {"method": "PUT", "path": "/x", "nth": 0},
        {"method": "PUT", "path": "/x", "times": True},
        {"method": "P U T", "path": "/x"},
        {"method": "PUT", "path": "/x", "extra": 1},
        "PUT /x",
    ],
)
def test_a_bad_targeted_lost_answer_is_400(sandbox: Sandbox, rule: Any) -> None:
    assert set_faults(sandbox, lose_answers=[rule]).status_code == 400
