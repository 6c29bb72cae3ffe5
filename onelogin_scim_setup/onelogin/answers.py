"""What OneLogin's answers mean: JSON bodies decoded, and every error answer or network failure
turned into one `OneLoginError` with a message, a status, the x-request-id and a hint.

Error texts pass through a `clean` function (the transport's redactor) before anything is shortened,
so a secret is never cut in half and left readable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import requests
from urllib3.exceptions import (
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)

from onelogin_scim_setup import bounds
from onelogin_scim_setup.bounds import SERVER_WAIT as SHORT_WAIT
from onelogin_scim_setup.bounds import header_seconds as seconds
from onelogin_scim_setup.config.urls import BoundAuthorization, check_url
from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.wire import reset_seconds
from onelogin_scim_setup.secrets.redact import shorten

Json = Any
JsonObject = dict[str, Any]

EXCERPT_SIZE = 160  # characters of a non-JSON answer quoted in an error
MESSAGE_SIZE = 1000  # characters of an error message taken from an answer

HINT_NETWORK = (
    "Check onelogin.base_url / onelogin.subdomain, the network and any proxy (HTTPS_PROXY)."
)
HINT_CREDENTIALS = (
    "Check the API credential's client id and client secret (OneLogin: Administration > "
    "Developers > API Credentials) and that the base URL is your tenant's, "
    "https://<subdomain>.onelogin.com."
)
HINT_REVOKED = (
    "OneLogin refused a fresh token: the API credentials are wrong, or the credential was revoked "
    "or deleted (Administration > Developers > API Credentials)."
)
HINT_SCOPE = (
    'The API credential needs the "Manage All" scope: create one with it under Administration > '
    "Developers > API Credentials."
)
HINT_SERVER = (
    "OneLogin had a server error: run the command again later. If every call answers 500, the "
    "admin who created the API credential may have been deleted: create a new credential."
)
HINT_NOT_JSON = "A proxy or a wrong onelogin.base_url may be answering instead of OneLogin."
HINT_RATE = (
    "OneLogin limits API calls per account (documented as 5,000 an hour), shared by every API "
    "credential: wait for the reset and run the command again."
)


class MaybeProcessed(OneLoginError):
    """A POST failed without telling whether OneLogin processed it (timeout, dropped, 5xx)."""

    code: ClassVar[str] = "onelogin_outcome_unknown"


def reset_header(response: requests.Response) -> str | None:
    return response.headers.get("X-RateLimit-Reset") or response.headers.get("Retry-After")


def describe_error(
    response: requests.Response,
    retries: int,
    clean: Callable[[str], str],
    *,
    token_call: bool = False,
    reset: str | None = None,
) -> tuple[str, str | None]:
    """(message, hint) for an error answer in any of OneLogin's shapes (docs/onelogin-api.md §1.4).

    `clean` redacts secrets; it sees the whole text before anything is shortened.
    """
    status = response.status_code
    try:
        body, hint = (bounds.loads(response.content) if response.content else None), None
    except ValueError:  # plain text is an API message; an HTML page is a proxy's or a stranger's
        html = _is_html(response)
        body = f"an HTML page: {_excerpt(response, clean)!r}" if html else _excerpt(response, clean)
        hint = HINT_NOT_JSON if html else None
    found = _message(body) or response.reason or f"HTTP {status}"
    message = shorten(clean(found), MESSAGE_SIZE)
    if status == 429:
        said = reset_seconds(response.headers)
        wait = said if said is not None else seconds(reset)
        if wait is not None and wait > SHORT_WAIT:
            asked = "" if said is not None else " (GET /auth/rate_limit)"
            when = f"it resets in {wait:.0f} s{asked}; stopped at once instead of waiting"
        elif wait is not None:
            when = f"still refused after {retries} retries; it resets in {wait:.0f} s"
        else:
            when = f"still refused after {retries} retries; OneLogin did not say when it resets"
        return f"rate limit exhausted: {when} ({message})", HINT_RATE
    if hint or status >= 500:
        return message, hint or HINT_SERVER
    if token_call:
        return message, HINT_CREDENTIALS
    return message, {401: HINT_REVOKED, 403: HINT_SCOPE}.get(status)


def _message(body: Json) -> str | None:
    if isinstance(body, str):  # a bare JSON string, e.g. "Expected array in request"
        return body.strip() or None
    if isinstance(body, list):
        return "; ".join(text for text in map(_message, body) if text) or None
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("status"), dict):  # v1: {"status": {"error", "code", "type", "message"}}
        return _message(body["status"])
    message = next(
        (
            _text(body.get(key))
            for key in ("message", "error_description", "name", "type", "error")
            if _text(body.get(key))
        ),
        None,
    )
    if _text(body.get("field")):  # v2 field error: {"statusCode", "name", "message", "field"}
        message = f"{message} (field {body['field']})"
    errors = body.get("errors")
    if isinstance(errors, list) and errors:  # mappings: {"code", "message", "errors": [...]}
        details = "; ".join(_field_error(item) for item in errors)
        message = f"{message}: {details}" if message else details
    return message


def _field_error(item: Json) -> str:
    if not isinstance(item, dict):
        return str(item)
    text = _text(item.get("message")) or "invalid"
    return f"{item['field']}: {text}" if _text(item.get("field")) else text


def _text(value: Json) -> str | None:
    if isinstance(value, list):  # mappings' field errors carry a list of messages
        value = ", ".join(str(item) for item in value)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _excerpt(response: requests.Response, clean: Callable[[str], str]) -> str:
    """A short, tag-free excerpt of a non-JSON answer, redacted whole before it is cut."""
    text = clean(response.text)
    return shorten(" ".join(re.sub(r"<[^>]*>", " ", text).split()), EXCERPT_SIZE)


def _is_html(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "")
    return "html" in kind or response.text.lstrip().startswith("<")


def decode(
    response: requests.Response, method: str, path: str, clean: Callable[[str], str]
) -> Json:
    """The answer's JSON (None when it has no body); anything else is a `OneLoginError`."""
    if not response.content:
        return None
    try:
        return bounds.loads(response.content)
    except bounds.AnswerRefused as error:
        raise answer_error(response, clean(str(error)), method, path, None) from None
    except ValueError as error:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        message = f"expected JSON, got {clean(kind)}: {_excerpt(response, clean)!r}"
        raise answer_error(response, message, method, path, HINT_NOT_JSON) from error


def answer_error(
    response: requests.Response,
    message: str,
    method: str,
    path: str,
    hint: str | None,
    kind: type[OneLoginError] = OneLoginError,
) -> OneLoginError:
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    return kind(message, status=status, request_id=request_id, method=method, path=path, hint=hint)


def maybe_processed(error: requests.RequestException) -> bool:
    """False only when the request surely never reached OneLogin: no connection could be opened."""
    if isinstance(error, requests.ConnectTimeout):
        return False
    if isinstance(error, requests.ConnectionError) and error.args:
        # A POST gets MaxRetryError only after every connect attempt failed: a failure after
        # sending is re-raised as is, because POST is not in allowed_methods.
        return not isinstance(error.args[0], MaxRetryError)
    return isinstance(
        error,
        (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError),
    )


def network_reason(error: requests.RequestException, timeout: tuple[float, float]) -> str:
    """Why no answer came, in words (the timeout is (connect, read) seconds)."""
    if isinstance(error, bounds.RequestDeadline):
        return str(error)
    if isinstance(error, requests.ConnectTimeout):
        return f"could not connect within {timeout[0]:g} s"
    if isinstance(error, requests.Timeout):
        return f"no answer within {timeout[1]:g} s"
    if isinstance(error, requests.exceptions.SSLError):
        return "the TLS handshake failed (a certificate or proxy problem)"
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):  # urllib3 retried and gave up: name the last failure
        cause = cause.reason
    if isinstance(cause, NameResolutionError):
        return "the host name does not resolve"
    if isinstance(cause, NewConnectionError):
        return "could not connect (refused or unreachable)"
    if isinstance(cause, ReadTimeoutError):
        return f"no answer within {timeout[1]:g} s"
    if isinstance(error, requests.ConnectionError):
        return "the connection closed before an answer came"
    return f"the request failed ({type(error).__name__})"


def checked_base_url(value: str) -> str:
    """The configured OneLogin base URL, checked (`config.urls.check_url`), or a OneLoginError."""
    try:
        return check_url(value.strip())
    except ValueError as error:
        raise OneLoginError(
            f"the OneLogin base URL is refused: {error}",
            hint="Use https://<subdomain>.onelogin.com (or set onelogin.subdomain).",
        ) from None


def bound_authorization(header: str, base: str) -> BoundAuthorization:
    """The Authorization header, sent only to `base`: elsewhere a OneLoginError."""

    def refuse(target: str) -> OneLoginError:
        return OneLoginError(
            f"refused to send the OneLogin credential to {target}: the configured API is {base}",
            hint="Check onelogin.base_url: write it plainly, https://<subdomain>.onelogin.com.",
        )

    return BoundAuthorization(header, base, refuse)


# --- the fields the tool reads, checked where they enter ---------------------------------------

HINT_SHAPE = (
    "The answer does not have the shape OneLogin documents: a proxy or a wrong onelogin.base_url "
    "may be answering; if it persists, give OneLogin support the x-request-id."
)
LARGEST_ID = 2**63 - 1


def whole_id(raw: Json) -> int | None:
    """A OneLogin id: a whole number 0..2^63-1, or its digits in a string; else None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= LARGEST_ID else None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 19:
        return int(raw) if int(raw) <= LARGEST_ID else None
    return None


def shown(value: Json) -> str:
    """A value from an answer as an error quotes it: short, and "missing" for None."""
    if value is None:
        return "missing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class Fields:
    """One object of an answer (`item` n of a listing, or the answer itself), whose fields are read
    through typed checks: a field of another type is a `OneLoginError` naming the endpoint, the
    item and the field, never a value misread further on (issue 19).

    `prefix` names where the object sits inside the item (`conditions[0].`)."""

    def __init__(
        self,
        raw: Json,
        method: str,
        path: str,
        *,
        item: int | None = None,
        prefix: str = "",
    ) -> None:
        self.method, self.path, self.item, self.prefix = method, path, item, prefix
        if not isinstance(raw, dict):
            if prefix:
                raise self.refuse(prefix.rstrip("."), raw, "an object", whole=True)
            at = f"item {item + 1} of the answer" if item is not None else "the answer"
            raise OneLoginError(
                f"{at} is {shown(raw)}, expected an object",
                status=_read_status(method),
                method=method,
                path=path,
                hint=HINT_SHAPE,
            )
        self.raw: JsonObject = raw

    def refuse(
        self, field: str, value: Json, expected: str, *, whole: bool = False
    ) -> OneLoginError:
        at = f"item {self.item + 1} of the answer" if self.item is not None else "the answer"
        name = field if whole else self.prefix + field
        return OneLoginError(
            f"{at} has {shown(value)} as its {name}, expected {expected} (field {name})",
            status=_read_status(self.method),
            method=self.method,
            path=self.path,
            hint=HINT_SHAPE,
        )

    def text(self, field: str) -> str | None:
        """Text, or None when absent or null."""
        value = self.raw.get(field)
        if value is not None and not isinstance(value, str):
            raise self.refuse(field, value, "text")
        return value

    def name(self, field: str = "name") -> str:
        """Text that must be there and not be empty (a name, a shortname, an email)."""
        value = self.raw.get(field)
        if not isinstance(value, str) or not value:
            raise self.refuse(field, value, "non-empty text")
        return value

    def id(self, field: str = "id") -> int:
        found = whole_id(self.raw.get(field))
        if found is None:
            raise self.refuse(field, self.raw.get(field), "a whole number from 0 to 2^63-1")
        return found

    def maybe_id(self, field: str) -> int | None:
        """An id, or None when absent or null."""
        return None if self.raw.get(field) is None else self.id(field)

    def number(self, field: str) -> int | None:
        """A whole number (a user's status), or None when absent or null."""
        value = self.raw.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self.refuse(field, value, "a whole number")
        return value

    def flag(self, field: str) -> bool | None:
        value = self.raw.get(field)
        if value is not None and not isinstance(value, bool):
            raise self.refuse(field, value, "true or false")
        return value

    def plain(self, field: str) -> Json:
        """A plain value: text, a finite number, true/false or null."""
        value = self.raw.get(field)
        if not is_plain(value):
            raise self.refuse(field, value, "text, a number, true/false or null")
        return value

    def plain_item(self, field: str, index: int) -> Json:
        """Item `index` of the list `field`, a plain value."""
        value = self.raw[field][index]
        if not is_plain(value):
            raise self.refuse(f"{field}[{index}]", value, "text, a number, true/false or null")
        return value

    def object(self, field: str) -> Fields | None:
        value = self.raw.get(field)
        if value is None:
            return None
        return Fields(
            value, self.method, self.path, item=self.item, prefix=f"{self.prefix}{field}."
        )

    def plain_object(self, field: str) -> JsonObject | None:
        """An object whose every value is plain (custom attributes, an app's configuration)."""
        found = self.object(field)
        if found is not None:
            for key in found.raw:
                found.plain(key)
        return None if found is None else found.raw

    def items(self, field: str) -> list[Json] | None:
        value = self.raw.get(field)
        if value is not None and not isinstance(value, list):
            raise self.refuse(field, value, "a list")
        return value

    def objects(self, field: str) -> list[Fields] | None:
        """A list of objects, each read with the same checks (`field[n].` in errors)."""
        found = self.items(field)
        if found is None:
            return None
        return [
            Fields(
                value, self.method, self.path, item=self.item, prefix=f"{self.prefix}{field}[{n}]."
            )
            for n, value in enumerate(found)
        ]

    def ids(self, field: str, *, refs: bool = False) -> list[int] | None:
        """A list of ids (`refs`: or of objects holding an `id`)."""
        found = self.items(field)
        if found is None:
            return None
        result = []
        for n, value in enumerate(found):
            if refs and isinstance(value, dict):
                result.append(
                    Fields(
                        value,
                        self.method,
                        self.path,
                        item=self.item,
                        prefix=f"{self.prefix}{field}[{n}].",
                    ).id()
                )
                continue
            number = whole_id(value)
            if number is None:
                raise self.refuse(f"{field}[{n}]", value, "an id")
            result.append(number)
        return result


def _read_status(method: str) -> int | None:
    # Only a 2xx answer is decoded, and a read's is 200: "GET ... answered 200: item 3 has ...".
    return 200 if method == "GET" else None


def is_plain(value: Json) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, str | int | bool)


def each(listed: Json, method: str, path: str) -> list[Fields]:
    """The items of a listing, each to be read through `Fields`."""
    if not isinstance(listed, list):
        raise OneLoginError(
            f"expected a JSON array, got {type(listed).__name__}",
            method=method,
            path=path,
            hint=HINT_SHAPE,
        )
    return [Fields(raw, method, path, item=n) for n, raw in enumerate(listed)]


def check_user(user: Fields, builtin: Iterable[str] = (), *, with_id: bool = True) -> None:
    """A user's fields the tool reads: `id`, `email`, `username`, `status`, `role_ids`, the
    custom attributes (an object of plain values) and the `builtin` attributes (plain values).
    `with_id` False: a write's answer, which may leave the id out."""
    if with_id:
        user.id()
    else:
        user.maybe_id("id")
    user.text("email")
    user.text("username")
    user.number("status")
    user.ids("role_ids")
    user.plain_object("custom_attributes")
    for attribute in builtin:
        user.plain(attribute)


def check_users(listed: list[dict[str, Any]], path: str, builtin: Iterable[str] = ()) -> None:
    """`check_user` for every user of a listing (`path` names it in an error)."""
    for user in each(listed, "GET", path):
        check_user(user, builtin)


def checked_user(raw: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """`raw` (a user read by id or a write's answer) once `check_user` accepts it."""
    check_user(Fields(raw, method, path), with_id=method == "GET")
    return raw
