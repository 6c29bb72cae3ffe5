"""The read layer: OneLogin read by paged listings, not per-item lookups, with independent calls in
parallel. Plan, apply and verify read through it (via `onelogin.read`), and so can a fleet audit
(`app_users`).

Every call spends the account's shared hourly budget (docs/onelogin-api.md §1.6), so:

- users come from ONE listing of `GET /api/2/users` with `limit=100` (the SPEC's maximum, §1.5 and
  §6 item 11) and `fields=` trimming each item; only the listed users the config names are kept.
  Per-email lookups (`?email=`) are used only when they are cheaper: at most `LOOKUP_MAX` entries,
  or fewer entries than the listing has pages left (known from the first page's `Total-Pages`).
  The choice is logged at DEBUG (`-v`).
- a listing whose first page tells `Total-Pages` fetches the other pages in parallel by `page=`;
  without those headers it follows `After-Cursor` page after page (client.get_all).
- calls run in a thread pool of `workers` (from `onelogin.concurrency`; 1 = one after the other in
  the calling thread); results come back in the order asked, whatever the finishing order. The
  first failure stops the calls not yet started and is raised once the running ones finish. The
  client (`wire.Wire`) bounds the requests on the wire to `onelogin.concurrency` however the pools
  nest.

Budget: users = 1 (first page) + (pages - 1), or k lookups; plus one `GET /api/2/users/{id}` per
matched user when the tenant leaves `custom_attributes` out of list items (onelogin-python-sdk#109)
and the config manages a custom attribute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from threading import Event, Lock, local
from typing import Any, TypeVar

from onelogin_scim_setup import bounds
from onelogin_scim_setup.onelogin.answers import JsonObject
from onelogin_scim_setup.onelogin.api import objects
from onelogin_scim_setup.onelogin.client import (
    APPS,
    USERS,
    USERS_LIMIT,
    OneLoginClient,
    announced_pages,
)

logger = logging.getLogger("onelogin_scim_setup.onelogin")

T = TypeVar("T")
LOOKUP_MAX = 3  # entries up to which per-email lookups are used without looking at the tenant
USER_FIELDS = "id,email,department,title,custom_attributes"


def gather(workers: int, calls: Iterable[Callable[[], T]]) -> list[T]:
    """Run `calls` with at most `workers` at once; results in the order of `calls`.

    On the first failure no call not yet started is started (a 429 whose window resets in an hour,
    final at once, must not be followed by 199 more pages; a call still in its retries is not a
    failure yet, so the others go on meanwhile); the calls already running finish, so no thread is
    left working after the caller has moved on, and then that first failure is raised. A gather inside a call of another gather also stops starting calls
    when the outer one fails. The HTTP concurrency itself is bounded by the client.
    """
    pending = list(calls)
    if workers <= 1 or len(pending) <= 1:
        return [call() for call in pending]  # one after the other: the first failure stops them
    stop = Event()
    outer = _running.stops  # the flags of the gathers whose call this thread is running
    failed: list[int] = []  # indexes of the calls that failed, in the order they failed
    lock = Lock()

    def run(index: int, call: Callable[[], T]) -> T:
        if stop.is_set() or any(flag.is_set() for flag in outer):
            raise _NotStarted
        previous, _running.stops = _running.stops, (*outer, stop)
        succeeded = False
        try:
            result = call()
            succeeded = True
            return result
        finally:
            _running.stops = previous
            if not succeeded:
                with lock:
                    failed.append(index)
                stop.set()  # here, in the failing thread: no other call starts from now on

    pool = ThreadPoolExecutor(max_workers=min(workers, len(pending)))
    try:
        futures = [pool.submit(run, index, call) for index, call in enumerate(pending)]
        wait(futures, return_when=FIRST_EXCEPTION)
    finally:
        stop.set()  # also when the caller is interrupted while it waits
        bounds.drain(pool)
    if failed:
        # The first failure is raised. A call skipped because an outer gather failed raises
        # _NotStarted, always after that outer failure was recorded, which the outer one raises.
        futures[failed[0]].result()
    return [future.result() for future in futures]


class _NotStarted(Exception):
    """A call skipped because another call of its gather (or of an outer one) failed."""


class _Running(local):
    stops: tuple[Event, ...] = ()


_running = _Running()


def list_all(
    client: OneLoginClient, path: str, params: Mapping[str, str | int], limit: int, workers: int
) -> list[JsonObject]:
    """Every item of a v2 list. With `Total-Pages` on the first page and more than one worker, the
    other pages are fetched in parallel by `page=`; otherwise `client.get_all` pages by cursor."""
    query: dict[str, str | int] = {**params, "limit": limit}
    answer, headers = client.get_with_headers(path, query)
    first = objects(answer, "GET", path)
    total = announced_pages(headers, path)
    if total is None or _int(headers.get("Current-Page")) != 1:
        return client.get_all(path, params, limit=limit, first=(first, headers))
    if total <= 1:
        return first
    if workers <= 1:
        return client.get_all(path, params, limit=limit, first=(first, headers))

    def page(number: int) -> Callable[[], list[JsonObject]]:
        return lambda: objects(client.get(path, {**query, "page": number}), "GET", path)

    rest = gather(workers, [page(number) for number in range(2, total + 1)])
    return [*first, *(item for batch in rest for item in batch)]


def users_by_email(
    client: OneLoginClient,
    emails: Iterable[str],
    *,
    need_custom_attributes: bool,
    workers: int,
    fields: str = USER_FIELDS,
    need_keys: Iterable[str] = (),
) -> dict[str, JsonObject]:
    """The OneLogin users with these emails (lower-cased keys; an email with no user is absent),
    each with `id`, `email`, `department`, `title` and, when asked, `custom_attributes`.

    A user the listing shows without one of `need_keys` (a tenant that ignores `fields=` and
    answers the documented list keys, docs/uncertain-facts.md row 30) is read by id, as one without
    `custom_attributes` is: never a value read as unset because the list left its key out."""
    wanted = sorted({_lower(email) for email in emails})
    if not wanted:
        return {}
    if len(wanted) <= LOOKUP_MAX:
        logger.debug("users: %d per-email lookups (<= %d entries)", len(wanted), LOOKUP_MAX)
        found = _lookups(client, wanted, fields, workers)
    else:
        found = _listing(client, {email: email for email in wanted}, fields, workers)
    keys = {*need_keys, *(["custom_attributes"] if need_custom_attributes else [])}
    _complete(client, found, workers, keys)
    return found


def app_users(client: OneLoginClient, app_id: int, *, workers: int) -> list[JsonObject]:
    """The users assigned to an app (`GET /api/2/apps/{id}/users`), for an audit."""
    return list_all(client, f"{APPS}/{app_id}/users", {}, USERS_LIMIT, workers)


def _lookups(
    client: OneLoginClient, emails: list[str], fields: str, workers: int
) -> dict[str, JsonObject]:
    def lookup(email: str) -> Callable[[], JsonObject | None]:
        def call() -> JsonObject | None:
            matches = client.list_users(email=email, fields=fields)
            return next((u for u in matches if str(u.get("email", "")).lower() == email), None)

        return call

    results = gather(workers, [lookup(email) for email in emails])
    return {email: user for email, user in zip(emails, results, strict=True) if user is not None}


def _listing(
    client: OneLoginClient, wanted: Mapping[str, str], fields: str, workers: int
) -> dict[str, JsonObject]:
    """The listed users whose emails `wanted` holds (each keyed by itself: the caller's string)."""
    query: dict[str, str | int] = {"fields": fields, "limit": USERS_LIMIT}
    answer, headers = client.get_with_headers(USERS, query)
    first = objects(answer, "GET", USERS)
    found = _matching(first, wanted)
    total = announced_pages(headers, USERS)
    left = len(wanted.keys() - found.keys())
    if total is not None and left < total - 1:
        logger.debug(
            "users: %d per-email lookups (fewer than the %d pages left of the user list)",
            left,
            total - 1,
        )
        rest = _lookups(client, sorted(wanted.keys() - found.keys()), fields, workers)
        return {**found, **rest}
    logger.debug(
        "users: one listing of %s pages for %d entries",
        total if total is not None else "an unknown number of",
        len(wanted),
    )
    if total is not None and total > 1 and _int(headers.get("Current-Page")) == 1 and workers > 1:

        def page(number: int) -> Callable[[], dict[str, JsonObject]]:
            return lambda: _matching(
                objects(client.get(USERS, {**query, "page": number}), "GET", USERS), wanted
            )

        for batch in gather(workers, [page(n) for n in range(2, total + 1)]):
            found.update(batch)
        return found
    if total == 1:
        return found
    everyone = client.get_all(USERS, {"fields": fields}, limit=USERS_LIMIT, first=(first, headers))
    return _matching(everyone, wanted)


def _matching(users: list[JsonObject], wanted: Mapping[str, str]) -> dict[str, JsonObject]:
    # Only the named users are kept: a tenant of 100,000 users need not sit in memory. Each is
    # keyed by the caller's own string for its email (no second copy of 50,000 emails).
    found: dict[str, JsonObject] = {}
    for user in users:
        email = str(user.get("email") or "").lower()
        if email in wanted:
            found.setdefault(wanted[email], user)
    return found


def _lower(text: str) -> str:
    """`text` in lower case, the very object when it already is (desired emails are)."""
    lowered = text.lower()
    return text if lowered == text else lowered


def _complete(
    client: OneLoginClient, found: dict[str, JsonObject], workers: int, keys: set[str]
) -> None:
    lacking = [email for email, user in found.items() if not keys <= set(user)]
    if not lacking:
        return
    # Some tenants leave custom_attributes out of list output (onelogin-python-sdk#109); some
    # ignore fields= and answer fewer keys (docs/uncertain-facts.md row 30).
    logger.debug("users: %d lack %s in the list; reading each", len(lacking), sorted(keys))
    full = gather(workers, [_getter(client, int(found[email]["id"])) for email in lacking])
    found.update(zip(lacking, full, strict=True))


def _getter(client: OneLoginClient, user_id: int) -> Callable[[], JsonObject]:
    return lambda: client.get_user(user_id)


def _int(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 10 else None
