"""`token` commands: the shared SCIM bearer token's life. Shown in clear only with --reveal."""

import sys
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import (
    INTERVAL_SECONDS,
    LOCK_SECONDS,
    WAIT_SECONDS,
    LockTimeoutOption,
    is_terminal,
    state_of,
    stdin_is_terminal,
    within,
)
from onelogin_scim_setup.cli.helptext import examples
from onelogin_scim_setup.cli.options import GlobalCommand, GlobalGroup
from onelogin_scim_setup.ops import LOCK_TIMEOUT, SOE_POLL_INTERVAL, SOE_WAIT

token_app = typer.Typer(
    cls=GlobalGroup,
    help="Generate, show, deliver and rotate the SCIM bearer token.",
    epilog=examples("token"),
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
    if is_terminal(sys.stdout):
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
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.secrets.token import generate_token

    token = generate_token()
    state = state_of(ctx)
    state.redactor.add(token)
    if deliver:
        prepared = prepare(
            state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
        )
        from onelogin_scim_setup.secrets.sources import deliver_token

        deliver_token(prepared.config, token)
        state.out.note(f"Delivered by token.delivery = {prepared.config.token.delivery}.")
    elif not reveal:
        state.out.note("Nothing keeps this token: use --reveal to copy it, or --deliver.")
    _show(ctx, token, reveal, "new token")


@token_app.command(cls=GlobalCommand, epilog=examples("show"))
def show(ctx: typer.Context, reveal: RevealOption = False) -> None:
    """Show the configured token's fingerprint (and, with --reveal, the token for pasting)."""
    from onelogin_scim_setup.ops.prepare import prepare

    state = state_of(ctx)
    prepared = prepare(
        state.config_path,
        state.environ,
        redactor=state.redactor,
        on_warning=state.out.warn,
        token_required=True,
    )
    _show(ctx, prepared.require_token(), reveal, f"token from {prepared.config.token.source}")


@token_app.command(cls=GlobalCommand, epilog=examples("deliver"))
def deliver(ctx: typer.Context) -> None:
    """Hand the configured token to SOE's side (token.delivery: command or file)."""
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.secrets.sources import deliver_token
    from onelogin_scim_setup.secrets.token import fingerprint

    state = state_of(ctx)
    prepared = prepare(
        state.config_path,
        state.environ,
        redactor=state.redactor,
        on_warning=state.out.warn,
        token_required=True,
    )
    token = prepared.require_token()
    deliver_token(prepared.config, token)
    state.out.text(f"Delivered {fingerprint(token)} by {prepared.config.token.delivery}.")


@token_app.command(cls=GlobalCommand, epilog=examples("rotate"))
def rotate(
    ctx: typer.Context,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for SOE to accept the new token.")
    ] = SOE_WAIT,
    interval: Annotated[
        float, typer.Option(help="Seconds between SOE checks.")
    ] = SOE_POLL_INTERVAL,
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
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Finish a rotation that stopped (timeout, signal, crash): install its new token "
            "on both sides, from where the rotation's journal says it is.",
        ),
    ] = False,
    rollback: Annotated[
        bool,
        typer.Option(
            "--rollback",
            help="Undo a rotation that stopped: put its old token back on both sides.",
        ),
    ] = False,
) -> None:
    """New token: delivered to SOE and proven there first, then set on OneLogin, then verified.

    The old token is kept (0600, beside your token file) and a journal records each step until
    both sides hold the new one; a rotation that stopped is finished with --resume or undone with
    --rollback."""
    from onelogin_scim_setup.errors import UsageError
    from onelogin_scim_setup.ops.lock import default_lock_dir
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.ops.rotate import rotate_token
    from onelogin_scim_setup.ops.rotation_state import RotateRequest
    from onelogin_scim_setup.render.token import RotationProgress, render_rotation

    if resume and rollback:
        raise UsageError("token rotate: give --resume or --rollback, not both")
    state = state_of(ctx)
    request = RotateRequest(
        timeout=within("--timeout", timeout, WAIT_SECONDS),
        interval=within("--interval", interval, INTERVAL_SECONDS),
        manual_onelogin=manual_onelogin,
        lock_timeout=within("--lock-timeout", lock_timeout, LOCK_SECONDS),
        mode="resume" if resume else "rollback" if rollback else "new",
    )
    progress = RotationProgress(state.out)
    try:
        rotated = rotate_token(
            prepare(
                state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
            ),
            state.environ,
            request,
            lock_dir=default_lock_dir(state.environ),
            confirm=None if auto_approve else _ask,
            can_ask=auto_approve or stdin_is_terminal(),
            on_wait=state.out.note,
            on_step=progress.step,
            on_poll=progress.waiting,
        )
    finally:
        progress.stop()
    render_rotation(state.out, rotated)


def _ask(question: str) -> bool:
    from onelogin_scim_setup.cli.prompt import confirm

    return confirm(question)
