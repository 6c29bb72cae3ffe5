"""The wire under the OneLogin client (`client.py`): the retry policy, and `Wire`, which sends one
request to one tenant, bounded, and hands back its answer. It knows nothing of tokens, answers'
meaning or endpoints, and never raises with a secret in the text.

- `OneLoginRetry`: urllib3's `Retry` (the library does the retrying) with OneLogin's rules: which
  answers are retried, how long each wait is, the server-sent waits not waited
  (docs/onelogin-api.md §1.6).
- `Wire`: a requests Session per thread, at most `concurrency` requests on the wire over all
  threads, each request (its retries and their waits included) run by `bounds.on_wire`
  (deadlines, signals) with its body read up to a cap (`bounds.read_body`), each logged.
- `RateBudget`: the account's hourly call budget as OneLogin last reported it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from onelogin_scim_setup import __version__, bounds
from onelogin_scim_setup.errors import OneLoginError

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

logger = logging.getLogger("onelogin_scim_setup.onelogin")

Params = Mapping[str, str | int]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TOKEN_PATH = "/auth/oauth2/v2/token"  # noqa: S105 (a URL path, not a password)
RATE_LIMIT = "/auth/rate_limit"


# --- the retry policy ------------------------------------------------------------------------------


class OneLoginRetry(Retry):
    """urllib3's `Retry` with OneLogin's rules (docs/onelogin-api.md §1.6).

    - A 429 without `Retry-After` waits for `X-RateLimit-Reset` (seconds), the header OneLogin
      documents; every single wait is capped at `max_wait`.
    - A 429 whose window resets later than `short_wait` is given back at once (its error says
      when): waiting would be minutes of silence.
    - A 429 that does not say when the window resets (v2 answers may carry no rate-limit header)
      asks `reset_probe` (the client's `GET /auth/rate_limit`) before its first retry, so a
      distant reset stops the run at once, as it does when the headers say so.
    - A method outside `allowed_methods` (POST) is retried on 429 only: OneLogin refused it, so
      nothing was created. Other POST failures are for `OneLoginClient.create` to resolve.
    - A request sent once (`Wire.send(once=True)`) whose answer was lost is not sent again.
    - Each retry and each wait is logged (method, path, query keys only, cause).
    """

    def __init__(
        self,
        *args: Any,
        max_wait: float = 60.0,
        short_wait: float = bounds.SERVER_WAIT,
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
            wait = bounds.header_seconds(response.headers.get("X-RateLimit-Reset"))
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
        once = _this.request is not None and _this.request.once
        if once and error is not None and self._is_read_error(error):
            raise error  # sent, answer lost: the caller reads the resource back instead
        if response is not None and response.status == 429:
            reset = reset_seconds(response.headers)
            if reset is None and self.reset_probe is not None and not self.history:
                reset = self.reset_probe()  # once per request: a failed question is not repeated
            if reset is not None and reset > self.short_wait:
                # raise_on_status=False: urllib3 hands the 429 itself back to the caller.
                logger.debug("429 and the window resets in %.0f s: not waiting", reset)
                raise MaxRetryError(_pool, url or "", "rate limit exhausted")  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if response is not None:
            _drop_body(response)
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


def _drop_body(response: BaseHTTPResponse) -> None:
    """Before a retry urllib3 reads the whole answer to reuse the connection: an answer of unknown
    or large size is dropped with its connection instead (an endless body must not be read)."""
    length = response.headers.get("Content-Length", "")
    if not length.isdigit() or int(length) > bounds.ERROR_BODY:
        response.close()


def reset_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds until a 429 may succeed: `Retry-After` (seconds form), else `X-RateLimit-Reset`."""
    for name in ("Retry-After", "X-RateLimit-Reset"):
        found = bounds.header_seconds(headers.get(name))
        if found is not None:
            return found
    return None


def loggable(url: str, params: Params | None = None) -> str:
    """The path with its query keys but no query values (search terms, cursors)."""
    parts = urlsplit(url)
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)] + list(params or {})
    return parts.path + ("?" + "&".join(f"{key}=…" for key in keys) if keys else "")


# --- the rate budget -------------------------------------------------------------------------------


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
        bounds.header_seconds(None if headers.get(name) is None else str(headers.get(name)))
        for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
    ]
    if any(value is None for value in values):
        return None
    limit, remaining, reset = (float(value or 0) for value in values)
    return RateBudget(int(limit), int(remaining), reset, now)


# --- one request on the wire -----------------------------------------------------------------------


@dataclass
class Request:
    """What one request learns while it is sent and retried.

    `once`: a write sent once, never resent after its answer was lost. `holding`: it holds a place
    on the wire now. `reset`: what asking when the rate budget resets found for it (seconds as
    text, "" when asking failed, None when nothing was asked).
    """

    once: bool = False
    holding: bool = False
    reset: str | None = None


class _ThisRequest(threading.local):
    # Why thread-local: urllib3 keeps one `Retry` per adapter, not per request, so the policy can
    # only find the request it is retrying through the thread it runs in. Each request runs in a
    # helper thread of its own (`bounds.on_wire`), so here a thread is exactly one request.
    request: Request | None = None


_this = _ThisRequest()


class WireSlots:
    """`size` places on the wire, shared by every thread of one client.

    A place is held around one request (its retries and their waits included) and nowhere else,
    never while waiting for the token or a thread pool, so nested pools cannot deadlock."""

    def __init__(self, size: int) -> None:
        self._free = threading.BoundedSemaphore(size)

    @contextmanager
    def held(self, request: Request) -> Iterator[None]:
        """One place for `request`."""
        self._free.acquire()
        request.holding = True
        try:
            yield
        finally:
            # Not holding when an interruption hit `lent()` while it took the place back: then
            # there is nothing to give back (releasing would free a place twice).
            if request.holding:
                request.holding = False
                self._free.release()

    @contextmanager
    def lent(self, request: Request) -> Iterator[None]:
        """`request`'s place given back for a while (between two of its attempts, while it asks
        something else, so a concurrency of 1 does not wait on itself), and taken again after."""
        if not request.holding:
            yield
            return
        request.holding = False
        self._free.release()
        try:
            yield
        finally:
            self._free.acquire()
            request.holding = True


class Sent(NamedTuple):
    """An answer, with what asking when the rate budget resets found while it was retried."""

    response: requests.Response
    reset: str | None


class Wire:
    """HTTP to one OneLogin tenant: sessions, the bound on requests on the wire, deadlines and
    body caps, retries (`OneLoginRetry`), a debug line per request. Answers come back as they are.

    `ask_reset`: seconds until the rate budget resets when no header said so (the client asks
    `GET /auth/rate_limit`), asked by the retry policy before a 429's first retry.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float],
        max_retries: int,
        backoff_factor: float,
        max_wait: float,
        session: requests.Session | None,
        concurrency: int,
        request_total: float,
        ask_reset: Callable[[], str | None],
    ) -> None:
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.max_wait = max_wait
        self.request_total = request_total
        self._ask_reset = ask_reset
        self._slots = WireSlots(concurrency)
        self._first = session if session is not None else requests.Session()
        self._mount(self._first)
        self._owner = threading.get_ident()
        self._others = _OtherSessions()
        self._lock = threading.Lock()
        self._made: list[requests.Session] = []
        # Requests sent so far (a request's own retries inside urllib3 not counted again): plan
        # reports what it spent.
        self.calls_sent = 0
        self._calls_lock = threading.Lock()

    def send(
        self,
        method: str,
        path: str,
        *,
        auth: Callable[[requests.PreparedRequest], requests.PreparedRequest],
        params: Params | None = None,
        body: Any = None,
        once: bool = False,
    ) -> Sent:
        """One request and its retries. Raises `requests.RequestException` when no answer came, a
        `OneLoginError` when the answer is beyond its size cap, and `bounds`' deadline and signal
        errors. `once`: a lost answer is not sent again (it may have been processed)."""
        session, request = self._session(), Request(once=once)
        with self._calls_lock:
            self.calls_sent += 1
        cap = bounds.ITEM_BODY if method != "GET" else bounds.LIST_BODY
        if path == TOKEN_PATH:
            cap = bounds.TOKEN_BODY

        def run() -> requests.Response:
            _this.request = request
            response = session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                auth=auth,
                timeout=self.timeout,
                stream=True,
            )
            bounds.read_body(response, cap)
            return response

        started = time.perf_counter()
        what = f"{method} {path} on {self.host}"
        try:
            with self._slots.held(request):
                write = method not in ("GET", "HEAD")
                response = bounds.on_wire(run, what=what, write=write, total=self.request_total)
        except bounds.AnswerRefused as error:
            raise OneLoginError(str(error), method=method, path=path) from None
        except requests.RequestException as error:
            elapsed = round((time.perf_counter() - started) * 1000)
            target = loggable(path, params)
            logger.debug("%s %s -> %s after %d ms", method, target, type(error).__name__, elapsed)
            raise
        logger.debug(
            "%s %s -> %d in %d ms (x-request-id %s)",
            method,
            loggable(path, params),
            response.status_code,
            round((time.perf_counter() - started) * 1000),
            response.headers.get("x-request-id", "-"),
        )
        return Sent(response, request.reset)

    def _probe_reset(self) -> float | None:
        """For a 429 that does not say when the budget resets: ask, with this request's place lent
        meanwhile; what was found is kept for this request's error, so it is not asked twice."""
        request = _this.request
        if request is None:
            return None
        with self._slots.lent(request):
            request.reset = self._ask_reset() or ""
        return bounds.header_seconds(request.reset or None)

    def _retry(self, methods: frozenset[str], *, probe: bool) -> OneLoginRetry:
        return OneLoginRetry(
            total=self.max_retries,
            allowed_methods=methods,
            status_forcelist=bounds.RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_factor,
            backoff_max=self.max_wait,
            raise_on_status=False,  # the last answer comes back and becomes a OneLoginError
            max_wait=self.max_wait,
            reset_probe=self._probe_reset if probe else None,
        )

    def _mount(self, session: requests.Session) -> None:
        session.headers["User-Agent"] = f"onelogin-scim-setup/{__version__}"
        session.headers["Accept"] = "application/json"
        session.mount(
            self.base_url + "/",
            HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS, probe=True)),
        )
        # The question about the rate budget never asks itself when its own answer is a 429.
        question = HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS, probe=False))
        session.mount(self.base_url + RATE_LIMIT, question)
        # A token request creates nothing and answers the same token until it expires (Op 1),
        # so unlike other POSTs it may be resent after any failure. Its 429 does not ask
        # `/auth/rate_limit`: that question needs the very token being asked for (a hang).
        token = HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS | {"POST"}, probe=False))
        session.mount(self.base_url + TOKEN_PATH, token)

    def _session(self) -> requests.Session:
        """The Session given (or made) serves the thread that built the client; every other thread
        gets its own, made like it: requests does not document a Session as thread-safe."""
        if threading.get_ident() == self._owner:
            return self._first
        session = self._others.session
        if session is None:
            session = _like(self._first)
            self._mount(session)
            self._others.session = session
            with self._lock:
                self._made.append(session)
        return session

    def close(self) -> None:
        self._first.close()
        with self._lock:
            for session in self._made:
                session.close()
            self._made.clear()


class _OtherSessions(threading.local):
    # Why thread-local: a Session per worker thread (see `Wire._session`), kept for its connections.
    session: requests.Session | None = None


def _like(model: requests.Session) -> requests.Session:
    """A new Session with the settings a caller may have given `model` (TLS, proxies, env)."""
    session = requests.Session()
    session.verify = model.verify
    session.cert = model.cert
    session.proxies = dict(model.proxies)
    session.trust_env = model.trust_env
    return session
