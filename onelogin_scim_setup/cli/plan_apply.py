"""plan and apply: thin wiring around the engine (ops.plan)."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from onelogin_scim_setup.cli.context import (
    LOCK_SECONDS,
    LockTimeoutOption,
    OutputOption,
    state_of,
    stdin_is_terminal,
    within,
)
from onelogin_scim_setup.errors import ExitCode, UsageError
from onelogin_scim_setup.ops import LOCK_TIMEOUT

if TYPE_CHECKING:
    from onelogin_scim_setup.ops.saved import SavedPlan
    from onelogin_scim_setup.plan.changes import Plan
    from onelogin_scim_setup.plan.target import Target
    from onelogin_scim_setup.render.console import Out

DetailedExitcode = Annotated[
    bool,
    typer.Option("--detailed-exitcode", help="Exit 0: no changes, 1: error, 2: changes pending."),
]
PlanOutputOption = Annotated[
    Literal["text", "json", "markdown"],
    typer.Option(
        "--output",
        "-o",
        help="text for people, json for programs, markdown for a pull-request comment.",
    ),
]
TargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        metavar="KIND[:NAME]",
        help="Only this resource and what it depends on (e.g. role:Engineering, user); "
        "not for routine use: the plan is then not the whole picture.",
    ),
]

StateOption = Annotated[
    Path | None,
    typer.Option(
        "--state",
        metavar="PATH",
        help="The read snapshot (no secrets) that lets plan read only what changed; default: "
        "beside the apply lock. A CI cache can keep it.",
    ),
]


def _render(
    out: "Out",
    plan: "Plan",
    output: str,
    *,
    detail: bool,
    target: str | None,
    read: dict[str, Any] | None = None,
) -> None:
    from onelogin_scim_setup.render.markdown import plan_markdown
    from onelogin_scim_setup.render.plan import render_plan

    if output == "markdown":
        out.stdout.file.write(plan_markdown(plan, detail=detail, target=target))
        out.stdout.file.flush()
    else:
        render_plan(out, plan, detail=detail, target=target, read=read)


def plan(
    ctx: typer.Context,
    output: PlanOutputOption = "text",
    detailed_exitcode: DetailedExitcode = False,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also save the plan (JSON, no secrets) for `apply FILE`, which refuses it if "
            "OneLogin or the config changed since.",
        ),
    ] = None,
    target: TargetOption = None,
    state_path: StateOption = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Read every user in full, not only what changed since the last snapshot.",
        ),
    ] = False,
) -> None:
    """Show what apply would change in OneLogin, and the manual steps (a dry run)."""
    from onelogin_scim_setup.files import write_file
    from onelogin_scim_setup.ops.lock import default_lock_dir
    from onelogin_scim_setup.ops.plan import compute_plan, connect
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.ops.read_state import ReadRequest, snapshot_file
    from onelogin_scim_setup.ops.saved import saved_document
    from onelogin_scim_setup.plan.target import parse
    from onelogin_scim_setup.render.progress import reading

    state = state_of(ctx)
    out = state.use_output(output)
    targeting = parse(target) if target is not None else None
    prepared = prepare(
        state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
    )
    request = ReadRequest(
        snapshot_file(prepared, state.environ, state_path, default_lock_dir), refresh=refresh
    )
    with connect(prepared, state.environ) as client, reading(out):
        computed = compute_plan(prepared, client, target=targeting, reading=request)
    if computed.read is not None:
        out.note(computed.read.sentence())
    shown = str(targeting) if targeting is not None else None
    read = computed.read.to_json() if computed.read is not None else None
    _render(out, computed.plan, output, detail=state.verbosity > 0, target=shown, read=read)
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
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
    target: TargetOption = None,
    state_path: StateOption = None,
) -> None:
    """Make OneLogin match the config, in dependency order, after showing the plan."""
    from onelogin_scim_setup.ops import saved
    from onelogin_scim_setup.ops.apply import ApplyRequest, apply_config
    from onelogin_scim_setup.ops.lock import default_lock_dir
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.render.apply import ApplyConsole
    from onelogin_scim_setup.render.plan import TARGET_WARNING, render_applied

    if dry_run:
        plan(
            ctx,
            output=output,
            detailed_exitcode=detailed_exitcode,
            target=target,
            state_path=state_path,
        )
        return
    state = state_of(ctx)
    out = state.use_output(output)
    saved_plan = saved.load(plan_file) if plan_file is not None else None
    request = ApplyRequest(
        saved_plan=saved_plan,
        checksum=saved.valid_checksum(checksum) if checksum is not None else None,
        force=force,
        lock_timeout=within("--lock-timeout", lock_timeout, LOCK_SECONDS),
        target=_apply_target(target, saved_plan),
        state=state_path,
    )
    if request.target is not None:
        out.note(TARGET_WARNING.format(target=request.target))
    prepared = prepare(
        state.config_path, state.environ, redactor=state.redactor, on_warning=state.out.warn
    )
    computed, result = apply_config(
        prepared,
        state.environ,
        request,
        lock_dir=default_lock_dir(state.environ),
        view=ApplyConsole(out),
        confirm=_confirmation(out, approved=auto_approve or request.approved),
        on_wait=out.note,
    )
    render_applied(out, computed.plan, result, detail=state.verbosity > 0)
    if computed.read is not None:
        out.note(computed.read.sentence())


def _apply_target(given: str | None, saved_plan: "SavedPlan | None") -> "Target | None":
    """`apply --target`, or the target a saved plan was made with (both: they must agree)."""
    from onelogin_scim_setup.ops.saved import REPLAN_HINT
    from onelogin_scim_setup.plan.target import parse

    recorded = saved_plan.target if saved_plan is not None else None
    if given is not None and saved_plan is not None and recorded != str(parse(given)):
        raise UsageError(
            f"--target {given} differs from the saved plan's target ({recorded or 'none'})",
            hint="Leave out --target: `apply FILE` applies the plan as it was saved.",
        )
    if given is not None:
        return parse(given)
    if recorded is None:
        return None
    try:
        return parse(recorded)
    except UsageError as error:
        raise UsageError(
            f"the saved plan's target is not one this tool writes: {error.message}",
            hint=REPLAN_HINT,
        ) from None


def show(
    ctx: typer.Context,
    plan_file: Annotated[
        Path, typer.Argument(help="A plan written by `plan --out` (or by `plan -o json`).")
    ],
    output: PlanOutputOption = "text",
) -> None:
    """Show a saved plan as text, JSON or Markdown, without reading the config or any tenant."""
    from onelogin_scim_setup.ops.saved import read_plan_file

    state = state_of(ctx)
    out = state.use_output(output)
    shown = read_plan_file(plan_file)
    if output == "json":
        document = shown.plan.to_dict()
        if shown.target is not None:
            document["target"] = shown.target
        out.data(document)
        return
    if output == "text":
        made = f" by onelogin-scim-setup {shown.tool_version}" if shown.tool_version else ""
        kind = "saved plan" if shown.saved else "plan (`-o json` output: `apply` cannot take it)"
        out.note(f"{plan_file}: a {kind}{made}, checksum {shown.checksum}.")
    _render(out, shown.plan, output, detail=state.verbosity > 0, target=shown.target)


def _confirmation(out: "Out", *, approved: bool) -> "Callable[[Plan], bool] | None":
    """None when approved; else the prompt, refused up front where it cannot be asked."""
    if approved:
        return None
    if out.json:
        raise UsageError(
            "apply --output json needs --auto-approve (or --checksum, or a saved plan): a prompt "
            "would corrupt the JSON"
        )
    if not stdin_is_terminal():
        raise UsageError(
            "apply needs confirmation but standard input is not a terminal",
            hint="Review `plan` first, then run `apply --auto-approve` (as CI does), pin it with "
            "`apply --checksum SUM`, or save it with `plan --out plan.json` and run "
            "`apply plan.json`.",
        )
    from onelogin_scim_setup.cli.prompt import confirm

    return lambda _: confirm("Apply these changes to OneLogin?")
