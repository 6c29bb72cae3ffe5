"""OneLogin's API rules over the transport, for every endpoint alike: all pages of a v2 list, a
create that never duplicates, the rate-limit endpoint, and the shapes answers must have
(docs/onelogin-api.md §1.5, §1.6). The endpoints themselves are in `client.py`.

Plain dicts and lists out; nothing is printed, nothing exits.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Collection, Mapping
from typing import NamedTuple

import requests

from onelogin_scim_setup import bounds
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import (
    Json,
    JsonObject,
    MaybeProcessed,
    decode,
    maybe_processed,
)
from onelogin_scim_setup.onelogin.retry import SENT_ONCE, Params, RateBudget
from onelogin_scim_setup.onelogin.transport import OneLoginTransport

logger = logging.getLogger("onelogin_scim_setup.onelogin")

DEFAULT_LIMIT = 100  # the spec's generic maximum page size (§1.5)
RATE_LIMIT = "/auth/rate_limit"


class RateLimit(NamedTuple):
    limit: int
    remaining: int
    reset: int  # seconds until the hourly window resets


FindExisting = Callable[[], JsonObject | None]


class OneLoginApi(OneLoginTransport):
    """The transport plus the rules every endpoint shares: pagination, duplicate-safe creates and
    the rate-limit budget. `OneLoginClient` adds one method per endpoint."""

    # --- generic: pagination and duplicate-safe create -----------------------------------------

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
        those, a page has fewer than `limit` items. A repeated cursor is an error, not a loop.
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
                announced = _pages(headers)
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
        by the adapter instead: it means refused, so nothing was created.
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

    def put_once(self, path: str, body: Json, *, sensitive: Collection[str] = ()) -> Json:
        """PUT that is never sent again after its answer was lost (it carries a field OneLogin
        accepts once, e.g. a parameter's `label`): raises `MaybeProcessed` then, for the caller
        to read the resource back. Refusals (429) and connect failures are retried as usual."""
        SENT_ONCE.active = True
        try:
            response = self._exchange("PUT", path, None, body)
        except requests.RequestException as error:
            kind = MaybeProcessed if maybe_processed(error) else OneLoginError
            raise self._unreachable(error, "PUT", path, kind) from error
        finally:
            SENT_ONCE.active = False
        checked = self._checked(response, "PUT", path, sensitive)
        return decode(checked, "PUT", path, self._cleaner(sensitive))

    # --- rate limit (§1.6, Op 8) -------------------------------------------------------------

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

    def _reset_unsaid(self) -> str | None:
        try:
            return str(self._asked_budget()[0].reset)
        except OneLoginError:
            return None

    def _asked_budget(self) -> tuple[RateLimit, RateBudget]:
        """`GET /auth/rate_limit`, remembered as the budget now whoever asked (apply's check, or
        a 429 that did not say when it resets), so the answer is never asked for twice."""
        answer = self.rate_limit()
        found = RateBudget(answer.limit, answer.remaining, float(answer.reset), time.monotonic())
        self.remember_budget(found)
        return answer, found


def only(**params: str | int | None) -> dict[str, str | int]:
    """The query parameters that have a value."""
    return {key: value for key, value in params.items() if value is not None}


def _pages(headers: Mapping[str, str]) -> int | None:
    """`Total-Pages` of a first page, when it says one."""
    total = headers.get("Total-Pages", "")
    return int(total) if total.isdigit() and len(total) < 10 else None


def _last_page(headers: Mapping[str, str], count: int, limit: int) -> bool:
    current, total = headers.get("Current-Page", ""), headers.get("Total-Pages", "")
    if current.isdigit() and total.isdigit():
        return int(current) >= int(total)
    return count < limit


def object_of(value: Json, method: str, path: str) -> JsonObject:
    """`value` if the answer is a JSON object, else a `OneLoginError` naming the call."""
    if isinstance(value, dict):
        return value
    raise OneLoginError(
        f"expected a JSON object, got {type(value).__name__}", method=method, path=path
    )


def objects(value: Json, method: str, path: str, *, ids: bool = True) -> list[JsonObject]:
    """`value` if the answer is a JSON array of objects (each with a valid `id`, unless `ids` is
    False), else a `OneLoginError` naming the call, the item and the field."""
    if not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
        got = type(value).__name__
        if isinstance(value, list):
            got = "an array holding " + next(
                type(item).__name__ for item in value if not isinstance(item, dict)
            )
        raise OneLoginError(
            f"expected a JSON array of objects, got {got}", method=method, path=path
        )
    for index, item in enumerate(value):
        for field in TEXT_FIELDS:
            if not isinstance(item.get(field, ""), str | None):
                raise OneLoginError(
                    f"item {index + 1} of the answer has a {type(item[field]).__name__} as its "
                    f"{field} (field {field}: {_shown(item[field])}; expected text)",
                    method=method,
                    path=path,
                    hint=HINT_MALFORMED,
                )
        if ids and valid_id(item.get("id")) is None:
            raise OneLoginError(
                f"item {index + 1} of the answer has no valid id (field id: "
                f"{_shown(item.get('id'))}; expected a whole number)",
                method=method,
                path=path,
                hint=HINT_MALFORMED,
            )
    return value


HINT_MALFORMED = (
    "The answer does not have the shape OneLogin documents: a proxy or a wrong onelogin.base_url "
    "may be answering; if it persists, give OneLogin support the x-request-id."
)
MAX_ID = 2**63 - 1
# Fields the tool reads as text wherever they appear in a listed object.
TEXT_FIELDS = ("name", "email", "shortname", "username", "title", "department", "value")


def valid_id(raw: Json) -> int | None:
    """A OneLogin id: a whole number 0..2^63-1, or its digits in a string; else None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= MAX_ID else None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        return int(raw) if int(raw) <= MAX_ID else None
    return None


def _shown(value: Json) -> str:
    if value is None:
        return "missing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def id_of(value: Json, method: str, path: str) -> int:
    """The `id` of an answer object (a number, or digits in a string)."""
    found = valid_id(value.get("id") if isinstance(value, dict) else None)
    if found is not None:
        return found
    raise OneLoginError(
        f"expected an answer with an id, got {value!r:.80}", method=method, path=path
    )


def app_shape(app: JsonObject, method: str, path: str) -> JsonObject:
    """`app` if the fields the tool reads have OneLogin's types (docs/onelogin-api.md Op 3):
    `role_ids` a list of ids, `configuration` an object of text/number/boolean values,
    `provisioning` and `parameters` objects; else a `OneLoginError`
    naming the call and the field."""

    def refuse(field: str, expected: str) -> OneLoginError:
        found = _shown(app.get(field))
        return OneLoginError(
            f"the app's {field} is {found}, expected {expected} (field {field})",
            method=method,
            path=path,
            hint=HINT_MALFORMED,
        )

    roles = app.get("role_ids")
    if roles is not None and (
        not isinstance(roles, list) or any(valid_id(r) is None for r in roles)
    ):
        raise refuse("role_ids", "a list of ids")
    configuration = app.get("configuration")
    if configuration is not None and not (
        isinstance(configuration, dict)
        and all(isinstance(v, str | int | float | bool | None) for v in configuration.values())
    ):
        raise refuse("configuration", "an object of plain values")
    for field in ("provisioning", "parameters"):
        if app.get(field) is not None and not isinstance(app.get(field), dict):
            raise refuse(field, "an object")
    return app  # a parameter that is not an object is left out where parameters are read
