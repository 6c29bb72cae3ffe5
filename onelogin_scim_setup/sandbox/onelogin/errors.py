"""OneLogin's error shapes, which differ by API family (docs/onelogin-api.md §1.4)."""

from __future__ import annotations

from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError

V2_NAMES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    422: "UnprocessableEntityError",
    429: "TooManyRequestsError",
    500: "InternalServerError",
}
V1_TYPES = {
    400: "bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "not found",
    405: "method not allowed",
    422: "unprocessable entity",
    429: "too many requests",
    500: "internal server error",
}


def error_body(path: str, status: int, message: str) -> Any:
    """`/auth/*` flat, `/api/1/*` status-wrapped, everything else the v2 `statusCode` shape."""
    kind = V1_TYPES.get(status, "error")
    if path.startswith("/auth/"):
        return {"error": True, "code": status, "type": kind, "message": message}
    if path.startswith("/api/1/"):
        return {"status": {"error": True, "code": status, "type": kind, "message": message}}
    return {"statusCode": status, "name": V2_NAMES.get(status, "Error"), "message": message}


def v1_success() -> dict[str, Any]:
    return {"status": {"error": False, "code": 200, "type": "success", "message": "Success"}}


def validation_failed(errors: list[tuple[str, str]]) -> ApiError:
    """The mappings' own 422 shape: `{"code":422,"message":"Validation Failed","errors":[...]}`."""
    grouped: dict[str, list[str]] = {}
    for name, message in errors:
        grouped.setdefault(name, []).append(message)
    body = {
        "code": 422,
        "message": "Validation Failed",
        "errors": [{"field": name, "message": messages} for name, messages in grouped.items()],
    }
    return ApiError(422, "Validation Failed", body=body)


def expected_array(data: Any) -> list[Any]:
    """Role apps/users endpoints take a raw JSON array; an object is a 400 (PYSDK CHANGELOG 4.0.1)."""
    if not isinstance(data, list):
        raise ApiError(400, "Expected array in request")
    return data


def int_ids(data: Any) -> list[int]:
    ids: list[int] = []
    for item in expected_array(data):
        if isinstance(item, bool) or not isinstance(item, (int, str)) or not str(item).isdigit():
            raise ApiError(400, f"Invalid id in request: {item!r}")
        ids.append(int(item))
    return ids
