"""The retry policy of the SCIM client (`soe/client.py`): which answers are retried, and the
server-sent waits it will not wait (`bounds.SERVER_WAIT`)."""

from __future__ import annotations

import logging
from typing import Any

import requests
from urllib3.exceptions import InvalidHeader, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from onelogin_scim_setup import bounds
from onelogin_scim_setup.errors import ScimError

log = logging.getLogger("onelogin_scim_setup.soe")

# Like OneLogin's client: a GET answered 5xx or 429, or dropped, is retried with exponential
# backoff (urllib3 honours Retry-After). A PUT (audit --fix) is retried only when the connection
# failed before it was sent, so a retry never doubles a write.
MAX_RETRIES = 3
BACKOFF = 0.5


class ScimRetry(Retry):
    """urllib3's `Retry`, but a `Retry-After` longer than `bounds.SERVER_WAIT` is not waited: the
    answer comes back at once (and its error says the wait), and an answer of unknown or large size
    is dropped with its connection before a retry instead of read whole."""

    def get_retry_after(self, response: Any) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None  # a malformed Retry-After counts as none

    def increment(self, *args: Any, **kwargs: Any) -> ScimRetry:
        response = kwargs.get("response")
        if response is None and len(args) > 2:
            response = args[2]
        if response is not None:
            said = self.get_retry_after(response)
            if said is not None and said > bounds.SERVER_WAIT:
                log.debug("SOE asked to wait %.0f s: not waiting", said)
                url = kwargs.get("url") or (args[1] if len(args) > 1 else "")
                raise MaxRetryError(kwargs.get("_pool"), url, None)  # type: ignore[arg-type]
        retry = super().increment(*args, **kwargs)
        if response is not None:
            length = response.headers.get("Content-Length", "")
            if not length.isdigit() or int(length) > bounds.ERROR_BODY:
                response.close()
        return retry


def scim_retry(max_retries: int = MAX_RETRIES, backoff: float = BACKOFF) -> Retry:
    return ScimRetry(
        total=max_retries,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=bounds.RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=10.0,
        # After the last try the answer itself comes back, so its status and message are reported.
        raise_on_status=False,
    )


def answer_lost(exc: requests.RequestException) -> bool:
    """True when the request may have reached SOE (sent, then no answer); False when no
    connection was ever made (refused, unreachable, connect timeout, TLS)."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return False
    if isinstance(exc, requests.Timeout):
        return True  # a read timeout, or bounds' total deadline
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    if isinstance(cause, NewConnectionError):
        return False
    return isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError)


def describe_failure(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return "the token holds characters an HTTP header cannot carry (whitespace or control)"
    labels = [
        (requests.exceptions.SSLError, "TLS error"),
        (requests.Timeout, "no answer in time"),
        (requests.ConnectionError, "cannot connect"),
    ]
    for kind, label in labels:
        if isinstance(exc, kind):  # urllib3's reason follows "(Caused by "
            return f"{label}: {str(exc).split('(Caused by ', 1)[-1].rstrip(')')}"
    # Other messages may quote the URL or headers; the type name is enough.
    return f"request failed: {type(exc).__name__}"


def refuse_elsewhere(target: str) -> ScimError:
    return ScimError(
        f"refused to send the SCIM token to {target}: it is not the configured SCIM base URL's host",
        hint="Check soe.scim_base_url: write it plainly, https://<site>.stackenterprise.co/api/scim/v2.",
    )
