"""soe/client.py: the SOE SCIM client: HTTP stubs (responses), then a real SCIM server that is not
ours (scim2-server)."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from onelogin_scim_setup.errors import ScimError
from onelogin_scim_setup.secrets.token import generate_token
from onelogin_scim_setup.soe.client import LIST_RESPONSE, ScimClient, scim_retry
from onelogin_scim_setup.soe.users import (
    title_of,
    user_type_of,
)
from tests.helpers.scim2 import start_scim2_server

BASE = "https://acme.stackenterprise.co/api/scim/v2"
USERS = BASE + "/Users"
TOKEN = "tok-" + "Q" * 44
ACCEPT = "application/scim+json, application/json"
RFC = ["urn:ietf:params:scim:api:messages:2.0:Error"]


def listing(users: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    total = len(users) if total is None else total
    return {"schemas": [LIST_RESPONSE], "totalResults": total, "Resources": users}


def user(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": str(n), "userName": f"user{n}@example.com", **extra}


class Api:
    """A stubbed SOE endpoint: `on()` registers one answer, `client` talks to it."""

    def __init__(self, mock: responses.RequestsMock, client: ScimClient) -> None:
        self.mock, self.client = mock, client

    def on(self, body: Any, status: int = 200, path: str = "", **params: object) -> None:
        match = [matchers.query_param_matcher({k: str(v) for k, v in params.items()})]
        self.mock.get(USERS + path, json=body, status=status, match=match if params else [])


@pytest.fixture
def api() -> Iterator[Api]:
    with responses.RequestsMock() as mock, ScimClient(BASE, TOKEN) as client:
        yield Api(mock, client)


# --- probe ---------------------------------------------------------------------------------------

PROBES = [
    (200, listing([user(1)], total=7), True, "totalResults 7"),
    (401, {"ErrorMessage": "Bad"}, False, "token rejected (GET /Users answered 401: Bad)"),
    (403, {"schemas": RFC, "detail": "Forbidden", "status": "403"}, False, "token rejected"),
    (404, {"ErrorMessage": "Not found"}, False, "switched off"),
    (500, {"ErrorMessage": "boom"}, False, "answered 500: boom"),
    (200, {"hello": "world"}, False, "without a SCIM ListResponse"),
]


@pytest.mark.parametrize(("status", "body", "ok", "fragment"), PROBES)
def test_probe_outcomes(api: Api, status: int, body: Any, ok: bool, fragment: str) -> None:
    api.on(body, status, count=1)
    result = api.client.probe()
    assert (result.status, result.ok) == (status, ok)
    assert fragment in result.detail


def test_probe_connection_error_has_no_status(api: Api) -> None:
    api.mock.get(USERS, body=requests.ConnectionError("Connection refused"))
    result = api.client.probe()
    assert (result.status, result.ok) == (None, False)
    assert "Connection refused" in result.detail


def test_probe_sends_bearer_token_and_scim_accept(api: Api) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": ACCEPT}
    api.mock.get(USERS, json=listing([]), match=[matchers.header_matcher(headers)])
    assert api.client.probe().ok


def test_probe_with_token_sends_the_other_token(api: Api) -> None:
    wrong = [matchers.header_matcher({"Authorization": "Bearer wrong"})]
    api.mock.get(USERS, json={"ErrorMessage": "no"}, status=401, match=wrong)
    assert api.client.probe_with_token("wrong").status == 401


# --- errors --------------------------------------------------------------------------------------

SHAPES = [
    ({"ErrorMessage": "SCIM user modification failed - unknown user"}, "unknown user"),
    ({"schemas": RFC, "detail": "Resource 9 not found", "status": "404"}, "Resource 9 not found"),
    ({"schemas": RFC, "detail": "bad", "scimType": "invalidValue"}, "bad (scimType invalidValue)"),
]


@pytest.mark.parametrize(("body", "expected"), SHAPES)
def test_both_error_shapes_become_scim_errors(api: Api, body: Any, expected: str) -> None:
    api.on(body, 404, path="/9")
    with pytest.raises(ScimError, match=re.escape(expected)) as caught:
        api.client.get_user(9)
    assert caught.value.status == 404


HINTS = [(401, "differs"), (403, "differs"), (404, "base URL"), (503, "try again")]


@pytest.mark.parametrize(("status", "hint"), HINTS)
def test_error_hints(api: Api, status: int, hint: str) -> None:
    api.on({"ErrorMessage": "x"}, status)
    with pytest.raises(ScimError) as caught:
        next(api.client.list_users())
    assert hint in (caught.value.hint or "")


def test_get_user_returns_the_resource(api: Api) -> None:
    api.on(user(42), path="/42")
    assert api.client.get_user("42")["userName"] == "user42@example.com"


# --- find_user: filter first, then paging (SOE's filter support is UNCERTAIN, docs/soe-scim.md §1.2) ---
def test_find_user_sends_an_escaped_username_filter(api: Api) -> None:
    wanted = 'o"dd\\name@example.com'
    api.on(listing([user(5, userName=wanted)]), filter='userName eq "o\\"dd\\\\name@example.com"')
    assert (api.client.find_user(wanted) or {}).get("id") == "5"


def test_find_user_empty_filter_answer_is_none_without_paging(api: Api) -> None:
    api.on(listing([]))
    assert api.client.find_user("nobody@example.com") is None
    assert len(api.mock.calls) == 1


@pytest.mark.parametrize("filter_status", [400, 404, 501])
def test_find_user_pages_when_the_filter_fails(api: Api, filter_status: int) -> None:
    carol = user(3, userName="Carol", emails=[{"value": "Carol@Example.com", "primary": True}])
    api.on({"ErrorMessage": "no filters"}, filter_status, filter='userName eq "carol@example.com"')
    api.on(listing([user(1), user(2)], total=3), startIndex=1, count=100)
    api.on(listing([carol], total=3), startIndex=3, count=100)
    assert (api.client.find_user("carol@example.com") or {}).get("id") == "3"


def test_find_user_pages_when_the_server_ignored_the_filter(api: Api) -> None:
    api.on(listing([user(1), user(2)], 9), filter='userName eq "USER9@example.com"')
    api.on(listing([user(1), user(9)], 2), startIndex=1, count=100)
    assert (api.client.find_user("USER9@example.com") or {}).get("id") == "9"


def test_find_user_raises_on_a_server_error(api: Api) -> None:
    api.on({"ErrorMessage": "boom"}, 500)
    with pytest.raises(ScimError, match="boom"):
        api.client.find_user("a@example.com")


# --- list_users ----------------------------------------------------------------------------------
def test_list_users_follows_start_index_over_several_pages(api: Api) -> None:
    for start, page in [(1, [user(1), user(2)]), (3, [user(3), user(4)]), (5, [user(5)])]:
        api.on(listing(page, 5), startIndex=start, count=2)
    assert [u["id"] for u in api.client.list_users(page_size=2)] == ["1", "2", "3", "4", "5"]


def test_list_users_stops_on_an_empty_page(api: Api) -> None:
    api.on(listing([user(1), user(2)], 99), startIndex=1, count=2)
    api.on(listing([], 99), startIndex=3, count=2)
    assert [u["id"] for u in api.client.list_users(page_size=2)] == ["1", "2"]


def test_list_users_refuses_a_server_that_ignores_start_index(api: Api) -> None:
    api.on(listing([user(1), user(2)], 10))
    with pytest.raises(ScimError, match="ignore startIndex"):
        list(api.client.list_users(page_size=2))


# --- the token never leaks -----------------------------------------------------------------------
def test_token_absent_from_errors_and_logs(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.on({"ErrorMessage": f"bad token {TOKEN}"}, 401, path="/1")
    with pytest.raises(ScimError) as caught:
        api.client.get_user(1)
    assert "GET /Users/1 -> 401" in caplog.text
    assert TOKEN not in str(caught.value)
    assert TOKEN not in caplog.text


@pytest.mark.usefixtures("api")
def test_token_absent_when_requests_rejects_the_header() -> None:
    result = ScimClient(BASE, TOKEN + "\n").probe()
    assert (result.status, result.ok) == (None, False)
    assert TOKEN not in result.detail


def test_repr_shows_a_fingerprint_not_the_token(api: Api) -> None:
    assert TOKEN not in repr(api.client)
    assert "sha256:" in repr(api.client)


# --- scim2-server 0.8.3 (docs/soe-scim.md §4.1): its own CLI, on 127.0.0.1 only -------------------------

CORE = ["urn:ietf:params:scim:schemas:core:2.0:User"]
ALICE = {"schemas": CORE, "userName": "alice@example.com", "userType": "Moderator", "title": "Dev"}
BOB = {"schemas": CORE, "userName": "bob@example.com"}  # no userType, like SOE's Registered users


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimClient]:
    token, session = generate_token(), requests.Session()
    session.trust_env = False  # loopback traffic must never go to a proxy from the environment
    log_path = tmp_path_factory.mktemp("scim2-server") / "server.log"
    with log_path.open("wb") as log:
        server, base = start_scim2_server(token, log)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, f"scim2-server exited: {log_path.read_text()}"
            try:
                session.get(base + "/ServiceProviderConfig", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "scim2-server did not answer within 20 s"
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        for body in (ALICE, BOB):
            created = session.post(base + "/Users", json=body, headers=headers, timeout=5)
            assert created.status_code == 201, created.text
        with ScimClient(base, token, session=session) as scim:
            yield scim
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        session.close()


def test_oracle_probe_accepts_the_right_token(oracle: ScimClient) -> None:
    result = oracle.probe()
    assert (result.status, result.ok) == (200, True)


def test_oracle_probe_refuses_a_wrong_token(oracle: ScimClient) -> None:
    wrong = oracle.probe_with_token(generate_token())
    assert (wrong.status, wrong.ok) == (401, False)


def test_oracle_find_user_by_username(oracle: ScimClient) -> None:
    alice = oracle.find_user("alice@example.com") or {}
    assert alice.get("userName") == "alice@example.com"
    assert (user_type_of(alice), title_of(alice)) == ("Moderator", "Dev")


def test_oracle_user_without_user_type_reads_as_registered(oracle: ScimClient) -> None:
    bob = oracle.find_user("bob@example.com")
    assert bob is not None
    assert user_type_of(bob) == "Registered"


def test_oracle_missing_user_is_none(oracle: ScimClient) -> None:
    assert oracle.find_user("nobody@example.com") is None


def test_oracle_list_users_pages_through_everyone(oracle: ScimClient) -> None:
    names = sorted(u["userName"] for u in oracle.list_users(page_size=1))
    assert names == ["alice@example.com", "bob@example.com"]


def test_oracle_unknown_id_is_a_404_scim_error(oracle: ScimClient) -> None:
    with pytest.raises(ScimError) as caught:
        oracle.get_user("no-such-id")
    assert caught.value.status == 404


# --- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_one_failed_answer_is_retried(status: int) -> None:
    with responses.RequestsMock() as mock, ScimClient(BASE, TOKEN) as client:
        mock.get(USERS, json={"ErrorMessage": "boom"}, status=status)
        mock.get(USERS, json=listing([user(1)]))
        assert client.probe().ok
        assert len(mock.calls) == 2


class _DropsFirst(BaseHTTPRequestHandler):
    """Closes the first connection without an answer, then answers a SCIM ListResponse."""

    calls = 0

    def do_GET(self) -> None:
        type(self).calls += 1
        if type(self).calls == 1:
            self.close_connection = True
            return
        body = json.dumps(listing([user(1)])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/scim+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_dropped_connection_is_retried() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DropsFirst)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/api/scim/v2"
        with ScimClient(base, TOKEN) as client:
            assert client.probe().ok
    finally:
        server.shutdown()
        server.server_close()
    assert _DropsFirst.calls == 2


def test_a_lasting_failure_reports_the_last_answer_after_the_retries() -> None:
    retry = scim_retry(max_retries=2, backoff=0)
    with responses.RequestsMock() as mock, ScimClient(BASE, TOKEN, retry=retry) as client:
        mock.get(USERS, json={"ErrorMessage": "boom"}, status=503)
        result = client.probe()
        assert len(mock.calls) == 3
    assert (result.status, result.ok) == (503, False)


def test_an_error_text_is_redacted_whole_before_it_is_shortened(api: Api) -> None:
    """Issue 17's surviving bug: shortening before redacting left the head of a token that
    straddles the cut. The token stands across the 1,000-character cut; none of it may remain."""
    prefix = "GET /Users answered 500: "
    filler = "x" * (1000 - len(prefix) - len(TOKEN) // 2)
    api.on({"ErrorMessage": filler + TOKEN + " tail"}, 500)
    with pytest.raises(ScimError) as raised:
        api.client.find_user("a@example.com")
    text = raised.value.message + (raised.value.hint or "")
    windows = {TOKEN[i : i + 8] for i in range(len(TOKEN) - 7)}
    assert [w for w in windows if w in text] == []
    assert "tok-QQQQ" not in text
