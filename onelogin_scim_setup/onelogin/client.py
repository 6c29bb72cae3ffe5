"""OneLogin's admin API, one small method per endpoint, with the wire quirks absorbed so callers get
clean data; plus pagination and duplicate-safe creates. Quirks cite docs/onelogin-api.md.

Plain dicts and lists out. No config, plan, typer or rich here; nothing is printed, nothing exits.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Collection, Mapping
from typing import Literal, NamedTuple
from urllib.parse import quote

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.transport import (
    Json,
    JsonObject,
    MaybeProcessed,
    OneLoginTransport,
    Params,
)

logger = logging.getLogger("onelogin_scim_setup.onelogin")

DEFAULT_LIMIT = 100  # the spec's generic maximum page size (§1.5)
APPS, CONNECTORS, ROLES, USERS = "/api/2/apps", "/api/2/connectors", "/api/2/roles", "/api/2/users"
CUSTOM_ATTRIBUTES = "/api/2/users/custom_attributes"
MAPPINGS = "/api/2/mappings"
RATE_LIMIT = "/auth/rate_limit"


class RateLimit(NamedTuple):
    limit: int
    remaining: int
    reset: int  # seconds until the hourly window resets


FindExisting = Callable[[], JsonObject | None]


class OneLoginClient(OneLoginTransport):
    """A thin, typed client for OneLogin's admin API (v2, plus `/auth/rate_limit`).

    Construct with the tenant's base URL (`https://<subdomain>.onelogin.com`) and an API
    credential with the "Manage All" scope; use as a context manager to close the session.
    Every failure is one `OneLoginError` with status, message, x-request-id and a hint.
    """

    # --- generic: pagination and duplicate-safe create -----------------------------------------

    def get_all(
        self, path: str, params: Params | None = None, *, limit: int = DEFAULT_LIMIT
    ) -> list[JsonObject]:
        """Every item of a v2 list, however many pages (§1.5).

        Follows `After-Cursor` while it is present and non-empty. A server that sends no cursor
        headers is paged with `page=2,3,...` until `Current-Page` reaches `Total-Pages` or, without
        those, a page has fewer than `limit` items. A repeated cursor is an error, not a loop.
        """
        base: dict[str, str | int] = {**(params or {}), "limit": limit}
        query, items, cursors = dict(base), list[JsonObject](), set[str]()
        previous: list[JsonObject] | None = None
        while True:
            answer, headers = self.get_with_headers(path, query)
            batch = _objects(answer, "GET", path)
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
            time.sleep(wait)

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

    def _reset_unsaid(self) -> str | None:
        try:
            return str(self.rate_limit().reset)
        except OneLoginError:
            return None

    # --- connectors and apps (Op 2, Op 3) -----------------------------------------------------

    def list_connectors(self, name: str | None = None) -> list[JsonObject]:
        """Connectors, filtered by `name` as OneLogin reads it; exact-match the name yourself."""
        # Whether `name` is partial or exact is unclear (Op 2 [U]); an exact name matches either way.
        return self.get_all(CONNECTORS, _only(name=name), limit=1000)

    def list_apps(
        self, name: str | None = None, connector_id: int | None = None
    ) -> list[JsonObject]:
        """App summaries; `name` matches whole names unless it ends in `*` (Op 3)."""
        return self.get_all(APPS, _only(name=name, connector_id=connector_id), limit=1000)

    def list_app_users(self, app_id: int) -> list[JsonObject]:
        """Every user given the app (`[{"id", "email", ...}]`), paged (Op 3)."""
        return self.get_all(f"{APPS}/{app_id}/users")

    def get_app(self, app_id: int) -> JsonObject:
        return _object(self.get(f"{APPS}/{app_id}"), "GET", f"{APPS}/{app_id}")

    def create_app(self, body: JsonObject, find_existing: FindExisting) -> JsonObject:
        """Create an app (`connector_id` and `name` at least); `find_existing` finds it after a
        failure that hides whether it was created. Returns the full app."""
        created = self.create(
            APPS, body, find_existing=find_existing, sensitive=_configuration_values(body)
        )
        app = _object(created, "POST", APPS)
        # Documented to answer the full app (Op 3); should only the id come back, read the app.
        return app if "name" in app else self.get_app(_id(app, "POST", APPS))

    def update_app(self, app_id: int, body: JsonObject) -> JsonObject:
        """PUT merges (§4.3): send only what differs; omitted fields keep their values."""
        path = f"{APPS}/{app_id}"
        answer = self.put(path, body, sensitive=_configuration_values(body))
        return _object(answer, "PUT", path) if answer is not None else {}

    def list_custom_attributes(self) -> list[JsonObject]:
        # Not paginated, and query parameters may be refused with a 400 (Op 4): plain GET.
        return _objects(self.get(CUSTOM_ATTRIBUTES), "GET", CUSTOM_ATTRIBUTES)

    def create_custom_attribute(self, name: str, shortname: str) -> int:
        """Create a custom user field; returns its id."""

        def find() -> JsonObject | None:
            # Shortnames keep their case (Op 4), so the lookup is case-sensitive.
            fields = self.list_custom_attributes()
            return next((f for f in fields if f.get("shortname") == shortname), None)

        # Create needs the `user_field` wrapper (§4.6).
        body = {"user_field": {"name": name, "shortname": shortname}}
        return _id(
            self.create(CUSTOM_ATTRIBUTES, body, find_existing=find), "POST", CUSTOM_ATTRIBUTES
        )

    # --- roles (Op 6) -------------------------------------------------------------------------

    def list_roles(self, name: str | None = None) -> list[JsonObject]:
        """Roles, filtered by name as OneLogin reads it; exact-match the name yourself."""
        # The docs say `name`, the SPEC and the Python SDK `role_name` (Op 6 [U]). Both are sent: a
        # tenant that honours either filters, one that ignores both answers every role, and the
        # caller matches names client-side either way.
        return self.get_all(ROLES, _only(name=name, role_name=name), limit=650)

    def create_role(self, name: str) -> int:
        """Create a role; returns its id."""

        def find() -> JsonObject | None:
            return next((r for r in self.list_roles(name) if r.get("name") == name), None)

        created = self.create(ROLES, {"name": name}, find_existing=find)
        # The docs show `[{"id"}]`, the live API answers `{"id"}` (§4.8): accept both.
        if isinstance(created, list) and len(created) == 1:
            created = created[0]
        return _id(created, "POST", ROLES)

    def list_role_apps(self, role_id: int) -> list[JsonObject]:
        return self.get_all(f"{ROLES}/{role_id}/apps")

    def set_role_apps(self, role_id: int, app_ids: list[int]) -> list[int]:
        """Make `app_ids` the role's apps: the body is a raw JSON array that REPLACES the whole set
        (Op 6). This method does not union: to add an app, read `list_role_apps`, add, then call
        this with the union. Returns the ids OneLogin echoes."""
        path = f"{ROLES}/{role_id}/apps"
        answer = self.put(path, list(app_ids))
        # The answer is `[{"id": N}, ...]` (Op 6).
        return [_id(item, "PUT", path) for item in _objects(answer or [], "PUT", path)]

    def list_mappings(self) -> list[JsonObject]:
        """Every mapping, enabled and disabled, each once."""
        found: dict[str, JsonObject] = {}
        # `enabled` defaults to true; disabled ones come only with enabled=false (Op 5).
        for enabled in ("true", "false"):
            for mapping in _objects(self.get(MAPPINGS, {"enabled": enabled}), "GET", MAPPINGS):
                found.setdefault(str(mapping.get("id")), mapping)
        return list(found.values())

    def get_mapping(self, mapping_id: int) -> JsonObject:
        return _object(self.get(f"{MAPPINGS}/{mapping_id}"), "GET", f"{MAPPINGS}/{mapping_id}")

    def create_mapping(self, body: JsonObject) -> JsonObject:
        """Create a mapping (`id` is never sent; `position` null when disabled); returns it whole."""
        wire = _mapping_body(body, creating=True)

        def find() -> JsonObject | None:
            return next(
                (m for m in self.list_mappings() if m.get("name") == wire.get("name")), None
            )

        created = self.create(MAPPINGS, wire, find_existing=find)
        # Create answers `{"id"}` only (§4.7): read the whole mapping back.
        return self.get_mapping(_id(created, "POST", MAPPINGS))

    def update_mapping(self, mapping_id: int, body: JsonObject) -> JsonObject:
        """Update a mapping (`id` never in the body; `position` null when disabled); returns it."""
        self.put(f"{MAPPINGS}/{mapping_id}", _mapping_body(body, creating=False))
        # The answer may be just `{"id"}` (Op 5): read the mapping back.
        return self.get_mapping(mapping_id)

    def delete_mapping(self, mapping_id: int, *, missing_ok: bool = True) -> None:
        # Mapping deletes sometimes answer 404 though the mapping is gone (§4.10).
        self.delete(f"{MAPPINGS}/{mapping_id}", missing_ok=missing_ok)

    def list_mapping_actions(self) -> list[JsonObject]:
        """`[{"name", "value"}]`, custom attributes' "Set ..." actions included (Op 5)."""
        return _objects(self.get(f"{MAPPINGS}/actions"), "GET", f"{MAPPINGS}/actions")

    def list_condition_operators(self, condition_value: str) -> list[JsonObject]:
        """`[{"name", "value"}]`; values are symbols (`=`, `ri`, ...), not words (§4.7)."""
        path = f"{MAPPINGS}/conditions/{quote(condition_value, safe='')}/operators"
        return _objects(self.get(path), "GET", path)

    # --- users (Op 7) -------------------------------------------------------------------------

    def list_users(self, **filters: str | int) -> list[JsonObject]:
        """Users matching the filters (`email=`, `fields=`, `custom_attributes.<shortname>=`...)."""
        # 50 a page is the documented default; the maximum is uncertain (Op 7 [U]).
        return self.get_all(USERS, filters, limit=50)

    def get_user(self, user_id: int) -> JsonObject:
        return _object(self.get(f"{USERS}/{user_id}"), "GET", f"{USERS}/{user_id}")

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
        return _object(self.put(path, body, params={"mappings": mappings}), "PUT", path)


def _only(**params: str | int | None) -> dict[str, str | int]:
    return {key: value for key, value in params.items() if value is not None}


def _last_page(headers: Mapping[str, str], count: int, limit: int) -> bool:
    current, total = headers.get("Current-Page", ""), headers.get("Total-Pages", "")
    if current.isdigit() and total.isdigit():
        return int(current) >= int(total)
    return count < limit


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


def _object(value: Json, method: str, path: str) -> JsonObject:
    if isinstance(value, dict):
        return value
    raise OneLoginError(
        f"expected a JSON object, got {type(value).__name__}", method=method, path=path
    )


def _objects(value: Json, method: str, path: str) -> list[JsonObject]:
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise OneLoginError(
        f"expected a JSON array of objects, got {type(value).__name__}", method=method, path=path
    )


def _id(value: Json, method: str, path: str) -> int:
    raw = value.get("id") if isinstance(value, dict) else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise OneLoginError(
        f"expected an answer with an id, got {value!r:.80}", method=method, path=path
    )
