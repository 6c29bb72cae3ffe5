"""OneLogin's admin API, one small method per endpoint, with the wire quirks absorbed so callers get
clean data. Quirks cite docs/onelogin-api.md; pagination, duplicate-safe creates and the rate-limit
budget are in `api.py`.

Plain dicts and lists out. No config, plan, typer or rich here; nothing is printed, nothing exits.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from onelogin_scim_setup.onelogin.answers import JsonObject
from onelogin_scim_setup.onelogin.api import (
    FindExisting,
    OneLoginApi,
    app_shape,
    id_of,
    object_of,
    objects,
    only,
)

USERS_LIMIT = 100  # the SPEC's maximum for users (§1.5, §6 item 11)
APPS, CONNECTORS, ROLES, USERS = "/api/2/apps", "/api/2/connectors", "/api/2/roles", "/api/2/users"
CUSTOM_ATTRIBUTES = "/api/2/users/custom_attributes"
MAPPINGS = "/api/2/mappings"


class OneLoginClient(OneLoginApi):
    """A thin, typed client for OneLogin's admin API (v2, plus `/auth/rate_limit`).

    Construct with the tenant's base URL (`https://<subdomain>.onelogin.com`) and an API
    credential with the "Manage All" scope; use as a context manager to close the session.
    Every failure is one `OneLoginError` with status, message, x-request-id and a hint.
    """

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
        return object_of(self.get(f"{USERS}/{user_id}"), "GET", f"{USERS}/{user_id}")

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
        return object_of(self.put(path, body, params={"mappings": mappings}), "PUT", path)


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
