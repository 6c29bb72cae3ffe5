"""The retry policy's waits and the rate budget (onelogin/wire.py), as units."""

from __future__ import annotations

import pytest
from urllib3 import HTTPResponse, HTTPSConnectionPool
from urllib3.exceptions import MaxRetryError

from onelogin_scim_setup.bounds import header_seconds as seconds
from onelogin_scim_setup.onelogin.wire import (
    OneLoginRetry,
    RateBudget,
    loggable,
    rate_limit_from,
    reset_seconds,
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": "7", "X-RateLimit-Reset": "900"}, 7.0),
        ({"Retry-After": "soon", "X-RateLimit-Reset": "900"}, 900.0),
        ({"X-RateLimit-Reset": "45"}, 45.0),
        ({}, None),
    ],
)
def test_a_429_may_succeed_after_retry_after_else_the_rate_limit_reset(
    headers: dict[str, str], expected: float | None
) -> None:
    assert reset_seconds(headers) == expected


def test_a_429_whose_retry_after_is_long_is_given_back_at_once() -> None:
    answer = HTTPResponse(status=429, headers={"Retry-After": "120"})
    with pytest.raises(MaxRetryError, match="rate limit exhausted"):
        OneLoginRetry(total=5).increment("GET", "/api/2/apps", answer)


@pytest.mark.parametrize(("now", "left"), [(10.0, 100.0), (40.0, 70.0), (110.0, 0.0), (500.0, 0.0)])
def test_the_budget_resets_in_what_was_left_when_it_was_seen(now: float, left: float) -> None:
    assert RateBudget(limit=5000, remaining=3, reset=100.0, seen_at=10.0).resets_in(now) == left


def test_a_429_that_resets_within_the_short_wait_is_waited_for() -> None:
    answer = HTTPResponse(status=429, headers={"Retry-After": "30"})
    retried = OneLoginRetry(total=5).increment("GET", "/api/2/apps", answer)
    assert len(retried.history) == 1


def test_a_429_given_back_at_once_names_the_pool_url_and_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup")
    pool = HTTPSConnectionPool("acme.onelogin.com")
    answer = HTTPResponse(status=429, headers={"X-RateLimit-Reset": "1800"})
    with pytest.raises(MaxRetryError) as raised:
        OneLoginRetry(total=5).increment("GET", "/api/2/apps", answer, _pool=pool)
    assert (raised.value.pool, raised.value.url, raised.value.reason) == (
        pool,
        "/api/2/apps",
        "rate limit exhausted",
    )
    assert caplog.messages == ["429 and the window resets in 1800 s: not waiting"]


def test_a_429_given_back_without_a_url_has_an_empty_one() -> None:
    answer = HTTPResponse(status=429, headers={"Retry-After": "120"})
    with pytest.raises(MaxRetryError) as raised:
        OneLoginRetry(total=5).increment("GET", None, answer)
    assert raised.value.url == ""


def test_a_retry_without_a_url_is_logged_with_an_empty_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup")
    OneLoginRetry(total=3).increment("GET", None, HTTPResponse(status=503))
    assert caplog.messages == ["retry 1 of GET  after answer 503 (x-request-id -)"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        ("0", 0.0),
        ("2.5", 2.5),
        ("-1", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        (None, None),
    ],
)
def test_a_count_of_seconds_is_a_finite_number_not_below_zero(
    value: str | None, expected: float | None
) -> None:
    assert seconds(value) == expected


def test_a_budget_of_zero_calls_left_is_zero() -> None:
    headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"}
    assert rate_limit_from(headers, now=7.0) == RateBudget(5000, 0, 0.0, 7.0)


@pytest.mark.parametrize(
    ("url", "params", "logged"),
    [
        ("/api/2/users?email=a@example.com&limit=100", None, "/api/2/users?email=…&limit=…"),
        ("/api/2/users?cursor=&limit=100", None, "/api/2/users?cursor=…&limit=…"),
        (
            "/api/2/users",
            {"email": "a@example.com", "fields": "id"},
            "/api/2/users?email=…&fields=…",
        ),
        ("/api/2/apps", None, "/api/2/apps"),
    ],
)
def test_a_logged_path_keeps_the_query_keys_but_no_values(
    url: str, params: dict[str, str] | None, logged: str
) -> None:
    assert loggable(url, params) == logged


def test_the_policy_defaults_and_positional_total() -> None:
    policy = OneLoginRetry(3)
    assert (policy.total, policy.max_wait, policy.short_wait) == (3, 60.0, 30.0)


def test_an_answer_with_retry_after_is_retried_as_urllib3_does() -> None:
    policy = OneLoginRetry(total=3, status_forcelist={503})
    assert (policy.is_retry("GET", 413, True), policy.is_retry("GET", 413)) == (True, False)
