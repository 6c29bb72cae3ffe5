"""plan and apply: thin wiring around the engine (engine.run)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import (
    LockTimeoutOption,
    OutputOption,
    apply_lock,
    prepare,
    state_of,
)
from onelogin_scim_setup.errors import ExitCode, Interrupted, UsageError

DetailedExitcode = Annotated[
    bool,
    typer.Option("--detailed-exitcode", help="Exit 0: no changes, 1: error, 2: changes pending."),
]


def plan(
    ctx: typer.Context, output: OutputOption = "text", detailed_exitcode: DetailedExitcode = False
) -> None:
    """Show what apply would change in OneLogin, and the manual steps (a dry run)."""
    from onelogin_scim_setup.engine.run import compute_plan, connect
    from onelogin_scim_setup.render.plan import render_plan

    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(state)
    with out.status("Reading OneLogin..."), connect(prepared, state.environ) as client:
        computed = compute_plan(prepared, client)
    render_plan(out, computed.plan)
    if detailed_exitcode and computed.plan.has_changes:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


def apply(
    ctx: typer.Context,
    output: OutputOption = "text",
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask (for CI).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show the plan (same as `plan`).")
    ] = False,
    detailed_exitcode: DetailedExitcode = False,
    lock_timeout: LockTimeoutOption = 300.0,
) -> None:
    """Make OneLogin match the config, in dependency order, after showing the plan."""
    from onelogin_scim_setup.engine.run import apply_plan, compute_plan, connect
    from onelogin_scim_setup.render.plan import render_applied, render_plan

    if dry_run:
        plan(ctx, output=output, detailed_exitcode=detailed_exitcode)
        return
    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(state)
    if not auto_approve and out.json:
        raise UsageError(
            "apply --output json needs --auto-approve: a prompt would corrupt the JSON"
        )
    if not auto_approve and not sys.stdin.isatty():
        raise UsageError(
            "apply needs confirmation but standard input is not a terminal",
            hint="Review `plan` first, then run `apply --auto-approve` (as CI does).",
        )
    with apply_lock(state, prepared, lock_timeout), connect(prepared, state.environ) as client:
        try:
            with out.status("Reading OneLogin..."):
                computed = compute_plan(prepared, client)
            if computed.plan.has_changes and not out.json:
                render_plan(out, computed.plan)
            result = apply_plan(
                computed,
                client,
                confirm=None
                if auto_approve
                else lambda _: typer.confirm("Apply these changes to OneLogin?", default=False),
                on_change=lambda c: out.note(f"done: {c.action.value} {c.title}"),
            )
        except Interrupted as interrupted:
            # Once writing has begun apply_plan reports an interruption as ApplyError (done / not
            # done); one that gets here came while reading or at the prompt.
            interrupted.report.append("Nothing was changed in OneLogin.")
            raise
    render_applied(out, computed.plan, result)
