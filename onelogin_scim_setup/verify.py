"""Observe both sides and report each check with a fix hint. Nothing here writes, except the opt-in
end-to-end round trip, which changes one test user's userType and always puts it back."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Literal

from onelogin_scim_setup.errors import OneLoginError, SetupError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.plan import Action, Kind, Plan
from onelogin_scim_setup.scim_token import generate_token
from onelogin_scim_setup.soe import ScimClient, find_literal_placeholders, user_type_of

Status = Literal["pass", "fail", "warn", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def passed(checks: list[Check]) -> bool:
    return all(check.status in ("pass", "warn", "skip") for check in checks)


def onelogin_checks(plan: Plan) -> list[Check]:
    """What the read-back of OneLogin says, kind by kind (the plan is the comparison)."""
    by_kind = {
        Kind.CUSTOM_FIELD: ("custom user fields exist", "run apply"),
        Kind.APP: ("the app exists on the right connector", "run apply"),
        Kind.PARAMETER: ("app parameters match", "run apply; check the parameters tab"),
        Kind.PROVISIONING: (
            "provisioning is enabled",
            "run apply, or tick Enable provisioning in the UI",
        ),
        Kind.ROLE: ("roles give the app", "run apply"),
        Kind.MAPPING: ("user mappings match", "run apply, then reapply mappings in the UI"),
        Kind.USER: ("per-user values match", "run apply"),
    }
    checks = []
    for kind, (name, hint) in by_kind.items():
        pending = [c for c in plan.changes if c.kind is kind and c.action is not Action.MANUAL]
        if pending:
            detail = "; ".join(
                f"{c.action.value} {c.key!r}" + (f": {c.note}" if c.note else "") for c in pending
            )
            checks.append(Check(f"OneLogin: {name}", "fail", detail, hint))
        else:
            checks.append(Check(f"OneLogin: {name}", "pass", "matches the config"))
    return checks


def credential_check(client: OneLoginClient, connector: str) -> Check:
    name = "OneLogin: API credentials work and have the Manage All scope"
    try:
        # Listing connectors needs Manage All (onelogin-api.md Op 2), so it proves the scope too.
        client.list_connectors(connector)
    except OneLoginError as error:
        return Check(name, "fail", str(error.message), error.hint or "check the API credential")
    return Check(name, "pass", "token issued; connectors readable")


def soe_checks(scim: ScimClient, *, verify_tls: bool) -> list[Check]:
    checks = []
    probe = scim.probe()
    if probe.ok:
        checks.append(
            Check(
                "SOE: SCIM endpoint accepts our token",
                "pass",
                f"GET /Users?count=1 answered {probe.status}",
            )
        )
    else:
        checks.append(
            Check(
                "SOE: SCIM endpoint accepts our token",
                "fail",
                probe.detail,
                "In SOE: Admin Settings > SCIM must be On with exactly this token (compare "
                "fingerprints with `token show`); check soe.site / soe.scim_base_url.",
            )
        )
    wrong = scim.probe_with_token(generate_token())
    if wrong.ok:
        checks.append(
            Check(
                "SOE: a wrong token is refused",
                "warn",
                "the endpoint answered 200 to a random token: it is not enforcing authentication",
                "Check SOE's SCIM settings; report this to Stack Overflow support.",
            )
        )
    elif wrong.status in (401, 403):
        checks.append(Check("SOE: a wrong token is refused", "pass", f"answered {wrong.status}"))
    else:
        # A 404 or no answer says nothing about authentication (SCIM may simply be off).
        checks.append(
            Check("SOE: a wrong token is refused", "skip", f"inconclusive: {wrong.detail}")
        )
    if not verify_tls:
        checks.append(
            Check(
                "SOE: TLS certificate verified",
                "warn",
                "soe.verify_tls is false",
                "Turn it on outside a lab.",
            )
        )
    return checks


@dataclass(frozen=True)
class RoundTrip:
    """The opt-in end-to-end proof: OneLogin user change -> provisioning -> SOE shows it."""

    client: OneLoginClient
    scim: ScimClient
    shortname: str
    timeout: float = 120.0
    interval: float = 3.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def run(self, email: str) -> list[Check]:
        user = self._onelogin_user(email)
        custom = dict(user.get("custom_attributes") or {})
        original = custom.get(self.shortname) or None
        target = "Registered" if original == "Moderator" else "Moderator"
        checks: list[Check] = []
        with self._restoring(email, int(user["id"]), custom, original, checks):
            self._set(int(user["id"]), custom, target)
            soe_user = self._wait_for(email, target)
            if soe_user is None:
                checks.append(
                    Check(
                        f"e2e: SOE shows {email} as {target}",
                        "fail",
                        f"SOE did not show userType {target} within {self.timeout:g} s",
                        "Check, in order: the OneLogin API connection is Enabled, SCIM Base URL and "
                        "Bearer Token, the JSON template has userType, the parameter, and SOE's "
                        "'Allow Moderator Promotion' box.",
                    )
                )
                # A user whose userName arrived as a literal placeholder cannot be found by email.
                checks += self._placeholder_check(self._literal_in_soe())
            else:
                checks.append(
                    Check(f"e2e: SOE shows {email} as {target}", "pass", "userType arrived")
                )
                checks += self._placeholder_check(find_literal_placeholders(soe_user))
        return checks

    def _literal_in_soe(self, limit: int = 500) -> list[str]:
        found: list[str] = []
        for index, user in enumerate(self.scim.list_users()):
            if index >= limit:
                break
            found += [f"user {user.get('id')}: {item}" for item in find_literal_placeholders(user)]
        return found

    @staticmethod
    def _placeholder_check(literal: list[str]) -> list[Check]:
        name = "e2e: no unreplaced placeholders in SOE"
        if not literal:
            return [Check(name, "pass", "every attribute was substituted")]
        hint = (
            "OneLogin sent these placeholders literally: set template.syntax to the form your tenant "
            "substitutes (onelogin = {$...}), re-enter the template, then fix the affected SOE users."
        )
        return [Check(name, "fail", "; ".join(literal[:10]), hint)]

    def _onelogin_user(self, email: str) -> dict[str, Any]:
        fields = "id,email,custom_attributes"
        found = [
            u
            for u in self.client.list_users(email=email, fields=fields)
            if str(u.get("email", "")).lower() == email.lower()
        ]
        if not found:
            raise OneLoginError(
                f"no OneLogin user has the email {email!r}",
                hint="Pass --test-user for a user assigned to the app.",
            )
        return self.client.get_user(int(found[0]["id"]))

    def _set(self, user_id: int, custom: dict[str, Any], value: str | None) -> None:
        body = {"custom_attributes": {**custom, self.shortname: value or ""}}
        self.client.update_user(user_id, body, mappings="disabled")

    def _wait_for(self, email: str, user_type: str) -> dict[str, Any] | None:
        deadline = self.clock() + self.timeout
        while True:
            found = self.scim.find_user(email)
            if found is not None and user_type_of(found) == user_type:
                return found
            if self.clock() >= deadline:
                return None
            self.sleep(self.interval)

    @contextmanager
    def _restoring(
        self,
        email: str,
        user_id: int,
        custom: dict[str, Any],
        original: str | None,
        checks: list[Check],
    ) -> Iterator[None]:
        """Put the original value back even on failure or Ctrl-C. SOE ignores an empty userType, so an
        empty original is restored by way of Registered (which SOE does apply) and then emptied."""
        try:
            yield
        finally:
            name = f"e2e: original userType {original or '(empty)'} restored"
            try:
                expected = original or "Registered"
                self._set(user_id, custom, expected)
                shown = self._wait_for(email, expected)
                if original is None:
                    self._set(user_id, custom, None)
                status: Status = "pass" if shown is not None else "fail"
                detail = (
                    "OneLogin and SOE are back" if shown else f"SOE does not show {expected} yet"
                )
                checks.append(
                    Check(name, status, detail, "" if shown else f"Set {self.shortname} by hand.")
                )
            except SetupError as error:
                checks.append(
                    Check(name, "fail", str(error), f"Set {self.shortname} back by hand.")
                )
