"""The one URL rule (config.urls): the host checked is the host connected to (issue 8)."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from onelogin_scim_setup.config.urls import BoundAuthorization, check_url, origin
from onelogin_scim_setup.errors import OneLoginError, ScimError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.soe.client import ScimClient
from tests.conftest import Result


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.onelogin.com/", "https://acme.onelogin.com"),
        (
            "https://acme.stackenterprise.co/api/scim/v2",
            "https://acme.stackenterprise.co/api/scim/v2",
        ),
        ("https://xn--pple-43d.com", "https://xn--pple-43d.com"),
        ("https://acme.onelogin.com:8443", "https://acme.onelogin.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:9000/x", "http://[::1]:9000/x"),
        ("http://localhost:1", "http://localhost:1"),
    ],
)
def test_plain_urls_are_accepted(url: str, expected: str) -> None:
    assert check_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.2:8081\\@127.0.0.1", "backslash"),
        ("https://user:secret-pw@acme.onelogin.com", "user name or password"),
        ("https://acme.onelogin.com?a=1", "query or fragment"),
        ("https://acme.onelogin.com/#x", "query or fragment"),
        ("https://acme.onelogin.com:65536", "port"),
        ("https://acme.onelogin.com:0", "port 0"),
        ("https://acme.onelogin.com/a/../b", "unusual path"),
        ("https://acme.onelogin.com/a%2fb", "unusual path"),
        ("https://acme.onelogin.com\t", "whitespace or control"),
        ("https://\u0430pple.com", "xn--pple-43d.com"),
        ("http://10.0.0.1", "plain http"),
        ("http://127.0.0.1.evil.example", "plain http"),
    ],
)
def test_misleading_urls_are_refused_saying_why(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)) as caught:
        check_url(url)
    assert "secret-pw" not in str(caught.value)


def test_origin_is_what_urllib3_connects_to() -> None:
    assert origin("https://ACME.onelogin.com/x") == "https://acme.onelogin.com:443"
    assert origin("http://127.0.0.2:81\\@127.0.0.1") == "http://127.0.0.2:81"


def test_credentials_are_not_attached_for_another_origin() -> None:
    auth = BoundAuthorization("Bearer t0ken", "https://acme.onelogin.com", ValueError)
    request = requests.Request("GET", "https://evil.example/api").prepare()
    with pytest.raises(ValueError, match=r"evil\.example"):
        auth(request)
    assert "Authorization" not in request.headers


def test_transport_refuses_a_url_requests_would_send_elsewhere() -> None:
    with pytest.raises(OneLoginError, match="backslash"):
        OneLoginClient("http://127.0.0.2:8081\\@127.0.0.1", "id", "secret")


def test_scim_client_refuses_a_url_requests_would_send_elsewhere() -> None:
    with pytest.raises(ScimError, match="backslash"):
        ScimClient("http://127.0.0.2:8081\\@127.0.0.1/api/scim/v2", "tok3n-value")


@pytest.fixture
def listener_on_127_0_0_2() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.2", 0))
    server.listen(4)
    server.setblocking(False)
    yield server
    server.close()


@pytest.mark.parametrize("key", ["onelogin.base_url", "soe.scim_base_url"])
def test_the_issue_reproduction_is_refused_at_load_time(
    key: str,
    listener_on_127_0_0_2: socket.socket,
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    port = listener_on_127_0_0_2.getsockname()[1]
    hostile = f"http://127.0.0.2:{port}\\@127.0.0.1"
    section, name = key.split(".")
    config = {
        "onelogin": {"base_url": "http://127.0.0.1:9"},
        "soe": {"scim_base_url": "http://127.0.0.1:9/api/scim/v2"},
    }
    config[section][name] = hostile
    monkeypatch.setenv("ONELOGIN_CLIENT_ID", "id")
    monkeypatch.setenv("ONELOGIN_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("SOE_SCIM_TOKEN", "scim-token-value-" + "x" * 30)
    result = run_cli("-c", str(write_config(config)), "verify")
    assert result.exit_code == 1
    assert f"{key}: the URL contains a backslash" in result.stderr
    with pytest.raises(BlockingIOError):
        listener_on_127_0_0_2.accept()


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.onelogin.com/a b",
        "https://acme.onelogin.com/a\tb",
        "https://acme.onelogin.com/a@b",
        "https://acme.onelogin.com/./api",
    ],
    ids=["space", "tab", "at sign", "dot segment"],
)
def test_a_url_with_a_risky_character_or_segment_is_refused(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        check_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://acme.onelogin.com:65535", "https://acme.onelogin.com/" + "a" * 2022],
    ids=["highest port", "longest URL"],
)
def test_a_url_at_the_limits_is_accepted(url: str) -> None:
    assert len(url) <= 2048  # MAX_URL_LENGTH
    assert check_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://acme.example", "http://acme.example:80"),
        ("https://Acme.Example", "https://acme.example:443"),
    ],
)
def test_an_origin_spells_out_the_default_port(url: str, expected: str) -> None:
    assert origin(url) == expected


# --- BoundAuthorization: the credential goes only to the configured origin --------------------------


class Refused(Exception):
    pass


def bound(base_url: str = "https://acme.onelogin.com") -> BoundAuthorization:
    return BoundAuthorization("Basic c2VjcmV0", base_url, lambda target: Refused(target))


def prepared(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.onelogin.com/api/2/apps",
        "https://ACME.onelogin.com:443/api/2/apps",
        "HTTPS://acme.onelogin.com/auth/oauth2/v2/token",
    ],
)
def test_the_header_is_set_for_the_configured_origin(url: str) -> None:
    request = bound()(prepared(url))
    assert request.headers["Authorization"] == "Basic c2VjcmV0"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://evil.example/api/2/apps", "https://evil.example:443"),
        ("http://acme.onelogin.com/api/2/apps", "http://acme.onelogin.com:80"),
        ("https://acme.onelogin.com:8443/api/2/apps", "https://acme.onelogin.com:8443"),
        ("https://acme.onelogin.com.evil.example/", "https://acme.onelogin.com.evil.example:443"),
    ],
)
def test_another_origin_is_refused_and_gets_no_header(url: str, target: str) -> None:
    request = prepared(url)
    with pytest.raises(Refused) as caught:
        bound()(request)
    assert str(caught.value) == target
    assert "Authorization" not in request.headers


def test_a_loopback_origin_keeps_its_port() -> None:
    auth = bound("http://127.0.0.1:8081")
    assert auth(prepared("http://127.0.0.1:8081/api/2/apps")).headers["Authorization"]
    with pytest.raises(Refused):
        auth(prepared("http://127.0.0.1:8082/api/2/apps"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Acme.OneLogin.com", "https://acme.onelogin.com:443"),
        ("http://127.0.0.1", "http://127.0.0.1:80"),
        ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    ],
)
def test_origin_is_scheme_host_and_port_as_the_sender_reads_them(url: str, expected: str) -> None:
    assert origin(url) == expected


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.9.9.9", True),
        ("[::1]", True),
        # Issue 17's surviving bug: a prefix match took these for loopback (and allowed http).
        ("localhost.evil.example", False),
        ("localhostx", False),
        ("localhost-attacker.example", False),
        ("128.0.0.1", False),
    ],
)
def test_only_a_literal_loopback_host_is_loopback(host: str, loopback: bool) -> None:
    from onelogin_scim_setup.config.urls import is_loopback

    assert is_loopback(host) is loopback


def test_http_to_a_host_that_starts_with_localhost_is_refused() -> None:
    with pytest.raises(ValueError, match="https"):
        check_url("http://localhost.evil.example/api")
