"""Audit findings as a terminal summary, versioned JSON or CSV; the fix plan and its results."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from onelogin_scim_setup.audit.findings import (
    AUDIT_FORMAT_VERSION,
    FIELD_NAMES,
    SEVERITY,
    Category,
    Finding,
    Severity,
    counts,
    has_problems,
)
from onelogin_scim_setup.audit.fix import FixPlan, FixReport, Outcome, StepKind, StepResult
from onelogin_scim_setup.ops.audit import Audited
from onelogin_scim_setup.render.console import Out

STYLES = {Severity.SECURITY: "bold red", Severity.PROBLEM: "yellow", Severity.INFORMATION: "dim"}
OUTCOME_STYLES = {
    Outcome.DONE: "green",
    Outcome.FAILED: "bold red",
    Outcome.MANUAL: "cyan",
    Outcome.INTERRUPTED: "bold red",
    Outcome.NOT_DONE: "dim",
}
# A spreadsheet runs a cell starting with one of these as a formula; SOE values are user input.
FORMULA_MARKS = ("=", "+", "-", "@", "\t", "\r")


def render_audited(out: Out, audited: Audited, output: str, *, worst: int = 20) -> None:
    """The read's notes (on stderr), then the findings."""
    for note in audited.notes:
        out.note(f"Note: {note}")
    render_findings(out, audited.findings, output, users=audited.users, worst=worst)


def render_fix_step(out: Out, result: StepResult) -> None:
    """One remediation step as it completes."""
    out.note(f"{result.outcome.value}: {result.step.kind.value} {result.step.user}")


def render_findings(
    out: Out, findings: Sequence[Finding], output: str, *, users: tuple[int, int], worst: int = 20
) -> None:
    """`users`: (OneLogin users, SOE users) read, for the summary."""
    if output == "json":
        out.data(
            {
                "format_version": AUDIT_FORMAT_VERSION,
                "users": {"onelogin": users[0], "soe": users[1]},
                "summary": counts(findings),
                "has_problems": has_problems(findings),
                "findings": [finding.to_dict() for finding in findings],
            }
        )
    elif output == "csv":
        _csv(out, findings)
    else:
        _text(out, findings, users, worst)


def _csv(out: Out, findings: Sequence[Finding]) -> None:
    """RFC 4180 rows ended by LF (docs/output-safety.md §2): a cell holding a comma, a quote, a CR
    or an LF is quoted; a cell a spreadsheet would run as a formula gets a leading `'`."""
    lines = [csv_row(FIELD_NAMES)]
    for finding in findings:
        row = finding.to_dict()
        # Each cell redacted before it is quoted: a cut can then never split a quoted cell.
        cells = [
            out.redactor.redact("" if row[name] is None else str(row[name])) for name in FIELD_NAMES
        ]
        lines.append(csv_row([csv_cell(cell) for cell in cells]))
    out.data_csv("".join(lines))


def csv_row(cells: Sequence[str]) -> str:
    """One CSV record. Python's csv writer leaves a lone CR unquoted when rows end with LF, and a
    reader then starts a new row there; this quotes every cell that holds `,` `"` CR or LF."""
    return ",".join(_quoted(cell) for cell in cells) + "\n"


def _quoted(cell: str) -> str:
    if any(mark in cell for mark in (",", '"', "\r", "\n")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_cell(value: object) -> str:
    """A value as a cell that no spreadsheet runs: `'` before a cell whose first character after
    any leading spaces, CRs and LFs is `=`, `+`, `-`, `@` or a tab (or which starts with a CR)."""
    text = "" if value is None else str(value)
    return (
        "'" + text
        if text.lstrip(" \r\n").startswith(FORMULA_MARKS) or text.startswith("\r")
        else text
    )


def _text(out: Out, findings: Sequence[Finding], users: tuple[int, int], worst: int) -> None:
    out.text(f"Audited {users[0]} OneLogin users against {users[1]} SOE users.")
    table = Table(title=None, show_edge=False, pad_edge=False)
    for column in ("category", "severity", "users"):
        table.add_column(column, justify="right" if column == "users" else "left")
    for category, count in counts(findings).items():
        severity = SEVERITY[Category(category)]
        style = STYLES[severity] if count else "dim"
        table.add_row(category, severity.value, str(count), style=style)
    out.stdout.print(table)
    if not findings:
        out.text("No findings: every user is where they should be.", style="bold green")
        return
    shown = findings[:worst]
    out.text(f"Worst findings ({len(shown)} of {len(findings)}):", style="bold")
    for finding in shown:
        style = STYLES[finding.severity]
        out.stdout.print(
            f"  [{style}]{escape(finding.category.value)}[/] {escape(finding.user)}: "
            f"{escape(finding.attribute)} expected {escape(finding.expected)!s}, "
            f"actual {escape(finding.actual)}"
        )
        out.text(f"      cause: {finding.cause}")
        out.text(f"      fix: {finding.fix}")
    if len(findings) > len(shown):
        out.text(f"... and {len(findings) - len(shown)} more: --output json or csv lists all.")


def render_fix_plan(out: Out, plan: FixPlan) -> None:
    if not plan.steps:
        out.text("Nothing for --fix to change.")
        return
    out.text("Remediation plan:", style="bold")
    for step in plan.steps:
        if step.kind is StepKind.DEACTIVATE:
            out.text(
                f"  ~ {step.kind.value}: {step.user} (SOE id {step.soe_id}) active: true -> false"
            )
        else:
            out.text(
                f"  ~ {step.kind.value}: {step.user} (OneLogin id {step.onelogin_id}) "
                f"userType -> {step.user_type}"
            )
    out.text(
        f"{plan.deactivations} of {plan.active_soe_users} active SOE user(s) to deactivate, "
        + (f"{plan.demotions} user(s) to demote, " if plan.demotions else "")
        + f"{len(plan.steps) - plan.deactivations - plan.demotions} user(s) to re-evaluate. "
        "Nothing is deleted."
    )


def render_fix_report(out: Out, report: FixReport) -> None:
    out.text("Changes:", style="bold")
    for result in report.results:
        style = OUTCOME_STYLES[result.outcome]
        detail = f" ({escape(result.detail)})" if result.detail else ""
        out.stdout.print(
            f"  [{style}]{escape(result.outcome.value)}[/]: {escape(result.step.kind.value)} "
            f"{escape(result.step.user)}{detail}"
        )
    tally = dict.fromkeys(Outcome, 0)
    for result in report.results:
        tally[result.outcome] += 1
    out.text(", ".join(f"{count} {outcome.value}" for outcome, count in tally.items() if count))
    if report.interrupted is not None:
        out.text(
            "Interrupted: the changes above marked 'not done' were not made.", style="bold red"
        )
