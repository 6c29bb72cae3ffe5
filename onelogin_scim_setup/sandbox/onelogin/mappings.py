"""User mappings CRUD and discovery: `/api/2/mappings...` (docs/onelogin-api.md Op 5).

Quirks reproduced: the list shows only enabled mappings unless `enabled=false`, which shows only
the disabled ones; no pagination; create answers `{"id": N}` only (201); `id` in a body is 422
"Field is not allowed"; a disabled mapping has `position: null` and sending a position with
`enabled: false` is 422 "Position cannot be set while the mapping is not enabled"; update answers
`{"id": N}`; `PUT /mappings/sort` takes a raw array; validation errors use the mappings' own
`{"code": 422, "message": "Validation Failed", "errors": [...]}` shape. Creating or changing a
mapping applies it to nobody (see `mapping_engine`).

UNCERTAIN choice: PUT merges the fields sent into the mapping; an enabled mapping without a
position goes last.
"""

from __future__ import annotations

import copy
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin import mapping_engine as vocabulary
from onelogin_scim_setup.sandbox.onelogin.context import ApiContext
from onelogin_scim_setup.sandbox.onelogin.errors import int_ids, validation_failed
from onelogin_scim_setup.sandbox.onelogin.state import Mapping, Tenant

FIELDS = ("name", "enabled", "match", "position", "conditions", "actions")
Errors = list[tuple[str, str]]


def mapping_json(tenant: Tenant, mapping: Mapping) -> dict[str, Any]:
    return {
        "id": mapping.id,
        "name": mapping.name,
        "enabled": mapping.enabled,
        "match": mapping.match,
        "position": tenant.position(mapping.id),
        "conditions": copy.deepcopy(mapping.conditions),
        "actions": copy.deepcopy(mapping.actions),
    }


class MappingsApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.tenant = ctx.tenant
        self.delay = ctx.quirks.custom_field_action_delay
        self.label = ctx.quirks.custom_field_action_label

    def register(self, router: Router) -> None:
        add, base = router.add, r"/api/2/mappings"
        add("GET", base, self.list_mappings)
        add("POST", base, self.create_mapping)
        add("PUT", base + r"/sort", self.sort_mappings)
        add("GET", base + r"/(\d+)", self.get_mapping)
        add("PUT", base + r"/(\d+)", self.update_mapping)
        add("DELETE", base + r"/(\d+)", self.delete_mapping)
        add(
            "GET",
            base + r"/conditions",
            lambda *_: json_response(vocabulary.conditions(self.tenant)),
        )
        add("GET", base + r"/conditions/([^/]+)/operators", self.condition_operators)
        add("GET", base + r"/conditions/([^/]+)/values", self.condition_values)
        add(
            "GET",
            base + r"/actions",
            lambda *_: json_response(vocabulary.actions(self.tenant, self.delay, self.label)),
        )
        add("GET", base + r"/actions/([^/]+)/values", self.action_values)

    def list_mappings(self, request: Request, _: tuple[str, ...]) -> Response:
        enabled = request.query.get("enabled", "true").lower()
        if enabled not in ("true", "false"):
            raise ApiError(400, "enabled must be true or false")
        if enabled == "true":
            chosen = [self.tenant.mappings[i] for i in self.tenant.mapping_order]
        else:
            chosen = sorted(
                (m for m in self.tenant.mappings.values() if not m.enabled), key=lambda m: m.id
            )
        return json_response([mapping_json(self.tenant, m) for m in chosen])

    def get_mapping(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(mapping_json(self.tenant, self.tenant.mapping(int(ids[0]))))

    def create_mapping(self, request: Request, _: tuple[str, ...]) -> Response:
        body = request.json_object()
        errors = [(key, "Required field is missing") for key in FIELDS if key not in body]
        self._check(body, None, errors)
        mapping = Mapping(
            self.tenant.new_id("mapping"),
            body["name"],
            body["enabled"],
            body["match"],
            copy.deepcopy(body["conditions"]),
            copy.deepcopy(body["actions"]),
        )
        self.tenant.mappings[mapping.id] = mapping
        if mapping.enabled:
            self._place(mapping.id, body["position"])
        return json_response({"id": mapping.id}, 201)

    def update_mapping(self, request: Request, ids: tuple[str, ...]) -> Response:
        mapping = self.tenant.mapping(int(ids[0]))
        body = request.json_object()
        self._check(body, mapping, [])
        was_enabled = mapping.enabled
        for key in ("name", "enabled", "match"):
            if key in body:
                setattr(mapping, key, body[key])
        for key in ("conditions", "actions"):
            if key in body:
                setattr(mapping, key, copy.deepcopy(body[key]))
        if not mapping.enabled:
            self._unplace(mapping.id)
        elif not was_enabled or body.get("position") is not None:
            self._unplace(mapping.id)
            self._place(mapping.id, body.get("position"))
        return json_response({"id": mapping.id})

    def delete_mapping(self, _: Request, ids: tuple[str, ...]) -> Response:
        mapping = self.tenant.mapping(int(ids[0]))
        self._unplace(mapping.id)
        del self.tenant.mappings[mapping.id]
        return Response(204)

    def sort_mappings(self, request: Request, _: tuple[str, ...]) -> Response:
        order = list(dict.fromkeys(int_ids(request.json())))
        unknown = [i for i in order if i not in self.tenant.mapping_order]
        if unknown:
            raise validation_failed([("ids", f"Not an enabled mapping: {i}") for i in unknown])
        rest = [i for i in self.tenant.mapping_order if i not in order]
        self.tenant.mapping_order[:] = order + rest
        return json_response(order)

    def condition_operators(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(vocabulary.condition_operators(self.tenant, ids[0]))

    def condition_values(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(vocabulary.condition_values(self.tenant, ids[0]))

    def action_values(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(vocabulary.action_values(self.tenant, ids[0], self.delay))

    def _place(self, mapping_id: int, position: int | None) -> None:
        order = self.tenant.mapping_order
        order.insert(len(order) if position is None else position - 1, mapping_id)

    def _unplace(self, mapping_id: int) -> None:
        if mapping_id in self.tenant.mapping_order:
            self.tenant.mapping_order.remove(mapping_id)

    def _check(self, body: dict[str, Any], current: Mapping | None, errors: Errors) -> None:
        """Collect every problem, then answer them all at once as OneLogin does."""
        errors += [(key, "Field is not allowed") for key in body if key not in FIELDS]
        if "name" in body and (not isinstance(body["name"], str) or not body["name"]):
            errors.append(("name", "Invalid name"))
        if "enabled" in body and not isinstance(body["enabled"], bool):
            errors.append(("enabled", "Must be true or false"))
        if "match" in body and body["match"] not in ("all", "any"):
            errors.append(("match", f"Invalid match: {body['match']}"))
        self._check_position(body, current, errors)
        if "conditions" in body:
            self._check_conditions(body["conditions"], errors)
        if "actions" in body:
            self._check_actions(body["actions"], errors)
        if errors:
            raise validation_failed(errors)

    def _check_position(
        self, body: dict[str, Any], current: Mapping | None, errors: Errors
    ) -> None:
        position = body.get("position")
        if position is None:
            return
        enabled = body.get("enabled", current.enabled if current else True)
        if enabled is False:
            errors.append(("position", "Position cannot be set while the mapping is not enabled"))
            return
        others = [i for i in self.tenant.mapping_order if current is None or i != current.id]
        if not isinstance(position, int) or isinstance(position, bool):
            errors.append(("position", "Position must be an integer or null"))
        elif not 1 <= position <= len(others) + 1:
            errors.append(("position", f"Position must be between 1 and {len(others) + 1}"))

    def _check_conditions(self, conditions: Any, errors: Errors) -> None:
        if not isinstance(conditions, list):
            errors.append(("conditions", "Must be an array"))
            return
        sources = {item["value"] for item in vocabulary.conditions(self.tenant)}
        role_ids = {str(role_id) for role_id in self.tenant.roles}
        for index, condition in enumerate(conditions):
            where = f"conditions.[{index}]"
            if not isinstance(condition, dict):
                errors.append((where, "Must be an object"))
                continue
            source, operator, value = (condition.get(k) for k in ("source", "operator", "value"))
            if source not in sources:
                errors.append((f"{where}.source", f"Invalid condition source: {source}"))
                continue
            operators = {op["value"] for op in vocabulary.condition_operators(self.tenant, source)}
            if operator not in operators:
                errors.append((f"{where}.operator", f"Invalid condition operator: {operator}"))
            if not isinstance(value, (str, int)) or (
                source == "has_role" and str(value) not in role_ids
            ):
                errors.append((f"{where}.value", f"Invalid condition value: {value}"))

    def _check_actions(self, actions: Any, errors: Errors) -> None:
        if not isinstance(actions, list) or not actions:
            errors.append(("actions", "Must be a non-empty array"))
            return
        known = {item["value"] for item in vocabulary.actions(self.tenant, self.delay)}
        role_ids = {str(role_id) for role_id in self.tenant.roles}
        for index, action in enumerate(actions):
            where = f"actions.[{index}]"
            if not isinstance(action, dict) or action.get("action") not in known:
                name = action.get("action") if isinstance(action, dict) else action
                errors.append((f"{where}.action", f"Invalid action: {name}"))
                continue
            value = action.get("value")
            if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
                errors.append((f"{where}.value", "Value must be an array of strings"))
            elif action["action"] == "add_role" and not {str(v) for v in value} <= role_ids:
                errors.append((f"{where}.value", f"Invalid action value: {value}"))
