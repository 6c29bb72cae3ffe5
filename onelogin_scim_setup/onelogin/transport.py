"""The wire under the OneLogin client: requests Sessions with timeouts, a cached OAuth2 token,
urllib3 retries with backoff, the account's rate-limit budget as last reported, and every error
answer turned into one `OneLoginError`.

The parts live beside it: `retry.py` (which answers are retried, the waits, the rate budget),
`auth.py` (the access-token cache), `answers.py` (decoding answers and describing failures),
`threads.py` (the per-thread Sessions and state, the bound on requests on the wire).

Thread safety: the client may be called from several threads at once (parallel reads, bounded
per-user writes). Each thread has its own Session, at most `concurrency` requests are on the wire
at once over all threads (`threads.py`), the token cache and the rate-limit record are guarded by
locks, and what one request learns while it is retried (the reset probe's answer, and that the
probe is running) is per thread, so threads never read each other's answer nor skip each other's
probe. The probe, asked between two attempts of a request, gives the thread's slot back meanwhile.

It knows nothing of the config, the plan or the terminal, never prints or exits, and never logs or
raises with the client secret, the access token or the Authorization header in the text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from onelogin_scim_setup import __version__, bounds
from onelogin_scim_setup.config.urls import BoundAuthorization
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import (
    HINT_NETWORK,
    Json,
    MaybeProcessed,
    answer_error,
    bound_authorization,
    checked_base_url,
    decode,
    describe_error,
    maybe_processed,
    network_reason,
    reset_header,
)
from onelogin_scim_setup.onelogin.auth import TOKEN_PATH, AccessTokens
from onelogin_scim_setup.onelogin.retry import (
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    OneLoginRetry,
    Params,
    RateBudget,
    loggable,
    rate_limit_from,
    seconds,
)
from onelogin_scim_setup.onelogin.threads import (
    ResetQuestion,
    ThreadSessions,
    WireSlots,
    wire_call,
)
from onelogin_scim_setup.secrets.redact import Redactor, basic_credentials

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger("onelogin_scim_setup.onelogin")


class OneLoginTransport:
    """Authenticated, retried, logged HTTP to one OneLogin tenant; answers are plain JSON data.

    Adapters are mounted for `base_url` only; `close()` (or leaving `with`) closes the session,
    also one passed in. `clock` (monotonic seconds) times the token cache.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        max_wait: float = 60.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        concurrency: int = 1,
        redactor: Redactor | None = None,
        request_total: float = bounds.REQUEST_TOTAL,
    ) -> None:
        self.base_url = checked_base_url(base_url)
        self.host = urlsplit(self.base_url).netloc
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.max_wait = max_wait
        self.request_total = request_total
        # How many calls the read layer and apply may have in flight at once (1: one at a time).
        self.concurrency = max(1, concurrency)
        # Requests sent so far (each attempt of a retry counted once): plan reports what it spent.
        self.calls_sent = 0
        self._calls_lock = threading.Lock()
        self._basic = "Basic " + basic_credentials(client_id, client_secret)
        self._clock = clock
        self._rate: RateBudget | None = None
        self._rate_lock = threading.Lock()
        # The caller's redactor (the CLI's, which also cleans logs and errors) learns the secret
        # and every access token, so they are cut from any output, not only from our errors.
        self._redactor = redactor if redactor is not None else Redactor()
        self._redactor.add_basic(client_id, client_secret)
        self._tokens = AccessTokens(self._request_token, clock, self._redactor)
        self._reset = ResetQuestion()
        self._slots = WireSlots(self.concurrency)
        first = session if session is not None else requests.Session()
        self._mount(first)
        self._sessions = ThreadSessions(first, self._mount)

    def _mount(self, session: requests.Session) -> None:
        session.headers["User-Agent"] = f"onelogin-scim-setup/{__version__}"
        session.headers["Accept"] = "application/json"
        api = HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS))
        session.mount(self.base_url + "/", api)
        # A token request creates nothing and answers the same token until it expires (Op 1),
        # so unlike other POSTs it may be resent after any failure. Its 429 does not ask
        # `/auth/rate_limit`: that question needs the very token being asked for (a hang).
        token = HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS | {"POST"}, probe=False))
        session.mount(self.base_url + TOKEN_PATH, token)

    @property
    def observed_budget(self) -> RateBudget | None:
        """The budget from the last answer that carried `X-RateLimit-*` headers, if any did."""
        with self._rate_lock:
            return self._rate

    def remember_budget(self, budget: RateBudget) -> None:
        with self._rate_lock:
            self._rate = budget

    def _note_rate_limit(self, response: requests.Response) -> None:
        found = rate_limit_from(response.headers, self._clock())
        if found is not None:
            self.remember_budget(found)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._sessions.close()

    def get(self, path: str, params: Params | None = None) -> Json:
        return decode(self._call("GET", path, params), "GET", path, self._redactor.redact)

    def get_with_headers(
        self, path: str, params: Params | None = None
    ) -> tuple[Json, Mapping[str, str]]:
        """GET answering the decoded body and the response headers (pagination reads them)."""
        response = self._call("GET", path, params)
        return decode(response, "GET", path, self._redactor.redact), response.headers

    def put(
        self,
        path: str,
        body: Json,
        *,
        params: Params | None = None,
        sensitive: Collection[str] = (),
    ) -> Json:
        """PUT `body` as JSON; `sensitive` values sent in it are redacted from any error message."""
        response = self._call("PUT", path, params, body, sensitive)
        return decode(response, "PUT", path, self._cleaner(sensitive))

    def post(self, path: str, body: Json, *, sensitive: Collection[str] = ()) -> Json:
        """One POST, retried only on 429. Raises `MaybeProcessed` when the outcome is unknown."""
        try:
            response = self._exchange("POST", path, None, body)
        except requests.RequestException as error:
            kind = MaybeProcessed if maybe_processed(error) else OneLoginError
            raise self._unreachable(error, "POST", path, kind) from error
        if response.status_code >= 500:
            raise self._error(response, "POST", path, sensitive, kind=MaybeProcessed)
        checked = self._checked(response, "POST", path, sensitive)
        return decode(checked, "POST", path, self._cleaner(sensitive))

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        """DELETE; with `missing_ok` a 404 counts as already deleted."""
        try:
            self._call("DELETE", path)
        except OneLoginError as error:
            if not (missing_ok and error.status == 404):
                raise
            logger.debug("DELETE %s answered 404: taken as already deleted", path)

    def _retry(self, methods: frozenset[str], *, probe: bool = True) -> OneLoginRetry:
        return OneLoginRetry(
            total=self.max_retries,
            allowed_methods=methods,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_factor,
            backoff_max=self.max_wait,
            raise_on_status=False,  # the last answer comes back and becomes a OneLoginError
            max_wait=self.max_wait,
            reset_probe=self._probe_reset if probe else None,
        )

    def _probe_reset(self) -> float | None:
        """For a 429 that does not say when the budget resets: ask (never recursively); what was
        found is kept for this request's error, so it is not asked twice."""
        if self._reset.asking:
            return None
        self._reset.found = self._ask_reset() or ""
        return seconds(self._reset.found or None)

    def _ask_reset(self) -> str | None:
        """Seconds until the budget resets, asked of OneLogin; None while this thread is already
        asking (the question's own 429 must not ask again) or when the question fails."""
        question = self._reset
        if question.asking:
            return None
        question.asking = True
        try:
            # Between two attempts this thread has nothing on the wire: the question takes a slot
            # of its own, so a concurrency of 1 does not wait on itself.
            with self._slots.released():
                return self._reset_unsaid()
        finally:
            question.asking = False

    def _request_token(self) -> requests.Response:
        """The token request (client credentials, Basic auth); a 200 answer or a raised error."""
        self._reset.found = None  # what an earlier request's retries found is not about this one
        started = time.perf_counter()
        try:
            with self._slots.held():
                response = self._wire(
                    "POST",
                    TOKEN_PATH,
                    lambda session: session.post(
                        self.base_url + TOKEN_PATH,
                        auth=self._authorization(self._basic),
                        json={"grant_type": "client_credentials"},
                        timeout=self.timeout,
                        stream=True,
                    ),
                    bounds.TOKEN_BODY,
                )
        except requests.RequestException as error:
            raise self._unreachable(error, "POST", TOKEN_PATH) from error
        self._log("POST", TOKEN_PATH, None, response, started)
        if response.status_code != 200:
            raise self._error(response, "POST", TOKEN_PATH, (), token_call=True)
        return response

    def _send(
        self, method: str, path: str, params: Params | None, body: Json, token: str
    ) -> requests.Response:
        self._reset.found = None  # what an earlier request's retries found is not about this one
        started = time.perf_counter()
        try:
            with self._slots.held():
                response = self._wire(
                    method,
                    path,
                    lambda session: session.request(
                        method,
                        self.base_url + path,
                        params=params,
                        json=body,
                        auth=self._authorization(f"Bearer {token}"),
                        timeout=self.timeout,
                        stream=True,
                    ),
                    bounds.LIST_BODY if method == "GET" else bounds.ITEM_BODY,
                )
        except requests.RequestException as error:
            elapsed = round((time.perf_counter() - started) * 1000)
            target = loggable(path, params)
            logger.debug("%s %s -> %s after %d ms", method, target, type(error).__name__, elapsed)
            raise
        self._log(method, path, params, response, started)
        return response

    def _wire(
        self,
        method: str,
        path: str,
        send: Callable[[requests.Session], requests.Response],
        cap: int,
    ) -> requests.Response:
        """`send` on this thread's Session, bounded (`threads.wire_call`)."""
        session, call = self._sessions.here(), (self._slots, self._reset, self.request_total)
        with self._calls_lock:
            self.calls_sent += 1
        return wire_call(*call, lambda: send(session), cap, (method, path, self.host))

    def _exchange(
        self, method: str, path: str, params: Params | None, body: Json = None
    ) -> requests.Response:
        token = self._tokens.get()
        response = self._send(method, path, params, body, token)
        if response.status_code == 401:
            # A token can be revoked before it expires: get a new one once, repeat once (§1.6).
            logger.debug("%s %s answered 401: new token, repeating once", method, path)
            self._tokens.forget(token)
            response = self._send(method, path, params, body, self._tokens.get())
        return response

    def _call(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        body: Json = None,
        sensitive: Collection[str] = (),
    ) -> requests.Response:
        try:
            response = self._exchange(method, path, params, body)
        except requests.RequestException as error:
            raise self._unreachable(error, method, path) from error
        return self._checked(response, method, path, sensitive)

    def _checked(
        self, response: requests.Response, method: str, path: str, sensitive: Collection[str]
    ) -> requests.Response:
        if response.status_code >= 400:
            raise self._error(response, method, path, sensitive)
        return response

    def _error(
        self,
        response: requests.Response,
        method: str,
        path: str,
        sensitive: Collection[str],
        *,
        token_call: bool = False,
        kind: type[OneLoginError] = OneLoginError,
    ) -> OneLoginError:
        clean = self._cleaner(sensitive)
        question = self._reset
        reset = None
        if response.status_code == 429:
            # The retry policy may just have asked, in this thread, for this request.
            reset, question.found = question.found, None
        if (
            reset is None
            and response.status_code == 429
            and not reset_header(response)
            and not token_call  # the question needs the token (see `_mount`)
        ):
            reset = self._ask_reset()  # no header says when the budget resets
        message, hint = describe_error(
            response, self.max_retries, clean, token_call=token_call, reset=reset or None
        )
        return answer_error(response, message, method, path, hint, kind)

    def _reset_unsaid(self) -> str | None:
        """Seconds until the rate budget resets when no header said so; the client asks
        `/auth/rate_limit`."""
        return None

    def _authorization(self, header: str) -> BoundAuthorization:
        return bound_authorization(header, self.base_url)

    def _cleaner(self, sensitive: Collection[str] = ()) -> Callable[[str], str]:
        """Redacts this transport's secrets and the `sensitive` values of one request."""
        extra = Redactor(sensitive)
        return lambda text: extra.redact(self._redactor.redact(text))

    def _unreachable(
        self,
        error: requests.RequestException,
        method: str,
        path: str,
        kind: type[OneLoginError] = OneLoginError,
    ) -> OneLoginError:
        message = f"no answer from {self.host}: {network_reason(error, self.timeout)}"
        return kind(message, method=method, path=path, hint=HINT_NETWORK)

    def _log(
        self,
        method: str,
        path: str,
        params: Params | None,
        response: requests.Response,
        started: float,
    ) -> None:
        self._note_rate_limit(response)
        logger.debug(
            "%s %s -> %d in %d ms (x-request-id %s)",
            method,
            loggable(path, params),
            response.status_code,
            round((time.perf_counter() - started) * 1000),
            response.headers.get("x-request-id", "-"),
        )
