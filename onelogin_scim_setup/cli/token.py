"""`token` commands: the shared SCIM bearer token's life. Shown in clear only with --reveal."""

import sys
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import (
    INTERVAL_SECONDS,
    LOCK_SECONDS,
    WAIT_SECONDS,
    LockTimeoutOption,
    prepare,
    state_of,
    within,
)
from onelogin_scim_setup.cli.helptext import examples
from onelogin_scim_setup.cli.options import GlobalCommand, GlobalGroup

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
    from onelogin_scim_setup.secrets.token import fingerprint

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
    from onelogin_scim_setup.secrets.token import generate_token

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
    from onelogin_scim_setup.secrets.token import fingerprint

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
    from onelogin_scim_setup.checks.rotate import RotateRequest, rotate_token
    from onelogin_scim_setup.engine.lock import default_lock_dir
    from onelogin_scim_setup.render.token import render_rotation

    state = state_of(ctx)
    request = RotateRequest(
        timeout=within("--timeout", timeout, WAIT_SECONDS),
        interval=within("--interval", interval, INTERVAL_SECONDS),
        manual_onelogin=manual_onelogin,
        lock_timeout=within("--lock-timeout", lock_timeout, LOCK_SECONDS),
    )
    rotated = rotate_token(
        prepare(state),
        state.environ,
        request,
        lock_dir=default_lock_dir(state.environ),
        confirm=None if auto_approve else _ask,
        can_ask=sys.stdin.isatty(),
        on_wait=state.out.note,
    )
    render_rotation(state.out, rotated)


def _ask(question: str) -> bool:
    from onelogin_scim_setup.cli.prompt import confirm

    return confirm(question)
