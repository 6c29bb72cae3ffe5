"""OneLogin's intent against SOE's reality, per user: pure functions, no I/O.

`policy_of(config)` says what the config implies; `find(policy, onelogin, soe)` compares what the two
listings hold (see `audit.read`) and answers one `Finding` per problem. Users are matched by the SCIM
`userName` OneLogin sends (the `scimusername` parameter's source), case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from onelogin_scim_setup.config.models import Config

AUDIT_FORMAT_VERSION = 1
SUSPENDED = 2  # OneLogin's user status "Suspended": what triggers the deprovision action
USER_TYPES = ("Registered", "Moderator", "Admin")


class Category(str, Enum):
    SHOULD_BE_INACTIVE = "should_be_inactive"
    ORPHAN = "orphan"
    SHOULD_BE_ACTIVE = "should_be_active"
    USER_TYPE_MISMATCH = "user_type_mismatch"
    MAPPING_NOT_APPLIED = "mapping_not_applied"
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
    Category.SHOULD_BE_ACTIVE: Severity.PROBLEM,
    Category.USER_TYPE_MISMATCH: Severity.PROBLEM,
    Category.MAPPING_NOT_APPLIED: Severity.PROBLEM,
    Category.ATTRIBUTE_MISMATCH: Severity.PROBLEM,
    Category.LITERAL_PLACEHOLDER: Severity.PROBLEM,
    Category.NOT_SIGNED_IN: Severity.INFORMATION,
}
RANK = {Severity.SECURITY: 0, Severity.PROBLEM: 1, Severity.INFORMATION: 2}


@dataclass(frozen=True)
class OneLoginUser:
    """One OneLogin user as the listings show it. `user_type` None: no value (or unreadable)."""

    id: int
    user_name: str  # the SCIM userName OneLogin sends for this user
    email: str
    status: int | None
    assigned: bool
    roles: tuple[str, ...] = ()
    user_type: str | None = None
    department: str | None = None
    title: str | None = None

    @property
    def suspended(self) -> bool:
        return self.status == SUSPENDED


@dataclass(frozen=True)
class SoeUser:
    """One SOE SCIM user. `user_type` is "Registered" when SOE omits it (docs/soe-scim.md §1.2)."""

    id: str
    user_name: str
    active: bool
    user_type: str
    department: str | None = None
    title: str | None = None
    placeholders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """What the config implies: which attributes OneLogin sends and which userType each user gets."""

    role_user_types: tuple[tuple[str, str], ...] = ()  # (role, userType), in config order
    user_values: tuple[tuple[str, str | None, str | None, str | None], ...] = ()
    user_type_sent: bool = True
    department_sent: bool = False
    title_sent: bool = False
    allow_moderator: bool = False
    allow_admin: bool = False
    provisioning: bool | None = True  # as OneLogin reports it; None: unknown

    def implied_user_type(self, user: OneLoginUser) -> tuple[str | None, str]:
        """(userType the config implies, why): a per-user value first, then the first role mapping
        in config order the user matches (apply appends mappings in that order). None: no rule."""
        for email, user_type, _, _ in self.user_values:
            if user_type and email == user.email.casefold():
                return user_type, "promotions.users"
        for role, user_type in self.role_user_types:
            if role in user.roles:
                return user_type, f"role {role!r}"
        return None, ""

    def per_user(self, email: str) -> tuple[str | None, str | None]:
        """(department, title) promotions.users sets for this email."""
        for wanted, _, department, title in self.user_values:
            if wanted == email.casefold():
                return department, title
        return None, None


def policy_of(config: Config, *, provisioning: bool | None = True) -> Policy:
    fields = config.fields
    return Policy(
        role_user_types=tuple((p.role, p.user_type) for p in config.promotions.roles),
        user_values=tuple(
            (u.email.casefold(), u.user_type, u.department, u.title)
            for u in config.promotions.users
        ),
        user_type_sent=fields.user_type.enabled,
        department_sent=fields.department.enabled,
        title_sent=fields.title.enabled,
        allow_moderator=config.soe.allow_moderator_promotion,
        allow_admin=config.soe.allow_admin_promotion,
        provisioning=provisioning,
    )


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

CAUSE_DEPROVISION = (
    "OneLogin did not deprovision the user: the SCIM connection or its token is broken, "
    "provisioning is off, or the deprovision action is not Suspend"
)
FIX_DEACTIVATE = "audit --fix deactivates the user in SOE (SCIM active=false); then repair the connection (verify --e2e)"
REAPPLY = "OneLogin > Users > Mappings > Reapply All Mappings (or audit --fix)"


def _shown(value: str | None) -> str:
    return "(none)" if value in (None, "") else str(value)


def _same(left: str | None, right: str | None) -> bool:
    return (left or "") == (right or "")


def _key(user_name: str) -> str:
    return user_name.strip().casefold()


def find(policy: Policy, onelogin: Iterable[OneLoginUser], soe: Iterable[SoeUser]) -> list[Finding]:
    """Every finding, worst first (security, problems, information), then by user."""
    people: dict[str, OneLoginUser] = {}
    for user in onelogin:
        people.setdefault(_key(user.user_name), user)
    found: list[Finding] = []
    seen: set[str] = set()
    for record in soe:
        key = _key(record.user_name)
        seen.add(key)
        found.extend(_placeholders(record, people.get(key)))
        person = people.get(key)
        if person is None:
            if record.active:
                found.append(_orphan(record))
            continue
        found.extend(_compare(policy, person, record))
    for key, person in people.items():
        if key not in seen and person.assigned and not person.suspended:
            found.append(
                Finding(
                    Category.NOT_SIGNED_IN,
                    person.user_name,
                    "presence",
                    "present",
                    "absent",
                    "SOE creates users at their first SAML sign-in; this user has not signed in yet",
                    "nothing to do (information only)",
                    onelogin_id=person.id,
                )
            )
    found.sort(key=lambda f: (RANK[f.severity], list(Category).index(f.category), _key(f.user)))
    return found


def _orphan(record: SoeUser) -> Finding:
    return Finding(
        Category.ORPHAN,
        record.user_name,
        "active",
        "inactive",
        "active",
        "unknown to OneLogin: no OneLogin user has this userName (deleted in OneLogin without deprovisioning, "
        "renamed, or created in SOE by hand)",
        FIX_DEACTIVATE,
        soe_id=record.id,
    )


def _compare(policy: Policy, person: OneLoginUser, record: SoeUser) -> list[Finding]:
    should_be_active = person.assigned and not person.suspended
    if record.active and not should_be_active:
        why = "suspended in OneLogin" if person.suspended else "no longer assigned the app"
        return [
            Finding(
                Category.SHOULD_BE_INACTIVE,
                person.user_name,
                "active",
                "inactive",
                "active",
                f"{why}, yet active in SOE: {CAUSE_DEPROVISION}",
                FIX_DEACTIVATE,
                onelogin_id=person.id,
                soe_id=record.id,
            )
        ]
    if not record.active:
        if not should_be_active:
            return []
        return [
            Finding(
                Category.SHOULD_BE_ACTIVE,
                person.user_name,
                "active",
                "active",
                "inactive",
                "assigned the app and active in OneLogin, but deactivated in SOE by hand, or OneLogin's reactivation never reached SOE",
                "reactivate the user in SOE (Admin > Users), or update the user in OneLogin so it "
                "pushes again",
                onelogin_id=person.id,
                soe_id=record.id,
            )
        ]
    return [*_user_type(policy, person, record), *_attributes(policy, person, record)]


def _user_type(policy: Policy, person: OneLoginUser, record: SoeUser) -> list[Finding]:
    if not policy.user_type_sent:
        return []
    found: list[Finding] = []
    implied, why = policy.implied_user_type(person)
    if implied is not None and person.user_type != implied:
        per_user = why == "promotions.users"
        found.append(
            Finding(
                Category.MAPPING_NOT_APPLIED,
                person.user_name,
                "userType (OneLogin)",
                implied,
                _shown(person.user_type),
                f"implied by {why}: "
                + (
                    "apply has not written the per-user value yet"
                    if per_user
                    else "OneLogin does not apply API-made mappings to existing users until "
                    "'Reapply mappings' runs or the user is updated"
                ),
                "run apply" if per_user else REAPPLY,
                onelogin_id=person.id,
                soe_id=record.id,
            )
        )
    holds = person.user_type or "Registered"
    if record.user_type != holds:
        found.append(
            Finding(
                Category.USER_TYPE_MISMATCH,
                person.user_name,
                "userType",
                holds,
                record.user_type,
                f"OneLogin holds {_shown(person.user_type)}: {_user_type_cause(policy, holds)}",
                "fix the cause, then update the user in OneLogin so it pushes again; "
                "verify --e2e proves the chain",
                onelogin_id=person.id,
                soe_id=record.id,
            )
        )
    return found


def _user_type_cause(policy: Policy, holds: str) -> str:
    if holds not in USER_TYPES:
        return (
            f"{holds!r} is not a userType SOE knows (Registered, Moderator, Admin); SOE ignores it"
        )
    causes = []
    if policy.provisioning is False:
        causes.append("provisioning is off for the app")
    boxes = {"Moderator": policy.allow_moderator, "Admin": policy.allow_admin}
    if holds in boxes:
        box = f"SOE's 'Allow {holds} Promotion via a userType property' box"
        key = f"soe.allow_{holds.lower()}_promotion"
        causes.append(
            f"{box} is off ({key}: false)" if not boxes[holds] else f"{box} is off in SOE"
        )
    causes += [
        "the app's SCIM JSON template lacks userType",
        "the change was not pushed (Update user awaits approval, or the connection is broken)",
    ]
    return "; or ".join(causes)


def _attributes(policy: Policy, person: OneLoginUser, record: SoeUser) -> list[Finding]:
    found: list[Finding] = []
    wanted_department, wanted_title = policy.per_user(person.email)
    checks: Sequence[tuple[bool, str, str | None, str | None, str | None]] = (
        (policy.department_sent, "department", person.department, record.department, wanted_department),
        (policy.title_sent, "title", person.title, record.title, wanted_title),
    )  # fmt: skip
    for sent, name, holds, shows, configured in checks:
        if not sent or any(mark in (shows or "") for mark in ("{$", "${")):
            continue  # a literal placeholder is its own finding
        if configured is not None and not _same(holds, configured):
            found.append(
                Finding(
                    Category.ATTRIBUTE_MISMATCH,
                    person.user_name,
                    f"{name} (OneLogin)",
                    configured,
                    _shown(holds),
                    "set by promotions.users: apply has not written the per-user value yet",
                    "run apply",
                    onelogin_id=person.id,
                    soe_id=record.id,
                )
            )
        elif not _same(holds, shows):
            found.append(
                Finding(
                    Category.ATTRIBUTE_MISMATCH,
                    person.user_name,
                    name,
                    _shown(holds),
                    _shown(shows),
                    f"the app's template does not send {name}, the change was not pushed, or it "
                    "was edited in SOE",
                    "update the user in OneLogin so it pushes again; check the template with "
                    "render --preview",
                    onelogin_id=person.id,
                    soe_id=record.id,
                )
            )
    return found


def _placeholders(record: SoeUser, person: OneLoginUser | None) -> list[Finding]:
    return [
        Finding(
            Category.LITERAL_PLACEHOLDER,
            record.user_name,
            item.split(": ", 1)[0],
            "a substituted value",
            item.split(": ", 1)[1] if ": " in item else item,
            "OneLogin sent the template's placeholder text: a typo, an unknown source, or the "
            "${...} spelling OneLogin does not substitute",
            "fix the template (validate, render --preview), then update the user in OneLogin",
            onelogin_id=person.id if person else None,
            soe_id=record.id,
        )
        for item in record.placeholders
    ]


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
