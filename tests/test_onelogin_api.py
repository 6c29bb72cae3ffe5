"""The rules every OneLogin endpoint shares (onelogin/client.py): a create that never duplicates, its
waits and its log."""

from __future__ import annotations

import pytest
import responses

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from tests.helpers.onelogin_stub import APPS_URL, BASE, CLIENT_ID, SECRET, count

SENT = "scim-bearer-7c1e5a93d2"  # a value sent in the body and marked sensitive


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("onelogin_scim_setup.onelogin.client.bounds.pause", slept.append)
    monkeypatch.setattr("onelogin_scim_setup.onelogin.client.random.random", lambda: 0.5)
    return slept


def create_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What create logs (the transport's per-request lines left out)."""
    return [message for message in caplog.messages if " -> " not in message]


def test_an_unclear_create_found_nothing_is_sent_again_after_growing_waits(
    api: responses.RequestsMock, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup.onelogin")
    api.post(APPS_URL, status=502, json={"message": "bad gateway"})
    api.post(APPS_URL, status=502, json={"message": "bad gateway"})
    api.post(APPS_URL, status=201, json={"id": 9, "name": "x"})
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=3, backoff_factor=0.5) as client:
        created = client.create("/api/2/apps", {"name": "x"}, find_existing=lambda: None)
    assert (created, waits) == ({"id": 9, "name": "x"}, [0.75, 1.5])
    assert create_log(caplog) == [
        "POST /api/2/apps: unclear outcome (bad gateway); looking for it",
        "POST /api/2/apps: not created; sending it again in 0.75 s",
        "POST /api/2/apps: unclear outcome (bad gateway); looking for it",
        "POST /api/2/apps: not created; sending it again in 1.50 s",
    ]


def test_an_unclear_create_found_is_not_sent_again(
    api: responses.RequestsMock, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup.onelogin")
    api.post(APPS_URL, status=502, json={"message": "bad gateway"})
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=3) as client:
        found = client.create("/api/2/apps", {"name": "x"}, find_existing=lambda: {"id": 4})
    assert (found, waits) == ({"id": 4}, [])
    assert create_log(caplog) == [
        "POST /api/2/apps: unclear outcome (bad gateway); looking for it",
        "POST /api/2/apps had been processed: found it, not sending it again",
    ]


def test_a_refused_create_keeps_the_sensitive_values_sent_out_of_the_error(
    api: responses.RequestsMock,
) -> None:
    api.post(APPS_URL, status=422, json={"message": f"invalid value {SENT}"})
    with (
        OneLoginClient(BASE, CLIENT_ID, SECRET) as client,
        pytest.raises(OneLoginError) as caught,
    ):
        client.create("/api/2/apps", {"token": SENT}, find_existing=lambda: None, sensitive=[SENT])
    assert SENT not in str(caught.value)
    assert "invalid value [redacted" in str(caught.value)


def test_what_a_429_asked_about_the_budget_is_not_asked_again(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    data = {"X-RateLimit-Limit": 5000, "X-RateLimit-Remaining": 0, "X-RateLimit-Reset": 1200}
    api.get(f"{BASE}/auth/rate_limit", json={"status": {"error": False}, "data": data})
    api.get(f"{APPS_URL}/1", status=429, json={"message": "Too Many"})
    with pytest.raises(OneLoginError, match="it resets in 1200 s"):
        client.get_app(1)
    budget = client.budget()  # apply's check before its first write
    assert budget is not None
    assert (budget.limit, budget.remaining) == (5000, 0)
    assert count(api, f"{BASE}/auth/rate_limit") == 1
