"""The wire under the OneLogin client: one requests Session with timeouts, a cached OAuth2 token,
urllib3 retries with backoff, and every error answer turned into one `OneLoginError`.

It knows nothing of the config, the plan or the terminal, never prints or exits, and never logs or
raises with the client secret, the access token or the Authorization header in the text.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    InvalidHeader,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from onelogin_scim_setup import __version__
from onelogin_scim_setup.config.urls import BoundAuthorization, check_url
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.secrets.redact import Redactor, basic_credentials, shorten

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

logger = logging.getLogger("onelogin_scim_setup.onelogin")

Json = Any
JsonObject = dict[str, Any]
Params = Mapping[str, str | int]

TOKEN_PATH = "/auth/oauth2/v2/token"  # noqa: S105 (a URL path, not a password)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TOKEN_LIFETIME_UNKNOWN = 600.0  # only if a token answer lacks `expires_in`
RENEW_EARLY = 300.0

HINT_NETWORK = (
    "Check onelogin.base_url / onelogin.subdomain, the network and any proxy (HTTPS_PROXY)."
)
HINT_CREDENTIALS = (
    "Check the API credential's client id and client secret (OneLogin: Administration > "
    "Developers > API Credentials) and that the base URL is your tenant's, "
    "https://<subdomain>.onelogin.com."
)
HINT_REVOKED = (
    "OneLogin refused a fresh token: the API credentials are wrong, or the credential was revoked "
    "or deleted (Administration > Developers > API Credentials)."
)
HINT_SCOPE = (
    'The API credential needs the "Manage All" scope: create one with it under Administration > '
    "Developers > API Credentials."
)
HINT_SERVER = (
    "OneLogin had a server error: run the command again later. If every call answers 500, the "
    "admin who created the API credential may have been deleted: create a new credential."
)
HINT_NOT_JSON = "A proxy or a wrong onelogin.base_url may be answering instead of OneLogin."
HINT_RATE = (
    "OneLogin limits API calls per account (documented as 5,000 an hour), shared by every API "
    "credential: wait for the reset and run the command again."
)


class MaybeProcessed(OneLoginError):
    """A POST failed without telling whether OneLogin processed it (timeout, dropped, 5xx)."""


class OneLoginRetry(Retry):
    """urllib3's `Retry` with OneLogin's rules (docs/onelogin-api.md §1.6).

    - A 429 without `Retry-After` waits for `X-RateLimit-Reset` (seconds), the header OneLogin
      documents; every single wait is capped at `max_wait`.
    - A method outside `allowed_methods` (POST) is retried on 429 only: OneLogin refused it, so
      nothing was created. Other POST failures are for `OneLoginClient.create` to resolve.
    - Each retry and each wait is logged (method, path, query keys only, cause).
    """

    def __init__(self, *args: Any, max_wait: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_wait = max_wait

    def new(self, **kw: Any) -> Self:
        kw.setdefault("max_wait", self.max_wait)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if self.allowed_methods and method.upper() not in self.allowed_methods:
            return status_code == 429
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            seconds = None  # a malformed Retry-After counts as none
        if seconds is None and response.status == 429:
            seconds = _seconds(response.headers.get("X-RateLimit-Reset"))
        return None if seconds is None else min(seconds, self.max_wait)

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
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        cause = f"answer {response.status}" if response is not None else type(error).__name__
        request_id = response.headers.get("x-request-id") if response is not None else None
        logger.debug(
            "retry %d of %s %s after %s (x-request-id %s)",
            len(retry.history),
            method,
            _loggable(url or ""),
            cause,
            request_id or "-",
        )
        return retry


EXCERPT_SIZE = 160  # characters of a non-JSON answer quoted in an error
MESSAGE_SIZE = 1000  # characters of an error message taken from an answer


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
        redactor: Redactor | None = None,
    ) -> None:
        self.base_url = _base_url(base_url)
        self.host = urlsplit(self.base_url).netloc
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.max_wait = max_wait
        self._basic = "Basic " + basic_credentials(client_id, client_secret)
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        # The caller's redactor (the CLI's, which also cleans logs and errors) learns the secret
        # and every access token, so they are cut from any output, not only from our errors.
        self._redactor = redactor if redactor is not None else Redactor()
        self._redactor.add_basic(client_id, client_secret)
        self._asking_reset = False
        self._session = session if session is not None else requests.Session()
        self._session.headers["User-Agent"] = f"onelogin-scim-setup/{__version__}"
        self._session.headers["Accept"] = "application/json"
        api = HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS))
        self._session.mount(self.base_url + "/", api)
        # A token request creates nothing and answers the same token until it expires (Op 1),
        # so unlike other POSTs it may be resent after any failure.
        token = HTTPAdapter(max_retries=self._retry(IDEMPOTENT_METHODS | {"POST"}))
        self._session.mount(self.base_url + TOKEN_PATH, token)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def get(self, path: str, params: Params | None = None) -> Json:
        return _decode(self._call("GET", path, params), "GET", path, self._redactor.redact)

    def get_with_headers(
        self, path: str, params: Params | None = None
    ) -> tuple[Json, Mapping[str, str]]:
        """GET answering the decoded body and the response headers (pagination reads them)."""
        response = self._call("GET", path, params)
        return _decode(response, "GET", path, self._redactor.redact), response.headers

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
        return _decode(response, "PUT", path, self._cleaner(sensitive))

    def post(self, path: str, body: Json, *, sensitive: Collection[str] = ()) -> Json:
        """One POST, retried only on 429. Raises `MaybeProcessed` when the outcome is unknown."""
        try:
            response = self._exchange("POST", path, None, body)
        except requests.RequestException as error:
            kind = MaybeProcessed if _maybe_processed(error) else OneLoginError
            raise self._unreachable(error, "POST", path, kind) from error
        if response.status_code >= 500:
            raise self._error(response, "POST", path, sensitive, kind=MaybeProcessed)
        checked = self._checked(response, "POST", path, sensitive)
        return _decode(checked, "POST", path, self._cleaner(sensitive))

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        """DELETE; with `missing_ok` a 404 counts as already deleted."""
        try:
            self._call("DELETE", path)
        except OneLoginError as error:
            if not (missing_ok and error.status == 404):
                raise
            logger.debug("DELETE %s answered 404: taken as already deleted", path)

    def _retry(self, methods: frozenset[str]) -> OneLoginRetry:
        return OneLoginRetry(
            total=self.max_retries,
            allowed_methods=methods,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_factor,
            backoff_max=self.max_wait,
            raise_on_status=False,  # the last answer comes back and becomes a OneLoginError
            max_wait=self.max_wait,
        )

    def _access_token(self) -> str:
        if self._token is not None and self._clock() < self._token_expires:
            return self._token
        self._token = None
        started = time.perf_counter()
        try:
            response = self._session.post(
                self.base_url + TOKEN_PATH,
                auth=self._authorization(self._basic),
                json={"grant_type": "client_credentials"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise self._unreachable(error, "POST", TOKEN_PATH) from error
        self._log("POST", TOKEN_PATH, None, response, started)
        if response.status_code != 200:
            raise self._error(response, "POST", TOKEN_PATH, (), token_call=True)
        answer = _decode(response, "POST", TOKEN_PATH, self._redactor.redact)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            message = "the token answer has no access_token"
            raise _answer_error(response, message, "POST", TOKEN_PATH, HINT_NOT_JSON)
        lifetime = _seconds(str(answer.get("expires_in"))) or TOKEN_LIFETIME_UNKNOWN
        # The same token comes back until it expires (Op 1): renew a little before that.
        self._token_expires = self._clock() + lifetime - min(RENEW_EARLY, lifetime / 10)
        self._token = token
        self._redactor.add(token)
        return token

    def _send(self, method: str, path: str, params: Params | None, body: Json) -> requests.Response:
        token = self._access_token()
        started = time.perf_counter()
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                auth=self._authorization(f"Bearer {token}"),
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            elapsed = round((time.perf_counter() - started) * 1000)
            target = _loggable(path, params)
            logger.debug("%s %s -> %s after %d ms", method, target, type(error).__name__, elapsed)
            raise
        self._log(method, path, params, response, started)
        return response

    def _exchange(
        self, method: str, path: str, params: Params | None, body: Json = None
    ) -> requests.Response:
        response = self._send(method, path, params, body)
        if response.status_code == 401:
            # A token can be revoked before it expires: get a new one once, repeat once (§1.6).
            logger.debug("%s %s answered 401: new token, repeating once", method, path)
            self._token = None
            response = self._send(method, path, params, body)
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
        reset = None
        if response.status_code == 429 and not _reset_header(response) and not self._asking_reset:
            # No header says when the budget resets: ask OneLogin (once, never recursively).
            self._asking_reset = True
            try:
                reset = self._reset_unsaid()
            finally:
                self._asking_reset = False
        message, hint = describe_error(
            response, self.max_retries, clean, token_call=token_call, reset=reset
        )
        return _answer_error(response, message, method, path, hint, kind)

    def _reset_unsaid(self) -> str | None:
        """Seconds until the rate budget resets when no header said so; the client asks
        `/auth/rate_limit`."""
        return None

    def _authorization(self, header: str) -> BoundAuthorization:
        def refuse(target: str) -> OneLoginError:
            return OneLoginError(
                f"refused to send the OneLogin credential to {target}: the configured API is "
                f"{self.base_url}",
                hint="Check onelogin.base_url: write it plainly, https://<subdomain>.onelogin.com.",
            )

        return BoundAuthorization(header, self.base_url, refuse)

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
        message = f"no answer from {self.host}: {_network_reason(error, self.timeout)}"
        return kind(message, method=method, path=path, hint=HINT_NETWORK)

    def _log(
        self,
        method: str,
        path: str,
        params: Params | None,
        response: requests.Response,
        started: float,
    ) -> None:
        logger.debug(
            "%s %s -> %d in %d ms (x-request-id %s)",
            method,
            _loggable(path, params),
            response.status_code,
            round((time.perf_counter() - started) * 1000),
            response.headers.get("x-request-id", "-"),
        )


def _reset_header(response: requests.Response) -> str | None:
    return response.headers.get("X-RateLimit-Reset") or response.headers.get("Retry-After")


def describe_error(
    response: requests.Response,
    retries: int,
    clean: Callable[[str], str],
    *,
    token_call: bool = False,
    reset: str | None = None,
) -> tuple[str, str | None]:
    """(message, hint) for an error answer in any of OneLogin's shapes (docs/onelogin-api.md §1.4).

    `clean` redacts secrets; it sees the whole text before anything is shortened.
    """
    status = response.status_code
    try:
        body, hint = (response.json() if response.content else None), None
    except ValueError:  # plain text is an API message; an HTML page is a proxy's or a stranger's
        html = _is_html(response)
        body = f"an HTML page: {_excerpt(response, clean)!r}" if html else _excerpt(response, clean)
        hint = HINT_NOT_JSON if html else None
    found = _message(body) or response.reason or f"HTTP {status}"
    message = shorten(clean(found), MESSAGE_SIZE)
    if status == 429:
        reset = _reset_header(response) or reset
        when = f"it resets in {reset} s" if reset else "OneLogin did not say when it resets"
        return f"rate limit exhausted after {retries} retries; {when} ({message})", HINT_RATE
    if hint or status >= 500:
        return message, hint or HINT_SERVER
    if token_call:
        return message, HINT_CREDENTIALS
    return message, {401: HINT_REVOKED, 403: HINT_SCOPE}.get(status)


def _message(body: Json) -> str | None:
    if isinstance(body, str):  # a bare JSON string, e.g. "Expected array in request"
        return body.strip() or None
    if isinstance(body, list):
        return "; ".join(text for text in map(_message, body) if text) or None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("status"), dict):  # v1: {"status": {"error", "code", "type", "message"}}
        return _message(body["status"])
    message = next(
        (
            _text(body.get(key))
            for key in ("message", "error_description", "name", "type", "error")
            if _text(body.get(key))
        ),
        None,
    )
    if _text(body.get("field")):  # v2 field error: {"statusCode", "name", "message", "field"}
        message = f"{message} (field {body['field']})"
    errors = body.get("errors")
    if isinstance(errors, list) and errors:  # mappings: {"code", "message", "errors": [...]}
        details = "; ".join(_field_error(item) for item in errors)
        message = f"{message}: {details}" if message else details
    return message


def _field_error(item: Json) -> str:
    if not isinstance(item, dict):
        return str(item)
    text = _text(item.get("message")) or "invalid"
    return f"{item['field']}: {text}" if _text(item.get("field")) else text


def _text(value: Json) -> str | None:
    if isinstance(value, list):  # mappings' field errors carry a list of messages
        value = ", ".join(str(item) for item in value)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _excerpt(response: requests.Response, clean: Callable[[str], str]) -> str:
    """A short, tag-free excerpt of a non-JSON answer, redacted whole before it is cut."""
    text = clean(response.text)
    return shorten(" ".join(re.sub(r"<[^>]*>", " ", text).split()), EXCERPT_SIZE)


def _is_html(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "")
    return "html" in kind or response.text.lstrip().startswith("<")


def _decode(
    response: requests.Response, method: str, path: str, clean: Callable[[str], str]
) -> Json:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as error:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        message = f"expected JSON, got {clean(kind)}: {_excerpt(response, clean)!r}"
        raise _answer_error(response, message, method, path, HINT_NOT_JSON) from error


def _answer_error(
    response: requests.Response,
    message: str,
    method: str,
    path: str,
    hint: str | None,
    kind: type[OneLoginError] = OneLoginError,
) -> OneLoginError:
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    return kind(message, status=status, request_id=request_id, method=method, path=path, hint=hint)


def _base_url(value: str) -> str:
    try:
        return check_url(value.strip())
    except ValueError as error:
        raise OneLoginError(
            f"the OneLogin base URL is refused: {error}",
            hint="Use https://<subdomain>.onelogin.com (or set onelogin.subdomain).",
        ) from None


def _loggable(url: str, params: Params | None = None) -> str:
    """The path with its query keys but no query values (search terms, cursors)."""
    parts = urlsplit(url)
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)] + list(params or {})
    return parts.path + ("?" + "&".join(f"{key}=…" for key in keys) if keys else "")


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < float("inf") else None


def _maybe_processed(error: requests.RequestException) -> bool:
    """False only when the request surely never reached OneLogin: no connection could be opened."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    if isinstance(error, requests.ConnectionError) and error.args:
        # A POST gets MaxRetryError only after every connect attempt failed: a failure after
        # sending is re-raised as is, because POST is not in allowed_methods.
        return not isinstance(error.args[0], MaxRetryError)
    return isinstance(
        error,
        (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError),
    )


def _network_reason(error: requests.RequestException, timeout: tuple[float, float]) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return f"could not connect within {timeout[0]:g} s"
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout[1]:g} s"
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS handshake failed (a certificate or proxy problem)"
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):  # urllib3 retried and gave up: name the last failure
        cause = cause.reason
    if isinstance(cause, NameResolutionError):
        return "the host name does not resolve"
    if isinstance(cause, NewConnectionError):
        return "could not connect (refused or unreachable)"
    if isinstance(cause, ReadTimeoutError):
        return f"no answer within {timeout[1]:g} s"
    if isinstance(error, requests.ConnectionError):
        return "the connection closed before an answer came"
    return f"the request failed ({type(error).__name__})"
