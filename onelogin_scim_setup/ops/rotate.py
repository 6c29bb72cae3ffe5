"""Token rotation: SOE first (and proven on its SCIM endpoint), then OneLogin, then verified.

Between the two writes the sides disagree and provisioning fails, so every failure says exactly which
side holds which fingerprint, and how to finish or roll back. SIGINT and SIGTERM (ops.interrupt) let
the step in flight (a delivery, OneLogin's write) finish, then stop with what was done and not done.

`rotate_token` is the whole command (checks, lock, prompt, the steps, the token source read back);
`Rotation` holds the steps, injected so their order and reports are tested without a network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import (
    ConfigError,
    Interrupted,
    OneLoginError,
    Refused,
    SecretError,
    SetupError,
    UsageError,
)
from onelogin_scim_setup.onelogin.apps import find_app
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.interrupt import deferred
from onelogin_scim_setup.ops.lock import locked
from onelogin_scim_setup.ops.plan import connect
from onelogin_scim_setup.ops.prepare import Prepared, read_token
from onelogin_scim_setup.secrets.delivery import deliver_token
from onelogin_scim_setup.secrets.redact import is_masked
from onelogin_scim_setup.secrets.token import fingerprint, generate_token
from onelogin_scim_setup.soe.client import ProbeResult, open_scim

UNKNOWN = "unknown"


class RotationError(SetupError):
    """Rotation stopped part-way; the message names what each side holds."""

    code: ClassVar[str] = "rotation_incomplete"


@dataclass
class Rotation:
    """The steps, injected so the order and the failure reports can be tested without a network."""

    deliver: Callable[[str], None]  # hand the token to SOE's side (manual wait, command, file)
    probe: Callable[[str], ProbeResult]  # GET /Users?count=1 on SOE with a given token
    set_onelogin: Callable[[str], None] | None  # None: OneLogin's field is a manual step
    read_onelogin: Callable[[], str | None] | None = None  # fingerprint OneLogin holds, if readable
    timeout: float = 120.0
    interval: float = 3.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: list[str] = field(default_factory=list)
    done: list[str] = field(
        default_factory=list
    )  # the steps finished, for an interruption's report

    def steps(self, new: str) -> list[str]:
        new_print = fingerprint(new)
        names = [f"deliver {new_print} to SOE's side", f"SOE accepts {new_print}"]
        if self.set_onelogin is not None:
            names += [f"set OneLogin's SCIM Bearer Token to {new_print}", "verify both sides"]
        return names

    def run(self, old: str | None, new: str) -> list[str]:
        """The steps in order; a signal lets the step in flight finish, then stops with a report."""
        self.done = []
        onelogin_before = UNKNOWN
        try:
            # What OneLogin holds is known only where the API shows the value; otherwise "unknown".
            onelogin_before = self._onelogin_now()
            return self._run(old, new, onelogin_before)
        except Interrupted as stop:
            stop.report.extend(self._stopped(old, new, onelogin_before))
            raise

    def _stopped(self, old: str | None, new: str, onelogin_before: str) -> list[str]:
        """What was done and not done when a signal stopped the rotation, and how to go on."""
        old_print = fingerprint(old) if old else "(none)"
        new_print = fingerprint(new)
        steps = self.steps(new)
        not_done = [step for step in steps if step not in self.done]
        lines = [
            f"token rotate stopped after {len(self.done)} of {len(steps)} steps.",
            f"Done ({len(self.done)}): " + (", ".join(self.done) or "nothing"),
            f"Not done ({len(not_done)}): " + (", ".join(not_done) or "nothing"),
        ]
        if not self.done:
            lines.append("Nothing was changed on either side.")
        elif len(self.done) == 1:
            lines.append(
                f"The delivery target holds {new_print}; whether SOE accepts it was not checked; "
                f"OneLogin was not changed (holds {onelogin_before}). Finish: run `token rotate` "
                f"again. Roll back: put {old_print} back into SOE's side if SOE took the new token."
            )
        elif len(self.done) == 2:
            lines.append(
                f"SOE accepts {new_print} (verified); OneLogin still holds {onelogin_before}, so "
                f"provisioning fails until it holds {new_print}. Finish: set OneLogin's SCIM Bearer "
                "Token to it (`token show --reveal` prints it once your token source holds it), or "
                f"run `token rotate` again. Roll back: put {old_print} back into SOE."
            )
        else:
            lines.append(
                f"Both sides were given {new_print}; it was not read back: `verify --e2e` proves it."
            )
        return lines

    def _run(self, old: str | None, new: str, onelogin_before: str) -> list[str]:
        old_print = fingerprint(old) if old else "(none)"
        new_print = fingerprint(new)
        steps = self.steps(new)
        try:
            # A step that changes a side is never cut: a signal inside it waits for its end.
            with deferred():
                self.deliver(new)
                self.done.append(steps[0])
        except SetupError as error:
            raise RotationError(
                f"delivering the new token {new_print} failed: {error.message}. Nothing was changed: "
                f"SOE holds {self._soe_now(old, new)}, OneLogin holds {onelogin_before}.",
                hint="Fix the delivery (token.delivery in the config) and run `token rotate` again.",
            ) from error
        self.log.append(f"delivered {new_print} to SOE's side")
        if not self._soe_accepts(new, steps[1]):
            raise RotationError(
                f"SOE did not accept the new token {new_print} within {self.timeout:g} s; the "
                f"delivery target holds {new_print}, SOE holds {self._soe_now(old, new)}, and "
                f"OneLogin, not changed, holds {onelogin_before}.",
                hint=f"Finish: enter the token {new_print} in SOE (Admin Settings > SCIM; `token show "
                "--reveal` prints it if your token source now holds it), then `apply` (or set "
                "OneLogin's SCIM Bearer Token by hand) and `verify --e2e`. OneLogin was not changed, "
                f"so nothing needs rolling back there; SOE should still accept {old_print}.",
            )
        self.log.append(f"SOE accepts {new_print} (GET /Users?count=1 answered 200)")
        if self.set_onelogin is None:
            self.log.append(
                f"OneLogin: not changed by the tool (no API key for its SCIM Bearer Token); it holds "
                f"{onelogin_before}. Paste {new_print} now (`token show --reveal`, once your token "
                "source holds it): Apps > your app > Configuration > SCIM Bearer Token, Save; then "
                "`verify --e2e`. Provisioning fails until OneLogin holds it."
            )
            return self.log
        try:
            with deferred():
                self.set_onelogin(new)
                self.done.append(steps[2])
            held = self._onelogin_now()
        except SetupError as error:
            raise RotationError(
                f"setting OneLogin's token failed: {error.message}. SOE holds {new_print} (verified); "
                f"OneLogin holds {onelogin_before}.",
                hint=f"Finish: run `token rotate` again or set OneLogin's SCIM Bearer Token to "
                f"{new_print}; roll back: put {old_print} back into SOE.",
            ) from error
        if held == UNKNOWN:
            self.log.append(
                "OneLogin accepted the write; what it holds cannot be read back (unknown): "
                "`verify --e2e` proves it"
            )
        elif held != new_print:
            raise RotationError(
                f"OneLogin answered the write but holds {held}, not {new_print}; SOE holds {new_print}.",
                hint="Set the SCIM Bearer Token in OneLogin's UI, then `verify --e2e`.",
            )
        else:
            self.log.append(f"OneLogin holds {new_print} (read back)")
        if not self.probe(new).ok:
            raise RotationError(
                f"SOE stopped accepting {new_print} after OneLogin was updated; OneLogin holds {held}.",
                hint="Check SOE's SCIM settings, then `verify`.",
            )
        self.done.append(steps[3])
        if held == UNKNOWN:
            self.log.append(
                f"rotation complete: SOE holds {new_print} (verified); OneLogin: unknown until "
                "`verify --e2e`"
            )
        else:
            self.log.append(f"rotation complete: both sides hold {new_print}")
        return self.log

    def _onelogin_now(self) -> str:
        if self.read_onelogin is None:
            return UNKNOWN
        return self.read_onelogin() or UNKNOWN

    def _soe_now(self, old: str | None, new: str) -> str:
        """SOE shows no token, but its SCIM endpoint says which one it accepts."""
        if self.probe(new).ok:
            return f"{fingerprint(new)} (verified)"
        if old and self.probe(old).ok:
            return f"{fingerprint(old)} (verified)"
        return UNKNOWN

    def _soe_accepts(self, token: str, step: str) -> bool:
        """Poll until SOE accepts `token`. A signal waits for the probe in flight, so an answer that
        proved the token is in the report; during the pause between probes it stops at once."""
        deadline = self.clock() + self.timeout
        while True:
            with deferred():
                if self.probe(token).ok:
                    self.done.append(step)
                    return True
            if self.clock() >= deadline:
                return False
            self.sleep(self.interval)


@dataclass(frozen=True)
class RotateRequest:
    """What `token rotate` was asked: waits in seconds, and who sets OneLogin's side."""

    timeout: float = 120.0
    interval: float = 3.0
    manual_onelogin: bool = False
    lock_timeout: float = 300.0


@dataclass(frozen=True)
class Rotated:
    lines: list[str]  # what each step did, in order
    new_fingerprint: str
    stored: bool  # the configured token source already holds the new token
    source: str  # token.source, for the reminder when it does not


def check_rotatable(config: Config, request: RotateRequest, *, can_ask: bool) -> None:
    """Everything that would stop a rotation half-way, refused before anything changes."""
    if config.token.delivery == "manual":
        raise ConfigError(
            "token rotate needs token.delivery: command or file, so the new token is stored "
            "somewhere before anything changes",
            hint="Or rotate by hand: `token generate --reveal`, paste it into SOE and OneLogin, "
            "store it in your token source, then `verify --e2e`.",
        )
    if not config.app.configuration_keys.bearer_token and not request.manual_onelogin:
        # Refused before SOE is touched: half a rotation breaks provisioning until someone finishes.
        raise UsageError(
            "token rotate cannot set OneLogin's SCIM Bearer Token: app.configuration_keys."
            "bearer_token is not set, so that half is done by hand; nothing was changed",
            hint="Pass --manual-onelogin if you will paste the new token into OneLogin right after "
            "SOE accepts it, or set app.configuration_keys.bearer_token (see `discover`).",
        )
    if not can_ask:
        raise UsageError(
            "token rotate needs confirmation but standard input is not a terminal",
            hint="Run it on a terminal, or pass --auto-approve (as CI does).",
        )


def rotate_token(
    prepared: Prepared,
    environ: Mapping[str, str],
    request: RotateRequest,
    *,
    lock_dir: Path,
    confirm: Callable[[str], bool] | None,
    can_ask: bool = True,
    on_wait: Callable[[str], None] | None = None,
) -> Rotated:
    """`token rotate`: checks first, then under the apply lock: OneLogin's app found, the question
    asked (`confirm`, None: approved; `can_ask` False refuses a rotation that needs one), a new
    token, the steps; finally whether the token source holds the new token."""
    config = prepared.config
    check_rotatable(config, request, can_ask=can_ask or confirm is None)
    started = False  # from here on, Rotation.run reports what an interruption left done
    try:
        with (
            locked(prepared, lock_dir, timeout=request.lock_timeout, on_wait=on_wait),
            connect(prepared, environ) as client,
        ):
            onelogin = _ready(client, config, confirm)
            new = generate_token()
            prepared.redactor.add(new)
            with open_scim(config.soe, new) as scim:
                rotation = Rotation(
                    deliver=lambda token: deliver_token(config, token),
                    probe=scim.probe_with_token,
                    set_onelogin=onelogin.set if onelogin else None,
                    read_onelogin=onelogin.fingerprint if onelogin else None,
                    timeout=request.timeout,
                    interval=request.interval,
                )
                started = True
                lines = rotation.run(prepared.token, new)
    except Interrupted as stop:
        if not started:  # waiting for the lock, reading OneLogin, or at the prompt
            stop.report.append("Nothing was changed on either side.")
        raise
    stored = read_token(config, environ, required=False) == new
    return Rotated(lines, fingerprint(new), stored, config.token.source)


def _ready(
    client: OneLoginClient, config: Config, confirm: Callable[[str], bool] | None
) -> OneLoginToken | None:
    """OneLogin's side (None: set by hand) with its app found, and the question asked, before
    anything changes."""
    onelogin = OneLoginToken(client, config) if config.app.configuration_keys.bearer_token else None
    if onelogin:
        onelogin.app_id()  # credentials and the app are checked before anything changes
    question = (
        "Rotate the SCIM token? SOE gets the new token first, then OneLogin"
        + (" (by you)" if onelogin is None else "")
        + "; provisioning fails until both hold it."
    )
    if confirm is not None and not confirm(question):
        raise Refused("token rotate cancelled; nothing was changed")
    return onelogin


class OneLoginToken:
    """The app's SCIM Bearer Token through the `configuration` key the config names (see discover)."""

    def __init__(self, client: OneLoginClient, config: Config):
        key = config.app.configuration_keys.bearer_token
        if not key:
            raise SecretError("app.configuration_keys.bearer_token is not set")
        self.client, self.config, self.key = client, config, key
        self._app_id: int | None = None

    def app_id(self) -> int:
        if self._app_id is None:
            _, app, _ = find_app(self.client, self.config.app.name, self.config.app.connector)
            if app is None:
                raise OneLoginError(
                    f"the app {self.config.app.name!r} does not exist; run apply first"
                )
            self._app_id = int(app["id"])
        return self._app_id

    def set(self, token: str) -> None:
        self.client.update_app(self.app_id(), {"configuration": {self.key: token}})

    def fingerprint(self) -> str | None:
        value = (self.client.get_app(self.app_id()).get("configuration") or {}).get(self.key)
        return fingerprint(str(value)) if value and not is_masked(value) else None
