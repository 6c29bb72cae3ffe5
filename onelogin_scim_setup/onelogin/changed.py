"""The users listing's time filters, for reading only what changed (docs/incremental.md).

`GET /api/2/users` documents `updated_since`, `created_until` and `user_ids` (docs/onelogin-api.md
Op 7). Three reads are built on them:

- `count_created_until`: how many users created before an instant still exist, from the
  `Total-Count` header of a one-item page. A deleted user never shows up in `updated_since`, so a
  count lower than the one saved with the snapshot is how a deletion is seen.
- `updated_since`: every user changed after an instant (all pages).
- `by_ids`: users by id, 50 ids a call (a role membership change or a userType the holders' listing
  contradicts need not have bumped `updated_at`).

Budget: a count is one call; the other two are one call per page of 100 (per 50 ids).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from onelogin_scim_setup.onelogin.answers import JsonObject
from onelogin_scim_setup.onelogin.api import objects
from onelogin_scim_setup.onelogin.client import USERS, USERS_LIMIT, OneLoginClient
from onelogin_scim_setup.onelogin.listing import gather, list_all

IDS_PER_CALL = 50  # ids in one `user_ids=` filter: a URL of a few hundred characters
CHANGED_FIELDS = "id,email,department,title,custom_attributes,created_at,updated_at"


def count_created_until(client: OneLoginClient, instant: str) -> int | None:
    """The users created before `instant` that exist now, or None when the answer has no
    `Total-Count` (the tenant does not count: deletions cannot be seen, so no incremental read)."""
    answer, headers = client.get_with_headers(
        USERS, {"created_until": instant, "fields": "id", "limit": 1}
    )
    objects(answer, "GET", USERS)
    return _count(headers)


def updated_since(
    client: OneLoginClient, instant: str, *, fields: str = CHANGED_FIELDS, workers: int
) -> list[JsonObject]:
    """Every user OneLogin shows as updated after `instant` (created ones included)."""
    query: dict[str, str | int] = {"updated_since": instant, "fields": fields}
    return list_all(client, USERS, query, USERS_LIMIT, workers)


def by_ids(
    client: OneLoginClient, user_ids: Iterable[int], *, fields: str = CHANGED_FIELDS, workers: int
) -> list[JsonObject]:
    """The users with these ids that exist (a deleted one is simply absent)."""
    ordered = sorted(set(user_ids))
    chunks = [ordered[i : i + IDS_PER_CALL] for i in range(0, len(ordered), IDS_PER_CALL)]

    def listing(chunk: list[int]) -> Callable[[], list[JsonObject]]:
        query: dict[str, str | int] = {"user_ids": ",".join(map(str, chunk)), "fields": fields}
        return lambda: list_all(client, USERS, query, USERS_LIMIT, workers)

    return [user for batch in gather(workers, [listing(c) for c in chunks]) for user in batch]


def complete(
    client: OneLoginClient, users: list[JsonObject], keys: Iterable[str], *, workers: int
) -> list[JsonObject]:
    """`users` with every one that lacks one of `keys` read by id (a tenant that ignores `fields=`
    or leaves `custom_attributes` out of lists, as `onelogin.listing` does for the full read)."""
    wanted = set(keys)
    lacking = [index for index, user in enumerate(users) if not wanted <= set(user)]
    if not lacking:
        return users
    full = gather(workers, [_getter(client, int(users[i]["id"])) for i in lacking])
    completed = list(users)
    for index, user in zip(lacking, full, strict=True):
        completed[index] = user
    return completed


def _getter(client: OneLoginClient, user_id: int) -> Callable[[], JsonObject]:
    return lambda: client.get_user(user_id)


def _count(headers: Mapping[str, Any]) -> int | None:
    text = str(headers.get("Total-Count") or "")
    return int(text) if text.isdigit() and len(text) < 10 else None
