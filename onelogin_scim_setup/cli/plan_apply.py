"""plan and apply: thin wiring around the engine (engine.run)."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from onelogin_scim_setup.cli.context import (
    LOCK_SECONDS,
    LockTimeoutOption,
    OutputOption,
    prepare,
    state_of,
    within,
)
from onelogin_scim_setup.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from onelogin_scim_setup.engine.plan import Plan
    from onelogin_scim_setup.render.console import Out

DetailedExitcode = Annotated[
    bool,
    typer.Option("--detailed-exitcode", help="Exit 0: no changes, 1: error, 2: changes pending."),
]


def plan(
    ctx: typer.Context,
    output: OutputOption = "text",
    detailed_exitcode: DetailedExitcode = False,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also save the plan (JSON, no secrets) for `apply FILE`, which refuses it if "
            "OneLogin or the config changed since.",
        ),
    ] = None,
) -> None:
    """Show what apply would change in OneLogin, and the manual steps (a dry run)."""
    from onelogin_scim_setup.engine.run import compute_plan, connect
    from onelogin_scim_setup.engine.saved import saved_document
    from onelogin_scim_setup.files import write_file
    from onelogin_scim_setup.render.plan import render_plan
    from onelogin_scim_setup.render.progress import reading

    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(state)
    with connect(prepared, state.environ) as client, reading(out):
        computed = compute_plan(prepared, client)
    render_plan(out, computed.plan, detail=state.verbose > 0)
    if out_file is not None:
        import json

        document = saved_document(prepared, computed)
        write_file(out_file, json.dumps(document, indent=2, default=str) + "\n")
        out.note(
            f"Saved the plan ({document['checksum']}) to {out_file}; `apply {out_file}` applies it."
        )
    if detailed_exitcode and computed.plan.has_changes:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


def apply(
    ctx: typer.Context,
    plan_file: Annotated[
        Path | None,
        typer.Argument(
            help="A plan saved by `plan --out`: applied without a prompt, exactly as saved, "
            "and refused if OneLogin or the config changed since."
        ),
    ] = None,
    output: OutputOption = "text",
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask (for CI).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show the plan (same as `plan`).")
    ] = False,
    detailed_exitcode: DetailedExitcode = False,
    checksum: Annotated[
        str | None,
        typer.Option(
            "--checksum",
            help="Apply, without a prompt, only if the plan computed now has this checksum (from "
            "`plan --output json`); refuse otherwise.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Apply even past the safety.* thresholds of the config."),
    ] = False,
    lock_timeout: LockTimeoutOption = 300.0,
) -> None:
    """Make OneLogin match the config, in dependency order, after showing the plan."""
    from onelogin_scim_setup.engine import saved
    from onelogin_scim_setup.engine.lock import default_lock_dir
    from onelogin_scim_setup.engine.run import ApplyRequest, apply_config
    from onelogin_scim_setup.render.apply import ApplyConsole
    from onelogin_scim_setup.render.plan import render_applied

    if dry_run:
        plan(ctx, output=output, detailed_exitcode=detailed_exitcode)
        return
    state = state_of(ctx)
    out = state.use_output(output)
    request = ApplyRequest(
        saved_plan=saved.load(plan_file) if plan_file is not None else None,
        checksum=checksum,
        force=force,
        lock_timeout=within("--lock-timeout", lock_timeout, LOCK_SECONDS),
    )
    prepared = prepare(state)
    computed, result = apply_config(
        prepared,
        state.environ,
        request,
        lock_dir=default_lock_dir(state.environ),
        view=ApplyConsole(out),
        confirm=_confirmation(out, approved=auto_approve or request.approved),
        on_wait=out.note,
    )
    render_applied(out, computed.plan, result, detail=state.verbose > 0)


def _confirmation(out: "Out", *, approved: bool) -> "Callable[[Plan], bool] | None":
    """None when approved; else the prompt, refused up front where it cannot be asked."""
    if approved:
        return None
    if out.json:
        raise UsageError(
            "apply --output json needs --auto-approve (or --checksum, or a saved plan): a prompt "
            "would corrupt the JSON"
        )
    if not sys.stdin.isatty():
        raise UsageError(
            "apply needs confirmation but standard input is not a terminal",
            hint="Review `plan` first, then run `apply --auto-approve` (as CI does), pin it with "
            "`apply --checksum SUM`, or save it with `plan --out plan.json` and run "
            "`apply plan.json`.",
        )
    from onelogin_scim_setup.cli.prompt import confirm

    return lambda _: confirm("Apply these changes to OneLogin?")
