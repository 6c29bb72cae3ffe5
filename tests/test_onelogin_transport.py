"""The OneLogin wire: token cache and re-auth, retries, error shapes and hints, secrets kept out."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import responses
from responses import matchers
from urllib3 import HTTPResponse, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import HINT_NOT_JSON, MaybeProcessed
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.listing import gather
from onelogin_scim_setup.onelogin.wire import OneLoginRetry
from onelogin_scim_setup.secrets.redact import Redactor
from tests.helpers.onelogin_stub import (
    ACCESS,
    ACCESS_2,
    APPS_URL,
    BASE,
    CLIENT_ID,
    SECRET,
    TOKEN_URL,
    UNAUTHORIZED,
    bearer,
    count,
    token,
)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[OneLoginClient]:
    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=2, backoff_factor=0) as made:
        yield made


def test_token_is_fetched_once_and_cached_across_calls(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", json={"id": 1}, match=bearer(ACCESS))
    api.get(f"{APPS_URL}/2", json={"id": 2}, match=bearer(ACCESS))
    assert [client.get_app(1)["id"], client.get_app(2)["id"]] == [1, 2]
    assert count(api, TOKEN_URL) == 1


def test_token_is_renewed_before_it_expires(api: responses.RequestsMock) -> None:
    now = [0.0]
    token(api, expires_in=1000)
    api.get(f"{APPS_URL}/1", json={"id": 1})
    with OneLoginClient(BASE, CLIENT_ID, SECRET, backoff_factor=0, clock=lambda: now[0]) as client:
        client.get_app(1)
        now[0] = 905.0  # 95 s before expiry: inside the renewal margin (10% of the lifetime)
        client.get_app(1)
    assert count(api, TOKEN_URL) == 2


def test_401_fetches_a_new_token_once_and_repeats_the_call(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api, ACCESS)
    api.get(f"{APPS_URL}/1", status=401, json=UNAUTHORIZED)
    token(api, ACCESS_2)
    api.get(f"{APPS_URL}/1", json={"id": 1}, match=bearer(ACCESS_2))
    assert client.get_app(1) == {"id": 1}
    assert count(api, TOKEN_URL) == 2


def test_a_second_401_is_an_error_with_a_hint_not_a_loop(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", status=401, json=UNAUTHORIZED)
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert (caught.value.status, caught.value.message) == (401, "Unauthorized")
    assert "revoked" in (caught.value.hint or "")
    assert (count(api, TOKEN_URL), count(api, f"{APPS_URL}/1")) == (2, 2)


# fmt: off
TOKEN_FAILURES = [
    (401, {"error": True, "code": 401, "type": "Unauthorized", "message": "Authentication Failure"}, "client secret"),
    (500, {"error": True, "code": 500, "type": "error", "message": "Internal Server Error"}, "deleted"),
]
# fmt: on


@pytest.mark.parametrize(("status", "answer", "hint_word"), TOKEN_FAILURES)
def test_token_failure_says_what_to_check(
    api: responses.RequestsMock, client: OneLoginClient, status: int, answer: Any, hint_word: str
) -> None:
    api.post(TOKEN_URL, status=status, json=answer)
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert (caught.value.status, caught.value.message) == (status, answer["message"])
    assert hint_word in (caught.value.hint or "")


# fmt: off
ERROR_SHAPES = {  # docs/onelogin-api.md §1.4
    "v1": (400, {"status": {"error": True, "code": 400, "type": "bad request", "message": "Input JSON is not valid"}}, "Input JSON is not valid"),
    "v2": (404, {"statusCode": 404, "name": "NotFoundError", "message": "Not found"}, "Not found"),
    "v2 field": (422, {"statusCode": 422, "name": "UnprocessableEntityFieldError", "message": "Invalid sort field", "field": "created_at"}, "Invalid sort field (field created_at)"),
    "mappings": (422, {"code": 422, "message": "Validation Failed", "errors": [{"field": "conditions.[0].value", "message": ["Invalid value: 1"]}, {"field": "name", "message": ["Required"]}]}, "Validation Failed: conditions.[0].value: Invalid value: 1; name: Required"),
    "flat": (400, {"error": True, "code": 400, "type": "bad request", "message": "grant_type is missing"}, "grant_type is missing"),
    "array body": (400, "Expected array in request", "Expected array in request"),
}
NON_JSON = [
    ("Expected array in request", "text/plain", "Expected array in request", None),
    ("<html><body><h1>Blocked</h1> <p>by  the proxy</p></body></html>", "text/html", "an HTML page: 'Blocked by the proxy'", HINT_NOT_JSON),
]
# fmt: on


@pytest.mark.parametrize(("status", "answer", "message"), ERROR_SHAPES.values(), ids=ERROR_SHAPES)
def test_each_error_shape_becomes_one_onelogin_error(
    api: responses.RequestsMock, client: OneLoginClient, status: int, answer: Any, message: str
) -> None:
    token(api)
    api.put(
        f"{BASE}/api/2/roles/7/apps", status=status, json=answer, headers={"x-request-id": "r-42"}
    )
    with pytest.raises(OneLoginError) as caught:
        client.set_role_apps(7, [1])
    error = caught.value
    assert (error.status, error.message, error.request_id) == (status, message, "r-42")
    assert (error.method, error.path, error.hint) == ("PUT", "/api/2/roles/7/apps", None)


@pytest.mark.parametrize(("text", "content_type", "message", "hint"), NON_JSON)
def test_non_json_error_answers_become_a_short_excerpt(
    api: responses.RequestsMock,
    client: OneLoginClient,
    text: str,
    content_type: str,
    message: str,
    hint: str | None,
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", status=400, body=text, content_type=content_type)
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert (caught.value.message, caught.value.hint) == (message, hint)


@pytest.mark.parametrize(("status", "hint_word"), [(403, '"Manage All"'), (500, "deleted")])
def test_api_error_hints_say_what_to_do(
    api: responses.RequestsMock, client: OneLoginClient, status: int, hint_word: str
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", status=status, json={"statusCode": status, "message": "No"})
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert caught.value.status == status
    assert hint_word in (caught.value.hint or "")


# fmt: off
WAITS = [
    (429, {"Retry-After": "7"}, 7.0),
    (429, {"X-RateLimit-Reset": "12"}, 12.0),
    (429, {"Retry-After": "3", "X-RateLimit-Reset": "900"}, 3.0),
    (429, {"X-RateLimit-Reset": "900"}, 60.0),  # capped at max_wait
    (429, {"Retry-After": "soon"}, None),  # unreadable: exponential backoff instead
    (429, {}, None),
    (503, {"X-RateLimit-Reset": "12"}, None),  # the rate-limit reset says nothing about a 503
]
# fmt: on


@pytest.mark.parametrize(("status", "headers", "expected"), WAITS)
def test_wait_honours_retry_after_then_x_ratelimit_reset_on_429(
    status: int, headers: dict[str, str], expected: float | None
) -> None:
    policy = OneLoginRetry(total=3, max_wait=60.0).new()  # `new` keeps max_wait across retries
    assert policy.get_retry_after(HTTPResponse(status=status, headers=headers)) == expected


@pytest.mark.parametrize("headers", [{"Retry-After": "1"}, {"X-RateLimit-Reset": "2"}])
def test_429_is_retried_then_succeeds(
    api: responses.RequestsMock, client: OneLoginClient, headers: dict[str, str]
) -> None:
    token(api)
    api.get(
        f"{APPS_URL}/1",
        status=429,
        headers=headers,
        json={"statusCode": 429, "message": "Too Many Requests"},
    )
    api.get(f"{APPS_URL}/1", json={"id": 1})
    assert client.get_app(1) == {"id": 1}
    assert count(api, f"{APPS_URL}/1") == 2


def test_429_after_every_retry_says_the_rate_limit_is_exhausted_and_when_it_resets(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    for _ in range(3):
        api.get(
            f"{APPS_URL}/1",
            status=429,
            headers={"X-RateLimit-Reset": "0"},
            json={"message": "Too Many Requests"},
        )
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert caught.value.status == 429
    assert "still refused after 2 retries; it resets in 0 s" in caught.value.message
    assert count(api, f"{APPS_URL}/1") == 3


def test_429_whose_window_resets_beyond_a_short_wait_stops_at_once(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.get(
        f"{APPS_URL}/1",
        status=429,
        headers={"X-RateLimit-Reset": "1800"},
        json={"message": "Too Many Requests"},
    )
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert "it resets in 1800 s; stopped at once" in caught.value.message
    assert count(api, f"{APPS_URL}/1") == 1


def test_rate_limit_is_read_from_the_answers_headers(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    headers = {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "4321",
        "X-RateLimit-Reset": "99",
    }
    api.get(f"{APPS_URL}/1", json={"id": 1}, headers=headers)
    client.get_app(1)
    rate = client.budget()
    assert rate is not None
    assert (rate.limit, rate.remaining, rate.reset) == (5000, 4321, 99.0)
    assert count(api, f"{BASE}/auth/rate_limit") == 0


def test_rate_limit_without_headers_asks_auth_rate_limit_once(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    data = {"X-RateLimit-Limit": 5000, "X-RateLimit-Remaining": 50, "X-RateLimit-Reset": 600}
    api.get(f"{BASE}/auth/rate_limit", json={"status": {"error": False}, "data": data})
    first, second = client.budget(), client.budget()
    assert first is not None
    assert first.remaining == 50
    assert second == first
    assert count(api, f"{BASE}/auth/rate_limit") == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_get_is_retried_then_succeeds(
    api: responses.RequestsMock, client: OneLoginClient, status: int
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", status=status, body="upstream trouble")
    api.get(f"{APPS_URL}/1", json={"id": 1})
    assert client.get_app(1) == {"id": 1}


class _DropsFirstGet(BaseHTTPRequestHandler):
    """Answers the token call; closes the connection on the first GET without a word."""

    gets = 0
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._answer(b'{"access_token": "local", "expires_in": 3600}')

    def do_GET(self) -> None:
        type(self).gets += 1
        if type(self).gets == 1:
            self.close_connection = True
            return
        self._answer(b'{"id": 1}')

    def _answer(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def test_dropped_connection_on_get_is_retried_over_real_http() -> None:
    _DropsFirstGet.gets = 0  # class state: a second run in one process (mutmut's) starts afresh
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DropsFirstGet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with OneLoginClient(url, CLIENT_ID, SECRET, backoff_factor=0) as client:
            assert client.get_app(1) == {"id": 1}
        assert _DropsFirstGet.gets == 2
    finally:
        server.shutdown()
        server.server_close()


def test_connection_failure_names_the_host_and_hints(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", body=requests.ConnectionError("connection reset"))
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert caught.value.status is None
    assert caught.value.message.startswith("no answer from acme.onelogin.com")
    assert "base_url" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("headers", "slept"), [({"Retry-After": "3"}, 3.0), ({"X-RateLimit-Reset": "12"}, 12.0)]
)
def test_a_429_retry_really_waits_for_the_announced_time(
    monkeypatch: pytest.MonkeyPatch, headers: dict[str, str], slept: float
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("onelogin_scim_setup.onelogin.wire.time.sleep", waits.append)
    OneLoginRetry(total=3, max_wait=60.0).sleep(HTTPResponse(status=429, headers=headers))
    assert waits == [slept]


def test_a_retry_without_headers_waits_by_exponential_backoff(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("onelogin_scim_setup.onelogin.wire.time.sleep", waits.append)
    policy = OneLoginRetry(total=5, backoff_factor=0.5).new()
    policy = policy.increment("GET", "/api/2/apps", HTTPResponse(status=503))
    policy = policy.increment("GET", "/api/2/apps", HTTPResponse(status=503))
    policy.sleep(HTTPResponse(status=503))
    assert len(waits) == 1
    assert waits[0] > 0


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("onelogin_scim_setup.onelogin.wire.time.sleep", slept.append)
    return slept


def test_a_wait_is_logged_with_its_length(
    waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup")
    OneLoginRetry(total=3).sleep(HTTPResponse(status=429, headers={"Retry-After": "3"}))
    assert caplog.messages == ["waiting 3.00 s before retrying"]


def test_no_wait_means_no_sleep_and_no_log(
    waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup")
    OneLoginRetry(total=3, backoff_factor=0).sleep(HTTPResponse(status=503))
    assert (waits, caplog.messages) == ([], [])


def test_a_retry_after_an_answer_is_logged_with_status_and_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup")
    answer = HTTPResponse(status=503, headers={"x-request-id": "req-42"})
    OneLoginRetry(total=3).increment("GET", "/api/2/apps?cursor=abc", answer)
    assert caplog.messages == [
        "retry 1 of GET /api/2/apps?cursor=… after answer 503 (x-request-id req-42)"
    ]


def test_a_retry_after_an_error_is_logged_with_the_error_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup")
    error = ConnectTimeoutError("connect timed out")
    OneLoginRetry(total=3).increment("GET", "/api/2/apps", error=error)
    assert caplog.messages == [
        "retry 1 of GET /api/2/apps after ConnectTimeoutError (x-request-id -)"
    ]


def test_a_retry_records_the_request_it_follows() -> None:
    error = ConnectTimeoutError("connect timed out")
    answered = OneLoginRetry(total=3).increment("GET", "/a", HTTPResponse(status=503))
    failed = OneLoginRetry(total=3).increment("GET", "/b", error=error)
    assert [(h.method, h.url, h.status, h.error) for h in answered.history + failed.history] == [
        ("GET", "/a", 503, None),
        ("GET", "/b", None, error),
    ]


def test_exhausted_retries_name_the_pool_and_the_url() -> None:
    pool = HTTPSConnectionPool("acme.onelogin.com")
    with pytest.raises(MaxRetryError) as raised:
        OneLoginRetry(total=0).increment("GET", "/api/2/apps", HTTPResponse(status=503), _pool=pool)
    assert (raised.value.pool, raised.value.url) == (pool, "/api/2/apps")


MAPPING_URL = f"{BASE}/api/2/mappings/5"


def test_a_delete_answered_404_is_an_error_unless_missing_is_ok(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.delete(MAPPING_URL, status=404, json={"message": "Not Found"})
    with pytest.raises(OneLoginError) as caught:
        client.delete("/api/2/mappings/5")
    assert str(caught.value) == "DELETE /api/2/mappings/5 answered 404: Not Found"


def test_a_delete_answered_404_when_missing_is_ok_is_logged_as_already_deleted(
    api: responses.RequestsMock,
    client: OneLoginClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token(api)
    api.delete(MAPPING_URL, status=404, json={"message": "Not Found"})
    caplog.set_level("DEBUG", logger="onelogin_scim_setup.onelogin")
    client.delete("/api/2/mappings/5", missing_ok=True)
    assert caplog.messages[-1] == "DELETE /api/2/mappings/5 answered 404: taken as already deleted"


# --- POST: never resent blindly; its errors name the call and keep the sent secrets out -----------

SENT = "scim-bearer-7c1e5a93d2"  # a value sent in the body and marked sensitive


def test_a_post_that_never_connected_is_a_plain_error_not_maybe_processed(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.post(APPS_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(OneLoginError) as caught:
        client.post("/api/2/apps", {"name": "x"})
    assert (type(caught.value), caught.value.method, caught.value.path) == (
        OneLoginError,
        "POST",
        "/api/2/apps",
    )


def test_a_post_dropped_after_sending_may_have_been_processed(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.post(APPS_URL, body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(MaybeProcessed) as caught:
        client.post("/api/2/apps", {"name": "x"})
    assert str(caught.value).startswith("POST /api/2/apps failed: no answer from acme.onelogin.com")


def test_a_post_answered_5xx_may_have_been_processed_and_names_the_call(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.post(APPS_URL, status=502, json={"message": f"bad gateway for {SENT}"})
    with pytest.raises(MaybeProcessed) as caught:
        client.post("/api/2/apps", {"token": SENT}, sensitive=[SENT])
    assert str(caught.value).startswith("POST /api/2/apps answered 502: bad gateway for [redacted")
    assert SENT not in str(caught.value)


def test_a_post_refused_names_the_call_without_the_sensitive_values_sent(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.post(APPS_URL, status=422, json={"message": f"invalid value {SENT}"})
    with pytest.raises(OneLoginError) as caught:
        client.post("/api/2/apps", {"token": SENT}, sensitive=[SENT])
    assert str(caught.value).startswith("POST /api/2/apps answered 422: invalid value [redacted")
    assert SENT not in str(caught.value)


def test_a_post_answered_with_no_json_names_the_call_without_the_sensitive_values_sent(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.post(APPS_URL, status=201, body=f"<html>created {SENT}</html>", content_type="text/html")
    with pytest.raises(OneLoginError) as caught:
        client.post("/api/2/apps", {"token": SENT}, sensitive=[SENT])
    assert str(caught.value).startswith(
        "POST /api/2/apps answered 201: expected JSON, got text/html: 'created [redacted"
    )
    assert SENT not in str(caught.value)


# --- construction: defaults, the caller's redactor and session, threads ---------------------------


def test_the_defaults_bound_every_call_and_wait() -> None:
    with OneLoginClient(BASE, CLIENT_ID, SECRET) as made:
        settings = (made.timeout, made.max_retries, made.backoff_factor, made.max_wait)
        assert (settings, made.concurrency) == (((5.0, 30.0), 5, 0.5, 60.0), 1)


@pytest.mark.parametrize(("asked", "used"), [(0, 1), (-3, 1), (1, 1), (4, 4)])
def test_concurrency_is_at_least_one(asked: int, used: int) -> None:
    with OneLoginClient(BASE, CLIENT_ID, SECRET, concurrency=asked) as made:
        assert made.concurrency == used


def test_every_call_carries_the_timeouts(api: responses.RequestsMock) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", json={"id": 1})
    with OneLoginClient(BASE, CLIENT_ID, SECRET, timeout=(2.0, 7.0)) as made:
        made.get_app(1)
    assert [call.request.req_kwargs["timeout"] for call in api.calls] == [(2.0, 7.0)] * 2


def test_the_callers_redactor_learns_the_client_secret() -> None:
    redactor = Redactor()
    with OneLoginClient(BASE, CLIENT_ID, SECRET, redactor=redactor):
        assert redactor.redact(f"secret {SECRET}") == "secret [redacted]"


def test_the_session_given_serves_the_thread_that_built_the_client(
    api: responses.RequestsMock,
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", json={"id": 1}, match=[matchers.header_matcher({"X-Trace": "t-1"})])
    session = requests.Session()
    session.headers["X-Trace"] = "t-1"
    with OneLoginClient(BASE, CLIENT_ID, SECRET, session=session) as made:
        assert made.get_app(1) == {"id": 1}


def test_another_thread_gets_a_session_of_its_own(api: responses.RequestsMock) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", json={"id": 1}, match=[matchers.header_matcher({"X-Trace": "t-1"})])
    api.get(f"{APPS_URL}/2", json={"id": 2})
    session = requests.Session()
    session.headers["X-Trace"] = "t-1"
    answers: list[Any] = []
    with OneLoginClient(BASE, CLIENT_ID, SECRET, session=session) as made:
        made.get_app(1)
        worker = threading.Thread(target=lambda: answers.append(made.get_app(2)))
        worker.start()
        worker.join()
    assert answers == [{"id": 2}]
    assert "X-Trace" not in api.calls[-1].request.headers


@pytest.mark.parametrize(
    ("url", "methods", "asks"),
    [
        (f"{APPS_URL}/1", {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}, True),
        (TOKEN_URL, {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST"}, False),
        (f"{BASE}/auth/rate_limit", {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}, False),
    ],
    ids=["api", "token", "rate limit"],
)
def test_the_mounted_retry_policy_follows_the_settings(
    url: str, methods: set[str], asks: bool
) -> None:
    # responses replaces the adapter's sending, waits included, so the policy is read as mounted.
    session = requests.Session()
    with OneLoginClient(
        BASE, CLIENT_ID, SECRET, session=session, max_retries=4, backoff_factor=0.7, max_wait=20
    ):
        policy = session.get_adapter(url).max_retries
    assert isinstance(policy, OneLoginRetry)
    assert (policy.total, policy.backoff_factor, policy.backoff_jitter, policy.backoff_max) == (
        4,
        0.7,
        0.7,
        20,
    )
    assert (policy.max_wait, policy.allowed_methods, policy.raise_on_status) == (20, methods, False)
    assert policy.status_forcelist == {429, 500, 502, 503, 504}
    # Only the API's own calls ask when the budget resets: the token request cannot (the question
    # needs the token), and the question does not ask itself.
    assert (policy.reset_probe is not None) is asks


# --- the token request and the 401 renewal, as the user and the log see them ----------------------


def test_a_401_renewal_repeats_the_call_with_its_query_and_logs_it(
    api: responses.RequestsMock, client: OneLoginClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup.onelogin")
    query = [matchers.query_param_matcher({"name": "SOE"})]
    token(api, ACCESS)
    api.get(APPS_URL, status=401, json=UNAUTHORIZED, match=query)
    token(api, ACCESS_2)
    api.get(APPS_URL, json=[{"id": 1}], match=[*query, *bearer(ACCESS_2)])
    assert client.get(APPS_URL.removeprefix(BASE), {"name": "SOE"}) == [{"id": 1}]
    assert "GET /api/2/apps answered 401: new token, repeating once" in caplog.messages


def test_a_token_request_is_logged_like_any_call(
    api: responses.RequestsMock, client: OneLoginClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="onelogin_scim_setup.onelogin")
    token(api)
    api.get(f"{APPS_URL}/1", json={"id": 1})
    client.get_app(1)
    assert re.fullmatch(
        r"POST /auth/oauth2/v2/token -> 200 in \d+ ms \(x-request-id -\)", caplog.messages[0]
    )


def test_a_token_request_refused_names_the_call(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(TOKEN_URL, status=401, json={"message": "Authentication Failure"})
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert str(caught.value).startswith(
        "POST /auth/oauth2/v2/token answered 401: Authentication Failure\nHint: "
    )


def test_a_token_request_without_an_answer_names_the_call_and_why(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(TOKEN_URL, body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert str(caught.value).startswith(
        "POST /auth/oauth2/v2/token failed: no answer from acme.onelogin.com: "
        "could not connect within 5 s\nHint: "
    )


def test_a_401_renewal_repeats_a_write_with_its_body(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    sent = [matchers.json_params_matcher({"name": "SOE"})]
    token(api, ACCESS)
    api.put(f"{APPS_URL}/1", status=401, json=UNAUTHORIZED, match=sent)
    token(api, ACCESS_2)
    api.put(f"{APPS_URL}/1", json={"id": 1}, match=[*sent, *bearer(ACCESS_2)])
    assert client.put("/api/2/apps/1", {"name": "SOE"}) == {"id": 1}


def test_worker_threads_sessions_keep_the_callers_tls_proxy_and_environment_settings(
    api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy-from-environment.invalid:1")
    given = requests.Session()
    given.verify = "/etc/company/ca.pem"
    given.cert = ("/etc/company/client.pem", "/etc/company/client.key")
    given.proxies = {"https": "http://proxy.company.invalid:3128"}
    given.trust_env = False  # so the environment's proxy must not be used
    token(api)
    for number in (1, 2):
        api.get(f"{APPS_URL}/{number}", json={"id": number})
    with OneLoginClient(BASE, CLIENT_ID, SECRET, session=given, concurrency=2) as client:
        gather(2, [lambda: client.get_app(1), lambda: client.get_app(2)])
    sent = [
        {key: call.request.req_kwargs[key] for key in ("verify", "cert", "proxies")}  # type: ignore[attr-defined]
        for call in api.calls
    ]
    expected = {"verify": given.verify, "cert": given.cert, "proxies": given.proxies}
    assert sent == [expected] * 3  # the token and both apps, each from a worker thread


def test_threads_asking_when_the_budget_resets_each_get_their_own_answer(
    api: responses.RequestsMock,
) -> None:
    first_asking = threading.Event()
    both_asking = threading.Barrier(2, timeout=10)  # broken if only one thread asks
    answers = iter([1200, 2400])
    lock = threading.Lock()

    def too_many(request: Any) -> tuple[int, dict[str, str], str]:
        if str(request.url).endswith("/apps/2"):
            first_asking.wait(timeout=10)  # refused while the other thread is asking
        return 429, {}, json.dumps({"message": "Too Many"})

    def rate_limit(request: Any) -> tuple[int, dict[str, str], str]:
        with lock:
            reset = next(answers)
        first_asking.set()
        both_asking.wait()
        data = {"X-RateLimit-Limit": 5000, "X-RateLimit-Remaining": 0, "X-RateLimit-Reset": reset}
        return 200, {}, json.dumps({"status": {"error": False}, "data": data})

    token(api)
    api.add_callback(responses.GET, re.compile(f"{APPS_URL}/[12]"), callback=too_many)
    api.add_callback(responses.GET, f"{BASE}/auth/rate_limit", callback=rate_limit)
    errors: dict[int, str] = {}

    def get(number: int) -> None:
        try:
            made.get_app(number)
        except OneLoginError as error:
            errors[number] = error.message

    with OneLoginClient(BASE, CLIENT_ID, SECRET, max_retries=0, concurrency=2) as made:
        gather(2, [lambda: get(1), lambda: get(2)])
    assert count(api, f"{BASE}/auth/rate_limit") == 2
    assert "it resets in 1200 s" in errors[1]
    assert "it resets in 2400 s" in errors[2]


def test_a_429_on_the_token_request_does_not_ask_when_the_budget_resets(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    # Asking needs the token being asked for: it used to wait forever on the token cache's lock.
    for _ in range(3):
        api.post(TOKEN_URL, status=429, json={"message": "Too Many"})
    errors: list[OneLoginError] = []

    def call() -> None:
        with pytest.raises(OneLoginError) as caught:
            client.get_app(1)
        errors.append(caught.value)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(timeout=30)  # a guard against the hang, not a measure of speed
    assert not caller.is_alive()
    assert "OneLogin did not say when it resets" in errors[0].message
    assert (count(api, TOKEN_URL), count(api, f"{BASE}/auth/rate_limit")) == (3, 0)


def test_a_reset_found_for_an_earlier_request_is_not_told_about_a_later_one(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    api.get(f"{APPS_URL}/1", status=429, json={"message": "Too Many"})
    api.get(f"{APPS_URL}/1", json={"id": 1})
    data = {"X-RateLimit-Limit": 5000, "X-RateLimit-Remaining": 0, "X-RateLimit-Reset": 0}
    api.get(f"{BASE}/auth/rate_limit", json={"status": {"error": False}, "data": data})
    api.get(f"{APPS_URL}/2", status=401, json=UNAUTHORIZED)  # revoked: a new token is asked for
    for _ in range(3):  # the first try and its 2 retries
        api.post(TOKEN_URL, status=429, json={"message": "Too Many"})
    assert client.get_app(1) == {"id": 1}  # its retry found when the budget resets
    with pytest.raises(OneLoginError) as caught:
        client.get_app(2)
    assert "OneLogin did not say when it resets" in caught.value.message


def test_a_429_on_the_question_about_the_budget_does_not_ask_it_again(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    token(api)
    for _ in range(3):  # the first try and its 2 retries, each
        api.get(f"{APPS_URL}/1", status=429, json={"message": "Too Many"})
        api.get(f"{BASE}/auth/rate_limit", status=429, json={"message": "Too Many"})
    with pytest.raises(OneLoginError) as caught:
        client.get_app(1)
    assert "OneLogin did not say when it resets" in caught.value.message
    # Asked once, before the first retry (its own retries included); not asked again for the error.
    assert (count(api, f"{APPS_URL}/1"), count(api, f"{BASE}/auth/rate_limit")) == (3, 3)
