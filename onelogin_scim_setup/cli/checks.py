"""Commands that observe: verify, discover, doctor, runbook."""

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from onelogin_scim_setup.cli.context import (
    INTERVAL_SECONDS,
    LOCK_SECONDS,
    WAIT_SECONDS,
    LockTimeoutOption,
    OutputOption,
    is_terminal,
    state_of,
    within,
)
from onelogin_scim_setup.errors import ExitCode, OneLoginError, UsageError
from onelogin_scim_setup.ops import LOCK_TIMEOUT, SOE_POLL_INTERVAL, SOE_WAIT


def verify(
    ctx: typer.Context,
    output: OutputOption = "text",
    e2e: Annotated[
        bool, typer.Option("--e2e", help="Round trip a userType change to SOE and back.")
    ] = False,
    test_user: Annotated[
        str | None, typer.Option("--test-user", help="Email of the --e2e test user.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds --e2e waits for SOE.")] = SOE_WAIT,
    interval: Annotated[float, typer.Option(help="Seconds between SOE polls.")] = SOE_POLL_INTERVAL,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
) -> None:
    """Check both sides and report each finding with a fix; exit 0 only when all pass."""
    from onelogin_scim_setup.ops.check import passed
    from onelogin_scim_setup.ops.lock import default_lock_dir
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.ops.verify import verify_tenant
    from onelogin_scim_setup.render.checks import render_check, render_verified

    state = state_of(ctx)
    out = state.use_output(output)
    timeout = within("--timeout", timeout, WAIT_SECONDS)
    interval = within("--interval", interval, INTERVAL_SECONDS)
    if e2e and not test_user:
        raise UsageError("--e2e needs --test-user EMAIL (a user assigned to the app)")
    prepared = prepare(
        state.config_path,
        state.environ,
        redactor=state.redactor,
        on_warning=state.out.warn,
        token_required=True,
    )
    with out.status("Checking OneLogin and SOE..."):
        checks = verify_tenant(
            prepared,
            state.environ,
            test_user=test_user if e2e else None,
            timeout=timeout,
            interval=interval,
            # Text streams each check as it completes; JSON is one document, written at the end.
            on_check=None if out.json else lambda check: render_check(out, check),
            on_wait=out.note if is_terminal(sys.stderr) else None,
            # --e2e writes a test user: it takes apply's lock, and keeps its journal beside it.
            lock_dir=default_lock_dir(state.environ),
            lock_timeout=within("--lock-timeout", lock_timeout, LOCK_SECONDS),
            on_lock_wait=out.note,
        )
    render_verified(out, checks)
    if not passed(checks):
        raise typer.Exit(ExitCode.ERROR)


DiscoverOutput = Annotated[
    Literal["text", "json", "yaml"],
    typer.Option("--output", "-o", help="text for people; json or yaml for programs."),
]


def discover(ctx: typer.Context, output: DiscoverOutput = "text") -> None:
    """Print the app's configuration keys, parameters and provisioning state (secrets masked)."""
    from onelogin_scim_setup.onelogin.apps import describe_app, find_app
    from onelogin_scim_setup.onelogin.vocabulary import describe_vocabulary
    from onelogin_scim_setup.ops.plan import connect
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.render.discover import render_discovered

    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(
        state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
    )
    config = prepared.config
    with out.status("Reading OneLogin..."), connect(prepared, state.environ) as client:
        _, app, _ = find_app(client, config.app.name, config.app.connector)
        if app is None:
            raise OneLoginError(
                f"no app named {config.app.name!r} on connector {config.app.connector!r}",
                hint="Run apply first, or set app.name to the app's exact display name.",
            )
        raw = client.get_app(int(app["id"]))
        # Every secret the run knows by now: the config's, the SCIM token, the access token.
        described = describe_app(raw, [*prepared.secrets, *state.redactor.secrets])
        user_type = config.fields.user_type
        if user_type.enabled:
            explicit = (
                {user_type.shortname: user_type.mapping_action} if user_type.mapping_action else {}
            )
            described.update(describe_vocabulary(client, [user_type.shortname], explicit))
    render_discovered(out, described, output)


def doctor(ctx: typer.Context, output: OutputOption = "text") -> None:
    """Ask OneLogin every uncertain fact it can answer, and say what the tool will do (read-only)."""
    from onelogin_scim_setup.ops.doctor import diagnose
    from onelogin_scim_setup.ops.plan import connect
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.render.doctor import render_doctor

    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(
        state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
    )
    with out.status("Asking OneLogin..."), connect(prepared, state.environ) as client:
        diagnosis = diagnose(client, prepared.config)
    render_doctor(out, diagnosis)


def runbook(
    ctx: typer.Context,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the Markdown to this file.")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Do not read OneLogin.")] = False,
) -> None:
    """Write the remaining manual steps as Markdown, with exact values, for a change ticket."""
    from onelogin_scim_setup.files import write_file
    from onelogin_scim_setup.ops.plan import compute_plan, connect, manual_plan
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.render.runbook import runbook_markdown

    state = state_of(ctx)
    prepared = prepare(
        state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
    )
    if offline:
        plan = manual_plan(prepared)
    else:
        with state.out.status("Reading OneLogin..."), connect(prepared, state.environ) as client:
            plan = compute_plan(prepared, client).plan
    text = runbook_markdown(
        plan, app_name=prepared.config.app.name, config_path=str(prepared.loaded.path)
    )
    if out_file:
        write_file(out_file, text)
        state.out.note(f"Wrote {out_file}.")
    else:
        state.out.document(text)
