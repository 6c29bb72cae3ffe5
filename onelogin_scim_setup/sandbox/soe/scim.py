"""The SOE SCIM emulator: `/api/scim/v2/Users` (docs/soe-scim.md §1.2), errors as
`{"ErrorMessage": "..."}`. Paths are case-insensitive (`/users` as Stack's own scripts use).

- SCIM switched off: 404, or 401 with the quirk `soe_scim_off_status=401` (UNCERTAIN:
  undocumented). Wrong or missing bearer token: 401.
- List: `startIndex` (1-based; below 1 counts as 1), `count` (default and maximum 100, Stack's own
  scripts page by 100; below 0 counts as 0), answering `totalResults`, `startIndex`,
  `itemsPerPage` (the number of `Resources` returned); `filter=<attr> eq "<value>"` for
  userName, externalId, emails.value or id, matched case-insensitively (UNCERTAIN).
- `POST /Users` creates (409 on a duplicate userName); newer SOE versions do this, older ones
  only create users at the first SAML login.
- `PUT /Users/{id}` takes a partial body (only the keys sent change), as SOE does.
- `PATCH /Users/{id}` takes a SCIM PatchOp: add/replace with or without `path`, remove with a
  simple path (`name.givenName` style and the enterprise-extension URN prefix are understood).
- `DELETE /Users/{id}`: 404 "user deletion for SCIM is not enabled ..." unless deletion is on;
  then 204, except moderators and admins: 500 "Moderators cannot be deleted ..." (§1.2).

Control (no auth, no faults): `GET/PUT /_sandbox/settings` (token masked as `sha256:<8 hex>`),
`GET /_sandbox/users` (every user as stored, `userType` always shown), `POST /_sandbox/users` (a
user's first SAML sign-in: a SCIM user body, created outside SCIM), `POST /_sandbox/clock/age`
`{"seconds": N}` (time passes: every `meta.created` and `meta.lastModified` moves N s back).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict, fields
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.soe.state import ENTERPRISE_USER, SoeSite, SoeUser

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_JSON = "application/scim+json; charset=utf-8"
MAX_COUNT = 100
FILTER = re.compile(r'\s*([\w.]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*', re.IGNORECASE)
FILTER_ATTRIBUTES = {
    "username": "userName",
    "externalid": "externalId",
    "emails.value": "emails.value",
    "id": "id",
}
INVALID_TOKEN = "Invalid or missing SCIM bearer token"  # noqa: S105 (an error message)
NO_DELETION = "user deletion for SCIM is not enabled for your site or the user does not exist"
USERS = r"/api/scim/v2/users"


class SoeService:
    def __init__(self, site: SoeSite, off_status: int = 404) -> None:
        self.site = site
        self.off_status = off_status  # the quirk soe_scim_off_status
        self.base_url = ""  # set by the server once the port is known
        self.api = Router(flags=re.IGNORECASE)
        self.api.add("GET", USERS, self.list_users)
        self.api.add("POST", USERS, self.create_user)
        self.api.add("GET", USERS + r"/([^/]+)", self.get_user)
        self.api.add("PUT", USERS + r"/([^/]+)", self.put_user)
        self.api.add("PATCH", USERS + r"/([^/]+)", self.patch_user)
        self.api.add("DELETE", USERS + r"/([^/]+)", self.delete_user)
        self.control = Router()
        self.control.add("GET", r"/_sandbox/settings", self.get_settings)
        self.control.add("PUT", r"/_sandbox/settings", self.put_settings)
        self.control.add("GET", r"/_sandbox/users", self.dump_users)
        self.control.add("POST", r"/_sandbox/users", self.sign_in)
        self.control.add("POST", r"/_sandbox/clock/age", self.age)

    def is_public_api(self, path: str) -> bool:
        return path.lower().startswith("/api/scim/")

    def is_faultable(self, path: str) -> bool:
        return True

    def handle(self, request: Request) -> Response:
        if not self.is_public_api(request.path):
            raise ApiError(404, f"No such page: {request.path}")
        with self.site.lock:
            if not self.site.settings.scim_enabled:
                if self.off_status == 401:  # indistinguishable from a wrong token
                    raise ApiError(401, INVALID_TOKEN)
                raise ApiError(404, "SCIM is not enabled for this site")
            self._check_token(request)
            response = self.api.dispatch(request)
        response.content_type = SCIM_JSON
        return response

    def handle_control(self, request: Request) -> Response:
        with self.site.lock:
            return self.control.dispatch(request)

    def error_response(self, request: Request, error: ApiError) -> Response:
        body = error.body if error.body is not None else {"ErrorMessage": error.message}
        return Response(error.status, body)

    def fault_response(self, request: Request, status: int, retry_after: int) -> Response:
        if status != 429:
            return self.error_response(request, ApiError(status, "Internal Server Error"))
        response = self.error_response(request, ApiError(429, "Too Many Requests"))
        response.headers.update(
            {
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": "0",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(retry_after),
            }
        )
        return response

    def list_users(self, request: Request, _: tuple[str, ...]) -> Response:
        start = _integer(request.query.get("startIndex"), "startIndex", 1)
        count = min(_integer(request.query.get("count"), "count", MAX_COUNT), MAX_COUNT)
        users = self.site.sorted_users()
        if request.query.get("filter"):
            users = self.site.find(*_parse_filter(request.query["filter"]))
        start = max(start, 1)
        chosen = users[start - 1 : start - 1 + max(count, 0)]
        return json_response(
            {
                "schemas": [LIST_RESPONSE],
                "totalResults": len(users),
                "startIndex": start,
                "itemsPerPage": len(chosen),
                "Resources": [user.to_scim(self.base_url) for user in chosen],
            }
        )

    def get_user(self, _: Request, ids: tuple[str, ...]) -> Response:
        return json_response(self._user(ids[0]).to_scim(self.base_url))

    def create_user(self, request: Request, _: tuple[str, ...]) -> Response:
        user = self.site.create(request.json_object())
        return json_response(user.to_scim(self.base_url), 201)

    def put_user(self, request: Request, ids: tuple[str, ...]) -> Response:
        user = self._user(ids[0])
        self.site.update(user, request.json_object())
        return json_response(user.to_scim(self.base_url))

    def patch_user(self, request: Request, ids: tuple[str, ...]) -> Response:
        user = self._user(ids[0])
        operations = request.json_object().get("Operations")
        if not isinstance(operations, list) or not operations:
            raise ApiError(400, "a PatchOp needs a non-empty Operations array")
        for operation in operations:
            self._patch(user, operation)
        return json_response(user.to_scim(self.base_url))

    def delete_user(self, _: Request, ids: tuple[str, ...]) -> Response:
        if not self.site.settings.allow_deletion:
            raise ApiError(404, NO_DELETION)
        user = self._user(ids[0])
        if user.user_type != "Registered":
            raise ApiError(
                500,
                f"Moderators cannot be deleted - tried to delete {user.user_name}. Adjust role to User.",
            )
        del self.site.users[user.id]
        return Response(204)

    def get_settings(self, _: Request, __: tuple[str, ...]) -> Response:
        return json_response(self._settings_json())

    def put_settings(self, request: Request, _: tuple[str, ...]) -> Response:
        body = request.json_object()
        kinds = {
            f.name: (str if f.name == "bearer_token" else bool) for f in fields(self.site.settings)
        }
        for key, value in body.items():
            if key not in kinds:
                raise ApiError(400, f"unknown setting {key!r}; known: {sorted(kinds)}")
            if not isinstance(value, kinds[key]) and not (key == "bearer_token" and value is None):
                raise ApiError(400, f"{key} must be a {kinds[key].__name__}")
        for key, value in body.items():
            setattr(self.site.settings, key, value)
        return json_response(self._settings_json())

    def dump_users(self, _: Request, __: tuple[str, ...]) -> Response:
        return json_response(
            [
                {**u.to_scim(self.base_url), "userType": u.user_type}
                for u in self.site.sorted_users()
            ]
        )

    def age(self, request: Request, _: tuple[str, ...]) -> Response:
        """Let time pass: every stored time moves `seconds` into the past."""
        with self.site.lock:
            self.site.age(seconds_of(request.json_object()))
        return json_response({"aged": True})

    def sign_in(self, request: Request, _: tuple[str, ...]) -> Response:
        """A user's first SAML sign-in, which creates them in SOE outside SCIM (e.g. through an
        identity provider other than OneLogin): the body is stored like a SCIM create."""
        user = self.site.create(request.json_object())
        return json_response({**user.to_scim(self.base_url), "userType": user.user_type}, 201)

    def _settings_json(self) -> dict[str, Any]:
        data = asdict(self.site.settings)
        token = data["bearer_token"]
        data["bearer_token"] = (
            "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:8] if token else None
        )
        return data

    def _check_token(self, request: Request) -> None:
        scheme, _, token = request.header("authorization").strip().partition(" ")
        expected = self.site.settings.bearer_token
        if (
            not expected
            or scheme.lower() != "bearer"
            or not secrets.compare_digest(token.strip(), expected)
        ):
            raise ApiError(401, INVALID_TOKEN)

    def _user(self, raw_id: str) -> SoeUser:
        user = self.site.users.get(int(raw_id)) if raw_id.isdigit() else None
        if user is None:
            raise ApiError(404, f"User {raw_id} not found")
        return user

    def _patch(self, user: SoeUser, operation: Any) -> None:
        if not isinstance(operation, dict):
            raise ApiError(400, "each PatchOp operation must be an object")
        kind = str(operation.get("op", "")).lower()
        path, value = operation.get("path"), operation.get("value")
        if kind in ("add", "replace"):
            if path is None:
                if not isinstance(value, dict):
                    raise ApiError(400, "a PatchOp without path needs an object value")
                self.site.update(user, value)
            else:
                self.site.update(user, _nest(user, str(path), value))
        elif kind == "remove" and isinstance(path, str):
            top = _simple_path(path).split(".")[0]
            if top in ("userName", "active", "userType"):
                raise ApiError(400, f"{top} cannot be removed")
            user.attributes.pop(top, None)
        else:
            raise ApiError(400, f"unsupported PatchOp operation {operation.get('op')!r}")


def _simple_path(path: str) -> str:
    if path.startswith(ENTERPRISE_USER + ":"):
        path = path[len(ENTERPRISE_USER) + 1 :]
    if "[" in path:
        raise ApiError(400, f"unsupported PATCH path {path!r}")
    return path


def _nest(user: SoeUser, path: str, value: Any) -> dict[str, Any]:
    """`name.givenName` → `{"name": {...existing name..., "givenName": value}}`."""
    head, _, tail = _simple_path(path).partition(".")
    if not tail:
        return {head: value}
    current = user.attributes.get(head)
    merged = dict(current) if isinstance(current, dict) else {}
    merged[tail] = value
    return {head: merged}


def _parse_filter(raw: str) -> tuple[str, str]:
    match = FILTER.fullmatch(raw)
    attribute = FILTER_ATTRIBUTES.get(match.group(1).lower()) if match else None
    if match is None or attribute is None:
        raise ApiError(400, f"Unsupported filter: {raw}")
    return attribute, match.group(2).replace('\\"', '"').replace("\\\\", "\\")


def _integer(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ApiError(400, f"{name} must be an integer") from error


def seconds_of(body: dict[str, Any]) -> float:
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 1e9:
        raise ApiError(400, "seconds must be a number of seconds, 0 or more")
    return float(seconds)
