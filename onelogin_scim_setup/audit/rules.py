"""The per-category rules: one OneLogin user against its SOE record (or either one alone) -> the
findings of each category, with cause and fix. Pure functions, no I/O; `audit.match` pairs the users.
"""

from __future__ import annotations

from collections.abc import Sequence

from onelogin_scim_setup.audit.findings import Category, Finding, awaits_approval
from onelogin_scim_setup.audit.policy import Policy
from onelogin_scim_setup.audit.users import USER_TYPES, OneLoginUser, SoeUser

CAUSE_DEPROVISION = (
    "OneLogin did not deprovision the user: the SCIM connection or its token is broken, "
    "provisioning is off, the deprovision action is not Suspend, or "
    + awaits_approval("Delete", "Update")
)


FIX_DEACTIVATE = "audit --fix deactivates the user in SOE (SCIM active=false); then repair the connection (verify --e2e)"


REAPPLY = "OneLogin > Users > Mappings > Reapply All Mappings (or audit --fix)"


def _shown(value: str | None) -> str:
    return "(none)" if value in (None, "") else str(value)


def _same(left: str | None, right: str | None) -> bool:
    return (left or "") == (right or "")


def not_signed_in(person: OneLoginUser) -> Finding:
    return Finding(
        Category.NOT_SIGNED_IN,
        person.user_name,
        "presence",
        "present",
        "absent",
        "SOE creates users at their first SAML sign-in; this user has not signed in yet",
        "nothing to do (information only)",
        onelogin_id=person.id,
    )


def orphan(record: SoeUser) -> Finding:
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


def compare(policy: Policy, person: OneLoginUser, record: SoeUser) -> list[Finding]:
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
    if implied is None:
        revoked = _not_implied(policy, person, record)
        if revoked is not None:
            return [revoked]
    elif why == "promotions.users":
        found += _disagreement(policy, person, record, implied)
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


DEMOTE = (
    "run apply: it writes {default} on every user holding a type nothing implies (docs/demotion.md); "
    "or audit --fix"
)


def _not_implied(policy: Policy, person: OneLoginUser, record: SoeUser) -> Finding | None:
    """A promotion no rule of the config implies any more: in no promoting role (left it, or the
    rule was removed) and no per-user user_type (removed)."""
    default = policy.default_user_type
    promoted = [t for t in USER_TYPES if t != default]
    if person.user_type in promoted:
        attribute, holds = "userType (OneLogin)", str(person.user_type)
        where = "OneLogin holds it"
    elif record.user_type in promoted and (person.user_type or default) == default:
        attribute, holds = "userType (SOE)", record.user_type
        where = f"OneLogin holds {_shown(person.user_type)}, but the change never reached SOE"
    else:
        return None
    roles = ", ".join(repr(r) for r, _ in policy.role_user_types) or "none"
    return Finding(
        Category.NOT_IMPLIED,
        person.user_name,
        attribute,
        default,
        holds,
        f"{holds} is implied by nothing in the config ({where}): the user is in no promoting role "
        f"(promotions.roles: {roles}; left the role, or its rule was removed) and has no user_type "
        "in promotions.users (removed)",
        DEMOTE.format(default=default),
        onelogin_id=person.id,
        soe_id=record.id,
    )


def _disagreement(
    policy: Policy, person: OneLoginUser, record: SoeUser, per_user: str
) -> list[Finding]:
    """A per-user user_type and the role mapping the user matches set different types."""
    by_role = policy.role_user_type(person)
    if by_role is None or by_role[1] == per_user:
        return []
    role, mapped = by_role
    return [
        Finding(
            Category.TYPE_RULES_DISAGREE,
            person.user_name,
            "userType (OneLogin)",
            per_user,
            _shown(person.user_type),
            f"promotions.users gives {per_user}, but the mapping of role {role!r} gives {mapped}. "
            f"OneLogin applies {mapped} at the next 'Reapply mappings' or change of the user if "
            f"mappings override values given to the user (KB0010625), else keeps {per_user}; apply writes "
            f"{per_user} again each time (docs/demotion.md, Limits)",
            f"make them agree: remove the user from {role!r}, or its promotions.users user_type",
            onelogin_id=person.id,
            soe_id=record.id,
        )
    ]


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
        "the change was not pushed: " + awaits_approval("Update") + ", or the connection is broken",
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


def placeholders(record: SoeUser, person: OneLoginUser | None) -> list[Finding]:
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
