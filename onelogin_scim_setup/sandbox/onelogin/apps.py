"""Connectors and apps: `/api/2/connectors`, `/api/2/apps` (docs/onelogin-api.md Op 2, Op 3).

Quirks reproduced: PUT merges (only the fields sent change, Op 3 [C]); `role_ids` replaces the
whole list; `parameters` merge per name, new names are created with a fresh id when the connector
allows new parameters, and `label` is only taken when a parameter is created; `sso` is read-only
(sending it does nothing); connector-defined parameters cannot be deleted (403, UNCERTAIN reason).

Quirk switches (docs/sandbox.md): `create_status`, `app_object`, `provisioning_enabled_sticks`
(#85), `expose_scim_configuration` (SCIM settings as `scim_base_url`, `scim_bearer_token` in clear,
`scim_json_template`: key names invented by the sandbox, #29), `parameter_label_on_existing`,
`connector_parameter_flags_writable`, `connector_name_filter`, `paging_headers_everywhere`.

UNCERTAIN choices: the list answers summaries without `role_ids`/`parameters`/`configuration`
(GET the app for those); unknown `configuration` keys are silently dropped; a new parameter on a
connector that does not allow them is a 422; `connector_id` cannot change (ignored on PUT).
"""

from __future__ import annotations

import copy
from typing import Any

from onelogin_scim_setup.sandbox.http.listing import paginate, paginated_response, wildcard_match
from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.context import (
    ApiContext,
    id_list,
    optional_bool,
    optional_str,
    required_str,
)
from onelogin_scim_setup.sandbox.onelogin.state import (
    PARAMETER_DEFAULTS,
    App,
    Connector,
    make_parameter,
    now_iso,
)

SCIM_KEYS = {
    "scim_base_url": "base_url",
    "scim_bearer_token": "bearer_token",
    "scim_json_template": "json_template",
}
AUTH_METHODS = {0: "Password", 1: "OpenId", 2: "SAML2.0", 3: "API", 4: "Google", 8: "OIDC"}
SSO_HOST = "https://sandbox.onelogin.invalid"


def new_parameter(ctx: ApiContext, name: str, fields: dict[str, Any]) -> dict[str, Any]:
    return make_parameter(ctx.tenant.new_id("parameter"), name, fields)


def app_summary(app: App, connector: Connector) -> dict[str, Any]:
    return {
        "id": app.id,
        "connector_id": app.connector_id,
        "auth_method": connector.auth_method,
        "auth_method_description": AUTH_METHODS.get(connector.auth_method, "Other"),
        "name": app.name,
        "description": app.description,
        "notes": app.notes,
        "visible": app.visible,
        "tab_id": None,
        "icon_url": connector.icon_url,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
    }


def _mask_token(configuration: dict[str, Any], style: str) -> None:
    """How the bearer token reads back (quirk `bearer_read_back`)."""
    token = configuration.get("scim_bearer_token")
    if style == "clear" or token is None:
        return
    if style == "omitted":
        del configuration["scim_bearer_token"]
    else:
        masks = {"stars": "********", "bullets": "\u2022" * 8, "last4": "****" + str(token)[-4:]}
        configuration["scim_bearer_token"] = masks[style]


def app_json(ctx: ApiContext, app: App) -> dict[str, Any]:
    connector = ctx.tenant.connector(app.connector_id)
    configuration = dict(app.configuration)
    if ctx.quirks.expose_scim_configuration:
        for key, attribute in SCIM_KEYS.items():
            configuration[key] = getattr(app.scim, attribute)
        _mask_token(configuration, ctx.quirks.bearer_read_back)
    summary = app_summary(app, connector)
    if ctx.quirks.app_object == "documented":
        del summary["auth_method_description"]
        summary.update(brand_id=None, enforcement_point=None)
    return {
        **summary,
        "policy_id": None,
        "allow_assumed_signin": False,
        "role_ids": ctx.tenant.app_role_ids(app.id),
        "provisioning": {"enabled": app.provisioning_enabled},
        "configuration": configuration,
        "parameters": copy.deepcopy(app.parameters),
        "sso": _sso(app, connector),
    }


def _sso(app: App, connector: Connector) -> dict[str, Any]:
    if connector.auth_method != 2:
        return {}
    metadata = f"{SSO_HOST}/saml/metadata/{app.id}"
    return {
        "metadata_url": metadata,
        "acs_url": f"{SSO_HOST}/trust/saml2/http-post/sso/{app.id}",
        "sls_url": f"{SSO_HOST}/trust/saml2/http-redirect/slo/{app.id}",
        "issuer": metadata,
        "certificate": {"id": 100001, "name": "Standard", "value": "(sandbox certificate)"},
    }


class AppsApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant

    def register(self, router: Router) -> None:
        router.add("GET", r"/api/2/connectors", self.list_connectors)
        router.add("GET", r"/api/2/apps", self.list_apps)
        router.add("POST", r"/api/2/apps", self.create_app)
        router.add("GET", r"/api/2/apps/(\d+)", self.get_app)
        router.add("PUT", r"/api/2/apps/(\d+)", self.update_app)
        router.add("DELETE", r"/api/2/apps/(\d+)", self.delete_app)
        router.add("DELETE", r"/api/2/apps/(\d+)/parameters/(\d+)", self.delete_parameter)
        router.add("GET", r"/api/2/apps/(\d+)/users", self.app_users)

    def list_connectors(self, request: Request, _: tuple[str, ...]) -> Response:
        # `name` is "the name or partial name" (Op 2 [C]): a substring match, exact-matching is the client's job.
        # With connector_name_filter="wildcard" it matches as apps' `name` does (`*` needed).
        name = request.query.get("name", "")
        auth_method = request.query.get("auth_method")
        found = [
            connector.to_json()
            for connector in sorted(self.tenant.connectors.values(), key=lambda c: c.id)
            if self._name_matches(name, connector.name)
            and (auth_method is None or str(connector.auth_method) == auth_method)
        ]
        return self._listing(found, request)

    def _name_matches(self, name: str, connector_name: str) -> bool:
        if not name:
            return True
        if self.ctx.quirks.connector_name_filter == "wildcard":
            return wildcard_match(name, connector_name)
        return name.replace("*", "").lower() in connector_name.lower()

    def _listing(self, items: list[Any], request: Request) -> Response:
        """Apps and connectors carry the paging headers only with paging_headers_everywhere."""
        response = paginated_response(items, request, self.ctx.options.page_size)
        if not self.ctx.quirks.paging_headers_everywhere:
            response.headers.clear()
        return response

    def list_apps(self, request: Request, _: tuple[str, ...]) -> Response:
        query = request.query
        found = [
            app_summary(app, self.tenant.connector(app.connector_id))
            for app in sorted(self.tenant.apps.values(), key=lambda a: a.id)
            if ("name" not in query or wildcard_match(query["name"], app.name))
            and ("connector_id" not in query or str(app.connector_id) == query["connector_id"])
        ]
        return self._listing(found, request)

    def get_app(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(app_json(self.ctx, self.tenant.app(int(ids[0]))))

    def create_app(self, request: Request, _: tuple[str, ...]) -> Response:
        body = request.json_object()
        connector_id = body.get("connector_id")
        if not isinstance(connector_id, int) or connector_id not in self.tenant.connectors:
            raise ApiError(
                422, f"Validation failed: connector_id {connector_id!r} is not a connector"
            )
        connector = self.tenant.connectors[connector_id]
        app = App(self.tenant.new_id("app"), connector_id, required_str(body, "name"))
        app.configuration = copy.deepcopy(connector.default_configuration)
        app.parameters = {
            name: new_parameter(self.ctx, name, fields)
            for name, fields in connector.default_parameters.items()
        }
        self._validate(app, body)
        with self.ctx.provisioner.tracking():
            self.tenant.apps[app.id] = app
            self._apply(app, body)
        return json_response(app_json(self.ctx, app), self.ctx.quirks.create_status)

    def update_app(self, request: Request, ids: tuple[str, ...]) -> Response:
        app = self.tenant.app(int(ids[0]))
        body = request.json_object()
        self._validate(app, body)
        with self.ctx.provisioner.tracking():
            self._apply(app, body)
        return json_response(app_json(self.ctx, app))

    def delete_app(self, _: Request, ids: tuple[str, ...]) -> Response:
        app = self.tenant.app(int(ids[0]))
        with self.ctx.provisioner.tracking():
            self.tenant.set_app_roles(app.id, [])
            del self.tenant.apps[app.id]
        return Response(204)

    def delete_parameter(self, _: Request, ids: tuple[str, ...]) -> Response:
        app = self.tenant.app(int(ids[0]))
        names = [name for name, fields in app.parameters.items() if fields["id"] == int(ids[1])]
        if not names:
            raise ApiError(404, f"The parameter with id {ids[1]} could not be found")
        if names[0] in self.tenant.connector(app.connector_id).default_parameters:
            raise ApiError(403, "Not allowed to destroy specified resource")
        with self.ctx.provisioner.tracking():
            del app.parameters[names[0]]
        return Response(204)

    def app_users(self, request: Request, ids: tuple[str, ...]) -> Response:
        app = self.tenant.app(int(ids[0]))
        # The page is cut from the ids, and only its users are built: a listing of a
        # 20,000-user app costs O(page) per page in answers, not 20,000 objects every page.
        chosen, headers = paginate(
            self.tenant.app_user_ids(app.id), request, self.ctx.options.page_size
        )
        users = [self.tenant.users[user_id] for user_id in chosen]
        items = [
            {"id": u.id, "firstname": u.firstname, "lastname": u.lastname, "email": u.email}
            for u in users
        ]
        return Response(200, items, headers)

    def _validate(self, app: App, body: dict[str, Any]) -> None:
        """Check everything before changing anything: a rejected request changes nothing."""
        for key in ("name", "description", "notes"):
            optional_str(body, key)
        optional_bool(body, "visible")
        if "role_ids" in body:
            missing = set(id_list(body["role_ids"], "role_ids")) - set(self.tenant.roles)
            if missing:
                raise ApiError(422, f"Validation failed: no role with id {sorted(missing)}")
        for key in ("provisioning", "configuration", "parameters"):
            if key in body and not isinstance(body[key], dict):
                raise ApiError(422, f"Validation failed: {key} must be an object")
        connector = self.tenant.connector(app.connector_id)
        for name, fields in (body.get("parameters") or {}).items():
            if not isinstance(fields, dict):
                raise ApiError(422, f"Validation failed: parameters.{name} must be an object")
            if name not in app.parameters and not connector.allows_new_parameters:
                raise ApiError(
                    422, f"Validation failed: the connector allows no new parameter {name}"
                )
            if name in app.parameters:
                self._validate_existing(app, connector, name, fields)

    def _validate_existing(
        self, app: App, connector: Connector, name: str, fields: dict[str, Any]
    ) -> None:
        quirks = self.ctx.quirks
        if "label" in fields and quirks.parameter_label_on_existing == "reject":
            raise ApiError(422, f"Validation failed: parameters.{name}.label can not be updated")
        flag = "include_in_saml_assertion"
        if (
            not quirks.connector_parameter_flags_writable
            and name in connector.default_parameters
            and flag in fields
            and fields[flag] != app.parameters[name].get(flag)
        ):
            raise ApiError(
                422, f"Validation failed: parameters.{name}.{flag} is defined by the connector"
            )

    def _apply(self, app: App, body: dict[str, Any]) -> None:
        for key in ("name", "description", "notes", "visible"):
            if key in body and body[key] is not None:
                setattr(app, key, body[key])
        if "role_ids" in body:
            self.tenant.set_app_roles(app.id, body["role_ids"])
        enabled = (body.get("provisioning") or {}).get("enabled")
        if isinstance(enabled, bool) and self.ctx.quirks.provisioning_enabled_sticks:
            app.provisioning_enabled = enabled
        self._apply_configuration(app, body.get("configuration") or {})
        for name, fields in (body.get("parameters") or {}).items():
            if name in app.parameters:
                changes = {
                    k: v for k, v in fields.items() if k in PARAMETER_DEFAULTS and k != "label"
                }
                app.parameters[name].update(changes)
            else:
                app.parameters[name] = new_parameter(self.ctx, name, fields)
        app.updated_at = now_iso()

    def _apply_configuration(self, app: App, configuration: dict[str, Any]) -> None:
        for key, value in configuration.items():
            if self.ctx.quirks.expose_scim_configuration and key in SCIM_KEYS:
                setattr(app.scim, SCIM_KEYS[key], None if value is None else str(value))
            elif key in app.configuration:
                app.configuration[key] = value
