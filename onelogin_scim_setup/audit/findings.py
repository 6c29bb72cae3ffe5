"""An audit's findings: the categories, their severity, one `Finding` per problem, and how a run
selects and counts them. What produces them is `audit.match` and `audit.rules`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

AUDIT_FORMAT_VERSION = 1


class Category(str, Enum):
    SHOULD_BE_INACTIVE = "should_be_inactive"
    ORPHAN = "orphan"
    # Holds Moderator/Admin in OneLogin or SOE that nothing in the config implies (docs/demotion.md).
    NOT_IMPLIED = "promotion_not_implied"
    SHOULD_BE_ACTIVE = "should_be_active"
    USER_TYPE_MISMATCH = "user_type_mismatch"
    MAPPING_NOT_APPLIED = "mapping_not_applied"
    # A per-user user_type and the role mapping the user matches set different types.
    TYPE_RULES_DISAGREE = "user_type_rules_disagree"
    ATTRIBUTE_MISMATCH = "attribute_mismatch"
    LITERAL_PLACEHOLDER = "literal_placeholder"
    NOT_SIGNED_IN = "not_signed_in"


class Severity(str, Enum):
    SECURITY = "security"
    PROBLEM = "problem"
    INFORMATION = "information"


SEVERITY = {
    Category.SHOULD_BE_INACTIVE: Severity.SECURITY,
    Category.ORPHAN: Severity.SECURITY,
    Category.NOT_IMPLIED: Severity.SECURITY,
    Category.SHOULD_BE_ACTIVE: Severity.PROBLEM,
    Category.USER_TYPE_MISMATCH: Severity.PROBLEM,
    Category.MAPPING_NOT_APPLIED: Severity.PROBLEM,
    Category.TYPE_RULES_DISAGREE: Severity.PROBLEM,
    Category.ATTRIBUTE_MISMATCH: Severity.PROBLEM,
    Category.LITERAL_PLACEHOLDER: Severity.PROBLEM,
    Category.NOT_SIGNED_IN: Severity.INFORMATION,
}


RANK = {Severity.SECURITY: 0, Severity.PROBLEM: 1, Severity.INFORMATION: 2}


@dataclass(frozen=True)
class Finding:
    category: Category
    user: str  # the SCIM userName
    attribute: str
    expected: str
    actual: str
    cause: str
    fix: str
    onelogin_id: int | None = None
    soe_id: str | None = None

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.category]

    def to_dict(self) -> dict[str, str | int | None]:
        # Built by hand: dataclasses.asdict deep-copies, which shows at 10,000s of findings.
        return {
            "category": self.category.value,
            "severity": self.severity.value,
            "user": self.user,
            "attribute": self.attribute,
            "expected": self.expected,
            "actual": self.actual,
            "cause": self.cause,
            "fix": self.fix,
            "onelogin_id": self.onelogin_id,
            "soe_id": self.soe_id,
        }


FIELD_NAMES = (
    "category",
    "severity",
    "user",
    "attribute",
    "expected",
    "actual",
    "cause",
    "fix",
    "onelogin_id",
    "soe_id",
)


def select(findings: Iterable[Finding], categories: Iterable[Category]) -> list[Finding]:
    wanted = set(categories)
    return [f for f in findings if not wanted or f.category in wanted]


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    result = {category.value: 0 for category in Category}
    for finding in findings:
        result[finding.category.value] += 1
    return result


def has_problems(findings: Iterable[Finding]) -> bool:
    return any(f.severity is not Severity.INFORMATION for f in findings)


def awaits_approval(*boxes: str) -> str:
    """The cause "the push waits for an admin's approval", with the box labels of OneLogin's
    Provisioning tab (docs/onelogin-api.md §3; the manual step "admin approval" unticks them)."""
    labels = " or ".join(f"'{box} user'" for box in boxes)
    return (
        f"the push waits for an admin's approval in OneLogin ({labels} is ticked under Apps > "
        "the app > Provisioning > Workflow: untick it, then approve the queued change)"
    )
