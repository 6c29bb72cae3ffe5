"""Users: `/api/2/users` and the v1 user calls the tool needs (docs/onelogin-api.md Op 7, Op 6).

Quirks reproduced: `PUT /api/2/users/{id}` cannot change roles (`role_ids` is ignored) and runs
the mappings (`mappings=async` by default, `sync`, or `disabled` to skip them); v1
`set_custom_attributes` rejects an unknown shortname with the documented 400 text and clears a
value sent empty.

Quirk switches (docs/sandbox.md): `users_page_limit` (max `limit`; the default is 50),
`users_fields_honoured`, `custom_attributes_in_user_list` (the list has `custom_attributes` only
when `fields` names it, onelogin-python-sdk#109, and the switch allows it), `custom_attribute_null`,
`custom_attributes_put` (merge per key or replace the map), `create_status`,
`empty_user_put_runs_mappings`, `users_list_keys` (`documented`: a list item without an honoured
`fields=` has no `role_ids`, `department`, `title` or `custom_attributes`), `role_change_bumps_updated_at`.

The list honours `created_since`, `created_until`, `updated_since` and `updated_until` (ISO 8601;
UNCERTAIN: strictly after / before, as here); `Total-Count` counts what the filters kept.

UNCERTAIN choices:
- `GET /api/2/users/{id}` always has `custom_attributes`; with `fields`, `id` is always included;
- an undefined shortname in a v2 PUT is a 422;
- with `mappings=async` the answer shows the user before the mappings ran (they run right after,
  before the next request can see the user); with `sync` it shows the result;
- v1 `set_custom_attributes` runs the mappings too, as any user update does;
- a user created without `status` is active (1).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from onelogin_scim_setup.sandbox.http.listing import paginate, wildcard_match
from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.context import ApiContext
from onelogin_scim_setup.sandbox.onelogin.errors import v1_success
from onelogin_scim_setup.sandbox.onelogin.mapping_engine import apply_mappings
from onelogin_scim_setup.sandbox.onelogin.roles import bump_role_change
from onelogin_scim_setup.sandbox.onelogin.state import Tenant, User, now_iso

STRING_FIELDS = ("username", "email", "firstname", "lastname", "title", "department", "company")
INT_FIELDS = ("status", "state")
NULLABLE_FIELDS = ("title", "department", "company")
SEARCH_FIELDS = ("email", "username", "firstname", "lastname")
CUSTOM_FILTER = "custom_attributes."
# The documented time filters (ISO 8601): `*_since` is strictly after, `*_until` strictly before.
TIME_FILTERS = ("created_since", "created_until", "updated_since", "updated_until")
DEFAULT_LIMIT = (
    50  # "returns up to 50 users per page" by default (developers.onelogin.com list-users)
)


def user_json(
    tenant: Tenant,
    user: User,
    *,
    custom: bool = True,
    role_ids: list[int] | None = None,
    shortnames: list[str] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "title": user.title,
        "department": user.department,
        "company": user.company,
        "status": user.status,
        "state": user.state,
        "role_ids": tenant.user_role_ids(user.id) if role_ids is None else role_ids,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }
    if custom:
        data["custom_attributes"] = {
            shortname: user.custom_attributes.get(shortname)
            for shortname in (tenant.shortnames() if shortnames is None else shortnames)
        }
    return data


# Left out of a list item without `fields=` under the quirk `users_list_keys="documented"`.
UNDOCUMENTED_LIST_KEYS = frozenset({"role_ids", "department", "title", "custom_attributes"})


class UsersApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant

    def register(self, router: Router) -> None:
        router.add("GET", r"/api/2/users", self.list_users)
        router.add("POST", r"/api/2/users", self.create_user)
        router.add("GET", r"/api/2/users/(\d+)", self.get_user)
        router.add("PUT", r"/api/2/users/(\d+)", self.update_user)
        router.add("DELETE", r"/api/2/users/(\d+)", self.delete_user)
        router.add("PUT", r"/api/1/users/(\d+)/set_custom_attributes", self.set_custom_attributes)
        router.add("PUT", r"/api/1/users/(\d+)/add_roles", self.add_roles)
        router.add("PUT", r"/api/1/users/(\d+)/remove_roles", self.remove_roles)

    def list_users(self, request: Request, _: tuple[str, ...]) -> Response:
        """Filter, page, then render only the page and only the fields asked for: a page costs
        O(page) on an unfiltered list of tens of thousands (the id order is cached), and the
        memberships are scanned only when `role_ids` is wanted."""
        quirks = self.ctx.quirks
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        if not quirks.users_fields_honoured:
            fields = []
        custom = "custom_attributes" in fields and quirks.custom_attributes_in_user_list
        matching = self._matching(request.query)
        cap = min(quirks.users_page_limit, self.ctx.options.page_size)
        chosen, headers = paginate(matching, request, cap, default=min(DEFAULT_LIMIT, cap))
        wants_roles = not fields or "role_ids" in fields
        role_ids = self.tenant.role_index({user.id for user in chosen}) if wants_roles else {}
        shortnames = self.tenant.shortnames()
        shown = {*fields, "id"}
        items = []
        for user in chosen:
            data = user_json(
                self.tenant,
                user,
                custom=custom,
                role_ids=role_ids.get(user.id, []),
                shortnames=shortnames,
            )
            if fields:
                data = {k: v for k, v in data.items() if k in shown}
            elif quirks.users_list_keys == "documented":
                data = {k: v for k, v in data.items() if k not in UNDOCUMENTED_LIST_KEYS}
            items.append(data)
        return Response(200, items, headers)

    def get_user(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(user_json(self.tenant, self.tenant.user(int(ids[0]))))

    def create_user(self, request: Request, _: tuple[str, ...]) -> Response:
        body = request.json_object()
        mode = _mappings_mode(request)
        if not body.get("email") and not body.get("username"):
            raise ApiError(422, "Validation failed: email or username is required")
        self._validate(body, None)
        with self.ctx.provisioner.tracking() as touched:
            email, username = str(body.get("email") or ""), str(body.get("username") or "")
            user = User(self.tenant.new_id("user"), username or email.partition("@")[0], email)
            self.tenant.users[user.id] = user
            self._apply(user, body)
            answer = self._run_mappings(user, mode)
            touched.add(user.id)
        return json_response(answer, self.ctx.quirks.create_status)

    def update_user(self, request: Request, ids: tuple[str, ...]) -> Response:
        user = self.tenant.user(int(ids[0]))
        body = request.json_object()
        mode = _mappings_mode(request)
        if not body and not self.ctx.quirks.empty_user_put_runs_mappings:
            mode = "disabled"
        self._validate(body, user.id)
        with self.ctx.provisioner.tracking() as touched:
            self._apply(user, body)
            answer = self._run_mappings(user, mode)
            touched.add(user.id)
        return json_response(answer)

    def delete_user(self, _: Request, ids: tuple[str, ...]) -> Response:
        """DELETE /api/2/users/{id}: 204; the user is gone from every listing (and so never shows
        up in `updated_since` again)."""
        with self.ctx.provisioner.tracking():
            self.tenant.delete_user(int(ids[0]))
        return Response(204)

    def set_custom_attributes(self, request: Request, ids: tuple[str, ...]) -> Response:
        user = self.tenant.user(int(ids[0]))
        values = request.json_object().get("custom_attributes")
        if not isinstance(values, dict) or not values:
            raise ApiError(400, "custom_attributes is empty")
        valid = self.tenant.shortnames()
        if any(key not in valid for key in values):
            raise ApiError(
                400, f"input custom_attributes is not valid. Valid custom_attributes -> {valid}"
            )
        with self.ctx.provisioner.tracking() as touched:
            for key, value in values.items():
                user.custom_attributes[key] = None if value in (None, "") else str(value)
                _mark_direct(user, key, user.custom_attributes[key])
            user.updated_at = now_iso()
            self._run_mappings(user, "async")
            touched.add(user.id)
        return json_response(v1_success())

    def add_roles(self, request: Request, ids: tuple[str, ...]) -> Response:
        return self._change_roles(request, int(ids[0]), add=True)

    def remove_roles(self, request: Request, ids: tuple[str, ...]) -> Response:
        return self._change_roles(request, int(ids[0]), add=False)

    def _change_roles(self, request: Request, user_id: int, *, add: bool) -> Response:
        user = self.tenant.user(user_id)
        role_ids = request.json_object().get("role_id_array")
        if not isinstance(role_ids, list) or not role_ids:
            raise ApiError(400, "role_id_array is missing or empty")
        roles = [self.tenant.role(int(r)) for r in role_ids if str(r).isdigit()]
        if len(roles) != len(role_ids):
            raise ApiError(400, "role_id_array must hold role ids")
        with self.ctx.provisioner.tracking():
            changed = False
            for role in roles:
                if add and user.id not in role.user_ids:
                    role.user_ids.append(user.id)
                    changed = True
                elif not add and user.id in role.user_ids:
                    role.user_ids.remove(user.id)
                    changed = True
            if changed:
                bump_role_change(self.ctx, [user.id])
        return json_response(v1_success())

    def _run_mappings(self, user: User, mode: str) -> dict[str, Any]:
        before = user_json(self.tenant, user)
        if mode != "disabled":
            apply_mappings(self.tenant, [user.id], self.ctx.quirks)
        return user_json(self.tenant, user) if mode == "sync" else before

    def _matching(self, query: dict[str, str]) -> list[User]:
        searches = [(key, query[key]) for key in SEARCH_FIELDS if key in query]
        custom = [
            (key.removeprefix(CUSTOM_FILTER), pattern)
            for key, pattern in query.items()
            if key.startswith(CUSTOM_FILTER)
        ]
        wanted_ids = set(query["user_ids"].split(",")) if "user_ids" in query else None
        if "app_id" in query:
            app_id = _query_int(query["app_id"], "app_id")
            assigned = {str(i) for i in self.tenant.app_user_ids(app_id)}
            wanted_ids = assigned if wanted_ids is None else wanted_ids & assigned
        times = [(key, _instant(key, query[key])) for key in TIME_FILTERS if key in query]
        ordered = self.tenant.users_in_id_order()
        if not searches and not custom and wanted_ids is None and not times:
            return ordered
        return [
            user
            for user in ordered
            if (wanted_ids is None or str(user.id) in wanted_ids)
            and all(_in_time(user, key, instant) for key, instant in times)
            and all(_matches(p, getattr(user, key)) for key, p in searches)
            and all(_matches(p, user.custom_attributes.get(name)) for name, p in custom)
        ]

    def _validate(self, body: dict[str, Any], own_id: int | None) -> None:
        for key in STRING_FIELDS:
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ApiError(422, f"Validation failed: {key} must be a string")
        for key in INT_FIELDS:
            if key in body and (not isinstance(body[key], int) or isinstance(body[key], bool)):
                raise ApiError(422, f"Validation failed: {key} must be an integer")
        for key in ("email", "username"):
            value = str(body.get(key) or "").lower()
            # Only a body that sets the key pays for the scan (a department PUT must not).
            taken = value and any(
                str(getattr(u, key)).lower() == value and u.id != own_id
                for u in self.tenant.users.values()
            )
            if taken:
                raise ApiError(422, f"Validation failed: {key} {body[key]!r} is already taken")
        custom = body.get("custom_attributes")
        if custom is not None:
            if not isinstance(custom, dict):
                raise ApiError(422, "Validation failed: custom_attributes must be an object")
            unknown = sorted(set(custom) - set(self.tenant.shortnames()))
            if unknown:
                raise ApiError(422, f"Validation failed: unknown custom attributes {unknown}")
            nulls = sorted(key for key, value in custom.items() if value is None)
            if nulls and self.ctx.quirks.custom_attribute_null == "reject":
                raise ApiError(
                    422, f"Validation failed: custom_attributes {nulls} must not be null"
                )

    def _apply(self, user: User, body: dict[str, Any]) -> None:
        for key in STRING_FIELDS + INT_FIELDS:
            if key in body and (body[key] is not None or key in NULLABLE_FIELDS):
                setattr(user, key, body[key])
        custom = body.get("custom_attributes")
        if custom is not None and self.ctx.quirks.custom_attributes_put == "replace":
            user.custom_attributes = {}
        empty_clears = self.ctx.quirks.custom_attribute_null == "reject"  # v1's documented rule
        for key, value in (custom or {}).items():
            cleared = value is None or (value == "" and empty_clears)
            user.custom_attributes[key] = None if cleared else str(value)
            _mark_direct(user, key, user.custom_attributes[key])
        user.updated_at = now_iso()


def _mark_direct(user: User, key: str, value: str | None) -> None:
    """A value written through the API is the user's own (quirk mappings_overwrite_user_values);
    an empty one gives the field back to the mappings."""
    if value in (None, ""):
        user.direct.discard(key)
    else:
        user.direct.add(key)


def _instant(key: str, raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid value for {key}: {raw}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _in_time(user: User, key: str, instant: datetime) -> bool:
    stamp = _instant(key, user.created_at if key.startswith("created") else user.updated_at)
    return stamp > instant if key.endswith("_since") else stamp < instant


def _matches(pattern: str, value: object) -> bool:
    # An exact value (an email lookup) skips the regex: one string comparison per user.
    if "*" not in pattern:
        return pattern.lower() == ("" if value is None else str(value)).lower()
    return wildcard_match(pattern, value)


def _mappings_mode(request: Request) -> str:
    mode = request.query.get("mappings", "async")
    if mode not in ("async", "sync", "disabled"):
        raise ApiError(400, "mappings must be async, sync or disabled")
    return mode


def _query_int(value: str, key: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise ApiError(400, f"{key} must be an id")
    return int(value)
