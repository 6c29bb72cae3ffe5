"""Token rotation: SOE first (and proven on its SCIM endpoint), then OneLogin, then verified.

Between the two writes the sides disagree and provisioning fails, so every failure says exactly which
side holds which fingerprint, and how to finish or roll back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import OneLoginError, SecretError, SetupError
from onelogin_scim_setup.onelogin.apps import find_app
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.secrets.redact import is_masked
from onelogin_scim_setup.secrets.token import fingerprint
from onelogin_scim_setup.soe.client import ProbeResult

UNKNOWN = "unknown"


class RotationError(SetupError):
    """Rotation stopped part-way; the message names what each side holds."""


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

    def run(self, old: str | None, new: str) -> list[str]:
        old_print = fingerprint(old) if old else "(none)"
        new_print = fingerprint(new)
        # What OneLogin holds is known only where the API shows the value; otherwise "unknown".
        onelogin_before = self._onelogin_now()
        try:
            self.deliver(new)
        except SetupError as error:
            raise RotationError(
                f"delivering the new token {new_print} failed: {error.message}. Nothing was changed: "
                f"SOE holds {self._soe_now(old, new)}, OneLogin holds {onelogin_before}.",
                hint="Fix the delivery (token.delivery in the config) and run `token rotate` again.",
            ) from error
        self.log.append(f"delivered {new_print} to SOE's side")
        if not self._soe_accepts(new):
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
            self.set_onelogin(new)
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

    def _soe_accepts(self, token: str) -> bool:
        deadline = self.clock() + self.timeout
        while not self.probe(token).ok:
            if self.clock() >= deadline:
                return False
            self.sleep(self.interval)
        return True


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
