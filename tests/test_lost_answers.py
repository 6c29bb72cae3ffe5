"""A write whose answer was lost (issue 19): the tool reads the resource back before it reports,
and never sends a field OneLogin accepts once a second time."""

from __future__ import annotations

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from onelogin_scim_setup.errors import OneLoginError, ScimError
from onelogin_scim_setup.onelogin.answers import MaybeProcessed
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.soe.client import ScimClient

SCIM = "https://acme.stackenterprise.co/api/scim/v2"
USER = f"{SCIM}/Users/42"
TOKEN = "lost-answer-token-0123456789abcdef0123"
BASE = "https://acme.onelogin.com"


def dropped() -> requests.ConnectionError:
    """What requests raises when the server closed the connection after the request was sent."""
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))


@pytest.mark.parametrize(
    "lost",
    [dropped(), requests.ReadTimeout("read timed out")],
    ids=["dropped-after-sending", "read-timeout"],
)
def test_a_deactivation_whose_answer_was_lost_is_read_back_and_done(lost: Exception) -> None:
    with responses.RequestsMock() as mock:
        mock.put(USER, body=lost)
        mock.get(USER, json={"id": "42", "userName": "a@example.com", "active": False})
        with ScimClient(SCIM, TOKEN) as client:
            user = client.set_active(42, False)
        assert [call.request.method for call in mock.calls] == ["PUT", "GET"]  # never re-sent
    assert user["active"] is False


def test_a_lost_deactivation_that_soe_did_not_apply_is_not_done() -> None:
    with responses.RequestsMock() as mock:
        mock.put(USER, body=dropped())
        mock.get(USER, json={"id": "42", "userName": "a@example.com", "active": True})
        with ScimClient(SCIM, TOKEN) as client, pytest.raises(ScimError) as raised:
            client.set_active(42, False)
    assert "the answer was lost, and SOE still reports the user active=True: not done" in str(
        raised.value
    )


def test_a_lost_deactivation_that_cannot_be_read_back_is_unknown() -> None:
    with responses.RequestsMock() as mock:
        mock.put(USER, body=dropped())
        mock.get(USER, status=503, json={"ErrorMessage": "busy"})
        with ScimClient(SCIM, TOKEN) as client, pytest.raises(ScimError) as raised:
            client.set_active(42, False)
    assert "the outcome is unknown: check" in raised.value.message
    assert TOKEN not in str(raised.value)


def test_a_deactivation_that_never_connected_is_not_read_back() -> None:
    with responses.RequestsMock() as mock:
        mock.put(USER, body=requests.ConnectTimeout("connect timed out"))
        with ScimClient(SCIM, TOKEN) as client, pytest.raises(ScimError) as raised:
            client.set_active(42, False)
        assert [call.request.method for call in mock.calls] == ["PUT"]
    assert "no answer in time" in raised.value.message


def test_an_app_put_sent_once_is_not_resent_when_its_answer_is_lost() -> None:
    with responses.RequestsMock() as mock:
        mock.post(
            f"{BASE}/auth/oauth2/v2/token", json={"access_token": "t0k3n", "expires_in": 36000}
        )
        mock.put(f"{BASE}/api/2/apps/7", body=dropped())
        with (
            OneLoginClient(BASE, "id", "secret-value-123456", max_retries=3) as client,
            pytest.raises(MaybeProcessed),
        ):
            client.update_app(7, {"parameters": {"title": {"label": "title"}}}, once=True)
        puts = [call for call in mock.calls if call.request.method == "PUT"]
    assert len(puts) == 1


def test_an_app_put_without_a_once_field_is_retried_as_before() -> None:
    with responses.RequestsMock() as mock:
        mock.post(
            f"{BASE}/auth/oauth2/v2/token", json={"access_token": "t0k3n", "expires_in": 36000}
        )
        mock.put(f"{BASE}/api/2/apps/7", status=502, json={"message": "bad gateway"})
        mock.put(f"{BASE}/api/2/apps/7", json={"id": 7, "name": "x"})
        with OneLoginClient(
            BASE, "id", "secret-value-123456", max_retries=3, backoff_factor=0
        ) as c:
            assert c.update_app(7, {"configuration": {"a": "b"}}) == {"id": 7, "name": "x"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("role_ids", "7"),
        ("role_ids", [7, "x"]),
        ("role_ids", [True]),
        ("configuration", ["a"]),
        ("configuration", {"a": {"nested": 1}}),
        ("provisioning", "on"),
        ("parameters", ["title"]),
    ],
)
def test_an_app_of_the_wrong_shape_is_an_error_naming_the_field(field: str, value: object) -> None:
    app = {"id": 7, "name": "x", "connector_id": 1, field: value}
    with responses.RequestsMock() as mock:
        mock.post(
            f"{BASE}/auth/oauth2/v2/token", json={"access_token": "t0k3n", "expires_in": 36000}
        )
        mock.get(f"{BASE}/api/2/apps/7", json=app)
        with (
            OneLoginClient(BASE, "id", "secret-value-123456") as client,
            pytest.raises(OneLoginError) as raised,
        ):
            client.get_app(7)
    assert f"(field {field})" in str(raised.value)
    assert "GET /api/2/apps/7" in str(raised.value)
