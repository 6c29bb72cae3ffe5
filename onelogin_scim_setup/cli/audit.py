"""audit: every user OneLogin intends for SOE against what SOE shows; `--fix` remediates."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from typing import Annotated, Literal

import typer

from onelogin_scim_setup.cli.context import LockTimeoutOption, apply_lock, prepare, state_of
from onelogin_scim_setup.errors import ExitCode, UsageError

CATEGORIES = (
    "should_be_inactive",
    "orphan",
    "should_be_active",
    "user_type_mismatch",
    "mapping_not_applied",
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
            help="Only these categories (repeatable): " + ", ".join(CATEGORIES) + ".",
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
    lock_timeout: LockTimeoutOption = 300.0,
) -> None:
    """Is every user where they should be in SOE? Reads both sides with paged listings."""
    from onelogin_scim_setup.audit.findings import Category, has_problems, select
    from onelogin_scim_setup.audit.fix import check_threshold, execute, plan_fixes
    from onelogin_scim_setup.audit.match import find
    from onelogin_scim_setup.audit.policy import policy_of
    from onelogin_scim_setup.audit.read import read_onelogin, read_soe
    from onelogin_scim_setup.engine.run import connect
    from onelogin_scim_setup.render.audit import render_findings, render_fix_plan, render_fix_report
    from onelogin_scim_setup.soe.client import open_scim

    state = state_of(ctx)
    out = state.use_output("json" if output == "json" else "text")
    unknown = sorted(set(category or []) - set(CATEGORIES))
    if unknown:
        raise UsageError(
            f"--category {unknown[0]!r} is not a category",
            hint="Use one of: " + ", ".join(CATEGORIES),
        )
    if fix and output != "text":
        raise UsageError("audit --fix shows a plan and its results as text: leave out --output")
    if fix and not auto_approve and not sys.stdin.isatty():
        raise UsageError(
            "audit --fix needs confirmation but standard input is not a terminal",
            hint="Review `audit` first, then run `audit --fix --auto-approve`.",
        )
    prepared = prepare(state, token_required=True)
    config = prepared.config
    with (
        # --fix writes, so it takes apply's lock (engine.lock); a read-only audit does not.
        apply_lock(state, prepared, lock_timeout) if fix else nullcontext(),
        connect(prepared, state.environ) as client,
        open_scim(config.soe, prepared.require_token()) as scim,
    ):
        onelogin = read_onelogin(client, config)
        soe = read_soe(scim)
        for note in onelogin.notes:
            out.note(f"Note: {note}")
        policy = policy_of(config, provisioning=onelogin.provisioning)
        findings = select(find(policy, onelogin.users, soe), (Category(c) for c in category or []))
        render_findings(out, findings, output, users=(len(onelogin.users), len(soe)), worst=worst)
        if fix:
            plan = plan_fixes(findings, sum(1 for user in soe if user.active))
            render_fix_plan(out, plan)
            if not plan.steps:
                return
            check_threshold(plan, max_deactivate_percent, force=force)
            if not auto_approve and not typer.confirm("Make these changes?", default=False):
                raise UsageError("nothing changed: the remediation plan was not approved")
            report = execute(
                plan,
                client,
                scim,
                shortname=config.fields.user_type.shortname,
                on_result=lambda r: out.note(
                    f"{r.outcome.value}: {r.step.kind.value} {r.step.user}"
                ),
            )
            render_fix_report(out, report)
            if report.interrupted is not None:
                raise typer.Exit(report.interrupted)
            if report.failed:
                raise typer.Exit(ExitCode.ERROR)
            return
    if detailed_exitcode and has_problems(findings):
        raise typer.Exit(ExitCode.CHANGES_PENDING)
