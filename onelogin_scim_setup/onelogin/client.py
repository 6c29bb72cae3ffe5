"""The OneLogin client: one object, read top to bottom, composed of

- a wire (`wire.Wire`): requests Sessions, the bound on requests on the wire for the whole client,
  deadlines and body caps, and the retry policy (`wire.OneLoginRetry`: which answers are retried
  and how long each wait is);
- an access token (`auth.AccessTokens`): fetched, cached, renewed under a lock;
- the rules every endpoint shares: the 401 renewal, every error answer or network failure as one
  `OneLoginError` with a hint (`answers.py`), duplicate-free creates, all pages of a listing, the
  rate-limit budget (docs/onelogin-api.md §1.5, §1.6);
- one small method per endpoint, with the wire quirks absorbed so callers get clean data.

Thread safety: the client may be called from several threads at once (parallel reads, bounded
per-user writes); see `Wire` for the sessions and the bound, `AccessTokens` for the token.

Plain dicts and lists out. It knows nothing of the config, the plan or the terminal, never prints
or exits, and never logs or raises with the client secret, the access token or the Authorization
header in the text.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Literal, NamedTuple
from urllib.parse import quote, urlsplit

import requests

from onelogin_scim_setup import bounds
from onelogin_scim_setup.config.urls import BoundAuthorization
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import (
    HINT_NETWORK,
    Json,
    JsonObject,
    MaybeProcessed,
    answer_error,
    bound_authorization,
    checked_base_url,
    checked_user,
    decode,
    describe_error,
    maybe_processed,
    network_reason,
    reset_header,
)
from onelogin_scim_setup.onelogin.api import app_shape, id_of, object_of, objects
from onelogin_scim_setup.onelogin.auth import AccessTokens
from onelogin_scim_setup.onelogin.wire import (
    RATE_LIMIT,
    TOKEN_PATH,
    Params,
    RateBudget,
    Sent,
    Wire,
    rate_limit_from,
)
from onelogin_scim_setup.secrets.redact import Redactor, basic_credentials, shorten

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger("onelogin_scim_setup.onelogin")

DEFAULT_LIMIT = 100  # the spec's generic maximum page size (§1.5)
USERS_LIMIT = 100  # the SPEC's maximum for users (§1.5, §6 item 11)
APPS, CONNECTORS, ROLES, USERS = "/api/2/apps", "/api/2/connectors", "/api/2/roles", "/api/2/users"
CUSTOM_ATTRIBUTES = "/api/2/users/custom_attributes"
MAPPINGS = "/api/2/mappings"

FindExisting = Callable[[], JsonObject | None]


class RateLimit(NamedTuple):
    limit: int
    remaining: int
    reset: int  # seconds until the hourly window resets


class OneLoginClient:
    """A thin, typed client for OneLogin's admin API (v2, plus `/auth/rate_limit`).

    Construct with the tenant's base URL (`https://<subdomain>.onelogin.com`) and an API
    credential with the "Manage All" scope; use as a context manager to close the sessions (also
    one passed in). Every failure is one `OneLoginError` with status, message, x-request-id and a
    hint. `clock` (monotonic seconds) times the token cache; `concurrency` is how many requests
    may be on the wire at once over all threads (1: one at a time).
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
        self.concurrency = max(1, concurrency)
        self._basic = "Basic " + basic_credentials(client_id, client_secret)
        # The caller's redactor (the CLI's, which also cleans logs and errors) learns the secret
        # and every access token, so they are cut from any output, not only from our errors.
        self._redactor = redactor if redactor is not None else Redactor()
        self._redactor.add_basic(client_id, client_secret)
        self._clock = clock
        self._rate: RateBudget | None = None
        self._rate_lock = threading.Lock()
        self.wire = Wire(
            self.base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff_factor=backoff_factor,
            max_wait=max_wait,
            session=session,
            concurrency=self.concurrency,
            request_total=request_total,
            ask_reset=self._reset_unsaid,
        )
        self.tokens = AccessTokens(self._request_token, clock, self._redactor)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.wire.close()

    # --- requests: plain JSON data in and out ------------------------------------------------

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

    def put_once(self, path: str, body: Json, *, sensitive: Collection[str] = ()) -> Json:
        """PUT that is never sent again after its answer was lost (it carries a field OneLogin
        accepts once, e.g. a parameter's `label`): raises `MaybeProcessed` then, for the caller
        to read the resource back. Refusals (429) and connect failures are retried as usual."""
        try:
            sent = self._exchange("PUT", path, None, body, once=True)
        except requests.RequestException as error:
            kind = MaybeProcessed if maybe_processed(error) else OneLoginError
            raise self._unreachable(error, "PUT", path, kind) from error
        checked = self._checked(sent, "PUT", path, sensitive)
        return decode(checked, "PUT", path, self._cleaner(sensitive))

    def post(self, path: str, body: Json, *, sensitive: Collection[str] = ()) -> Json:
        """One POST, retried only on 429. Raises `MaybeProcessed` when the outcome is unknown."""
        try:
            sent = self._exchange("POST", path, None, body)
        except requests.RequestException as error:
            kind = MaybeProcessed if maybe_processed(error) else OneLoginError
            raise self._unreachable(error, "POST", path, kind) from error
        if sent.response.status_code >= 500:
            raise self._error(sent, "POST", path, sensitive, kind=MaybeProcessed)
        checked = self._checked(sent, "POST", path, sensitive)
        return decode(checked, "POST", path, self._cleaner(sensitive))

    def delete(self, path: str, *, missing_ok: bool = False) -> None:
        """DELETE; with `missing_ok` a 404 counts as already deleted."""
        try:
            self._call("DELETE", path)
        except OneLoginError as error:
            if not (missing_ok and error.status == 404):
                raise
            logger.debug("DELETE %s answered 404: taken as already deleted", path)

    def create(
        self,
        path: str,
        body: Json,
        *,
        find_existing: FindExisting,
        sensitive: Collection[str] = (),
    ) -> Json:
        """POST that never creates a duplicate.

        After an ambiguous failure (timeout, dropped connection, 5xx) the create may or may not
        have happened, so `find_existing()` is asked first: what it finds is returned as is. If it
        finds nothing, the POST is sent again, at most `max_retries` more times. A 429 is retried
        by the retry policy instead: it means refused, so nothing was created.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.post(path, body, sensitive=sensitive)
            except MaybeProcessed as failure:
                logger.debug("POST %s: unclear outcome (%s); looking for it", path, failure.message)
                existing = find_existing()
                if existing is not None:
                    logger.debug("POST %s had been processed: found it, not sending it again", path)
                    return existing
                if attempt > self.max_retries:
                    raise
            wait = min(
                self.max_wait, self.backoff_factor * 2 ** (attempt - 1) * (1 + random.random())
            )
            logger.debug("POST %s: not created; sending it again in %.2f s", path, wait)
            bounds.pause(wait)

    # --- every page of a listing (§1.5) --------------------------------------------------------

    def get_all(
        self,
        path: str,
        params: Params | None = None,
        *,
        limit: int = DEFAULT_LIMIT,
        first: tuple[list[JsonObject], Mapping[str, str]] | None = None,
    ) -> list[JsonObject]:
        """Every item of a v2 list, however many pages (§1.5).

        Follows `After-Cursor` while it is present and non-empty. A server that sends no cursor
        headers is paged with `page=2,3,...` until `Current-Page` reaches `Total-Pages` or, without
        those, a page has fewer than `limit` items. A repeated cursor is an error, not a loop; a
        first page announcing more than `bounds.MAX_PAGES` pages is refused before any other.
        `first`: page 1 (items, headers) when the caller has already read it.
        """
        base: dict[str, str | int] = {**(params or {}), "limit": limit}
        query, items, cursors = dict(base), list[JsonObject](), set[str]()
        previous: list[JsonObject] | None = None
        announced: int | None = None
        for pages in range(1, bounds.MAX_PAGES + 2):
            if pages > min(bounds.MAX_PAGES, (announced or bounds.MAX_PAGES) + 1):
                said = f"the first page announced {announced}" if announced else "the hard maximum"
                raise OneLoginError(
                    f"still more pages after {pages - 1} ({len(items)} items; {said}); stopped "
                    "instead of paging for ever",
                    method="GET",
                    path=path,
                    hint="Run the command again; if it persists, the server is not OneLogin's "
                    "list API or it keeps sending new pages.",
                )
            if first is not None:
                batch, headers = first
                first = None
            else:
                answer, headers = self.get_with_headers(path, query)
                batch = objects(answer, "GET", path)
            if pages == 1:
                announced = announced_pages(headers, path)
            after = headers.get("After-Cursor")
            if after:
                if after in cursors:
                    raise OneLoginError(
                        f"the server sent the same After-Cursor twice after {len(items)} items; "
                        "stopped instead of looping",
                        request_id=headers.get("x-request-id"),
                        method="GET",
                        path=path,
                        hint="Run the command again; if it persists, give OneLogin support the "
                        "x-request-id.",
                    )
                cursors.add(after)
                items.extend(batch)
                query = {**base, "cursor": after}
            elif cursors or "After-Cursor" in headers or "Before-Cursor" in headers:
                return items + batch  # paged by cursor, and this is the last page
            elif batch and batch == previous:
                return items  # the server ignores `page`: page 1 again means the list was whole
            else:
                items.extend(batch)
                if _last_page(headers, len(batch), limit):
                    return items
                previous = batch
                query = {**base, "page": int(query.get("page", 1)) + 1}
        raise AssertionError("unreachable")  # the loop raises on its last round

    # --- the rate limit (§1.6, Op 8) ---------------------------------------------------------

    def rate_limit(self) -> RateLimit:
        """The hourly budget from `GET /auth/rate_limit`; for when answers carry no
        `X-RateLimit-*` headers, as v2 answers may not (§1.6 [U])."""
        answer = self.get(RATE_LIMIT)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise OneLoginError(
                f"expected {{'data': {{...}}}}, got {answer!r:.80}", method="GET", path=RATE_LIMIT
            )

        def number(key: str) -> int:
            value = data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and value.isdigit():
                return int(value)
            raise OneLoginError(f"{key} missing from the answer", method="GET", path=RATE_LIMIT)

        return RateLimit(
            number("X-RateLimit-Limit"),
            number("X-RateLimit-Remaining"),
            number("X-RateLimit-Reset"),
        )

    def budget(self) -> RateBudget | None:
        """The budget now: from the answers' `X-RateLimit-*` headers, else `GET /auth/rate_limit`
        (v2 answers may lack the headers, §1.6). None when OneLogin reports neither."""
        observed = self.observed_budget
        if observed is not None:
            return observed
        try:
            return self._asked_budget()[1]
        except OneLoginError as error:
            logger.debug("no rate-limit budget from %s: %s", RATE_LIMIT, error.message)
            return None

    @property
    def observed_budget(self) -> RateBudget | None:
        """The budget from the last answer that carried `X-RateLimit-*` headers, if any did."""
        with self._rate_lock:
            return self._rate

    def _remember_budget(self, budget: RateBudget | None) -> None:
        if budget is not None:
            with self._rate_lock:
                self._rate = budget

    def _reset_unsaid(self) -> str | None:
        """Seconds until the rate budget resets when no header said so (`GET /auth/rate_limit`),
        as text; None when the question fails."""
        try:
            return str(self._asked_budget()[0].reset)
        except OneLoginError:
            return None

    def _asked_budget(self) -> tuple[RateLimit, RateBudget]:
        """`GET /auth/rate_limit`, remembered as the budget now whoever asked (apply's check, or
        a 429 that did not say when it resets), so the answer is never asked for twice."""
        answer = self.rate_limit()
        found = RateBudget(answer.limit, answer.remaining, float(answer.reset), time.monotonic())
        self._remember_budget(found)
        return answer, found

    # --- one exchange: the token, the 401 renewal, errors --------------------------------------

    @property
    def calls_sent(self) -> int:
        """Requests sent to the tenant so far, the token's included."""
        return self.wire.calls_sent

    def _request_token(self) -> requests.Response:
        """The token request (client credentials, Basic auth); a 200 answer or a raised error."""
        body = {"grant_type": "client_credentials"}
        try:
            sent = self._send("POST", TOKEN_PATH, None, body, self._basic)
        except requests.RequestException as error:
            raise self._unreachable(error, "POST", TOKEN_PATH) from error
        if sent.response.status_code != 200:
            raise self._error(sent, "POST", TOKEN_PATH, ())
        return sent.response

    def _send(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Json,
        authorization: str,
        *,
        once: bool = False,
    ) -> Sent:
        auth = self._authorization(authorization)
        sent = self.wire.send(method, path, auth=auth, params=params, body=body, once=once)
        self._remember_budget(rate_limit_from(sent.response.headers, self._clock()))
        return sent

    def _exchange(
        self,
        method: str,
        path: str,
        params: Params | None,
        body: Json = None,
        *,
        once: bool = False,
    ) -> Sent:
        token = self.tokens.get()
        sent = self._send(method, path, params, body, f"Bearer {token}", once=once)
        if sent.response.status_code == 401:
            # A token can be revoked before it expires: get a new one once, repeat once (§1.6).
            logger.debug("%s %s answered 401: new token, repeating once", method, path)
            self.tokens.forget(token)
            sent = self._send(method, path, params, body, f"Bearer {self.tokens.get()}", once=once)
        return sent

    def _call(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        body: Json = None,
        sensitive: Collection[str] = (),
    ) -> requests.Response:
        try:
            sent = self._exchange(method, path, params, body)
        except requests.RequestException as error:
            raise self._unreachable(error, method, path) from error
        return self._checked(sent, method, path, sensitive)

    def _checked(
        self, sent: Sent, method: str, path: str, sensitive: Collection[str]
    ) -> requests.Response:
        if sent.response.status_code >= 400:
            raise self._error(sent, method, path, sensitive)
        return sent.response

    def _error(
        self,
        sent: Sent,
        method: str,
        path: str,
        sensitive: Collection[str],
        *,
        kind: type[OneLoginError] = OneLoginError,
    ) -> OneLoginError:
        response = sent.response
        token_call = path == TOKEN_PATH
        reset = sent.reset if response.status_code == 429 else None  # asked while retrying
        if (
            reset is None
            and response.status_code == 429
            and not reset_header(response)
            # Not for the token request (the question needs the token) nor the question itself.
            and path not in (TOKEN_PATH, RATE_LIMIT)
        ):
            reset = self._reset_unsaid()  # no header says when the budget resets
        message, hint = describe_error(
            response,
            self.max_retries,
            self._cleaner(sensitive),
            token_call=token_call,
            reset=reset or None,
        )
        return answer_error(response, message, method, path, hint, kind)

    def _authorization(self, header: str) -> BoundAuthorization:
        return bound_authorization(header, self.base_url)

    def _cleaner(self, sensitive: Collection[str] = ()) -> Callable[[str], str]:
        """Redacts this client's secrets and the `sensitive` values of one request."""
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

    # --- connectors and apps (Op 2, Op 3) -----------------------------------------------------

    def list_connectors(self, name: str | None = None) -> list[JsonObject]:
        """Connectors, filtered by `name` as OneLogin reads it; exact-match the name yourself."""
        # Whether `name` is partial or exact is unclear (Op 2 [U]); an exact name matches either way.
        return self.get_all(CONNECTORS, only(name=name), limit=1000)

    def list_apps(
        self, name: str | None = None, connector_id: int | None = None
    ) -> list[JsonObject]:
        """App summaries; `name` matches whole names unless it ends in `*` (Op 3)."""
        return self.get_all(APPS, only(name=name, connector_id=connector_id), limit=1000)

    def list_app_users(self, app_id: int) -> list[JsonObject]:
        """Every user given the app (`[{"id", "email", ...}]`), paged (Op 3)."""
        return self.get_all(f"{APPS}/{app_id}/users")

    def get_app(self, app_id: int) -> JsonObject:
        path = f"{APPS}/{app_id}"
        return app_shape(object_of(self.get(path), "GET", path), "GET", path)

    def create_app(self, body: JsonObject, find_existing: FindExisting) -> JsonObject:
        """Create an app (`connector_id` and `name` at least); `find_existing` finds it after a
        failure that hides whether it was created. Returns the full app."""
        created = self.create(
            APPS, body, find_existing=find_existing, sensitive=_configuration_values(body)
        )
        app = app_shape(object_of(created, "POST", APPS), "POST", APPS)
        # Documented to answer the full app (Op 3); should only the id come back, read the app.
        return app if "name" in app else self.get_app(id_of(app, "POST", APPS))

    def update_app(self, app_id: int, body: JsonObject, *, once: bool = False) -> JsonObject:
        """PUT merges (§4.3): send only what differs; omitted fields keep their values. `once`:
        the body holds a field accepted once (a new parameter's label): a lost answer raises
        `MaybeProcessed` instead of being sent again (`put_once`)."""
        path = f"{APPS}/{app_id}"
        put = self.put_once if once else self.put
        answer = put(path, body, sensitive=_configuration_values(body))
        return object_of(answer, "PUT", path) if answer is not None else {}

    def list_custom_attributes(self) -> list[JsonObject]:
        # Not paginated, and query parameters may be refused with a 400 (Op 4): plain GET.
        return objects(self.get(CUSTOM_ATTRIBUTES), "GET", CUSTOM_ATTRIBUTES, ids=False)

    def create_custom_attribute(self, name: str, shortname: str) -> int:
        """Create a custom user field; returns its id."""

        def find() -> JsonObject | None:
            # Shortnames keep their case (Op 4), so the lookup is case-sensitive.
            fields = self.list_custom_attributes()
            return next((f for f in fields if f.get("shortname") == shortname), None)

        # Create needs the `user_field` wrapper (§4.6).
        body = {"user_field": {"name": name, "shortname": shortname}}
        return id_of(
            self.create(CUSTOM_ATTRIBUTES, body, find_existing=find), "POST", CUSTOM_ATTRIBUTES
        )

    # --- roles (Op 6) -------------------------------------------------------------------------

    def list_roles(self, name: str | None = None) -> list[JsonObject]:
        """Roles, filtered by name as OneLogin reads it; exact-match the name yourself."""
        # The docs say `name`, the SPEC and the Python SDK `role_name` (Op 6 [U]). Both are sent: a
        # tenant that honours either filters, one that ignores both answers every role, and the
        # caller matches names client-side either way.
        return self.get_all(ROLES, only(name=name, role_name=name), limit=650)

    def create_role(self, name: str) -> int:
        """Create a role; returns its id."""

        def find() -> JsonObject | None:
            return next((r for r in self.list_roles(name) if r.get("name") == name), None)

        created = self.create(ROLES, {"name": name}, find_existing=find)
        # The docs show `[{"id"}]`, the live API answers `{"id"}` (§4.8): accept both.
        if isinstance(created, list) and len(created) == 1:
            created = created[0]
        return id_of(created, "POST", ROLES)

    def list_roles_with_apps(self) -> list[JsonObject]:
        """Every role with its `apps` (ids) in one listing, where the tenant honours `fields=apps`
        (Op 6); a role without an `apps` key means the tenant ignored it. `id` and `name` are named
        too, in case `fields` limits the keys as it does on other lists (§1.5)."""
        # `users` too: the members each role reaches (the plan's blast radius, docs/demotion.md),
        # with no extra call where the tenant honours `fields`.
        return self.get_all(ROLES, {"fields": "id,name,apps,users"}, limit=650)

    def list_role_users(self, role_id: int) -> list[JsonObject]:
        """The role's users (`GET /api/2/roles/{id}/users`, paginated; Op 6)."""
        return self.get_all(f"{ROLES}/{role_id}/users")

    def list_role_apps(self, role_id: int) -> list[JsonObject]:
        return self.get_all(f"{ROLES}/{role_id}/apps")

    def set_role_apps(self, role_id: int, app_ids: list[int]) -> list[int]:
        """Make `app_ids` the role's apps: the body is a raw JSON array that REPLACES the whole set
        (Op 6). This method does not union: to add an app, read `list_role_apps`, add, then call
        this with the union. Returns the ids OneLogin echoes."""
        path = f"{ROLES}/{role_id}/apps"
        answer = self.put(path, list(app_ids))
        # The answer is `[{"id": N}, ...]` (Op 6).
        return [id_of(item, "PUT", path) for item in objects(answer or [], "PUT", path)]

    def list_mappings(self) -> list[JsonObject]:
        """Every mapping, enabled and disabled, each once."""
        found: dict[str, JsonObject] = {}
        # `enabled` defaults to true; disabled ones come only with enabled=false (Op 5).
        for enabled in ("true", "false"):
            for mapping in objects(self.get(MAPPINGS, {"enabled": enabled}), "GET", MAPPINGS):
                found.setdefault(str(mapping.get("id")), mapping)
        return list(found.values())

    def get_mapping(self, mapping_id: int) -> JsonObject:
        return object_of(self.get(f"{MAPPINGS}/{mapping_id}"), "GET", f"{MAPPINGS}/{mapping_id}")

    def create_mapping(self, body: JsonObject) -> int:
        """Create a mapping (`id` is never sent; `position` null when disabled); returns its id.

        Create answers `{"id"}` only (§4.7); the id is all apply needs, so nothing is read back."""
        wire = _mapping_body(body, creating=True)

        def find() -> JsonObject | None:
            return next(
                (m for m in self.list_mappings() if m.get("name") == wire.get("name")), None
            )

        created = self.create(MAPPINGS, wire, find_existing=find)
        return id_of(created, "POST", MAPPINGS)

    def update_mapping(self, mapping_id: int, body: JsonObject) -> None:
        """Update a mapping (`id` never in the body; `position` null when disabled). A 2xx is the
        proof: the answer may be just `{"id"}` (Op 5), so nothing is read back."""
        self.put(f"{MAPPINGS}/{mapping_id}", _mapping_body(body, creating=False))

    def delete_mapping(self, mapping_id: int, *, missing_ok: bool = True) -> None:
        # Mapping deletes sometimes answer 404 though the mapping is gone (§4.10).
        self.delete(f"{MAPPINGS}/{mapping_id}", missing_ok=missing_ok)

    def list_mapping_actions(self) -> list[JsonObject]:
        """`[{"name", "value"}]`, custom attributes' "Set ..." actions included (Op 5)."""
        return objects(self.get(f"{MAPPINGS}/actions"), "GET", f"{MAPPINGS}/actions", ids=False)

    def list_condition_operators(self, condition_value: str) -> list[JsonObject]:
        """`[{"name", "value"}]`; values are symbols (`=`, `ri`, ...), not words (§4.7)."""
        path = f"{MAPPINGS}/conditions/{quote(condition_value, safe='')}/operators"
        return objects(self.get(path), "GET", path, ids=False)

    # --- users (Op 7) -------------------------------------------------------------------------

    def list_users(self, **filters: str | int) -> list[JsonObject]:
        """Users matching the filters (`email=`, `fields=`, `custom_attributes.<shortname>=`...)."""
        # 50 a page is the documented default, 100 the SPEC's maximum (§1.5, §6 item 11); a server
        # with a lower cap answers fewer and says so in Total-Pages.
        return self.get_all(USERS, filters, limit=USERS_LIMIT)

    def get_user(self, user_id: int) -> JsonObject:
        """GET /api/2/users/{id}, its fields checked (answers.check_user) for every caller."""
        path = f"{USERS}/{user_id}"
        return checked_user(object_of(self.get(path), "GET", path), "GET", path)

    def update_user(
        self,
        user_id: int,
        body: JsonObject,
        *,
        mappings: Literal["async", "sync", "disabled"] = "disabled",
    ) -> JsonObject:
        """PUT /api/2/users/{id}?mappings=...; returns the user. The default `disabled` keeps a
        mapping run from overwriting what this call sets (Op 7).

        A `None` among `custom_attributes` is sent as "": v1 documents an empty value to clear one,
        and whether v2 accepts null is undocumented (Op 7 [U]); a tenant may refuse null with 422.
        """
        path = f"{USERS}/{user_id}"
        custom = body.get("custom_attributes")
        if isinstance(custom, dict):
            cleared = {key: "" if value is None else value for key, value in custom.items()}
            body = {**body, "custom_attributes": cleared}
        answer = object_of(self.put(path, body, params={"mappings": mappings}), "PUT", path)
        return checked_user(answer, "PUT", path)


def _mapping_body(body: JsonObject, *, creating: bool) -> JsonObject:
    wire = {key: value for key, value in body.items() if key != "id"}  # `id` is refused (§4.7)
    if wire.get("enabled") is False:
        wire["position"] = None  # a disabled mapping must have position null (§4.7)
    elif creating:
        wire.setdefault("position", None)  # required on create; null appends (Op 5)
    return wire


def _configuration_values(body: JsonObject) -> list[str]:
    """App `configuration` values (the SCIM bearer token among them) to keep out of error text."""
    configuration = body.get("configuration")
    if not isinstance(configuration, dict):
        return []
    return [value for value in configuration.values() if isinstance(value, str) and len(value) >= 8]


def only(**params: str | int | None) -> dict[str, str | int]:
    """The query parameters that have a value."""
    return {key: value for key, value in params.items() if value is not None}


def announced_pages(headers: Mapping[str, str], path: str) -> int | None:
    """`Total-Pages` of a first page, when it says one; more than `bounds.MAX_PAGES` is refused
    up front, however many digits it has (a billion pages must not be paged for minutes)."""
    total = headers.get("Total-Pages", "")
    if not (total.isascii() and total.isdigit()):
        return None
    if len(total) > len(str(bounds.MAX_PAGES)) or int(total) > bounds.MAX_PAGES:
        raise OneLoginError(
            f"the first page announces {shorten(total, 40)} pages, more than the "
            f"{bounds.MAX_PAGES} the tool reads",
            method="GET",
            path=path,
        )
    return int(total)


def _last_page(headers: Mapping[str, str], count: int, limit: int) -> bool:
    current, total = headers.get("Current-Page", ""), headers.get("Total-Pages", "")
    if current.isdigit() and total.isdigit():
        return int(current) >= int(total)
    return count < limit
