"""v2 list queries: search filters and pagination (docs/onelogin-api.md §1.5).

Pagination: `limit` (capped at the sandbox's page_size), `page`, `cursor` in; `Total-Count`,
`Total-Pages`, `Current-Page`, `Page-Items`, `After-Cursor`, `Before-Cursor` headers out.
Cursors are opaque to clients; here they encode the page and the limit. `After-Cursor` is absent
on the last page and `Before-Cursor` on the first one.

Filters: `*` is a wildcard anywhere in the value (`name=SCIM*`, `email=*@example.com`); matching is
case-insensitive (UNCERTAIN: OneLogin does not document the case rule).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any, TypeVar

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response

T = TypeVar("T")


def paginate(
    items: list[T], request: Request, page_size: int, default: int | None = None
) -> tuple[list[T], dict[str, str]]:
    """The requested page of `items` and its headers; `limit` is capped at `page_size` and
    defaults to `default` (else `page_size`)."""
    limit, page = _position(request, page_size, page_size if default is None else default)
    total_pages = max(1, math.ceil(len(items) / limit))
    chosen = items[(page - 1) * limit : page * limit]
    headers = {
        "Total-Count": str(len(items)),
        "Total-Pages": str(total_pages),
        "Current-Page": str(page),
        "Page-Items": str(len(chosen)),
    }
    if page < total_pages:
        headers["After-Cursor"] = _encode(page + 1, limit)
    if page > 1:
        headers["Before-Cursor"] = _encode(min(page - 1, total_pages), limit)
    return chosen, headers


def paginated_response(items: list[Any], request: Request, page_size: int) -> Response:
    chosen, headers = paginate(items, request, page_size)
    return Response(200, chosen, headers)


def wildcard_match(pattern: str, value: object) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, "" if value is None else str(value), re.IGNORECASE) is not None


def _position(request: Request, page_size: int, default: int) -> tuple[int, int]:
    cursor = request.query.get("cursor")
    if cursor:
        page, limit = _decode(cursor)
        return min(limit, page_size), page
    limit = _positive(request.query.get("limit"), "limit", default)
    page = _positive(request.query.get("page"), "page", 1)
    return min(limit, page_size), page


def _positive(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, f"Invalid value for {name}: {raw}")
    return int(raw)


def _encode(page: int, limit: int) -> str:
    raw = json.dumps({"page": page, "limit": limit}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        page, limit = int(data["page"]), int(data["limit"])
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ApiError(400, f"Invalid cursor: {cursor}") from error
    if page < 1 or limit < 1:
        raise ApiError(400, f"Invalid cursor: {cursor}")
    return page, limit
