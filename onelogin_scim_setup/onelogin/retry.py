"""Retry policy and waits for OneLogin: which answers are retried, how long each wait is, and the
account's hourly call budget as OneLogin last reported it (docs/onelogin-api.md §1.6).

The lowest layer of `onelogin/`: it imports nothing else from the package.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

logger = logging.getLogger("onelogin_scim_setup.onelogin")

Params = Mapping[str, str | int]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# A 429 whose window resets later than this stops the run at once instead of sleeping in silence.
SHORT_WAIT = 30.0


@dataclass(frozen=True)
class RateBudget:
    """The account's hourly call budget as OneLogin last reported it (docs/onelogin-api.md §1.6).

    `reset` is the seconds until the window resets, as of `seen_at` (monotonic seconds).
    """

    limit: int
    remaining: int
    reset: float
    seen_at: float

    def resets_in(self, now: float) -> float:
        return max(0.0, self.reset - (now - self.seen_at))


def rate_limit_from(headers: Mapping[str, Any], now: float) -> RateBudget | None:
    """The budget in `X-RateLimit-*` headers (or `/auth/rate_limit`'s data), if all three are there."""
    values = [
        seconds(None if headers.get(name) is None else str(headers.get(name)))
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
    ]
    if any(value is None for value in values):
        return None
    limit, remaining, reset = (float(value or 0) for value in values)
    return RateBudget(int(limit), int(remaining), reset, now)


class _SentOnce(threading.local):
    """This thread's request is a write sent once: a read error is not retried (see `increment`)."""

    active = False


SENT_ONCE = _SentOnce()


class OneLoginRetry(Retry):
    """urllib3's `Retry` with OneLogin's rules (docs/onelogin-api.md §1.6).

    - A 429 without `Retry-After` waits for `X-RateLimit-Reset` (seconds), the header OneLogin
      documents; every single wait is capped at `max_wait`.
    - A method outside `allowed_methods` (POST) is retried on 429 only: OneLogin refused it, so
      nothing was created. Other POST failures are for `OneLoginApi.create` (api.py) to resolve.
    - A 429 that does not say when the window resets (v2 answers may carry no rate-limit header)
      asks `reset_probe` (the transport's `GET /auth/rate_limit`) before its first retry, so a
      distant reset stops the run at once, as it does when the headers say so.
    - Each retry and each wait is logged (method, path, query keys only, cause).
    """

    def __init__(
        self,
        *args: Any,
        max_wait: float = 60.0,
        short_wait: float = SHORT_WAIT,
        reset_probe: Callable[[], float | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait
        self.short_wait = short_wait
        self.reset_probe = reset_probe

    def new(self, **kw: Any) -> Self:
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("short_wait", self.short_wait)
        kw.setdefault("reset_probe", self.reset_probe)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if self.allowed_methods and method.upper() not in self.allowed_methods:
            return status_code == 429
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            wait = super().get_retry_after(response)
        except InvalidHeader:
            wait = None  # a malformed Retry-After counts as none
        if wait is None and response.status == 429:
            wait = seconds(response.headers.get("X-RateLimit-Reset"))
        return None if wait is None else min(wait, self.max_wait)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        wait = None
        if response is not None and self.respect_retry_after_header:
            wait = self.get_retry_after(response)
        wait = wait or self.get_backoff_time()
        if wait > 0:
            logger.debug("waiting %.2f s before retrying", wait)
            time.sleep(wait)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if SENT_ONCE.active and error is not None and self._is_read_error(error):
            raise error  # sent, answer lost: the caller reads the resource back instead
        if response is not None and response.status == 429:
            reset = reset_seconds(response.headers)
            if reset is None and self.reset_probe is not None and not self.history:
                reset = self.reset_probe()  # once per request: a failed question is not repeated
            if reset is not None and reset > self.short_wait:
                # The budget comes back only when the window resets: waiting would be minutes of
                # silence, so give the 429 back now (raise_on_status=False returns the answer).
                logger.debug("429 and the window resets in %.0f s: not waiting", reset)
                raise MaxRetryError(_pool, url or "", "rate limit exhausted")  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if response is not None:
            drop_body(response)
        cause = f"answer {response.status}" if response is not None else type(error).__name__
        request_id = response.headers.get("x-request-id") if response is not None else None
        logger.debug(
            "retry %d of %s %s after %s (x-request-id %s)",
            len(retry.history),
            method,
            loggable(url or ""),
            cause,
            request_id or "-",
        )
        return retry


def drop_body(response: BaseHTTPResponse) -> None:
    """Before a retry urllib3 reads the whole answer to reuse the connection: an answer of unknown
    or large size is dropped with its connection instead (an endless body must not be read)."""
    length = response.headers.get("Content-Length", "")
    if not length.isdigit() or int(length) > 256 * 1024:
        response.close()


def seconds(value: str | None) -> float | None:
    """A header's count of seconds (or calls): a finite number >= 0, else None."""
    try:
        found = float(value) if value is not None else None
    except ValueError:
        return None
    return found if found is not None and 0 <= found < float("inf") else None


def reset_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until a 429 may succeed: `Retry-After` (seconds form), else `X-RateLimit-Reset`."""
    for name in ("Retry-After", "X-RateLimit-Reset"):
        found = seconds(headers.get(name))
        if found is not None:
            return found
    return None


def loggable(url: str, params: Params | None = None) -> str:
    """The path with its query keys but no query values (search terms, cursors)."""
    parts = urlsplit(url)
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)] + list(params or {})
    return parts.path + ("?" + "&".join(f"{key}=…" for key in keys) if keys else "")
