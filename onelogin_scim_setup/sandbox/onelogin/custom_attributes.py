"""Custom user fields: `/api/2/users/custom_attributes` and the v1 list (onelogin-api.md Op 4).

Quirks reproduced: create needs the `{"user_field": {"name", "shortname"}}` wrapper (a bare body
is a 422, GOSDK 4.3.0) and answers `{"id": N}` (201); shortnames keep their case; delete removes
the field and its values from every user; the v1 list answers `{"status", "data": [[shortnames]]}`.

UNCERTAIN choices: shortnames are unique case-sensitively and may equal a built-in field name
(`department`, `title`); update (`PUT .../{id}`) accepts both the wrapped and the unwrapped body
(the sources disagree) and never changes the shortname.
"""

from __future__ import annotations

import re
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.context import ApiContext, required_str
from onelogin_scim_setup.sandbox.onelogin.errors import v1_success
from onelogin_scim_setup.sandbox.onelogin.state import CustomAttribute

SHORTNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class CustomAttributesApi:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.tenant = ctx.tenant

    def register(self, router: Router) -> None:
        base = r"/api/2/users/custom_attributes"
        router.add("GET", base, self.list_attributes)
        router.add("POST", base, self.create_attribute)
        router.add("GET", base + r"/(\d+)", self.get_attribute)
        router.add("PUT", base + r"/(\d+)", self.update_attribute)
        router.add("DELETE", base + r"/(\d+)", self.delete_attribute)
        router.add("GET", r"/api/1/users/custom_attributes", self.list_v1)

    def list_attributes(self, _: Request, __: tuple[str, ...]) -> Response:
        return json_response([a.to_json() for a in self._sorted()])

    def list_v1(self, _: Request, __: tuple[str, ...]) -> Response:
        return json_response({**v1_success(), "data": [[a.shortname for a in self._sorted()]]})

    def get_attribute(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(self._attribute(int(ids[0])).to_json())

    def create_attribute(self, request: Request, _: tuple[str, ...]) -> Response:
        wrapped = request.json_object().get("user_field")
        if not isinstance(wrapped, dict):
            raise ApiError(422, 'Validation failed: "user_field" is required')
        name, shortname = required_str(wrapped, "name"), required_str(wrapped, "shortname")
        if not SHORTNAME.fullmatch(shortname):
            raise ApiError(422, f"Validation failed: shortname {shortname!r} is not valid")
        if shortname in self.tenant.shortnames():
            raise ApiError(422, f"Validation failed: shortname {shortname!r} is already taken")
        position = _position(wrapped)
        attribute = CustomAttribute(
            self.tenant.new_id("custom_attribute"), name, shortname, position
        )
        self.tenant.custom_attributes[attribute.id] = attribute
        return json_response({"id": attribute.id}, 201)

    def update_attribute(self, request: Request, ids: tuple[str, ...]) -> Response:
        attribute = self._attribute(int(ids[0]))
        body = request.json_object()
        fields = body["user_field"] if isinstance(body.get("user_field"), dict) else body
        attribute.name = required_str(fields, "name")
        if "position" in fields:
            attribute.position = _position(fields)
        return json_response({"id": attribute.id})

    def delete_attribute(self, _: Request, ids: tuple[str, ...]) -> Response:
        attribute = self._attribute(int(ids[0]))
        with self.ctx.provisioner.tracking():
            del self.tenant.custom_attributes[attribute.id]
            for user in self.tenant.users.values():
                user.custom_attributes.pop(attribute.shortname, None)
        return Response(204)

    def _attribute(self, attribute_id: int) -> CustomAttribute:
        attribute = self.tenant.custom_attributes.get(attribute_id)
        if attribute is None:
            raise ApiError(404, "The resource with the given id could not be found")
        return attribute

    def _sorted(self) -> list[CustomAttribute]:
        return sorted(self.tenant.custom_attributes.values(), key=lambda a: a.id)


def _position(fields: dict[str, Any]) -> int | None:
    position = fields.get("position")
    if position is None:
        return None
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise ApiError(422, "Validation failed: position must be an integer >= 1")
    return position
