"""The shapes OneLogin's answers must have where the tool reads them (docs/onelogin-api.md): an
object, an array of objects with valid ids, an app's typed fields. Anything else is one
`OneLoginError` naming the call, the item and the field (`HINT_MALFORMED`).
"""

from __future__ import annotations

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import Json, JsonObject
from onelogin_scim_setup.onelogin.answers import shown as _shown
from onelogin_scim_setup.onelogin.answers import whole_id as valid_id


def object_of(value: Json, method: str, path: str) -> JsonObject:
    """`value` if the answer is a JSON object, else a `OneLoginError` naming the call."""
    if isinstance(value, dict):
        return value
    raise OneLoginError(
        f"expected a JSON object, got {type(value).__name__}", method=method, path=path
    )


def objects(value: Json, method: str, path: str, *, ids: bool = True) -> list[JsonObject]:
    """`value` if the answer is a JSON array of objects (each with a valid `id`, unless `ids` is
    False), else a `OneLoginError` naming the call, the item and the field."""
    if not (isinstance(value, list) and all(isinstance(item, dict) for item in value)):
        got = type(value).__name__
        if isinstance(value, list):
            got = "an array holding " + next(
                type(item).__name__ for item in value if not isinstance(item, dict)
            )
        raise OneLoginError(
            f"expected a JSON array of objects, got {got}", method=method, path=path
        )
    for index, item in enumerate(value):
        for field in TEXT_FIELDS:
            if not isinstance(item.get(field, ""), str | None):
                raise OneLoginError(
                    f"item {index + 1} of the answer has a {type(item[field]).__name__} as its "
                    f"{field} (field {field}: {_shown(item[field])}; expected text)",
                    method=method,
                    path=path,
                    hint=HINT_MALFORMED,
                )
        if ids and valid_id(item.get("id")) is None:
            raise OneLoginError(
                f"item {index + 1} of the answer has no valid id (field id: "
                f"{_shown(item.get('id'))}; expected a whole number)",
                method=method,
                path=path,
                hint=HINT_MALFORMED,
            )
    return value


HINT_MALFORMED = (
    "The answer does not have the shape OneLogin documents: a proxy or a wrong onelogin.base_url "
    "may be answering; if it persists, give OneLogin support the x-request-id."
)
# Fields the tool reads as text wherever they appear in a listed object.
TEXT_FIELDS = ("name", "email", "shortname", "username", "title", "department", "value")


def id_of(value: Json, method: str, path: str) -> int:
    """The `id` of an answer object (a number, or digits in a string)."""
    found = valid_id(value.get("id") if isinstance(value, dict) else None)
    if found is not None:
        return found
    raise OneLoginError(
        f"expected an answer with an id, got {value!r:.80}", method=method, path=path
    )


def app_shape(app: JsonObject, method: str, path: str) -> JsonObject:
    """`app` if the fields the tool reads have OneLogin's types (docs/onelogin-api.md Op 3):
    `role_ids` a list of ids, `configuration` an object of text/number/boolean values,
    `provisioning` and `parameters` objects; else a `OneLoginError`
    naming the call and the field."""

    def refuse(field: str, expected: str) -> OneLoginError:
        found = _shown(app.get(field))
        return OneLoginError(
            f"the app's {field} is {found}, expected {expected} (field {field})",
            method=method,
            path=path,
            hint=HINT_MALFORMED,
        )

    roles = app.get("role_ids")
    if roles is not None and (
        not isinstance(roles, list) or any(valid_id(r) is None for r in roles)
    ):
        raise refuse("role_ids", "a list of ids")
    configuration = app.get("configuration")
    if configuration is not None and not (
        isinstance(configuration, dict)
        and all(isinstance(v, str | int | float | bool | None) for v in configuration.values())
    ):
        raise refuse("configuration", "an object of plain values")
    for field in ("provisioning", "parameters"):
        if app.get(field) is not None and not isinstance(app.get(field), dict):
            raise refuse(field, "an object")
    return app  # a parameter that is not an object is left out where parameters are read
