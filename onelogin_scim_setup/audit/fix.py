"""`audit --fix`: the remediation plan for the findings and its safety thresholds (pure; `ops.audit`
carries it out).

Two kinds of change, never a delete: deactivate a user in SOE (SCIM `active: false`) for
`should_be_inactive` and `orphan`, and re-run OneLogin's mappings for a `mapping_not_applied` user
(`PUT /api/2/users/{id}?mappings=sync` with an empty body). Whether that PUT runs the mappings is
UNCERTAIN (docs/onelogin-api.md Op 5), so the answer is read back: when the value did not change
the step ends as the manual "Reapply mappings" step instead. A `promotion_not_implied` user is
demoted: the user is read (`GET /api/2/users/{id}`, for the whole custom attribute map) and written
with the default userType (`PUT ...?mappings=disabled`), 2 calls, as apply's demotion does
(docs/demotion.md); `safety.max_user_type_changes` caps them unless --force. Ctrl-C or SIGTERM ends the run after
the step in flight; the report lists what was done and what was not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from onelogin_scim_setup.audit.findings import Category, Finding
from onelogin_scim_setup.errors import ExitCode, Refused

# Below this many deactivations the percentage is not asked: on a small site one leaver is >10%.
DEACTIVATE_ALWAYS_ALLOWED = 3


class StepKind(str, Enum):
    DEACTIVATE = "deactivate in SOE"
    REEVALUATE = "re-evaluate mappings in OneLogin"
    DEMOTE = "demote in OneLogin"


class Outcome(str, Enum):
    DONE = "done"
    FAILED = "failed"
    MANUAL = "manual step needed"
    INTERRUPTED = "interrupted (outcome unknown)"
    NOT_DONE = "not done"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    user: str
    category: Category
    soe_id: str | None = None
    onelogin_id: int | None = None
    user_type: str | None = None  # the value the mappings should set


@dataclass(frozen=True)
class FixPlan:
    steps: tuple[Step, ...]
    active_soe_users: int

    @property
    def deactivations(self) -> int:
        return sum(1 for step in self.steps if step.kind is StepKind.DEACTIVATE)

    @property
    def demotions(self) -> int:
        return sum(1 for step in self.steps if step.kind is StepKind.DEMOTE)


@dataclass(frozen=True)
class StepResult:
    step: Step
    outcome: Outcome
    detail: str = ""


@dataclass
class FixReport:
    results: list[StepResult] = field(default_factory=list)
    interrupted: ExitCode | None = None  # the exit code of the signal that stopped the run

    @property
    def failed(self) -> bool:
        return any(r.outcome is Outcome.FAILED for r in self.results)


def plan_fixes(findings: Iterable[Finding], active_soe_users: int) -> FixPlan:
    steps: list[Step] = []
    for finding in findings:
        if finding.category in (Category.SHOULD_BE_INACTIVE, Category.ORPHAN) and finding.soe_id:
            steps.append(
                Step(StepKind.DEACTIVATE, finding.user, finding.category, soe_id=finding.soe_id)
            )
        elif finding.category is Category.NOT_IMPLIED and finding.onelogin_id is not None:
            steps.append(
                Step(
                    StepKind.DEMOTE,
                    finding.user,
                    finding.category,
                    onelogin_id=finding.onelogin_id,
                    user_type=finding.expected,
                )
            )
        elif finding.category is Category.MAPPING_NOT_APPLIED and finding.onelogin_id is not None:
            steps.append(
                Step(
                    StepKind.REEVALUATE,
                    finding.user,
                    finding.category,
                    onelogin_id=finding.onelogin_id,
                    user_type=finding.expected,
                )
            )
    return FixPlan(tuple(steps), active_soe_users)


def check_threshold(plan: FixPlan, max_percent: float, *, force: bool) -> None:
    """Refuse a mass deactivation (a broken listing or a wrong config looks like everyone left)."""
    allowed = max(DEACTIVATE_ALWAYS_ALLOWED, math.floor(plan.active_soe_users * max_percent / 100))
    if force or plan.deactivations <= allowed:
        return
    share = 100 * plan.deactivations / max(plan.active_soe_users, 1)
    raise Refused(
        f"audit --fix would deactivate {plan.deactivations} of SOE's {plan.active_soe_users} "
        f"active users ({share:.0f}%), more than --max-deactivate-percent {max_percent:g} allows "
        f"({allowed}); nothing was changed",
        hint="Check the findings first (audit --category should_be_inactive --category orphan); "
        "if they are right, run again with --force or a higher --max-deactivate-percent.",
    )


def check_demotions(plan: FixPlan, limit: int, *, force: bool) -> None:
    """Refuse a mass demotion past safety.max_user_type_changes, as apply does."""
    if force or plan.demotions <= limit:
        return
    raise Refused(
        f"audit --fix would demote {plan.demotions} user(s), more than "
        f"safety.max_user_type_changes ({limit}); nothing was changed",
        hint="Check the findings first (audit --category promotion_not_implied); if they are "
        "right, run again with --force or raise safety.max_user_type_changes.",
    )
