"""The core commands: init, validate, render, plan, apply."""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup import workflow
from onelogin_scim_setup.apply import WireValues, execute, refuse_conflicts
from onelogin_scim_setup.cli.context import OutputOption, prepare, state_of
from onelogin_scim_setup.config import DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import ExitCode, UsageError
from onelogin_scim_setup.output import render_applied, render_plan, write_file
from onelogin_scim_setup.template import BUILTIN_SAMPLE_USER, load_sample, preview_payload


def init(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the starter config.")] = Path(
        DEFAULT_CONFIG_FILE
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter config (the same as config.example.yaml)."""
    state = state_of(ctx)
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    text = files("onelogin_scim_setup.templates").joinpath("config.example.yaml").read_text("utf-8")
    write_file(path, text)
    state.out.text(f"Wrote {path}. Edit it, then run `onelogin-scim-setup validate -c {path}`.")


def validate(ctx: typer.Context, output: OutputOption = "text") -> None:
    """Check the config and the SCIM JSON template offline (no network)."""
    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(state)
    if out.json:
        out.data(
            {
                "valid": True,
                "config": str(prepared.loaded.path),
                "warnings": list(prepared.loaded.warnings),
            }
        )
    else:
        out.text(f"{prepared.loaded.path}: valid.", style="green")


def render(
    ctx: typer.Context,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the template (or the preview) to this file.")
    ] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Show the SCIM payload SOE would receive.")
    ] = False,
    sample: Annotated[
        Path | None, typer.Option("--sample", help="Sample user (YAML or JSON) for --preview.")
    ] = None,
) -> None:
    """Print the OneLogin SCIM JSON template (or, with --preview, a sample user's SCIM payload)."""
    state = state_of(ctx)
    prepared = prepare(state)
    text = prepared.template
    if preview or sample:
        user = load_sample(sample) if sample else BUILTIN_SAMPLE_USER
        payload = preview_payload(text, syntax=prepared.config.template.syntax, sample=user)
        text = json.dumps(payload, indent=2)
    if out_file:
        write_file(out_file, text + "\n")
        state.out.note(f"Wrote {out_file}.")
    else:
        state.out.stdout.file.write(text + "\n")


def plan(
    ctx: typer.Context,
    output: OutputOption = "text",
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="Exit 0: no changes, 1: error, 2: changes pending."
        ),
    ] = False,
) -> None:
    """Show what apply would change in OneLogin, and the manual steps (a dry run)."""
    state = state_of(ctx)
    out = state.use_output(output)
    prepared = prepare(state)
    with workflow.client_for(prepared, state.environ) as client:
        computed = workflow.compute(prepared, client)
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
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode", help="With --dry-run: exit 2 when changes are pending."
        ),
    ] = False,
) -> None:
    """Make OneLogin match the config, in dependency order, after showing the plan."""
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
    with workflow.client_for(prepared, state.environ) as client:
        computed = workflow.compute(prepared, client)
        if not computed.plan.api_changes and not computed.plan.conflicts:
            render_applied(out, computed.plan, [], [])
            return
        if not out.json:
            render_plan(out, computed.plan)
        refuse_conflicts(computed.plan)  # before asking: there is nothing to confirm yet
        if not auto_approve and not typer.confirm(
            "Apply these changes to OneLogin?", default=False
        ):
            raise UsageError("apply cancelled; nothing was changed")
        wire = WireValues(workflow.wire_configuration(prepared))
        result = execute(
            computed.plan,
            client,
            computed.desired,
            computed.snapshot.ids,
            wire,
            on_change=lambda c: out.note(f"done: {c.action.value} {c.title}"),
        )
    render_applied(out, computed.plan, result.done, result.manual)
