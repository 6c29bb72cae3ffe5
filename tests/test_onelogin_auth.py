"""The access-token cache and the token answer (onelogin/auth.py), with a stand-in token request."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import HINT_NOT_JSON
from onelogin_scim_setup.onelogin.auth import AccessTokens, token_answer
from onelogin_scim_setup.secrets.redact import Redactor

CLIENT_SECRET = "client-secret-5b8e2d7a1c"


def answer(body: Any, content_type: str = "application/json") -> requests.Response:
    """A 200 answer to the token request."""
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = content_type
    response._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    return response


def cache(body: dict[str, Any], now: list[float]) -> tuple[AccessTokens, list[int]]:
    """A cache whose token requests are counted and answered with `body`."""
    asked: list[int] = []

    def request() -> requests.Response:
        asked.append(1)
        return answer(body)

    return AccessTokens(request, lambda: now[0], Redactor()), asked


@pytest.mark.parametrize(
    ("body", "renewed_at", "still_cached_at"),
    [
        ({"access_token": "tok-1", "expires_in": 36000}, 35700.0, 35699.0),  # 5 min early
        ({"access_token": "tok-1", "expires_in": 1000}, 900.0, 899.0),  # a tenth early
        ({"access_token": "tok-1"}, 540.0, 539.0),  # no lifetime given: 10 minutes
    ],
    ids=["long lifetime", "short lifetime", "no lifetime"],
)
def test_a_token_is_renewed_shortly_before_it_expires(
    body: dict[str, Any], renewed_at: float, still_cached_at: float
) -> None:
    now = [0.0]
    tokens, asked = cache(body, now)
    tokens.get()
    now[0] = still_cached_at
    tokens.get()
    assert len(asked) == 1
    now[0] = renewed_at
    tokens.get()
    assert len(asked) == 2


def test_a_token_is_taught_to_the_redactor() -> None:
    redactor = Redactor()
    tokens = AccessTokens(lambda: answer({"access_token": "tok-9f2c61a8e4"}), lambda: 0.0, redactor)
    assert redactor.redact(f"Bearer {tokens.get()}") == "Bearer [redacted]"


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "bearer"},
        {"access_token": ""},
        {"access_token": 12345},
        [{"access_token": "tok-1"}],
    ],
    ids=["missing", "empty", "a number", "a list"],
)
def test_a_token_answer_without_a_usable_token_is_an_error(body: Any) -> None:
    with pytest.raises(OneLoginError) as caught:
        token_answer(answer(body), str)
    assert (str(caught.value), caught.value.hint) == (
        "POST /auth/oauth2/v2/token answered 200: the token answer has no access_token\n"
        f"Hint: {HINT_NOT_JSON}",
        HINT_NOT_JSON,
    )


def test_a_token_answer_that_is_no_json_names_the_call_and_is_redacted() -> None:
    page = f"<html><body>login failed for {CLIENT_SECRET}</body></html>"
    clean = Redactor([CLIENT_SECRET]).redact
    with pytest.raises(OneLoginError) as caught:
        token_answer(answer(page, "text/html"), clean)
    assert str(caught.value).startswith(
        "POST /auth/oauth2/v2/token answered 200: expected JSON, got text/html: "
        "'login failed for [redacted"
    )
    assert CLIENT_SECRET not in str(caught.value)


def test_a_token_answer_that_is_no_json_is_redacted_with_the_transports_secrets() -> None:
    redactor = Redactor([CLIENT_SECRET])
    page = answer(f"<p>bad credentials {CLIENT_SECRET}</p>", "text/html")
    tokens = AccessTokens(lambda: page, lambda: 0.0, redactor)
    with pytest.raises(OneLoginError) as caught:
        tokens.get()
    assert "bad credentials [redacted" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)
