"""Roles and their apps and users: `/api/2/roles...` (docs/onelogin-api.md Op 6).

Quirks reproduced: create answers a single object `{"id": N}` (not the documented array,
PYSDK 3.2.6); `PUT /roles/{id}/apps` takes a raw JSON array that replaces the whole set (an object
body is a 400 "Expected array in request", an unknown app id a 404); `POST`/`DELETE
/roles/{id}/users` take raw arrays and add/remove; `users: []` in a role PUT removes nobody.

Quirk switches (docs/sandbox.md): `role_name_filter` (optimistic: `name` and `role_name` both
filter, `*` wildcards; pessimistic: only `role_name`), `roles_fields_apps` (whether `fields=` adds
`apps`/`users`/`admins` arrays to the list), `role_names_unique` (a duplicate name is a 422, or a
second role of that name).

UNCERTAIN choice: `apps`/`users`/`admins` in a role PUT are added to the role, never removed.
"""

from __future__ import annotations

from typing import Any

from onelogin_scim_setup.sandbox.http.listing import paginated_response, wildcard_match
from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.context import (
    ApiContext,
    id_list,
    optional_str,
    required_str,
)
from onelogin_scim_setup.sandbox.onelogin.errors import int_ids
from onelogin_scim_setup.sandbox.onelogin.state import Role, now_iso

MEMBER_KINDS = ("apps", "users", "admins")


def role_json(role: Role, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": role.id, "name": role.name}
    members = {"apps": role.app_ids, "users": role.user_ids, "admins": role.admin_ids}
    for kind in MEMBER_KINDS:
        if kind in fields:
            data[kind] = sorted(members[kind])
    return data


class RolesApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant

    def register(self, router: Router) -> None:
        router.add("GET", r"/api/2/roles", self.list_roles)
        router.add("POST", r"/api/2/roles", self.create_role)
        router.add("GET", r"/api/2/roles/(\d+)", self.get_role)
        router.add("PUT", r"/api/2/roles/(\d+)", self.update_role)
        router.add("DELETE", r"/api/2/roles/(\d+)", self.delete_role)
        router.add("GET", r"/api/2/roles/(\d+)/apps", self.role_apps)
        router.add("PUT", r"/api/2/roles/(\d+)/apps", self.set_role_apps)
        router.add("GET", r"/api/2/roles/(\d+)/users", self.role_users)
        router.add("POST", r"/api/2/roles/(\d+)/users", self.add_role_users)
        router.add("DELETE", r"/api/2/roles/(\d+)/users", self.remove_role_users)

    def list_roles(self, request: Request, _: tuple[str, ...]) -> Response:
        quirks = self.ctx.quirks
        name = request.query.get("role_name")
        if quirks.role_name_filter == "name":
            name = request.query.get("name", name)
        fields = (
            set(request.query.get("fields", "").split(",")) if quirks.roles_fields_apps else set()
        )
        found = [
            role_json(role, fields)
            for role in sorted(self.tenant.roles.values(), key=lambda r: r.id)
            if name is None or wildcard_match(name, role.name)
        ]
        return paginated_response(found, request, self.ctx.options.page_size)

    def create_role(self, request: Request, _: tuple[str, ...]) -> Response:
        body = request.json_object()
        name = required_str(body, "name")
        self._check_unique(name, None)
        members = self._members(body)
        with self.ctx.provisioner.tracking():
            role = Role(self.tenant.new_id("role"), name)
            self.tenant.roles[role.id] = role
            self._add_members(role, members)
        return json_response({"id": role.id}, 201)  # 201 is confirmed (Op 6), not a quirk

    def get_role(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(role_json(self.tenant.role(int(ids[0])), set(MEMBER_KINDS)))

    def update_role(self, request: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        body = request.json_object()
        name = optional_str(body, "name")
        if name:
            self._check_unique(name, role.id)
        members = self._members(body)
        with self.ctx.provisioner.tracking():
            role.name = name or role.name
            self._add_members(role, members)
        return json_response({"id": role.id})

    def delete_role(self, _: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        with self.ctx.provisioner.tracking():
            del self.tenant.roles[role.id]
        return Response(204)

    def role_apps(self, request: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        assigned = request.query.get("assigned", "true").lower() != "false"
        apps = [
            {
                "id": app.id,
                "name": app.name,
                "icon_url": self.tenant.connector(app.connector_id).icon_url,
            }
            for app in sorted(self.tenant.apps.values(), key=lambda a: a.id)
            if (app.id in role.app_ids) == assigned
        ]
        return paginated_response(apps, request, self.ctx.options.page_size)

    def set_role_apps(self, request: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        app_ids = list(dict.fromkeys(int_ids(request.json())))
        for app_id in app_ids:
            self.tenant.app(app_id)  # 404 NotFoundError for an unknown app id (Op 6 [C])
        with self.ctx.provisioner.tracking():
            role.app_ids = app_ids
        return json_response([{"id": app_id} for app_id in app_ids])

    def role_users(self, request: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        everyone = request.query.get("include_unassigned", "false").lower() == "true"
        members = set(role.user_ids)
        users = [
            {
                "id": user.id,
                "name": user.display_name,
                "username": user.username,
                "email": user.email,
                "assigned": user.id in members,
            }
            for user in sorted(self.tenant.users.values(), key=lambda u: u.id)
            if everyone or user.id in members
        ]
        return paginated_response(users, request, self.ctx.options.page_size)

    def add_role_users(self, request: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        user_ids = list(dict.fromkeys(int_ids(request.json())))
        for user_id in user_ids:
            self.tenant.user(user_id)
        with self.ctx.provisioner.tracking():
            added = [u for u in user_ids if u not in role.user_ids]
            role.user_ids.extend(added)
            bump_role_change(self.ctx, added)
        return json_response([{"id": user_id} for user_id in user_ids])

    def remove_role_users(self, request: Request, ids: tuple[str, ...]) -> Response:
        role = self.tenant.role(int(ids[0]))
        user_ids = set(int_ids(request.json()))
        with self.ctx.provisioner.tracking():
            bump_role_change(self.ctx, [u for u in role.user_ids if u in user_ids])
            role.user_ids = [u for u in role.user_ids if u not in user_ids]
        return Response(204)

    def _check_unique(self, name: str, own_id: int | None) -> None:
        if not self.ctx.quirks.role_names_unique:
            return
        for role in self.tenant.roles.values():
            if role.name == name and role.id != own_id:
                raise ApiError(422, f"Validation failed: a role named {name!r} already exists")

    def _members(self, body: dict[str, Any]) -> dict[str, list[int]]:
        """The `apps`/`users`/`admins` id lists of a role body, each id checked to exist."""
        members: dict[str, list[int]] = {}
        lookups = {"apps": self.tenant.app, "users": self.tenant.user, "admins": self.tenant.user}
        for kind in MEMBER_KINDS:
            if body.get(kind) is not None:
                members[kind] = id_list(body[kind], kind)
                for item in members[kind]:
                    lookups[kind](item)
        return members

    def _add_members(self, role: Role, members: dict[str, list[int]]) -> None:
        targets = {"apps": role.app_ids, "users": role.user_ids, "admins": role.admin_ids}
        for kind, ids in members.items():
            targets[kind].extend(i for i in ids if i not in targets[kind])


def bump_role_change(ctx: ApiContext, user_ids: list[int]) -> None:
    """A membership change bumps the user's `updated_at` only under the quirk
    `role_change_bumps_updated_at` (UNCERTAIN, docs/uncertain-facts.md)."""
    if not ctx.quirks.role_change_bumps_updated_at:
        return
    stamp = now_iso()
    for user_id in user_ids:
        if user_id in ctx.tenant.users:
            ctx.tenant.users[user_id].updated_at = stamp
