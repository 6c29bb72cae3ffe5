"""audit: every user OneLogin intends for SOE against what SOE shows; `--fix` remediates."""

from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from onelogin_scim_setup.cli.context import (
    LockTimeoutOption,
    apply_lock,
    state_of,
    stdin_is_terminal,
)
from onelogin_scim_setup.errors import UsageError
from onelogin_scim_setup.ops import LOCK_TIMEOUT

if TYPE_CHECKING:
    from onelogin_scim_setup.audit.findings import Category
    from onelogin_scim_setup.ops.audit import Fixing
    from onelogin_scim_setup.render.console import Out

CATEGORIES = (
    "should_be_inactive",
    "orphan",
    "promotion_not_implied",
    "should_be_active",
    "user_type_mismatch",
    "mapping_not_applied",
    "user_type_rules_disagree",
    "attribute_mismatch",
    "literal_placeholder",
    "not_signed_in",
)


def audit(
    ctx: typer.Context,
    output: Annotated[
        Literal["text", "json", "csv"],
        typer.Option("--output", "-o", help="text for people, json for programs, csv for sheets."),
    ] = "text",
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            help="Only these categories (repeatable; the names are listed above).",
            metavar="CATEGORY",
        ),
    ] = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 0: nothing wrong, 1: error, 2: a finding beyond information.",
        ),
    ] = False,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="Deactivate leavers and orphans in SOE, re-run mappings in OneLogin."
        ),
    ] = False,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="With --fix: do not ask (for CI).")
    ] = False,
    max_deactivate_percent: Annotated[
        float,
        typer.Option(
            help="With --fix: refuse to deactivate more than this share of SOE's active users "
            "(3 users are always allowed).",
            min=0,
            max=100,
        ),
    ] = 10.0,
    force: Annotated[
        bool, typer.Option("--force", help="With --fix: deactivate above the threshold.")
    ] = False,
    worst: Annotated[
        int, typer.Option(help="Findings listed on a terminal (all in json/csv).", min=0)
    ] = 20,
    lock_timeout: LockTimeoutOption = LOCK_TIMEOUT,
) -> None:
    """Is every user where they should be in SOE? Reads both sides with paged listings."""
    from onelogin_scim_setup.ops.audit import run_audit
    from onelogin_scim_setup.ops.plan import connect
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.render.audit import render_audited
    from onelogin_scim_setup.soe.client import open_scim

    state = state_of(ctx)
    out = state.use_output("json" if output == "json" else "text")
    categories = _categories(category)
    fixing = _fixing(out, output, auto_approve, max_deactivate_percent, force) if fix else None
    prepared = prepare(
        state.config_path,
        state.environ,
        redactor=state.redactor,
        on_warning=state.out.warn,
        token_required=True,
    )
    with (
        # --fix writes, so it takes apply's lock (ops.lock); a read-only audit does not.
        apply_lock(state, prepared, lock_timeout) if fix else nullcontext(),
        connect(prepared, state.environ) as client,
        open_scim(
            prepared.config.soe,
            prepared.require_token(),
            concurrency=prepared.config.onelogin.concurrency,
        ) as scim,
    ):
        outcome = run_audit(
            prepared.config,
            client,
            scim,
            categories=categories,
            on_audited=lambda audited: render_audited(out, audited, output, worst=worst),
            fixing=fixing,
        )
    if code := outcome.exit_code(detailed_exitcode):
        raise typer.Exit(code)


# The categories in the command's description, where the help has the terminal's width (an option's
# help column is too narrow for the longest names).
audit.__doc__ = f"{audit.__doc__}\n\nCategories (for --category): {', '.join(CATEGORIES)}."


def _categories(chosen: list[str] | None) -> "list[Category]":
    from onelogin_scim_setup.audit.findings import Category

    unknown = sorted(set(chosen or []) - set(CATEGORIES))
    if unknown:
        raise UsageError(
            f"--category {unknown[0]!r} is not a category",
            hint="Use one of: " + ", ".join(CATEGORIES),
        )
    return [Category(name) for name in chosen or []]


def _fixing(
    out: "Out", output: str, auto_approve: bool, max_percent: float, force: bool
) -> "Fixing":
    """The --fix settings, once the command line allows a fix."""
    from onelogin_scim_setup.cli.prompt import confirm
    from onelogin_scim_setup.ops.audit import Fixing
    from onelogin_scim_setup.render.audit import render_fix_plan, render_fix_report, render_fix_step

    if output != "text":
        raise UsageError("audit --fix shows a plan and its results as text: leave out --output")
    if not auto_approve and not stdin_is_terminal():
        raise UsageError(
            "audit --fix needs confirmation but standard input is not a terminal",
            hint="Review `audit` first, then run `audit --fix --auto-approve`.",
        )
    return Fixing(
        max_deactivate_percent=max_percent,
        force=force,
        confirm=None if auto_approve else lambda _: confirm("Make these changes?"),
        on_plan=lambda plan: render_fix_plan(out, plan),
        on_result=lambda result: render_fix_step(out, result),
        on_report=lambda report: render_fix_report(out, report),
    )
