"""Custom user fields: `/api/2/users/custom_attributes` and the v1 list (docs/onelogin-api.md Op 4).

Quirks reproduced: create needs the `{"user_field": {"name", "shortname"}}` wrapper (a bare body
is a 422, GOSDK 4.3.0) and answers `{"id": N}` (201); shortnames keep their case; delete removes
the field and its values from every user; the v1 list answers `{"status", "data": [[shortnames]]}`.

Quirk switches (docs/sandbox.md): `create_status`, `shortname_case` (kept or lower-cased on
create), `builtin_shortnames` (a shortname equal to a built-in user field allowed or a 422).

UNCERTAIN choices: shortnames are unique case-sensitively; update (`PUT .../{id}`) accepts both the wrapped and the unwrapped body
(the sources disagree) and never changes the shortname.
"""

from __future__ import annotations

import re
import time
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.context import ApiContext, required_str
from onelogin_scim_setup.sandbox.onelogin.errors import v1_success
from onelogin_scim_setup.sandbox.onelogin.state import CustomAttribute, action_value

SHORTNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# The v2 user object's own fields (SPEC `user` schema), which a shortname may clash with.
BUILTIN_FIELDS = (
    "username",
    "email",
    "firstname",
    "lastname",
    "title",
    "department",
    "company",
    "phone",
    "status",
    "state",
    "comment",
    "samaccountname",
    "userprincipalname",
    "member_of",
    "external_id",
    "directory_id",
    "manager_user_id",
)


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
        quirks = self.ctx.quirks
        if quirks.shortname_case == "lowercased":
            shortname = shortname.lower()
        if quirks.builtin_shortnames == "reject" and shortname.lower() in BUILTIN_FIELDS:
            raise ApiError(
                422, f"Validation failed: shortname {shortname!r} is a built-in user field"
            )
        if shortname in self.tenant.shortnames():
            raise ApiError(422, f"Validation failed: shortname {shortname!r} is already taken")
        position = _position(wrapped)
        attribute_id = self.tenant.new_id("custom_attribute")
        action = action_value(attribute_id, shortname, quirks.custom_field_action_value)
        attribute = CustomAttribute(
            attribute_id, name, shortname, position, time.monotonic(), action
        )
        self.tenant.custom_attributes[attribute.id] = attribute
        return json_response({"id": attribute.id}, quirks.create_status)

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
