"""`token` commands: the shared SCIM bearer token's life. Shown in clear only with --reveal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import (
    INTERVAL_SECONDS,
    WAIT_SECONDS,
    LockTimeoutOption,
    apply_lock,
    prepare,
    state_of,
    within,
)
from onelogin_scim_setup.cli.helptext import examples
from onelogin_scim_setup.cli.options import GlobalCommand, GlobalGroup
from onelogin_scim_setup.errors import ConfigError, Refused, UsageError
from onelogin_scim_setup.secrets.token import fingerprint, generate_token

token_app = typer.Typer(
    cls=GlobalGroup,
    help="Generate, show, deliver and rotate the SCIM bearer token.",
    no_args_is_help=True,
)

RevealOption = Annotated[
    bool, typer.Option("--reveal", help="Print the token itself (it is a secret).")
]


def _show(ctx: typer.Context, token: str, reveal: bool, label: str) -> None:
    """--reveal: stdout is exactly the token and a newline (for `$(...)`); words go to stderr."""
    out = state_of(ctx).out
    if reveal:
        out.note(f"{label}: {fingerprint(token)}")
        out.stdout.file.write(token + "\n")
        out.stdout.file.flush()
        return
    out.text(f"{label}: {fingerprint(token)}")
    if sys.stdout.isatty():
        out.note("The token itself is shown only with --reveal.")


@token_app.command(cls=GlobalCommand, epilog=examples("generate"))
def generate(
    ctx: typer.Context,
    reveal: RevealOption = False,
    deliver: Annotated[
        bool, typer.Option("--deliver", help="Hand it to the configured delivery.")
    ] = False,
) -> None:
    """Make a new token: 384 bits from the operating system's CSPRNG, URL-safe."""
    token = generate_token()
    state = state_of(ctx)
    state.redactor.add(token)
    if deliver:
        prepared = prepare(state)
        from onelogin_scim_setup.secrets.delivery import deliver_token

        deliver_token(prepared.config, token)
        state.out.note(f"Delivered by token.delivery = {prepared.config.token.delivery}.")
    elif not reveal:
        state.out.note("Nothing keeps this token: use --reveal to copy it, or --deliver.")
    _show(ctx, token, reveal, "new token")


@token_app.command(cls=GlobalCommand, epilog=examples("show"))
def show(ctx: typer.Context, reveal: RevealOption = False) -> None:
    """Show the configured token's fingerprint (and, with --reveal, the token for pasting)."""
    prepared = prepare(state_of(ctx), token_required=True)
    _show(ctx, prepared.require_token(), reveal, f"token from {prepared.config.token.source}")


@token_app.command(cls=GlobalCommand, epilog=examples("deliver"))
def deliver(ctx: typer.Context) -> None:
    """Hand the configured token to SOE's side (token.delivery: command or file)."""
    from onelogin_scim_setup.secrets.delivery import deliver_token

    state = state_of(ctx)
    prepared = prepare(state, token_required=True)
    token = prepared.require_token()
    deliver_token(prepared.config, token)
    state.out.text(f"Delivered {fingerprint(token)} by {prepared.config.token.delivery}.")


@token_app.command(cls=GlobalCommand, epilog=examples("rotate"))
def rotate(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for SOE to accept the new token.")
    ] = 120.0,
    interval: Annotated[float, typer.Option(help="Seconds between SOE checks.")] = 3.0,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask (for CI).")
    ] = False,
    manual_onelogin: Annotated[
        bool,
        typer.Option(
            "--manual-onelogin",
            help="OneLogin's SCIM Bearer Token has no API key configured: you will paste the new "
            "token there yourself once SOE accepts it.",
        ),
    ] = False,
    lock_timeout: LockTimeoutOption = 300.0,
) -> None:
    """New token: delivered to SOE and proven there first, then set on OneLogin, then verified."""
    from onelogin_scim_setup.checks.rotate import OneLoginToken, Rotation
    from onelogin_scim_setup.engine.prepare import read_token
    from onelogin_scim_setup.engine.run import connect
    from onelogin_scim_setup.secrets.delivery import deliver_token
    from onelogin_scim_setup.soe.client import open_scim

    state = state_of(ctx)
    timeout = within("--timeout", timeout, WAIT_SECONDS)
    interval = within("--interval", interval, INTERVAL_SECONDS)
    prepared = prepare(state)
    config = prepared.config
    if config.token.delivery == "manual":
        raise ConfigError(
            "token rotate needs token.delivery: command or file, so the new token is stored "
            "somewhere before anything changes",
            hint="Or rotate by hand: `token generate --reveal`, paste it into SOE and OneLogin, "
            "store it in your token source, then `verify --e2e`.",
        )
    keys = config.app.configuration_keys
    if not keys.bearer_token and not manual_onelogin:
        # Refused before SOE is touched: half a rotation breaks provisioning until someone finishes.
        raise UsageError(
            "token rotate cannot set OneLogin's SCIM Bearer Token: app.configuration_keys."
            "bearer_token is not set, so that half is done by hand; nothing was changed",
            hint="Pass --manual-onelogin if you will paste the new token into OneLogin right after "
            "SOE accepts it, or set app.configuration_keys.bearer_token (see `discover`).",
        )
    if not auto_approve and not sys.stdin.isatty():
        raise UsageError(
            "token rotate needs confirmation but standard input is not a terminal",
            hint="Run it on a terminal, or pass --auto-approve (as CI does).",
        )
    with apply_lock(state, prepared, lock_timeout), connect(prepared, state.environ) as client:
        onelogin = OneLoginToken(client, config) if keys.bearer_token else None
        if onelogin:
            onelogin.app_id()  # credentials and the app are checked before anything changes
        if not auto_approve and not typer.confirm(
            "Rotate the SCIM token? SOE gets the new token first, then OneLogin"
            + (" (by you)" if onelogin is None else "")
            + "; provisioning fails until both hold it.",
            default=False,
        ):
            raise Refused("token rotate cancelled; nothing was changed")
        new = generate_token()
        state.redactor.add(new)
        with open_scim(config.soe, new) as scim:
            rotation = Rotation(
                deliver=lambda token: deliver_token(config, token),
                probe=scim.probe_with_token,
                set_onelogin=onelogin.set if onelogin else None,
                read_onelogin=onelogin.fingerprint if onelogin else None,
                timeout=timeout,
                interval=interval,
            )
            for line in rotation.run(prepared.token, new):
                state.out.text(line)
    stored = read_token(config, state.environ, required=False)
    if stored != new:
        state.out.note(
            f"Warning: your token source (token.source = {config.token.source}) does not hold the new "
            f"token {fingerprint(new)} yet; store it there before the next run."
        )
