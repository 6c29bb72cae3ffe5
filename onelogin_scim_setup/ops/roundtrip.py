"""verify --e2e: a userType change made in OneLogin must show up in SOE; the test user is always put back.

Before the test user is changed, a journal (ops.journal: email, user id, field, original and
target value; no secret) records the original; it goes once the restore is proven. A run killed
in between (SIGKILL, power cut) leaves it: every later command names the user, and the next
`verify --e2e` restores from it before anything else, so no second run takes the changed value for
the original."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from onelogin_scim_setup.errors import Interrupted, OneLoginError, SetupError
from onelogin_scim_setup.onelogin.answers import checked_user
from onelogin_scim_setup.onelogin.client import USERS, OneLoginClient
from onelogin_scim_setup.ops import SOE_POLL_INTERVAL, SOE_WAIT
from onelogin_scim_setup.ops.check import Check
from onelogin_scim_setup.ops.interrupt import deferred, nap
from onelogin_scim_setup.ops.journal import Journal, unfinished_round_trip
from onelogin_scim_setup.ops.writes.lost import read_back
from onelogin_scim_setup.ops.writes.users import same
from onelogin_scim_setup.soe.client import ScimClient
from onelogin_scim_setup.soe.users import find_literal_placeholders, user_type_of

UNFINISHED_CHECK = "e2e: an earlier round trip did not finish"
ACTIVE = 1  # OneLogin user status (docs/onelogin-api.md Op 7)


@dataclass(frozen=True)
class RoundTrip:
    """The opt-in end-to-end proof: OneLogin user change -> provisioning -> SOE shows it."""

    client: OneLoginClient
    scim: ScimClient
    shortname: str
    timeout: float = SOE_WAIT
    interval: float = SOE_POLL_INTERVAL
    # Ends at a second signal, so a hurried person is not kept waiting by the restore (ops.interrupt).
    sleep: Callable[[float], None] = nap
    clock: Callable[[], float] = time.monotonic
    # The app as plan read it: the test user must have it before anything is changed.
    app_id: int | None = None
    app_role_ids: tuple[int, ...] = ()
    on_wait: Callable[[str], None] | None = None  # progress while waiting for SOE
    journal: Journal | None = None  # where the original is recorded until it is restored

    def restore_unfinished(self) -> list[Check]:
        """An earlier round trip that did not finish (its journal is there): put its test user's
        original value back first. The journal goes only once the restore is proven."""
        record = self.journal.read() if self.journal is not None else None
        if record is None:
            return []
        try:
            email, user_id = str(record["email"]), int(record["user_id"])
            original = record.get("original")
            original = None if original is None else str(original)
        except (KeyError, TypeError, ValueError):
            return [
                Check(
                    UNFINISHED_CHECK,
                    "fail",
                    f"its journal {self.journal.path if self.journal else ''} cannot be read",
                    "Look at the file, restore the test user by hand, then remove it.",
                )
            ]
        found = Check(
            UNFINISHED_CHECK,
            "warn",
            f"{unfinished_round_trip(record)}; restoring it now",
            "Nothing to do: the restore follows.",
        )
        user = self.client.get_user(user_id)
        custom = dict(user.get("custom_attributes") or {})
        with deferred():
            check = self._restore(email, user_id, custom, original)
        if check.status == "pass" and self.journal is not None:
            self.journal.clear()
        return [found, check]

    def run(self, email: str) -> list[Check]:
        user = self._onelogin_user(email)
        if user is None:
            return [self._not_ready_check(email, f"no OneLogin user has the email {email!r}")]
        not_ready = self._not_ready(email, user)
        if not_ready:
            return [self._not_ready_check(email, not_ready)]
        custom = dict(user.get("custom_attributes") or {})
        original = custom.get(self.shortname) or None
        target = "Registered" if original == "Moderator" else "Moderator"
        checks = [
            Check(
                f"e2e: test user {email} exists, is active and has the app",
                "pass",
                "ready for the round trip",
            )
        ]
        if self.journal is not None:
            self.journal.write(
                {
                    "email": email,
                    "user_id": int(user["id"]),
                    "field": self.shortname,
                    "original": original,
                    "target": target,
                    "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }
            )
        with self._restoring(email, int(user["id"]), custom, original, checks):
            with deferred():
                self._set(int(user["id"]), custom, target)
            soe_user = self._wait_for(email, target)
            if soe_user is None:
                checks.append(
                    Check(
                        f"e2e: SOE shows {email} as {target}",
                        "fail",
                        f"SOE did not show userType {target} within {self.timeout:g} s",
                        "Check, in order: the OneLogin API connection is Enabled, SCIM Base URL and "
                        "Bearer Token, the JSON template has userType, the parameter, SOE's "
                        "'Allow Moderator Promotion' box; or the SCIM server refused the payload "
                        "(an attribute it does not accept, e.g. a top-level department on a "
                        "strict server): OneLogin's app Provisioning log shows the refusal.",
                    )
                )
                # A user whose userName arrived as a literal placeholder cannot be found by email.
                checks += self._placeholder_check(self._literal_in_soe(), arrived=False)
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
    def _placeholder_check(literal: list[str], *, arrived: bool = True) -> list[Check]:
        name = "e2e: no unreplaced placeholders in SOE"
        if not literal and not arrived:
            # Nothing from this round trip reached SOE: there is nothing to judge the template by.
            return [Check(name, "skip", "not checked: the test user's data never reached SOE")]
        if not literal:
            return [Check(name, "pass", "every attribute was substituted")]
        hint = (
            "OneLogin sent these placeholders literally: set template.syntax to the form your tenant "
            "substitutes (onelogin = {$...}), re-enter the template, then fix the affected SOE users."
        )
        return [Check(name, "fail", "; ".join(literal[:10]), hint)]

    def _onelogin_user(self, email: str) -> dict[str, Any] | None:
        fields = "id,email,status,role_ids,custom_attributes"
        found = [
            u
            for u in self.client.list_users(email=email, fields=fields)
            if str(u.get("email", "")).lower() == email.lower()
        ]
        if not found:
            return None
        checked_user(found[0], "GET", USERS)
        if all(key in found[0] for key in ("custom_attributes", "status", "role_ids")):
            return found[0]
        # Some tenants leave custom_attributes out of list output (onelogin-python-sdk#109); the
        # readiness check needs status and role_ids too.
        return self.client.get_user(int(found[0]["id"]))

    @staticmethod
    def _not_ready_check(email: str, why: str) -> Check:
        return Check(
            f"e2e: test user {email} exists, is active and has the app",
            "fail",
            why,
            "Pass --test-user for an active user who has the app through one of app.roles (or a "
            "direct assignment); nothing was changed.",
        )

    def _not_ready(self, email: str, user: dict[str, Any]) -> str:
        """Why the round trip cannot prove anything with this user ("" when it can)."""
        if user.get("status") != ACTIVE:
            return f"{email} is not active in OneLogin (status {user.get('status')!r}, 1 is active)"
        if set(self.app_role_ids) & {int(r) for r in user.get("role_ids") or []}:
            return ""
        if self.app_id is None:
            return "the app does not exist in OneLogin; run apply first"
        # Not through a role: a direct assignment shows in the app's user list.
        if any(int(u["id"]) == int(user["id"]) for u in self.client.list_app_users(self.app_id)):
            return ""
        return (
            f"{email} does not have the app: none of their roles gives it and it is not assigned "
            "to them directly, so OneLogin would never provision them"
        )

    def _set(self, user_id: int, custom: dict[str, Any], value: str | None) -> None:
        body = {"custom_attributes": {**custom, self.shortname: value or ""}}
        try:
            self.client.update_user(user_id, body, mappings="disabled")
        except OneLoginError as error:
            # A lost answer: the test user read back decides (ops.writes.lost), nothing is resent.
            read_back(
                error,
                lambda: (
                    True
                    if same(
                        (self.client.get_user(user_id).get("custom_attributes") or {}).get(
                            self.shortname
                        ),
                        value,
                    )
                    else None
                ),
                f"the custom user field {self.shortname!r} of user id {user_id} in OneLogin",
            )

    def _wait_for(self, email: str, user_type: str) -> dict[str, Any] | None:
        start = self.clock()
        deadline = start + self.timeout
        while True:
            found = self.scim.find_user(email)
            if found is not None and user_type_of(found) == user_type:
                return found
            if self.clock() >= deadline:
                return None
            if self.on_wait:
                self.on_wait(
                    f"waiting for SOE to show {email} as {user_type}: "
                    f"{self.clock() - start:.0f} s of {self.timeout:g} s"
                )
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
        """Put the original value back even on failure, Ctrl-C (once or twice) or SIGTERM.

        The restore runs as a critical section (ops.interrupt): a signal during it waits until
        it is done, and after the first signal the rest are ignored. An interruption's report says
        "restored" or gives the exact step to do by hand.
        """
        interrupted: Interrupted | None = None
        try:
            yield
        except Interrupted as error:
            interrupted = error
            raise
        finally:
            check: Check | None = None
            late: Interrupted | None = None
            try:
                with deferred():
                    check = self._restore(email, user_id, custom, original)
            except Interrupted as error:
                # The signal came during the restore, which went on to the end.
                late = error
            if check is not None:
                checks.append(check)
                if check.status == "pass" and self.journal is not None:
                    self.journal.clear()
                stopped = interrupted or late
                if stopped is not None:
                    stopped.report.append(
                        f"{check.name}: {check.detail}"
                        if check.status == "pass"
                        else f"The test user was NOT restored: {check.detail}. {check.hint}"
                        + self._journal_note()
                    )
            if late is not None and interrupted is None:
                raise late

    def _journal_note(self) -> str:
        """What keeps a restore that did not happen safe: the journal, read by the next run."""
        if self.journal is None:
            return ""
        return (
            f" Or run verify --e2e again: its journal ({self.journal.path}) still holds the "
            "original value, and it puts the test user back before anything else."
        )

    def _restore(
        self, email: str, user_id: int, custom: dict[str, Any], original: str | None
    ) -> Check:
        """SOE ignores an empty userType, so an empty original is restored by way of Registered
        (which SOE does apply) and then emptied."""
        name = f"e2e: original userType {original or '(empty)'} restored"
        by_hand = (
            f"Restore by hand: in OneLogin set the custom user field {self.shortname!r} of "
            f"{email} (user id {user_id}) to {original!r}"
            if original
            else f"Restore by hand: in OneLogin set the custom user field {self.shortname!r} of "
            f"{email} (user id {user_id}) to Registered, wait until SOE shows userType "
            "Registered, then empty the field"
        )
        expected = original or "Registered"
        try:
            self._set(user_id, custom, expected)
            shown = self._wait_for(email, expected)
            if original is None:
                self._set(user_id, custom, None)
        except SetupError as error:
            # The first line only: the error's own hint ("run again") is the by-hand step's here.
            return Check(name, "fail", f"restoring failed: {error.lines()[0]}", by_hand + ".")
        if shown is None:
            return Check(
                name,
                "fail",
                f"OneLogin is back, but SOE does not show userType {expected} after "
                f"{self.timeout:g} s",
                f"Check provisioning; if SOE still differs, set userType of {email} to "
                f"{expected} in SOE's admin UI.",
            )
        return Check(name, "pass", "restored: OneLogin and SOE are back")
