"""A small SCIM 2.0 client for SOE's endpoint (`https://<site>.stackenterprise.co/api/scim/v2`).

SOE has no admin API (docs/soe-scim.md §2), so SCIM itself is how the tool observes SOE's side: a
`GET /Users?count=1` with the token answers 200 only when SCIM is on and the token matches.
The token is sent per request and never appears in a message, a log line or a repr."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from onelogin_scim_setup import bounds
from onelogin_scim_setup.config.models import SoeSettings
from onelogin_scim_setup.config.urls import BoundAuthorization, check_url
from onelogin_scim_setup.errors import ScimError
from onelogin_scim_setup.secrets.redact import redact, shorten
from onelogin_scim_setup.secrets.token import fingerprint
from onelogin_scim_setup.soe.retry import (
    answer_lost,
    describe_failure,
    refuse_elsewhere,
    scim_retry,
)
from onelogin_scim_setup.soe.users import check_listed, matches_name

log = logging.getLogger("onelogin_scim_setup.soe")


ACCEPT = "application/scim+json, application/json"


LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


MESSAGE_SIZE = 1000  # characters of an error message quoted from an answer


PAGE_SIZE = 100  # SOE returns at most 100 users per page (docs/soe-scim.md §1.2)


HINT_REJECTED = (
    "The bearer token SOE holds differs from this one (compare fingerprints with `token show`), "
    "or SCIM is switched off in SOE's Admin Settings > Access management > SCIM."
)


HINT_NOT_FOUND = (
    "SCIM may be switched off in SOE, or the base URL is wrong: it should look like "
    "https://<site>.stackenterprise.co/api/scim/v2."
)


HINT_TLS = "Check the site's certificate; soe.verify_tls: false is only for test sites."


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of `GET /Users?count=1`: `status` is None when no HTTP answer came back."""

    status: int | None
    ok: bool
    detail: str


class ScimClient:
    """SCIM 2.0 `/Users` reads against one base URL with one bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        verify_tls: bool = True,
        session: requests.Session | None = None,
        retry: Retry | None = None,
        concurrency: int = 1,
        request_total: float = bounds.REQUEST_TOTAL,
    ) -> None:
        try:
            self.base_url = check_url(base_url)
        except ValueError as error:
            raise ScimError(f"the SCIM base URL is refused: {error}") from None
        self._token = token
        self._timeout = timeout
        self._total = request_total
        self._verify_tls = verify_tls
        self._session = session or requests.Session()
        self._owns_session = session is None
        # At most `concurrency` listing pages in flight at once (list_users); the adapter keeps
        # that many connections so none is thrown away between pages.
        self.concurrency = max(1, concurrency)
        adapter = HTTPAdapter(
            max_retries=retry or scim_retry(), pool_maxsize=max(10, self.concurrency)
        )
        self._session.mount(self.base_url + "/", adapter)

    def __repr__(self) -> str:
        return f"ScimClient({self.base_url!r}, token={fingerprint(self._token)})"

    def __enter__(self) -> ScimClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def _redact(self, text: str, token: str) -> str:
        return redact(text, self._token, token)

    def _send(
        self, path: str, params: Mapping[str, str | int] | None = None, *, token: str | None = None
    ) -> requests.Response:
        """GET `path`; connection and TLS failures become ScimError (status None), never the token."""
        token = self._token if token is None else token
        started = time.monotonic()
        cap = bounds.LIST_BODY if path == "/Users" else bounds.ITEM_BODY
        try:
            response = self._wire(
                "GET",
                path,
                lambda: self._session.get(
                    self.base_url + path,
                    params=params,
                    headers={"Accept": ACCEPT},
                    auth=BoundAuthorization(f"Bearer {token}", self.base_url, refuse_elsewhere),
                    timeout=self._timeout,
                    verify=self._verify_tls,
                    stream=True,
                ),
                cap,
            )
        except requests.RequestException as exc:
            log.debug("GET %s failed after %.0f ms: %s", path, _ms(started), type(exc).__name__)
            hint = HINT_TLS if isinstance(exc, requests.exceptions.SSLError) else None
            # `from None`: some requests errors quote header values, i.e. the token.
            raise ScimError(self._redact(describe_failure(exc), token), hint=hint) from None
        log.debug("GET %s -> %s in %.0f ms", path, response.status_code, _ms(started))
        return response

    def _wire(
        self, method: str, path: str, send: Callable[[], requests.Response], cap: int
    ) -> requests.Response:
        """`send` run by `bounds.on_wire` (deadlines, signals), its body read up to `cap` bytes."""

        def run() -> requests.Response:
            response = send()
            bounds.read_body(response, cap)
            return response

        host = urlsplit(self.base_url).netloc
        try:
            return bounds.on_wire(
                run, what=f"{method} {path} on {host}", write=method != "GET", total=self._total
            )
        except bounds.AnswerRefused as error:
            raise ScimError(f"{method} {path}: {error}") from None

    def _error(
        self, response: requests.Response, path: str, token: str = "", method: str = "GET"
    ) -> ScimError:
        status = response.status_code
        # Redacted whole, then shortened: a cut must never leave part of a token behind.
        whole = self._redact(f"{method} {path} answered {status}: {error_message(response)}", token)
        message = shorten(whole, MESSAGE_SIZE)
        hint = None
        if status in (401, 403):
            hint = HINT_REJECTED
        elif status == 404 and path.startswith("/Users") and path.count("/") == 1:
            hint = HINT_NOT_FOUND
        elif status == 429 or status >= 500:
            hint = "SOE could not answer just now; try again in a few minutes."
            said = bounds.header_seconds(response.headers.get("Retry-After"))
            if said is not None and said > bounds.SERVER_WAIT:
                message += (
                    f" (SOE asked to wait {said:.0f} s; waits over {bounds.SERVER_WAIT:g} s are "
                    "not waited: the run stopped)"
                )
        return ScimError(message, status=status, hint=hint)

    def _get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        response = self._send(path, params)
        if response.status_code != 200:
            raise self._error(response, path)
        try:
            body = _json_object(response, strict=True)
        except bounds.AnswerRefused as error:
            raise ScimError(f"GET {path} answered 200: {error}", status=200) from None
        if body is None:
            raise ScimError(f"GET {path} answered 200 without a JSON object", status=200)
        return body

    def probe(self) -> ProbeResult:
        """Is SCIM on and does SOE accept this client's token? Never raises for an HTTP status."""
        return self.probe_with_token(self._token)

    def probe_with_token(self, token: str) -> ProbeResult:
        """`probe()` with another token, e.g. a deliberately wrong one that must be refused."""
        try:
            response = self._send("/Users", {"count": 1}, token=token)
        except ScimError as exc:
            return ProbeResult(status=None, ok=False, detail=exc.message)
        status = response.status_code
        if status == 200:
            body = _json_object(response)
            if body is not None and _is_list_response(body):
                total = body.get("totalResults")
                return ProbeResult(status, True, f"SCIM answered 200 (totalResults {total})")
            detail = f"answered 200 without a SCIM ListResponse; {HINT_NOT_FOUND}"
            return ProbeResult(status, False, detail)
        error = self._error(response, "/Users", token)
        if status in (401, 403):
            return ProbeResult(status, False, f"token rejected ({error.message}). {HINT_REJECTED}")
        if status == 404:
            return ProbeResult(status, False, f"{error.message}. {HINT_NOT_FOUND}")
        return ProbeResult(status, False, error.message)

    def get_user(self, user_id: str | int) -> dict[str, Any]:
        """One user by SCIM `id` (SOE's account id, docs/soe-scim.md §1.2)."""
        path = "/Users/" + quote(str(user_id), safe="")
        user = self._get_json(path)
        check_listed(user, f"GET {path}")
        return user

    def list_users(self, page_size: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every user, page by page: SOE caps a page at 100 (docs/soe-scim.md §1.2). With a
        concurrency above 1 and a `totalResults`, the pages after the first are asked by
        `startIndex` up to it, `concurrency` at once, in waves (`_pages_in_parallel`)."""
        start = 1
        seen: set[str] = set()
        announced: int | None = None
        for _ in range(bounds.MAX_PAGES):
            body = self._get_json("/Users", {"startIndex": start, "count": page_size})
            page = _resources(body, start)
            if not page:
                return
            _check_new(page, seen, start)
            yield from page
            start += len(page)
            total = body.get("totalResults")
            if announced is None and isinstance(total, int) and not isinstance(total, bool):
                announced = total  # the first page's count bounds the listing
            if announced is not None and start > announced:
                return
            if self.concurrency > 1 and announced is not None:
                yield from self._pages_in_parallel(start, len(page), announced, page_size, seen)
                return
        raise ScimError(
            f"GET /Users: still more users after {bounds.MAX_PAGES} pages ({start - 1} users); "
            "stopped instead of paging for ever",
            status=200,
        )

    def _pages_in_parallel(
        self, start: int, step: int, total: int, page_size: int, seen: set[str]
    ) -> Iterator[dict[str, Any]]:
        """The pages from `start` to `total`, `step` (the first page's length) apart. An empty page
        ends the listing (fewer users than said); a page of users already listed is an error; past
        `bounds.MAX_PAGES` pages the listing stops with an error instead of paging for ever."""
        last = min(total, start + step * (bounds.MAX_PAGES - 2))

        def fetch(index: int) -> list[dict[str, Any]]:
            body = self._get_json("/Users", {"startIndex": index, "count": page_size})
            return _resources(body, index)

        wave = self.concurrency * 4
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            while start <= last:
                starts = range(start, last + 1, step)[:wave]
                # map raises the first failure in page order.
                for index, page in zip(starts, pool.map(fetch, starts), strict=True):
                    if not page:
                        return
                    _check_new(page, seen, index)
                    yield from page
                start = starts[-1] + step
        finally:  # on a failure or an interrupt, the pages not yet asked are not asked
            bounds.drain(pool)
        if last < total:
            raise ScimError(
                f"GET /Users: still more users after {bounds.MAX_PAGES} pages ({start - 1} users); "
                "stopped instead of paging for ever",
                status=200,
            )

    def set_active(self, user_id: str | int, active: bool) -> dict[str, Any]:
        """`PUT /Users/{id}` with the partial body `{"active": ...}`, as Stack's own scripts do
        (docs/soe-scim.md §1.2); answers the user as SOE now holds it. Never deletes."""
        path = "/Users/" + quote(str(user_id), safe="")
        started = time.monotonic()
        try:
            response = self._wire(
                "PUT",
                path,
                lambda: self._session.put(
                    self.base_url + path,
                    json={"active": active},
                    headers={
                        "Authorization": f"Bearer {self._token}",
                        "Accept": ACCEPT,
                        "Content-Type": "application/scim+json",
                    },
                    timeout=self._timeout,
                    verify=self._verify_tls,
                    stream=True,
                ),
                bounds.ITEM_BODY,
            )
        except requests.RequestException as exc:
            log.debug("PUT %s failed after %.0f ms: %s", path, _ms(started), type(exc).__name__)
            if not answer_lost(exc):  # never sent: nothing happened
                raise ScimError(self._redact(describe_failure(exc), self._token)) from None
            return self._read_back(user_id, active, path, describe_failure(exc))
        log.debug("PUT %s -> %s in %.0f ms", path, response.status_code, _ms(started))
        if response.status_code != 200:
            raise self._error(response, path, method="PUT")
        body = _json_object(response)
        if body is None:
            return self.get_user(user_id)
        check_listed(body, f"PUT {path}")
        return body

    def _read_back(self, user_id: str | int, active: bool, path: str, lost: str) -> dict[str, Any]:
        """The PUT was sent but its answer lost: SOE may have applied it. The user is read back
        (the PUT is not sent again) and reported as SOE holds it; unknown if that fails too."""
        log.debug("PUT %s: the answer was lost (%s); reading the user back", path, lost)
        try:
            user = self.get_user(user_id)
        except ScimError as error:
            raise ScimError(
                f"PUT {path}: the answer was lost ({self._redact(lost, self._token)}) and reading "
                f"the user back failed ({error.message}): the outcome is unknown: check",
                hint="Run audit again: it reads SOE first and shows what is left to fix.",
            ) from None
        if user.get("active") is not active:
            raise ScimError(
                f"PUT {path}: the answer was lost, and SOE still reports the user "
                f"active={user.get('active')!r}: not done"
            )
        return user

    def find_user(self, user_name: str) -> dict[str, Any] | None:
        """The user whose userName (or an email) equals `user_name`, case-insensitively.

        SOE's filter support is UNCERTAIN (docs/soe-scim.md §1.2: Stack's own scripts page and match on
        the client side), so a refused filter (400/501), a 404 for "no match" (what OneLogin's
        connect probe accepts, §1.4) or an answer that ignored the filter falls back to paging.
        """
        escaped = user_name.replace("\\", "\\\\").replace('"', '\\"')
        response = self._send("/Users", {"filter": f'userName eq "{escaped}"'})
        if response.status_code == 200:
            body = _json_object(response)
            page = _resources(body, 1, "GET /Users?filter") if body is not None else []
            if body is not None and not page:
                return None
            for resource in page:
                if matches_name(resource, user_name):
                    return resource
            log.debug("GET /Users ignored the filter; paging instead")
        elif response.status_code in (400, 404, 501):
            log.debug("GET /Users with a filter answered %s; paging instead", response.status_code)
        else:
            raise self._error(response, "/Users")
        return next((u for u in self.list_users() if matches_name(u, user_name)), None)


def _resources(body: Mapping[str, Any], start: int, where: str = "") -> list[dict[str, Any]]:
    """The users of one page, each checked at the edge (soe.users.check_listed)."""
    where = where or f"GET /Users?startIndex={start}"
    resources = body.get("Resources") or []
    if not isinstance(resources, list):
        raise ScimError(
            f"{where}: Resources is not a list ({type(resources).__name__})",
            status=200,
        )
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            raise ScimError(
                f"{where}: Resources[{index}] is a {type(resource).__name__}, not a user object "
                "(field Resources)",
                status=200,
            )
        check_listed(resource, where)
    return resources


def _check_new(page: list[dict[str, Any]], seen: set[str], start: int) -> None:
    """A page made only of users already listed means the server ignores `startIndex`."""
    ids = {str(r.get("id")) for r in page if r.get("id") is not None}
    if ids and ids <= seen:
        raise ScimError(
            f"GET /Users?startIndex={start} repeated users already listed: "
            "the server seems to ignore startIndex",
            status=200,
        )
    seen |= ids


def error_message(response: requests.Response) -> str:
    """The message of SOE's `{"ErrorMessage": …}` (§1.2) or of an RFC 7644 Error body."""
    body = _json_object(response)
    if body is not None:
        if isinstance(body.get("ErrorMessage"), str):
            return str(body["ErrorMessage"])
        if "detail" in body or "scimType" in body:
            detail = str(body.get("detail") or "no detail")
            return f"{detail} (scimType {body['scimType']})" if body.get("scimType") else detail
    reason = response.reason or "no reason given"
    kind = response.headers.get("Content-Type")
    return f"{reason} ({kind} body)" if kind and response.content else reason


def _json_object(response: requests.Response, *, strict: bool = False) -> dict[str, Any] | None:
    """The answer's JSON object, else None; `strict`: JSON beyond the bounds raises."""
    try:
        body = bounds.loads(response.content)
    except bounds.AnswerRefused:
        if strict:
            raise
        return None
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _is_list_response(body: Mapping[str, Any]) -> bool:
    schemas = body.get("schemas")
    return (isinstance(schemas, list) and LIST_RESPONSE in schemas) or "totalResults" in body


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


def open_scim(settings: SoeSettings, token: str, *, concurrency: int = 1) -> ScimClient:
    """The one way the tool builds a SCIM client for the configured SOE site; `concurrency` bounds
    the listing pages in flight at once (audit passes `onelogin.concurrency`)."""
    if not settings.verify_tls:
        # Every command that talks to SOE says so, not only verify: the token crosses this link.
        log.warning(
            "soe.verify_tls is false: SOE's TLS certificate is not checked, so anyone on the "
            "network path can read the SCIM bearer token; use it only with a test site"
        )
    return ScimClient(
        settings.scim_url,
        token,
        verify_tls=settings.verify_tls,
        timeout=(min(10.0, settings.timeout), settings.timeout),
        concurrency=concurrency,
    )
