"""The whole audit, as the `audit` command runs it: read both sides, find, and with `--fix` plan the
remediation, check its threshold, ask, and carry it out.

The caller opens the two clients (and, for `--fix`, holds apply's lock) and shows what the callbacks
hand it; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from onelogin_scim_setup.audit.findings import Category, Finding, has_problems, select
from onelogin_scim_setup.audit.fix import (
    FixPlan,
    FixReport,
    Outcome,
    Step,
    StepKind,
    StepResult,
    check_demotions,
    check_threshold,
    plan_fixes,
)
from onelogin_scim_setup.audit.match import find
from onelogin_scim_setup.audit.policy import policy_of
from onelogin_scim_setup.audit.rules import REAPPLY
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import ExitCode, Interrupted, OneLoginError, SetupError, UsageError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.audit_read import read_both
from onelogin_scim_setup.ops.interrupt import deferred
from onelogin_scim_setup.ops.writes.lost import READ_BACK, read_back
from onelogin_scim_setup.soe.client import ScimClient


@dataclass(frozen=True)
class Audited:
    """What the read found: the findings selected, the notes of the read, and how many users each
    side listed (OneLogin, SOE)."""

    findings: list[Finding]
    notes: list[str]
    users: tuple[int, int]


@dataclass(frozen=True)
class Fixing:
    """`audit --fix`: the mass-deactivation threshold, and `confirm` (None: approved already)."""

    max_deactivate_percent: float
    force: bool
    confirm: Callable[[FixPlan], bool] | None
    on_plan: Callable[[FixPlan], None]
    on_result: Callable[[StepResult], None]
    on_report: Callable[[FixReport], None]


@dataclass(frozen=True)
class AuditOutcome:
    audited: Audited
    fixing: bool
    report: FixReport | None = None

    def exit_code(self, detailed: bool) -> int:
        """The command's exit status: a fix's outcome, else 2 for a problem with `detailed`."""
        if self.report is not None:
            if self.report.interrupted is not None:
                return self.report.interrupted
            return ExitCode.ERROR if self.report.failed else ExitCode.OK
        if detailed and not self.fixing and has_problems(self.audited.findings):
            return ExitCode.CHANGES_PENDING
        return ExitCode.OK


def run_audit(
    config: Config,
    client: OneLoginClient,
    scim: ScimClient,
    *,
    categories: Iterable[Category],
    on_audited: Callable[[Audited], None],
    fixing: Fixing | None = None,
) -> AuditOutcome:
    """Every user OneLogin intends for SOE against what SOE shows (`on_audited` gets the findings as
    soon as they are known); with `fixing`, the remediation too."""
    onelogin, soe = read_both(client, scim, config)
    policy = policy_of(config, provisioning=onelogin.provisioning)
    if onelogin.unchecked:
        # The list left these out (docs/uncertain-facts.md row 30): not checked, never a finding.
        policy = replace(
            policy,
            department_sent=policy.department_sent and "department" not in onelogin.unchecked,
            title_sent=policy.title_sent and "title" not in onelogin.unchecked,
        )
    findings = select(find(policy, onelogin.users, soe), categories)
    audited = Audited(findings, onelogin.notes, (len(onelogin.users), len(soe)))
    on_audited(audited)
    if fixing is None:
        return AuditOutcome(audited, fixing=False)
    plan = plan_fixes(findings, sum(1 for user in soe if user.active))
    fixing.on_plan(plan)
    if not plan.steps:
        return AuditOutcome(audited, fixing=True)
    check_threshold(plan, fixing.max_deactivate_percent, force=fixing.force)
    check_demotions(plan, config.safety.max_user_type_changes, force=fixing.force)
    if fixing.confirm is not None and not fixing.confirm(plan):
        raise UsageError("nothing changed: the remediation plan was not approved")
    shortname = config.fields.user_type.shortname
    report = execute(plan, client, scim, shortname=shortname, on_result=fixing.on_result)
    fixing.on_report(report)
    return AuditOutcome(audited, fixing=True, report=report)


# --- carrying out the remediation plan (the I/O of `audit --fix`) ---


def execute(
    plan: FixPlan,
    onelogin: OneLoginClient,
    scim: ScimClient,
    *,
    shortname: str,
    on_result: Callable[[StepResult], None] | None = None,
) -> FixReport:
    """Carry out the steps in order. A failed step is reported and the next one runs; SIGINT or
    SIGTERM stops after the step in flight (ops.interrupt) and the report says what was done."""
    report = FixReport()
    running: Step | None = None  # the step whose request may be in flight
    try:
        for step in plan.steps:
            running = step
            # A signal during a step is held until its answer is in (ops.interrupt), so a
            # step is never cut in half and the report knows its outcome.
            with deferred():
                result = _run(step, onelogin, scim, shortname)
                report.results.append(result)
                running = None
            if on_result is not None:
                on_result(result)
    except (Interrupted, KeyboardInterrupt) as stop:
        if running is not None:  # a bare KeyboardInterrupt (no handler installed) mid-request
            report.results.append(StepResult(running, Outcome.INTERRUPTED))
        report.results += [
            StepResult(s, Outcome.NOT_DONE) for s in plan.steps[len(report.results) :]
        ]
        report.interrupted = (
            stop.exit_code if isinstance(stop, Interrupted) else ExitCode.INTERRUPTED
        )
    return report


def _run(step: Step, onelogin: OneLoginClient, scim: ScimClient, shortname: str) -> StepResult:
    try:
        if step.kind is StepKind.DEACTIVATE:
            return _deactivate(step, scim)
        if step.kind is StepKind.DEMOTE:
            return _demote(step, onelogin, shortname)
        return _reevaluate(step, onelogin, shortname)
    except SetupError as error:
        return StepResult(step, Outcome.FAILED, error.message)


def _deactivate(step: Step, scim: ScimClient) -> StepResult:
    answer = scim.set_active(step.soe_id or "", False)
    if answer.get("active") is False:
        return StepResult(step, Outcome.DONE, "SOE reports active=false")
    return StepResult(step, Outcome.FAILED, "SOE answered but still reports the user active")


def _reevaluate(step: Step, onelogin: OneLoginClient, shortname: str) -> StepResult:
    user_id = step.onelogin_id or 0
    lost = ""
    try:
        answer: dict[str, Any] = onelogin.update_user(user_id, {}, mappings="sync")
    except OneLoginError as error:
        # The empty PUT's answer was lost: the mappings may have run. Judged by the user as read
        # back, and not sent again (a later audit --fix sends it when it is still needed).
        answer, lost = _read_user(error, onelogin, user_id, step), f" ({READ_BACK})"
        if (answer.get("custom_attributes") or {}).get(shortname) != step.user_type:
            holds = (answer.get("custom_attributes") or {}).get(shortname)
            return StepResult(
                step,
                Outcome.FAILED,
                f"not done: the answer was lost and OneLogin still holds userType "
                f"{holds or '(none)'}; run audit --fix again",
            )
    if "custom_attributes" not in answer:
        answer = onelogin.get_user(user_id)
    holds = (answer.get("custom_attributes") or {}).get(shortname)
    if holds == step.user_type:
        return StepResult(step, Outcome.DONE, f"OneLogin now holds userType {holds}{lost}")
    return StepResult(
        step,
        Outcome.MANUAL,
        f"the update did not run the mappings (userType is still {holds or '(none)'}): "
        f"{REAPPLY.split(' (or', 1)[0]}",
    )


def _read_user(
    error: OneLoginError, onelogin: OneLoginClient, user_id: int, step: Step
) -> dict[str, Any]:
    """The user read back after a PUT whose answer was lost (ops.writes.lost); `error` again when
    OneLogin answered and refused, an unknown outcome when the read fails too."""
    return read_back(
        error,
        lambda: onelogin.get_user(user_id),
        f"the userType of {step.user} in OneLogin (Users > {step.user} > Custom user fields)",
    )


def _demote(step: Step, onelogin: OneLoginClient, shortname: str) -> StepResult:
    user_id = step.onelogin_id or 0
    # The whole map goes back: whether a PUT merges custom_attributes is unknown (Op 7).
    custom = dict(onelogin.get_user(user_id).get("custom_attributes") or {})
    custom[shortname] = step.user_type
    lost = ""
    try:
        answer = onelogin.update_user(user_id, {"custom_attributes": custom}, mappings="disabled")
    except OneLoginError as error:
        answer, lost = _read_user(error, onelogin, user_id, step), f" ({READ_BACK})"
    holds = (answer.get("custom_attributes") or {}).get(shortname)
    if holds == step.user_type:
        return StepResult(
            step, Outcome.DONE, f"OneLogin now holds userType {holds}; it pushes it to SOE{lost}"
        )
    if lost:
        return StepResult(
            step,
            Outcome.FAILED,
            f"not done: the answer was lost and OneLogin still holds userType {holds or '(none)'}",
        )
    return StepResult(
        step, Outcome.FAILED, f"OneLogin answered but holds userType {holds or '(none)'}"
    )
