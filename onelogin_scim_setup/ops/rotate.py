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
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import (
    Interrupted,
    Refused,
    SetupError,
)
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops import SOE_POLL_INTERVAL, SOE_WAIT
from onelogin_scim_setup.ops.interrupt import deferred
from onelogin_scim_setup.ops.lock import locked
from onelogin_scim_setup.ops.plan import connect
from onelogin_scim_setup.ops.prepare import Prepared, read_token, reread_token
from onelogin_scim_setup.ops.rotation_state import (
    OneLoginToken,
    RotateRequest,
    RotationError,
    check_rotatable,
    delivery_name,
    discard,
    finish,
    keep_previous,
    rotation_journal,
    tokens_for,
)
from onelogin_scim_setup.ops.writes.lost import UnknownOutcome
from onelogin_scim_setup.secrets.sources import deliver_token
from onelogin_scim_setup.secrets.token import fingerprint
from onelogin_scim_setup.soe.client import ProbeResult, open_scim

UNKNOWN = "unknown"


@dataclass
class Rotation:
    """The steps, injected so the order and the failure reports can be tested without a network.

    `run(old, new)` installs `new` on both sides; a rollback is the same steps with the tokens
    swapped. `record(step)` is told before each step (the journal); `on_step` gets one line per
    step as it starts and `on_wait(elapsed, timeout)` each poll while SOE is awaited (progress).
    """

    deliver: Callable[[str], None]  # hand the token to SOE's side (manual wait, command, file)
    probe: Callable[[str], ProbeResult]  # GET /Users?count=1 on SOE with a given token
    set_onelogin: Callable[[str], None] | None  # None: OneLogin's field is a manual step
    read_onelogin: Callable[[], str | None] | None = None  # fingerprint OneLogin holds, if readable
    timeout: float = SOE_WAIT
    interval: float = SOE_POLL_INTERVAL
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    log: list[str] = field(default_factory=list)
    done: list[str] = field(
        default_factory=list
    )  # the steps finished, for an interruption's report
    record: Callable[[str], None] | None = None
    on_step: Callable[[str], None] | None = None
    on_wait: Callable[[float, float], None] | None = None
    delivered_how: str = "the configured delivery"
    # The delivery failed or was cut: what it did on SOE's side is unknown until checked.
    delivery_failure: str | None = None

    def steps(self, new: str) -> list[str]:
        new_print = fingerprint(new)
        names = [f"deliver {new_print} to SOE's side", f"SOE accepts {new_print}"]
        if self.set_onelogin is not None:
            names += [f"set OneLogin's SCIM Bearer Token to {new_print}", "verify both sides"]
        return names

    def run(self, old: str | None, new: str) -> list[str]:
        """The steps in order; a signal lets the step in flight finish, then stops with a report."""
        self.done = []
        self.delivery_failure = None
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
        if self.delivery_failure is not None:
            lines.append(
                f"Delivery of {new_print}: unknown: check. {self.delivered_how} did not finish "
                f"cleanly ({self.delivery_failure}), so what it changed on SOE's side and in your "
                f"token source is unknown. OneLogin was not changed (holds {onelogin_before}). "
                f"{_NEXT.format(new=new_print, old=old_print)}"
            )
        elif not self.done:
            lines.append("Nothing was changed on either side.")
        elif len(self.done) == 1:
            lines.append(
                f"The delivery target holds {new_print}; whether SOE accepts it was not checked; "
                f"OneLogin was not changed (holds {onelogin_before}). "
                + _NEXT.format(new=new_print, old=old_print)
            )
        elif len(self.done) == 2:
            lines.append(
                f"SOE accepts {new_print} (verified); OneLogin still holds {onelogin_before}, so "
                f"provisioning fails until it holds {new_print}. "
                + _NEXT.format(new=new_print, old=old_print)
            )
        else:
            lines.append(
                f"Both sides were given {new_print}; it was not read back: `verify --e2e` proves "
                "it. " + _NEXT.format(new=new_print, old=old_print)
            )
        return lines

    def _step(self, name: str, line: str) -> None:
        if self.record is not None:
            self.record(name)
        if self.on_step is not None:
            self.on_step(line)

    def _run(self, old: str | None, new: str, onelogin_before: str) -> list[str]:
        old_print = fingerprint(old) if old else "(none)"
        new_print = fingerprint(new)
        steps = self.steps(new)
        nxt = _NEXT.format(new=new_print, old=old_print)
        self._step("deliver", f"{steps[0]}: running {self.delivered_how} ...")
        failure: SetupError | None = None
        # A step that changes a side is never cut: a signal inside it waits for its end (and the
        # delivery command runs in its own session, so a Ctrl-C on the terminal does not kill it).
        with deferred():
            try:
                self.deliver(new)
            except SetupError as error:
                failure = error
                self.delivery_failure = error.message
            else:
                self.done.append(steps[0])
        if failure is not None:
            raise RotationError(
                f"delivering the new token {new_print} failed: {failure.message}. What "
                f"{self.delivered_how} did is unknown: check. SOE now accepts "
                f"{self._soe_now(old, new)}; OneLogin, not changed, holds {onelogin_before}.",
                hint="Fix the delivery (token.delivery in the config). " + nxt,
            ) from failure
        self.log.append(f"delivered {new_print} to SOE's side")
        self._step(
            "wait-soe",
            f"{steps[1]}: waiting up to {self.timeout:g} s for SOE's SCIM endpoint to accept it "
            f"(GET /Users?count=1 every {self.interval:g} s) ...",
        )
        if not self._soe_accepts(new, steps[1]):
            raise RotationError(
                f"SOE did not accept the new token {new_print} within {self.timeout:g} s; the "
                f"delivery target holds {new_print}, SOE accepts {self._soe_now(old, new)}, and "
                f"OneLogin, not changed, holds {onelogin_before}.",
                hint=f"Enter {new_print} in SOE (Admin Settings > SCIM; `token show --reveal` "
                "prints it if your token source holds it). " + nxt,
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
        self._step("set-onelogin", f"{steps[2]} ...")
        try:
            with deferred():
                self.set_onelogin(new)
                self.done.append(steps[2])
            held = self._onelogin_now()
        except SetupError as error:
            # A lost answer that could not be read back (ops.writes.lost): OneLogin may hold either.
            holds = UNKNOWN if isinstance(error, UnknownOutcome) else onelogin_before
            raise RotationError(
                f"setting OneLogin's token failed: {error.message}. SOE accepts {new_print} "
                f"(verified); OneLogin holds {holds}.",
                hint=nxt,
            ) from error
        if held == UNKNOWN:
            self.log.append(
                "OneLogin accepted the write; what it holds cannot be read back (unknown): "
                "`verify --e2e` proves it"
            )
        elif held != new_print:
            raise RotationError(
                f"OneLogin answered the write but holds {held}, not {new_print}; SOE accepts "
                f"{new_print}.",
                hint="Set the SCIM Bearer Token in OneLogin's UI, then `verify --e2e`. " + nxt,
            )
        else:
            self.log.append(f"OneLogin holds {new_print} (read back)")
        self._step("verify", f"{steps[3]}: SOE accepts {new_print} once more ...")
        if not self.probe(new).ok:
            raise RotationError(
                f"SOE stopped accepting {new_print} after OneLogin was updated; OneLogin holds {held}.",
                hint="Check SOE's SCIM settings. " + nxt,
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
        started = self.clock()
        deadline = started + self.timeout
        while True:
            with deferred():
                if self.probe(token).ok:
                    self.done.append(step)
                    return True
            now = self.clock()
            if now >= deadline:
                return False
            if self.on_wait is not None:
                self.on_wait(now - started, self.timeout)
            self.sleep(self.interval)


# How to go on from a rotation that stopped: its journal (ops.journal) keeps both fingerprints.
_NEXT = (
    "Finish: `token rotate --resume` (installs {new} on both sides); undo: `token rotate "
    "--rollback` (puts {old} back on both sides)."
)


@dataclass(frozen=True)
class Rotated:
    lines: list[str]  # what each step did, in order
    new_fingerprint: str
    stored: bool  # the configured token source already holds the new token
    source: str  # token.source, for the reminder when it does not


def rotate_token(
    prepared: Prepared,
    environ: Mapping[str, str],
    request: RotateRequest,
    *,
    lock_dir: Path,
    confirm: Callable[[str], bool] | None,
    can_ask: bool = True,
    on_wait: Callable[[str], None] | None = None,
    on_step: Callable[[str], None] | None = None,
    on_poll: Callable[[float, float], None] | None = None,
) -> Rotated:
    """`token rotate`: checks first, then under the apply lock: the token read again, the journal
    looked at, OneLogin's app found, the question asked (`confirm`, None: approved; `can_ask`
    False refuses a rotation that needs one), the steps; finally whether the token source holds
    the new token.

    Before anything changes the current token is kept (`keep_previous`) and a journal (no secret,
    ops.journal) records both fingerprints and each step. A rotation that stopped leaves it:
    `mode="resume"` installs its new token, `mode="rollback"` puts the old one back, each with the
    same steps, and a plain rotation refuses until one of them is done (docs/rotation.md)."""
    config = prepared.config
    check_rotatable(config, request, can_ask=can_ask or confirm is None)
    started = False  # from here on, Rotation.run reports what an interruption left done
    opened = False  # this run wrote a new journal (removed again if it stops before any step)
    book = rotation_journal(config, lock_dir)
    try:
        with (
            locked(prepared, lock_dir, timeout=request.lock_timeout, on_wait=on_wait),
            connect(prepared, environ) as client,
        ):
            # Under the lock: a rotation that held it while this one waited replaced the token.
            prepared = reread_token(prepared, environ)
            record = book.read()
            old, new, record = tokens_for(prepared, environ, request.mode, record, book)
            onelogin = _ready(client, config, confirm, request.mode)
            if record is None:
                opened = True
                record = {
                    "from": fingerprint(old) if old else "(none)",
                    "to": fingerprint(new),
                    "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "delivery": config.token.delivery
                    + (f" to {config.token.delivery_file}" if config.token.delivery_file else ""),
                    "step": "keep",
                }
                book.write(record)
                record["kept"] = f"{record['from']} at {keep_previous(config, old, book)}"
                book.write(record)
            prepared.redactor.add(new)
            going: dict[str, Any] = record

            def step(name: str) -> None:
                going["step"] = name
                book.write(going)

            with open_scim(config.soe, new) as scim:
                rotation = Rotation(
                    deliver=lambda token: deliver_token(config, token),
                    probe=scim.probe_with_token,
                    set_onelogin=onelogin.set if onelogin else None,
                    read_onelogin=onelogin.fingerprint if onelogin else None,
                    timeout=request.timeout,
                    interval=request.interval,
                    record=step,
                    on_step=on_step,
                    on_wait=on_poll,
                    delivered_how=delivery_name(config),
                )
                started = True
                try:
                    lines = rotation.run(old, new)
                except RotationError as error:
                    error.message += f" The rotation's journal is {book.path}."
                    raise
                except Interrupted as stop:
                    if not rotation.done and rotation.delivery_failure is None and opened:
                        # Stopped before the delivery began: nothing to resume or roll back.
                        discard(config, book)
                    else:
                        stop.report.append(
                            f"The rotation's journal is {book.path}; the old token is kept: "
                            f"{record.get('kept')}."
                        )
                    raise
            proven = bool(rotation.log) and rotation.log[-1].endswith(
                f"both sides hold {record['to']}"
            )
            lines += finish(config, book, record, proven=proven)
    except Interrupted as stop:
        if not started:  # waiting for the lock, reading OneLogin, or at the prompt
            stop.report.append("Nothing was changed on either side.")
            if opened:
                discard(config, book)
        raise
    except SetupError:
        if not started and opened:  # e.g. the old token could not be kept: nothing to settle
            discard(config, book)
        raise
    stored = read_token(config, environ, required=False) == new
    return Rotated(lines, fingerprint(new), stored, config.token.source)


def _ready(
    client: OneLoginClient,
    config: Config,
    confirm: Callable[[str], bool] | None,
    mode: str = "new",
) -> OneLoginToken | None:
    """OneLogin's side (None: set by hand) with its app found, and the question asked, before
    anything changes."""
    onelogin = OneLoginToken(client, config) if config.app.configuration_keys.bearer_token else None
    if onelogin:
        onelogin.app_id()  # credentials and the app are checked before anything changes
    question = (
        {"new": "Rotate the SCIM token?", "resume": "Finish the stopped token rotation?"}.get(
            mode, "Roll the stopped token rotation back to the old token?"
        )
        + " SOE gets the token first, then OneLogin"
        + (" (by you)" if onelogin is None else "")
        + "; provisioning fails until both hold it."
    )
    if confirm is not None and not confirm(question):
        raise Refused("token rotate cancelled; nothing was changed")
    return onelogin
