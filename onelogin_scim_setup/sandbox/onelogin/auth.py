"""OAuth2 client-credentials tokens, bearer checks and the hourly rate limit (docs/onelogin-api.md Op 1, §1.6)."""

from __future__ import annotations

import base64
import binascii
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request
from onelogin_scim_setup.sandbox.onelogin.state import now_iso

_ONELOGIN_HEADER = re.compile(r"client_id:\s*([^,\s]+)\s*,\s*client_secret:\s*(\S+)", re.IGNORECASE)
_BEARER = re.compile(r"bearer[\s:]+(\S+)", re.IGNORECASE)
AUTH_FAILURE = "Authentication Failure"


@dataclass
class IssuedToken:
    access_token: str
    refresh_token: str
    created_at: str
    expires_at: float


class TokenStore:
    """One live token per credential: the same token is answered until it expires (Op 1 [C])."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        lifetime: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = (client_id, client_secret)
        self._lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._token: IssuedToken | None = None

    def issue(self, request: Request) -> dict[str, Any]:
        supplied = _credentials(request)
        if supplied is None or not _same(supplied, self._credentials):
            raise ApiError(401, AUTH_FAILURE)
        if _grant_type(request) != "client_credentials":
            raise ApiError(400, "grant_type is missing or not client_credentials")
        with self._lock:
            now = self._clock()
            if self._token is None or self._token.expires_at <= now:
                self._token = IssuedToken(
                    secrets.token_hex(32), secrets.token_hex(32), now_iso(), now + self._lifetime
                )
            token = self._token
        return {
            "access_token": token.access_token,
            "created_at": token.created_at,
            "expires_in": max(0, math.floor(token.expires_at - now)),
            "refresh_token": token.refresh_token,
            "token_type": "bearer",
            "account_id": 189185,
        }

    def revoke(self, request: Request) -> None:
        supplied = _credentials(request)
        if supplied is None or not _same(supplied, self._credentials):
            raise ApiError(401, AUTH_FAILURE)
        access_token = request.json_object().get("access_token")
        if not access_token:
            raise ApiError(400, "Access Token Missing")
        with self._lock:
            if self._token and secrets.compare_digest(self._token.access_token, str(access_token)):
                self._token = None

    def check(self, request: Request) -> None:
        """Raise 401 unless the request carries the live token (`Bearer x`, `bearer x`, `bearer:x`)."""
        match = _BEARER.fullmatch(request.header("authorization").strip())
        with self._lock:
            token = self._token
            valid = (
                match is not None
                and token is not None
                and token.expires_at > self._clock()
                and secrets.compare_digest(token.access_token, match.group(1))
            )
        if not valid:
            v1 = request.path.startswith("/api/1/")  # v1 says "Authentication Failure" (§1.4)
            raise ApiError(401, AUTH_FAILURE if v1 else "Unauthorized")


class RateLimiter:
    """An hourly call budget shared by every token, as OneLogin's account-level limit (§1.6)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self._used = 0

    def consume(self) -> bool:
        with self._lock:
            self._roll()
            if self._used >= self.limit:
                return False
            self._used += 1
            return True

    def status(self) -> dict[str, int]:
        with self._lock:
            self._roll()
            reset = math.ceil(self._window_start + 3600 - self._clock())
            return {
                "X-RateLimit-Limit": self.limit,
                "X-RateLimit-Remaining": max(0, self.limit - self._used),
                "X-RateLimit-Reset": max(0, reset),
            }

    def set(self, limit: int, remaining: int, reset: int) -> None:
        """Put the budget in a given state (`PUT /_sandbox/rate_limit`): `remaining` calls left,
        the window resetting in `reset` seconds."""
        with self._lock:
            self.limit = limit
            self._used = max(0, limit - remaining)
            self._window_start = self._clock() - 3600 + reset

    def headers(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.status().items()}

    def _roll(self) -> None:
        if self._clock() - self._window_start >= 3600:
            self._window_start = self._clock()
            self._used = 0


def _same(supplied: tuple[str, str], expected: tuple[str, str]) -> bool:
    return secrets.compare_digest(supplied[0], expected[0]) & secrets.compare_digest(
        supplied[1], expected[1]
    )


def _credentials(request: Request) -> tuple[str, str] | None:
    """The three documented ways (Op 1): Basic, the `client_id:…, client_secret:…` header, a form."""
    header = request.header("authorization").strip()
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, client_secret = decoded.partition(":")
        return (client_id, client_secret) if sep else None
    match = _ONELOGIN_HEADER.fullmatch(header)
    if match:
        return match.group(1), match.group(2)
    form = _form(request)
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    return None


def _grant_type(request: Request) -> str | None:
    if request.header("content-type").startswith("application/x-www-form-urlencoded"):
        return _form(request).get("grant_type")
    body = request.json()
    return str(body.get("grant_type")) if isinstance(body, dict) else None


def _form(request: Request) -> dict[str, str]:
    if not request.header("content-type").startswith("application/x-www-form-urlencoded"):
        return {}
    parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}
