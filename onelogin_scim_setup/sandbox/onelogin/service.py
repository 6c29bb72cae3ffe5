"""The OneLogin emulator: `/auth/...` and `/api/...` with tokens, scopes, rate limit, error shapes.

Every public answer carries `x-request-id`, and `X-RateLimit-Limit/Remaining/Reset` except on
`/api/2/` answers with the quirk `rate_limit_headers_on_v2=False` (§1.2, §1.6). The token call
counts against the hourly budget like any other call; `GET /auth/rate_limit` does not, is never
rate limited and never faulted (it is how a client learns the budget). When the budget is spent the
answer is 429 in the family's error shape with those headers and no `Retry-After` (none is
documented; UNCERTAIN). `PUT /_sandbox/rate_limit` sets the budget's state. With `api_scope="Read All"` every write under `/api/` is a 403, and so are
reads the reference says need Manage All (connectors, mappings: docs/onelogin-api.md Op 2, Op 5).
"""

from __future__ import annotations

import uuid

from onelogin_scim_setup.sandbox.http.wire import ApiError, Request, Response, Router, json_response
from onelogin_scim_setup.sandbox.onelogin.apps import AppsApi
from onelogin_scim_setup.sandbox.onelogin.auth import RateLimiter, TokenStore
from onelogin_scim_setup.sandbox.onelogin.context import ApiContext
from onelogin_scim_setup.sandbox.onelogin.control import OneLoginControl
from onelogin_scim_setup.sandbox.onelogin.custom_attributes import CustomAttributesApi
from onelogin_scim_setup.sandbox.onelogin.errors import error_body, v1_success
from onelogin_scim_setup.sandbox.onelogin.mappings import MappingsApi
from onelogin_scim_setup.sandbox.onelogin.roles import RolesApi
from onelogin_scim_setup.sandbox.onelogin.state import Tenant
from onelogin_scim_setup.sandbox.onelogin.users import UsersApi
from onelogin_scim_setup.sandbox.options import SandboxOptions
from onelogin_scim_setup.sandbox.push.provisioning import Provisioner

READ_METHODS = ("GET", "HEAD")
PUBLIC_PREFIXES = ("/auth/", "/api/")
RATE_LIMIT_PATH = "/auth/rate_limit"
OAUTH_PATH = "/auth/oauth2/v2/token"
HTML_429 = (
    "<html><head><title>429 Too Many Requests</title></head><body>"
    "<center><h1>429 Too Many Requests</h1></center></body></html>"
)


class _Html(Response):
    """An HTML answer (a proxy's error page), not JSON."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(status, text, {}, "text/html")

    def encoded(self) -> bytes:
        return str(self.body).encode("utf-8")


# Reads that need the Manage All scope even for GET (docs/onelogin-api.md Op 2 and Op 5).
MANAGE_ALL_ONLY = ("/api/2/connectors", "/api/2/mappings")


class OneLoginService:
    def __init__(self, options: SandboxOptions, tenant: Tenant) -> None:
        self.options = options
        self.tenant = tenant
        self.tokens = TokenStore(options.client_id, options.client_secret, options.token_lifetime)
        self.rate = RateLimiter(options.rate_limit_per_hour)
        provisioner = Provisioner(
            tenant, options.quirks.substitute_dollar_brace, options.push_timeout
        )
        context = ApiContext(tenant, options, provisioner)
        self.api = Router()
        for api in (AppsApi, RolesApi, UsersApi, CustomAttributesApi, MappingsApi):
            api(context).register(self.api)
        self.auth = Router()
        self.auth.add("POST", r"/auth/oauth2/v2/token", self._token)
        self.auth.add("POST", r"/auth/oauth2/revoke", self._revoke)
        self.auth.add("GET", RATE_LIMIT_PATH, self._rate_limit)
        self.control = OneLoginControl(context)

    def is_public_api(self, path: str) -> bool:
        return path.startswith(PUBLIC_PREFIXES)

    def is_faultable(self, path: str) -> bool:
        return path.rstrip("/") != RATE_LIMIT_PATH

    def handle(self, request: Request) -> Response:
        if not self.is_public_api(request.path):
            raise ApiError(404, f"No such endpoint: {request.method} {request.path}")
        if not self.is_faultable(request.path):
            response = self.auth.dispatch(request)
        elif not self.rate.consume():
            raise ApiError(429, "Too Many Requests: the hourly rate limit is used up")
        if request.path.startswith("/auth/"):
            response = self.auth.dispatch(request)
        else:
            self.tokens.check(request)
            if self.options.api_scope == "Read All" and (
                request.method not in READ_METHODS or request.path.startswith(MANAGE_ALL_ONLY)
            ):
                raise ApiError(403, "Forbidden: this needs the Manage All scope")
            with self.tenant.lock:
                response = self.api.dispatch(request)
        response.headers.update(self._headers(request.path))
        return response

    def handle_control(self, request: Request) -> Response:
        if request.path.rstrip("/") == "/_sandbox/rate_limit":
            return self._rate_control(request)
        with self.tenant.lock:
            return self.control.router.dispatch(request)

    def _rate_control(self, request: Request) -> Response:
        if request.method == "PUT":
            body = request.json_object()
            current = self.rate.status()
            values = {
                "limit": body.get("limit", current["X-RateLimit-Limit"]),
                "remaining": body.get("remaining", current["X-RateLimit-Remaining"]),
                "reset": body.get("reset", current["X-RateLimit-Reset"]),
            }
            unknown = sorted(set(body) - set(values))
            if unknown or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values.values()
            ):
                raise ApiError(400, "expected {limit, remaining, reset}: integers >= 0")
            if values["remaining"] > values["limit"] or values["reset"] > 3600:
                raise ApiError(400, "remaining must be <= limit and reset <= 3600")
            self.rate.set(values["limit"], values["remaining"], values["reset"])
        elif request.method != "GET":
            raise ApiError(405, f"Method {request.method} is not allowed on {request.path}")
        status = self.rate.status()
        return json_response(
            {
                "limit": status["X-RateLimit-Limit"],
                "remaining": status["X-RateLimit-Remaining"],
                "reset": status["X-RateLimit-Reset"],
            }
        )

    def error_response(self, request: Request, error: ApiError) -> Response:
        if error.status == 429 and self._html_429(request.path):
            return _Html(429, HTML_429)
        body = (
            error.body
            if error.body is not None
            else error_body(request.path, error.status, error.message)
        )
        return Response(error.status, body, self._headers(request.path))

    def fault_response(self, request: Request, status: int, retry_after: int) -> Response:
        message = "Too Many Requests" if status == 429 else "Internal Server Error"
        response = self.error_response(request, ApiError(status, message))
        if status == 429 and not self._html_429(request.path):
            response.headers["Retry-After"] = str(retry_after)
        return response

    def _html_429(self, path: str) -> bool:
        """Quirk `auth_429_body="html"`: the token endpoint's 429 is an HTML page, without
        `Retry-After` or rate limit headers (the one real recording, docs/sandbox.md)."""
        return self.options.quirks.auth_429_body == "html" and path.rstrip("/") == OAUTH_PATH

    def _headers(self, path: str) -> dict[str, str]:
        headers = {"x-request-id": str(uuid.uuid4())}
        if self.options.quirks.rate_limit_headers_on_v2 or not path.startswith("/api/2/"):
            headers.update(self.rate.headers())
        return headers

    def _token(self, request: Request, _: tuple[str, ...]) -> Response:
        return json_response(self.tokens.issue(request))

    def _revoke(self, request: Request, _: tuple[str, ...]) -> Response:
        self.tokens.revoke(request)
        return json_response(v1_success())

    def _rate_limit(self, request: Request, _: tuple[str, ...]) -> Response:
        self.tokens.check(request)
        return json_response({**v1_success(), "data": self.rate.status()})
