"""A token rotation's state outside the process: where the replaced token is kept (0600, beside
the file the user configured for the token), where a token can be found again by its fingerprint,
and the journal (ops.journal) that lets `token rotate --resume` / `--rollback` settle a rotation
that stopped. The steps themselves are in ops.rotate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import (
    ConfigError,
    OneLoginError,
    SecretError,
    SetupError,
    UsageError,
)
from onelogin_scim_setup.onelogin.apps import find_app
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops import LOCK_TIMEOUT, SOE_POLL_INTERVAL, SOE_WAIT
from onelogin_scim_setup.ops.journal import ROTATION, Journal, journal, unfinished
from onelogin_scim_setup.ops.prepare import Prepared, read_token
from onelogin_scim_setup.ops.writes.lost import read_back
from onelogin_scim_setup.secrets.redact import is_masked
from onelogin_scim_setup.secrets.sources import deliver_to_file, read_token_from_file
from onelogin_scim_setup.secrets.token import fingerprint, generate_token


class RotationError(SetupError):
    """Rotation stopped part-way; the message names what each side holds."""

    code: ClassVar[str] = "rotation_incomplete"


@dataclass(frozen=True)
class RotateRequest:
    """What `token rotate` was asked: waits in seconds, who sets OneLogin's side, and whether it
    starts a rotation (`mode` "new") or finishes ("resume") or undoes ("rollback") one that stopped."""

    timeout: float = SOE_WAIT
    interval: float = SOE_POLL_INTERVAL
    manual_onelogin: bool = False
    lock_timeout: float = LOCK_TIMEOUT
    mode: Literal["new", "resume", "rollback"] = "new"


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


def delivery_name(config: Config) -> str:
    settings = config.token
    if settings.delivery == "command" and settings.delivery_command:
        return f"the delivery command {settings.delivery_command[0]}"
    return f"the delivery to {settings.delivery_file}"


def rotation_journal(config: Config, lock_dir: Path) -> Journal:
    return journal(
        lock_dir, api_url=config.onelogin.api_url, app_name=config.app.name, kind=ROTATION
    )


def previous_copy(config: Config, book: Journal) -> Path:
    """Where the token being replaced is kept until the new one is proven on both sides, 0600:
    beside the file the user configured for the token (token.file, else token.delivery_file);
    for a token that lives elsewhere (an environment variable, a secret manager the delivery
    command overwrites), beside the rotation's journal in the lock folder, so `--rollback` can
    put it back whatever the source holds by then."""
    settings = config.token
    if settings.source == "file" and settings.file:
        return settings.file.with_name(settings.file.name + ".previous")
    if settings.delivery == "file" and settings.delivery_file:
        return settings.delivery_file.with_name(settings.delivery_file.name + ".previous")
    return book.path.with_name(book.path.name.removesuffix(".json") + ".previous")


def copies_of(
    config: Config, environ: Mapping[str, str], book: Journal
) -> list[tuple[str, Callable[[], str]]]:
    """Every place a token of this config may be found, as (where, read), in the order looked."""
    settings = config.token
    places: list[tuple[str, Callable[[], str]]] = []
    kept = previous_copy(config, book)
    if kept.exists():
        places.append((str(kept), lambda: read_token_from_file(kept)))
    where = {
        "file": f"token.file {settings.file}",
        "env": f"the environment variable {settings.env}",
        "command": "token.command (your secret manager)",
    }[settings.source]
    places.append((where, lambda: read_token(config, environ, required=True) or ""))
    if (
        settings.delivery == "file"
        and settings.delivery_file
        and settings.delivery_file != (settings.file if settings.source == "file" else None)
    ):
        delivered = settings.delivery_file
        places.append((f"token.delivery_file {delivered}", lambda: read_token_from_file(delivered)))
    return places


def find_token(
    config: Config, environ: Mapping[str, str], wanted: str, book: Journal
) -> tuple[str | None, list[str]]:
    """The token whose fingerprint is `wanted`, from the first place that holds it; and what each
    place holds (fingerprints only), for the message when none does."""
    seen = []
    for where, read in copies_of(config, environ, book):
        try:
            token = read()
        except SetupError as error:
            seen.append(f"{where}: {error.message}")
            continue
        if token and fingerprint(token) == wanted:
            return token, seen
        seen.append(f"{where}: {fingerprint(token) if token else 'empty'}")
    return None, seen


def keep_previous(config: Config, old: str | None, book: Journal) -> str:
    """Keep `old` recoverable (see `previous_copy`); where it is, for the journal and reports."""
    if old is None:
        return "nowhere (there was no token before)"
    path = previous_copy(config, book)
    try:
        deliver_to_file(path, old)
    except SecretError as error:
        raise SecretError(
            f"cannot keep the current token {fingerprint(old)} at {path} before rotating: "
            f"{error.message}; nothing was changed",
            hint=error.hint,
        ) from None
    return str(path)


def tokens_for(
    prepared: Prepared,
    environ: Mapping[str, str],
    mode: str,
    record: dict[str, Any] | None,
    book: Journal,
) -> tuple[str | None, str, dict[str, Any] | None]:
    """(the token being replaced, the token installed, the journal record to go on with)."""
    config = prepared.config
    if mode == "new":
        if record is not None:
            raise UsageError(
                unfinished(record) + "; a new rotation now could lose a working token",
                hint="Run `token rotate --resume` to finish it or `token rotate --rollback` to put "
                f"{record.get('from')} back; then rotate again if you still want a new token.",
            )
        return prepared.token, generate_token(), None
    if record is None:
        raise UsageError(
            f"token rotate --{mode}: there is no unfinished rotation to {mode} for this tenant "
            "and app; nothing was changed",
            hint="`token rotate` starts a new one.",
        )
    source, target = str(record.get("from")), str(record.get("to"))
    if mode == "rollback":
        source, target = target, source
    installed, seen = find_token(config, environ, target, book)
    if installed is None:
        raise RotationError(
            f"token rotate --{mode} needs the token {target}, and no copy of it was found: "
            + "; ".join(seen)
            + "; nothing was changed",
            hint=(
                "The new token was never stored: `token rotate --rollback` puts the old one back."
                if mode == "resume"
                else f"Put the token {target} into your token source (or its file), then run "
                "`token rotate --rollback` again; or `token rotate --resume`."
            ),
        )
    replaced, _ = find_token(config, environ, source, book)
    # The journal goes on with the direction of this run; `kept` still says where the token the
    # rotation replaced is, which a rollback installs.
    going_on = {**record, "from": source, "to": target, "mode": mode}
    return replaced, installed, going_on


def discard(config: Config, book: Journal) -> None:
    """A rotation that stopped before its delivery began: its journal and kept copy go (the
    token source still holds the token kept)."""
    book.clear()
    previous_copy(config, book).unlink(missing_ok=True)


def finish(config: Config, book: Journal, record: Mapping[str, Any], *, proven: bool) -> list[str]:
    """The rotation is over: its journal goes. The kept copy of the replaced token goes too once
    both sides are proven to hold the new one; where OneLogin cannot be read back it stays until
    `verify --e2e` proves it."""
    book.clear()
    kept = previous_copy(config, book)
    if not kept.exists():
        return []
    if proven:
        kept.unlink()
        return [f"removed the kept copy {kept} of {record['from']}: both sides hold {record['to']}"]
    return [
        f"kept {kept} (the token {record['from']}) until `verify --e2e` proves OneLogin holds "
        f"{record['to']}; delete it then"
    ]


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
        """The token PUT; after a lost answer, the app read back decides (ops.writes.lost): a token
        OneLogin shows masked cannot be compared, so that outcome is unknown."""
        try:
            self.client.update_app(self.app_id(), {"configuration": {self.key: token}})
        except OneLoginError as error:

            def holds() -> bool | None:
                shown = self.fingerprint()
                if shown is None:
                    raise OneLoginError("OneLogin shows the token masked: it cannot be compared")
                return True if shown == fingerprint(token) else None

            read_back(
                error,
                holds,
                f"the SCIM Bearer Token of {self.config.app.name!r} (OneLogin: Applications > "
                f"{self.config.app.name} > Configuration; `token rotate --resume` sets it again)",
            )

    def fingerprint(self) -> str | None:
        value = (self.client.get_app(self.app_id()).get("configuration") or {}).get(self.key)
        return fingerprint(str(value)) if value and not is_masked(value) else None
