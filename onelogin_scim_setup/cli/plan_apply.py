"""plan and apply: thin wiring around the engine (engine.run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
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
    from onelogin_scim_setup.engine.run import apply_plan, compute_plan, connect
    from onelogin_scim_setup.render.plan import render_applied, render_plan
    from onelogin_scim_setup.render.progress import applying, reading

    if dry_run:
        plan(ctx, output=output, detailed_exitcode=detailed_exitcode)
        return
    state = state_of(ctx)
    out = state.use_output(output)
    saved_plan = saved.load(plan_file) if plan_file is not None else None
    prepared = prepare(state)
    # A saved plan was reviewed when it was saved (terraform's rule), and a pinned checksum names
    # the exact plan that was reviewed: either is the approval, so neither needs a prompt.
    approved = auto_approve or saved_plan is not None or checksum is not None
    if not approved and out.json:
        raise UsageError(
            "apply --output json needs --auto-approve: a prompt would corrupt the JSON"
        )
    if not approved and not sys.stdin.isatty():
        raise UsageError(
            "apply needs confirmation but standard input is not a terminal",
            hint="Review `plan` first, then run `apply --auto-approve` (as CI does), or save it "
            "with `plan --out plan.json` and run `apply plan.json`.",
        )
    with apply_lock(state, prepared, lock_timeout), connect(prepared, state.environ) as client:
        try:
            with reading(out):
                computed = compute_plan(prepared, client)
            if saved_plan is not None:
                saved.check(saved_plan, prepared, computed)
            if checksum is not None:
                saved.check_checksum(checksum, computed)
            if (computed.plan.has_changes or computed.plan.unmanaged) and not out.json:
                render_plan(out, computed.plan, manual=False)
            with applying(out) as progress:
                result = apply_plan(
                    computed,
                    client,
                    confirm=None
                    if approved
                    else lambda _: typer.confirm("Apply these changes to OneLogin?", default=False),
                    on_start=progress.started,
                    on_change=progress.done,
                    rate_reserve=prepared.config.onelogin.rate_reserve,
                    force=force,
                )
        except Interrupted as interrupted:
            # Once writing has begun apply_plan reports an interruption as ApplyError (done / not
            # done); one that gets here came while reading or at the prompt.
            interrupted.report.append("Nothing was changed in OneLogin.")
            raise
    render_applied(out, computed.plan, result, detail=state.verbose > 0)
