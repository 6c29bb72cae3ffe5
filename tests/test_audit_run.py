"""ops.audit: the exit status of an audit and of its fix (the command's only decision after the run)."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.audit.findings import Category, Finding
from onelogin_scim_setup.audit.fix import FixReport, Outcome, Step, StepKind, StepResult
from onelogin_scim_setup.errors import ExitCode
from onelogin_scim_setup.ops.audit import Audited, AuditOutcome


def finding(category: Category) -> Finding:
    return Finding(category, "pat@example.com", "active", "inactive", "active", "cause", "fix")


def report(outcome: Outcome, interrupted: ExitCode | None = None) -> FixReport:
    step = Step(StepKind.DEACTIVATE, "pat@example.com", Category.ORPHAN, soe_id="s1")
    return FixReport([StepResult(step, outcome)], interrupted=interrupted)


PROBLEM = [finding(Category.ORPHAN)]
INFORMATION = [finding(Category.NOT_SIGNED_IN)]


@pytest.mark.parametrize(
    ("findings", "fixing", "fixed", "detailed", "code"),
    [
        pytest.param(PROBLEM, False, None, False, ExitCode.OK, id="problem, plain exit"),
        pytest.param(PROBLEM, False, None, True, ExitCode.CHANGES_PENDING, id="problem, detailed"),
        pytest.param(INFORMATION, False, None, True, ExitCode.OK, id="information only"),
        pytest.param(PROBLEM, True, None, True, ExitCode.OK, id="fix with nothing to do"),
        pytest.param(PROBLEM, True, report(Outcome.DONE), True, ExitCode.OK, id="fixed"),
        pytest.param(PROBLEM, True, report(Outcome.FAILED), False, ExitCode.ERROR, id="fix failed"),
        pytest.param(
            PROBLEM,
            True,
            report(Outcome.INTERRUPTED, ExitCode.TERMINATED),
            False,
            ExitCode.TERMINATED,
            id="fix interrupted",
        ),
    ],
)
def test_exit_code(
    findings: list[Finding], fixing: bool, fixed: FixReport | None, detailed: bool, code: ExitCode
) -> None:
    outcome = AuditOutcome(Audited(findings, [], (1, 1)), fixing=fixing, report=fixed)
    assert outcome.exit_code(detailed) == code
