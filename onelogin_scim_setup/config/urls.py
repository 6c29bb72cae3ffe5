"""The one URL rule for every URL the tool will send credentials to.

A URL is checked with the parser of the library that sends it (urllib3, under requests), and the
host checked must be the host requests would connect to: Python's `urlsplit` and urllib3 disagree
on inputs like `http://evil.example\\@127.0.0.1` (urlsplit sees 127.0.0.1, requests connects to
evil.example), so such inputs are refused rather than interpreted. Errors never echo a password.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    # Imported where used: `validate` loads the config without needing the HTTP stack (start-up).
    import requests
    from urllib3.util import Url

MAX_URL_LENGTH = 2048
# Path segments of a base URL: plain ASCII words, no percent-escapes, dot segments or parameters,
# so the path sent is the path written.
_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)*/?")


def check_url(url: str) -> str:
    """`url` without a trailing slash, if it is a base URL the tool may send credentials to.

    https only, except plain http to a literal loopback host (the sandbox, local tests). Raises
    ValueError saying what is wrong; the message never contains a password.
    """
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is {len(url)} characters long (at most {MAX_URL_LENGTH})")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ValueError("the URL contains whitespace or control characters")
    if "\\" in url:
        raise ValueError(
            "the URL contains a backslash: parsers disagree on where its host ends, so the host "
            "checked might not be the host connected to"
        )
    parsed = _parse(url)
    if parsed.auth is not None or "@" in url:
        raise ValueError(
            f"the URL holds a user name or password before '@' ({parsed.scheme}://…@{parsed.host}); "
            "credentials belong in environment variables, never in a URL"
        )
    if not url.isascii():
        raise ValueError(
            f"the URL is not plain ASCII; its host would be sent as {parsed.host!r}. "
            "Internationalised names can imitate another site (an IDN look-alike): write the "
            "punycode form if you really mean this host"
        )
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    if parsed.query is not None or parsed.fragment is not None:
        raise ValueError(f"{url!r} has a query or fragment ('?' or '#'); give the base URL only")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ValueError(f"{url!r} has port {parsed.port}; a port is 1 to 65535")
    # As written and as urllib3 will send it (it removes dot segments): both must be plain.
    path = urlsplit(url).path
    if any(
        not _PATH.fullmatch(p) or {".", ".."} & set(p.split("/")) for p in (path, parsed.path or "")
    ):
        raise ValueError(
            f"{url!r} has an unusual path {path!r}; use letters, digits and . _ ~ - between slashes"
        )
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise ValueError(
            f"{url!r} uses plain http; only https is allowed except for loopback hosts "
            "(127.0.0.0/8, ::1, localhost)"
        )
    # What requests itself will send must name the same place (defence against parser drift).
    if origin(_prepared(url)) != origin(url) or urlsplit(url).hostname != _bare(parsed.host):
        raise ValueError(f"{url!r} is read differently by different URL parsers; write it plainly")
    return url.rstrip("/")


class BoundAuthorization:
    """Sets the Authorization header per request, only for the configured origin.

    The prepared request's URL is re-read with urllib3 (the parser that connects) and compared to
    the configured origin before the credential is attached: `check_url` at load time is the first
    line of defence, this is the last. `refuse(target)` builds the error to raise. As an `auth` (any
    callable taking the prepared request, like requests' AuthBase) it also keeps ~/.netrc from
    replacing the header.
    """

    def __init__(self, header: str, base_url: str, refuse: Callable[[str], Exception]) -> None:
        self._header = header
        self._origin = origin(base_url)
        self._refuse = refuse

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        target = origin(str(request.url))
        if target != self._origin:
            raise self._refuse(target)
        request.headers["Authorization"] = self._header
        return request


DEFAULT_PORTS = {"https": 443, "http": 80}


def origin(url: str) -> str:
    """`scheme://host:port` as urllib3 (the library that connects) reads `url`."""
    parsed = _parse(url)
    scheme = (parsed.scheme or "").lower()
    port = parsed.port or DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{(parsed.host or '').lower()}:{port}"


def is_loopback(host: str) -> bool:
    """A literal loopback host: localhost, 127.0.0.0/8 or ::1 (brackets allowed)."""
    host = _bare(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse(url: str) -> Url:
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        return parse_url(url)
    except LocationParseError:
        raise ValueError(
            "the URL cannot be parsed (a port must be a number from 1 to 65535)"
        ) from None


def _prepared(url: str) -> str:
    import requests

    request = requests.PreparedRequest()
    try:
        request.prepare_url(url, None)
    except requests.RequestException:
        raise ValueError("the URL cannot be parsed by the HTTP library") from None
    return str(request.url)


def _bare(host: str) -> str:
    return host.lower().removeprefix("[").removesuffix("]")
