"""Sandbox-only control endpoints of the OneLogin emulator: the admin clicking in the UI.

- `GET /_sandbox/state`: the whole tenant, SCIM tokens masked as `sha256:<8 hex>`, plus the
  provisioning log.
- `PUT /_sandbox/apps/{id}/scim`: any of `base_url`, `bearer_token`, `json_template`,
  `api_connection_enabled`, `deprovision_action` (suspend|delete|do_nothing), and the sandbox's
  extra `provisioning_enabled` (the "Enable provisioning" box, for runs with
  `provisioning_enabled_sticks=False`). Enabling the API connection tests it as OneLogin does; on
  failure the answer is 400 `{"error": ...}` and the connection stays disabled (the other fields
  sent are kept, as typed in the form). Note a 404 passes the test, so an SOE site with SCIM
  switched off is "Enabled" too.
- `PUT /_sandbox/users/{id}/status` `{"status": N}`; `PUT /_sandbox/users/{id}/roles`
  `{"role_ids": [...]}` (replaces the user's roles); `POST /_sandbox/mappings/reapply`.
- `POST /_sandbox/clock/age` `{"seconds": N}`: time passes: every user's `created_at` and
  `updated_at` moves N s into the past (the SOE emulator has the same endpoint for its records).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.apps import app_json
from onelogin_scim_setup.sandbox.onelogin.context import ApiContext
from onelogin_scim_setup.sandbox.onelogin.mapping_engine import apply_mappings
from onelogin_scim_setup.sandbox.onelogin.mappings import mapping_json
from onelogin_scim_setup.sandbox.onelogin.roles import MEMBER_KINDS, bump_role_change, role_json
from onelogin_scim_setup.sandbox.onelogin.state import (
    DEPROVISION_ACTIONS,
    App,
    ScimConnection,
    now_iso,
)
from onelogin_scim_setup.sandbox.onelogin.users import user_json

TEXT_SETTINGS = ("base_url", "bearer_token", "json_template")
FLAG_SETTINGS = ("api_connection_enabled", "provisioning_enabled")


def mask(token: str | None) -> str | None:
    if not token:
        return None
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:8]


def scim_json(app: App) -> dict[str, Any]:
    scim = app.scim
    return {
        "base_url": scim.base_url,
        "bearer_token": mask(scim.bearer_token),
        "json_template": scim.json_template,
        "api_connection_enabled": scim.api_connection_enabled,
        "deprovision_action": scim.deprovision_action,
        "provisioning_enabled": app.provisioning_enabled,
    }


class OneLoginControl:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant
        self.router = Router()
        self.router.add("GET", r"/_sandbox/state", self.state)
        self.router.add("PUT", r"/_sandbox/apps/(\d+)/scim", self.set_scim)
        self.router.add("PUT", r"/_sandbox/users/(\d+)/status", self.set_status)
        self.router.add("PUT", r"/_sandbox/users/(\d+)/roles", self.set_roles)
        self.router.add("POST", r"/_sandbox/mappings/reapply", self.reapply)
        self.router.add("POST", r"/_sandbox/clock/age", self.age)

    def state(self, _: Request, __: tuple[str, ...]) -> Response:
        tenant = self.tenant
        order = tenant.mapping_order
        disabled = sorted(i for i in tenant.mappings if i not in order)
        return json_response(
            {
                "connectors": [c.to_json() for c in tenant.connectors.values()],
                "apps": [self._app_state(app) for app in tenant.apps.values()],
                "roles": [role_json(role, set(MEMBER_KINDS)) for role in tenant.roles.values()],
                "custom_attributes": [a.to_json() for a in tenant.custom_attributes.values()],
                "mappings": [mapping_json(tenant, tenant.mappings[i]) for i in order + disabled],
                "users": [user_json(tenant, user) for user in tenant.users.values()],
                "provisioning_log": list(tenant.provisioning_log),
            }
        )

    def set_scim(self, request: Request, ids: tuple[str, ...]) -> Response:
        app = self.tenant.app(int(ids[0]))
        body = request.json_object()
        _validate_scim(body)
        failure = None
        with self.ctx.provisioner.tracking():
            for key in TEXT_SETTINGS:
                if key in body:
                    setattr(app.scim, key, body[key] or None)
            app.scim.deprovision_action = body.get(
                "deprovision_action", app.scim.deprovision_action
            )
            app.provisioning_enabled = body.get("provisioning_enabled", app.provisioning_enabled)
            if body.get("api_connection_enabled") is False:
                app.scim.api_connection_enabled = False
            elif body.get("api_connection_enabled") is True:
                failure = self._test(app.scim)
                app.scim.api_connection_enabled = failure is None
        if failure:
            raise ApiError(400, failure)
        return json_response(scim_json(app))

    def set_status(self, request: Request, ids: tuple[str, ...]) -> Response:
        user = self.tenant.user(int(ids[0]))
        status = request.json_object().get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 0 <= status <= 8:
            raise ApiError(
                400, "status must be a OneLogin status code (1 active, 2 suspended, ...)"
            )
        with self.ctx.provisioner.tracking() as touched:
            user.status = status
            user.updated_at = now_iso()
            touched.add(user.id)
        return json_response(user_json(self.tenant, user))

    def set_roles(self, request: Request, ids: tuple[str, ...]) -> Response:
        """Replace a user's roles, and so the apps assigned to them."""
        user = self.tenant.user(int(ids[0]))
        role_ids = request.json_object().get("role_ids")
        if not isinstance(role_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in role_ids
        ):
            raise ApiError(400, "role_ids must be an array of role ids")
        for role_id in role_ids:
            self.tenant.role(role_id)
        with self.ctx.provisioner.tracking():
            before = self.tenant.user_role_ids(user.id)
            for role in self.tenant.roles.values():
                if role.id in role_ids and user.id not in role.user_ids:
                    role.user_ids.append(user.id)
                elif role.id not in role_ids and user.id in role.user_ids:
                    role.user_ids.remove(user.id)
            if self.tenant.user_role_ids(user.id) != before:
                bump_role_change(self.ctx, [user.id])
        return json_response(user_json(self.tenant, user))

    def age(self, request: Request, _: tuple[str, ...]) -> Response:
        seconds = request.json_object().get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ApiError(400, "seconds must be a number of seconds, 0 or more")
        for user in self.tenant.users.values():
            user.created_at = _aged(user.created_at, float(seconds))
            user.updated_at = _aged(user.updated_at, float(seconds))
        return json_response({"aged": True})

    def reapply(self, _: Request, __: tuple[str, ...]) -> Response:
        with self.ctx.provisioner.tracking() as touched:
            changed = apply_mappings(self.tenant, sorted(self.tenant.users), self.ctx.quirks)
            touched.update(changed)
        return json_response({"changed_user_ids": sorted(changed)})

    def _app_state(self, app: App) -> dict[str, Any]:
        data = app_json(self.ctx, app)
        if "scim_bearer_token" in data["configuration"]:
            data["configuration"]["scim_bearer_token"] = mask(app.scim.bearer_token)
        data["scim"] = scim_json(app)
        return data

    def _test(self, scim: ScimConnection) -> str | None:
        if not scim.base_url or not scim.bearer_token:
            return "the SCIM Base URL and SCIM Bearer Token must be set before enabling"
        return self.ctx.provisioner.test_connection(scim)


def _validate_scim(body: dict[str, Any]) -> None:
    unknown = set(body) - {*TEXT_SETTINGS, *FLAG_SETTINGS, "deprovision_action"}
    if unknown:
        raise ApiError(400, f"unknown settings {sorted(unknown)}")
    for key in TEXT_SETTINGS:
        if body.get(key) is not None and not isinstance(body[key], str):
            raise ApiError(400, f"{key} must be a string")
    for key in FLAG_SETTINGS:
        if key in body and not isinstance(body[key], bool):
            raise ApiError(400, f"{key} must be true or false")
    if body.get("deprovision_action", "suspend") not in DEPROVISION_ACTIONS:
        raise ApiError(400, f"deprovision_action must be one of {list(DEPROVISION_ACTIONS)}")


def _aged(stamp: str, seconds: float) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
