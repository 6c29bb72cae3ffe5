"""OneLogin → SOE provisioning: real SCIM calls (urllib) to the app's SCIM Base URL.

An app provisions when `provisioning.enabled` is on and its SCIM connection has a base URL, a
token, a template and the API connection enabled. In scope: users assigned through a role who are
active (status 1). Every write to the tenant is wrapped in `Provisioner.tracking()`, which compares
the rendered bodies before and after and pushes, synchronously, before the answer is sent:

- a user entering scope, or whose rendered body changed, or who was updated through the API:
  `GET /Users?filter=userName eq "<userName>"`, then `POST` (absent) or `PUT` (present) of the
  rendered body with `active: true`. An app becoming ready pushes all its users (initial sync).
- a user leaving scope (suspended, or the app no longer reaches them through a role): with
  deprovision action `suspend` a SCIM PATCH `replace active=false` (a choice: OneLogin's exact
  request is not documented); `delete` sends DELETE; `do_nothing` (OneLogin's default) sends nothing.

Each push lands in the provisioning log (`GET /_sandbox/state`); a failing push never fails the
request that triggered it. Pushes go to loopback hosts only, so the sandbox never reaches out.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from onelogin_scim_setup.sandbox.onelogin.state import ACTIVE, App, ScimConnection, Tenant, now_iso
from onelogin_scim_setup.sandbox.push.placeholders import render

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# No proxies: an HTTP_PROXY in the environment must not route loopback pushes elsewhere.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
Snapshot = dict[int, dict[int, str]]


@dataclass(frozen=True)
class PushResult:
    status: int | None
    body: Any
    error: str | None = None

    def describe(self) -> str:
        return self.error or f"HTTP {self.status}: {json.dumps(self.body)[:300]}"


@dataclass
class Provisioner:
    tenant: Tenant
    dollar_brace: bool
    timeout: float

    @contextmanager
    def tracking(self) -> Iterator[set[int]]:
        """Wrap a tenant change; add user ids the API call updated to the yielded set."""
        before = self.snapshot()
        touched: set[int] = set()
        yield touched
        self.sync(before, touched)

    def snapshot(self) -> Snapshot:
        result: Snapshot = {}
        for app in self.tenant.apps.values():
            if app.provisioning_enabled and app.scim.complete():
                template = app.scim.json_template or ""
                result[app.id] = {
                    user_id: render(template, user, app, dollar_brace=self.dollar_brace)
                    for user_id in self.tenant.app_user_ids(app.id)
                    if (user := self.tenant.users[user_id]).status == ACTIVE
                }
        return result

    def sync(self, before: Snapshot, touched: set[int]) -> None:
        for app_id, users in self.snapshot().items():
            app = self.tenant.apps[app_id]
            previous = before.get(app_id)
            for user_id, body in users.items():
                if previous is None or previous.get(user_id) != body or user_id in touched:
                    self._upsert(app, user_id, body)
            for user_id, body in (previous or {}).items():
                if user_id not in users:
                    self._deprovision(app, user_id, body)

    def test_connection(self, scim: ScimConnection) -> str | None:
        """OneLogin's "Enable" check: a userName that cannot exist must give 200 + none, or 404."""
        probe = f"sandbox-connection-test-{secrets.token_hex(6)}"
        result = self._find(scim, probe)
        if result.status == 404 or (result.status == 200 and not _resources(result.body)):
            return None
        return f"connection test failed: {result.describe()}"

    def _upsert(self, app: App, user_id: int, rendered: str) -> None:
        body = _parse_body(rendered)
        if isinstance(body, str):
            self._log(app, user_id, "upsert", None, body)
            return
        body["active"] = True
        found = self._find(app.scim, body["userName"])
        if found.status != 200:
            self._log(app, user_id, "upsert", found, "lookup failed: " + found.describe())
            return
        existing = _resources(found.body)
        if existing:
            path = f"/Users/{existing[0].get('id')}"
            self._log(app, user_id, "update", self._call(app.scim, "PUT", path, body))
        else:
            self._log(app, user_id, "create", self._call(app.scim, "POST", "/Users", body))

    def _deprovision(self, app: App, user_id: int, rendered: str) -> None:
        action = app.scim.deprovision_action
        if action == "do_nothing":
            self._log(app, user_id, "do_nothing", None)
            return
        body = _parse_body(rendered)
        if isinstance(body, str):
            self._log(app, user_id, action, None, body)
            return
        found = self._find(app.scim, body["userName"])
        existing = _resources(found.body) if found.status == 200 else []
        if not existing:
            self._log(app, user_id, action, found, "user not found in SOE: " + found.describe())
            return
        path = f"/Users/{existing[0].get('id')}"
        if action == "delete":
            self._log(app, user_id, "delete", self._call(app.scim, "DELETE", path, None))
            return
        patch = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        self._log(app, user_id, "suspend", self._call(app.scim, "PATCH", path, patch))

    def _find(self, scim: ScimConnection, user_name: str) -> PushResult:
        query = quote(f'userName eq "{user_name}"')
        return self._call(scim, "GET", f"/Users?filter={query}", None)

    def _call(self, scim: ScimConnection, method: str, path: str, body: Any) -> PushResult:
        url = (scim.base_url or "").rstrip("/") + path
        refused = _refuse_remote(url)
        if refused:
            return PushResult(None, None, refused)
        # S310: _refuse_remote allowed only http(s) URLs to loopback hosts.
        request = urllib.request.Request(  # noqa: S310
            url,
            data=None if body is None else json.dumps(body).encode("utf-8"),
            method=method,
            headers={
                "Authorization": f"Bearer {scim.bearer_token}",
                "Content-Type": "application/scim+json",
                "Accept": "application/scim+json",
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as answer:
                return PushResult(answer.status, _json_or_text(answer.read()))
        except urllib.error.HTTPError as error:
            with error:
                return PushResult(error.code, _json_or_text(error.read()))
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            return PushResult(None, None, f"{type(error).__name__}: {error}")

    def _log(
        self,
        app: App,
        user_id: int,
        action: str,
        result: PushResult | None,
        error: str | None = None,
    ) -> None:
        user = self.tenant.users.get(user_id)
        if error is None and result is not None and (result.error or (result.status or 0) >= 400):
            error = result.describe()
        entry = {
            "at": now_iso(),
            "app_id": app.id,
            "user_id": user_id,
            "user": user.email if user else None,
            "action": action,
            "status": result.status if result else None,
            "error": error,
        }
        self.tenant.log_provisioning(entry)


def _parse_body(rendered: str) -> dict[str, Any] | str:
    """The rendered template as a JSON object with a userName, or the reason it is not one."""
    try:
        body = json.loads(rendered)
    except ValueError as error:
        return f"the rendered JSON template is not valid JSON: {error}"
    if not isinstance(body, dict) or not isinstance(body.get("userName"), str):
        return "the rendered JSON template has no userName string"
    if not body["userName"]:
        return "the rendered JSON template has an empty userName"
    return body


def _resources(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("Resources"), list):
        return [item for item in body["Resources"] if isinstance(item, dict)]
    return []


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


def _refuse_remote(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"not an http(s) URL: {url}"
    if parts.hostname == "localhost":
        return None
    try:
        loopback = ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        loopback = False
    return None if loopback else f"the sandbox pushes to loopback hosts only, not {parts.hostname}"
