"""audit's pure core: OneLogin's intent against SOE's records -> findings; the fix plan and threshold."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import pytest

from onelogin_scim_setup.audit.findings import Category, has_problems, select
from onelogin_scim_setup.audit.fix import StepKind, check_threshold, plan_fixes
from onelogin_scim_setup.audit.match import find
from onelogin_scim_setup.audit.policy import Policy
from onelogin_scim_setup.audit.users import OneLoginUser, SoeUser
from onelogin_scim_setup.config.models import UserEntry
from onelogin_scim_setup.errors import Refused

POLICY = Policy(
    role_user_types=(("SOE Moderators", "Moderator"), ("SOE Admins", "Admin")),
    user_values=(UserEntry("pat@example.com", "Admin", "Design", None),),
    department_sent=True,
    title_sent=True,
    allow_moderator=True,
    allow_admin=True,
)


def person(name: str = "ann@example.com", **changes: object) -> OneLoginUser:
    values: dict[str, object] = {
        "id": 7,
        "user_name": name,
        "email": name,
        "status": 1,
        "assigned": True,
        "department": "Eng",
        "title": "Dev",
    }
    values.update(changes)
    return OneLoginUser(**values)  # type: ignore[arg-type]


def record(name: str = "ann@example.com", **changes: object) -> SoeUser:
    values: dict[str, object] = {
        "id": "9",
        "user_name": name,
        "active": True,
        "user_type": "Registered",
        "department": "Eng",
        "title": "Dev",
    }
    values.update(changes)
    return SoeUser(**values)  # type: ignore[arg-type]


def categories(onelogin: list[OneLoginUser], soe: list[SoeUser]) -> list[str]:
    return [f.category.value for f in find(POLICY, onelogin, soe)]


@pytest.mark.parametrize(
    ("onelogin", "soe", "expected"),
    [
        ([person()], [record()], []),
        ([person()], [record("ANN@Example.com")], []),
        ([person(status=2)], [record()], ["should_be_inactive"]),
        ([person(assigned=False)], [record()], ["should_be_inactive"]),
        ([person(status=2)], [record(active=False)], []),
        ([], [record()], ["orphan"]),
        ([], [record(active=False)], []),
        ([person()], [record(active=False)], ["should_be_active"]),
        # In no promoting role and no per-user user_type: a promotion nothing implies (demotion).
        ([person(user_type="Moderator")], [record()], ["promotion_not_implied"]),
        ([person(user_type="Admin")], [record(user_type="Admin")], ["promotion_not_implied"]),
        ([person(user_type="Registered")], [record(user_type="Moderator")], ["promotion_not_implied"]),
        ([person()], [record(user_type="Admin")], ["promotion_not_implied"]),
        ([person(user_type="Registered")], [record()], []),
        ([person(roles=("SOE Admins",))], [record()], ["mapping_not_applied"]),
        (
            [person(roles=("SOE Admins",), user_type="Admin")],
            [record()],
            ["user_type_mismatch"],
        ),
        ([person(roles=("SOE Admins",), user_type="Admin")], [record(user_type="Admin")], []),
        ([person(title="Lead")], [record()], ["attribute_mismatch"]),
        ([person(department=None)], [record(department="")], []),
        ([person()], [record(title="{$user.title}", placeholders=("title: {$user.title}",))], ["literal_placeholder"]),
        ([person()], [], ["not_signed_in"]),
        ([person(status=2)], [], []),
        ([person(assigned=False)], [], []),
    ],
)  # fmt: skip
def test_category_table(
    onelogin: list[OneLoginUser], soe: list[SoeUser], expected: list[str]
) -> None:
    assert categories(onelogin, soe) == expected


def test_first_role_mapping_in_config_order_wins() -> None:
    both = person(roles=("SOE Admins", "SOE Moderators"), user_type="Moderator")
    assert categories([both], [record(user_type="Moderator")]) == []


def test_a_per_user_value_wins_over_role_mappings() -> None:
    pat = person(
        "pat@example.com", roles=("SOE Moderators",), user_type="Moderator", department="Design"
    )
    found = find(
        POLICY, [pat], [record("pat@example.com", user_type="Moderator", department="Design")]
    )
    assert [(f.category, f.expected, f.fix) for f in found] == [
        (Category.MAPPING_NOT_APPLIED, "Admin", "run apply"),
        (
            Category.TYPE_RULES_DISAGREE,
            "Admin",
            "make them agree: remove the user from 'SOE Moderators', or its promotions.users "
            "user_type",
        ),
    ]
    disagree = found[1]
    assert "the mapping of role 'SOE Moderators' gives Moderator" in disagree.cause
    assert "KB0010625" in disagree.cause  # which one OneLogin applies, under each reading


def test_a_promotion_nothing_implies_names_where_and_how_to_fix() -> None:
    bob = person("bob@example.com", user_type="Moderator", roles=("Engineering",))
    (finding,) = find(POLICY, [bob], [record("bob@example.com", user_type="Moderator")])
    assert finding.category is Category.NOT_IMPLIED
    assert finding.severity.value == "security"
    assert (finding.attribute, finding.expected, finding.actual) == (
        "userType (OneLogin)",
        "Registered",
        "Moderator",
    )
    assert "no promoting role" in finding.cause
    assert "'SOE Admins'" in finding.cause
    assert finding.fix.startswith("run apply: it writes Registered")


def test_the_default_type_is_the_configs() -> None:
    policy = replace(POLICY, default_user_type="Moderator")
    found = find(policy, [person(user_type="Moderator")], [record(user_type="Moderator")])
    assert found == []
    found = find(policy, [person(user_type="Admin")], [record(user_type="Admin")])
    assert [(f.category, f.expected) for f in found] == [(Category.NOT_IMPLIED, "Moderator")]


def test_user_type_is_not_compared_when_the_config_does_not_send_it() -> None:
    policy = Policy(role_user_types=POLICY.role_user_types, user_type_sent=False)
    found = find(policy, [person(roles=("SOE Admins",), user_type="Moderator")], [record()])
    assert found == []


def test_security_findings_come_first() -> None:
    found = find(
        POLICY,
        [person("new@example.com"), person(title="Lead")],
        [record(), record("x@example.com")],
    )
    assert [f.category.value for f in found] == ["orphan", "attribute_mismatch", "not_signed_in"]


def test_information_alone_is_not_a_problem() -> None:
    assert not has_problems(find(POLICY, [person()], []))
    assert has_problems(find(POLICY, [], [record()]))


def test_select_filters_by_category() -> None:
    found = find(POLICY, [person("new@example.com")], [record()])
    assert [f.category for f in select(found, [Category.ORPHAN])] == [Category.ORPHAN]
    assert select(found, []) == found


def test_fix_plan_covers_leavers_orphans_and_pending_mappings_only() -> None:
    found = find(
        POLICY,
        [person(status=2), person("m@example.com", id=8, roles=("SOE Admins",)), person("t@example.com", title="X")],
        [record(), record("m@example.com", id="10"), record("t@example.com", id="11"), record("o@example.com", id="12")],
    )  # fmt: skip
    plan = plan_fixes(found, active_soe_users=4)
    assert [(s.kind, s.user) for s in plan.steps] == [
        (StepKind.DEACTIVATE, "ann@example.com"),
        (StepKind.DEACTIVATE, "o@example.com"),
        (StepKind.REEVALUATE, "m@example.com"),
    ]
    assert plan.steps[2].user_type == "Admin"


@pytest.mark.parametrize(
    ("deactivations", "active", "percent", "force", "refused"),
    [
        (3, 4, 10.0, False, False),  # three are always allowed
        (4, 100, 10.0, False, False),
        (11, 100, 10.0, False, True),
        (10, 100, 10.0, False, False),
        (11, 100, 10.0, True, False),
        (4, 10, 50.0, False, False),
    ],
)
def test_threshold(
    deactivations: int, active: int, percent: float, force: bool, refused: bool
) -> None:
    soe = [record(f"u{i}@example.com", id=str(i)) for i in range(deactivations)]
    plan = plan_fixes(find(POLICY, [], soe), active_soe_users=active)
    if refused:
        with pytest.raises(Refused, match="nothing was changed"):
            check_threshold(plan, percent, force=force)
    else:
        check_threshold(plan, percent, force=force)


def test_the_cli_lists_every_category_in_order() -> None:
    from onelogin_scim_setup.cli.audit import CATEGORIES

    assert tuple(c.value for c in Category) == CATEGORIES


def test_a_per_user_title_not_yet_written_is_found() -> None:
    """Issue 17's surviving bug: the per-user title check was skipped. promotions.users sets pat's
    title to Lead; OneLogin (and so SOE) still hold Dev: apply has not written it."""
    policy = Policy(
        user_values=(UserEntry("pat@example.com", None, None, "Lead"),),
        department_sent=True,
        title_sent=True,
    )
    pat = "pat@example.com"
    found = find(policy, [person(pat)], [record(pat)])
    assert [(f.category, f.attribute, f.expected, f.actual) for f in found] == [
        (Category.ATTRIBUTE_MISMATCH, "title (OneLogin)", "Lead", "Dev")
    ]


def test_a_per_user_department_not_yet_written_is_found() -> None:
    policy = Policy(
        user_values=(UserEntry("pat@example.com", None, "Ops", None),), department_sent=True
    )
    pat = "pat@example.com"
    found = find(policy, [person(pat)], [record(pat)])
    assert [(f.attribute, f.expected) for f in found] == [("department (OneLogin)", "Ops")]


def test_per_user_values_are_found_by_email_the_first_entry_winning() -> None:
    policy = Policy(
        user_values=(
            UserEntry("kim@example.com", None, "Ops", None),
            UserEntry("kim@example.com", "Moderator", "Eng", "Lead"),
            UserEntry("kim@example.com", "Admin", None, None),
        )
    )
    kim = person("KIM@example.com")
    assert policy.implied_user_type(kim) == ("Moderator", "promotions.users")
    assert policy.per_user("Kim@Example.com") == ("Ops", None)
    assert policy.per_user("nobody@example.com") == (None, None)
    assert policy.implied_user_type(person("nobody@example.com")) == (None, "")


class CountingEntries(Sequence[UserEntry]):
    """Per-user entries that count every entry anyone reads from them: a policy that scans the
    entries once per user reads users x entries of them, an index by email about 2 x entries."""

    def __init__(self, entries: list[UserEntry]) -> None:
        self._entries = entries
        self.read = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: Any) -> Any:
        found = self._entries[index]
        self.read += len(found) if isinstance(index, slice) else 1
        return found

    def __iter__(self) -> Iterator[UserEntry]:
        for entry in self._entries:
            self.read += 1
            yield entry


@pytest.mark.parametrize("count", [100, 2_000])
def test_the_policy_reads_each_per_user_entry_a_constant_number_of_times(count: int) -> None:
    """Linear, not users x entries (issue 22: every SOE user scanned every entry): the whole
    comparison of `count` users, each with a per-user entry, reads the entries at most twice
    over (one pass per index), whatever `count` is. Counted, not timed."""
    entries = CountingEntries(
        [UserEntry(f"U{n}@Example.com", "Moderator", f"Dept {n % 7}", None) for n in range(count)]
    )
    policy = Policy(user_values=entries, department_sent=True, allow_moderator=True)
    people = [
        person(f"u{n}@example.com", id=n, user_type="Moderator", department=f"Dept {n % 7}")
        for n in range(count)
    ]
    soe = [
        record(f"u{n}@example.com", user_type="Moderator", department=f"Dept {n % 7}")
        for n in range(count)
    ]
    assert find(policy, people, soe) == []  # every user as the entries say: nothing to find
    assert all(policy.implied_user_type(p) == ("Moderator", "promotions.users") for p in people)
    assert all(policy.per_user(p.email) == (f"Dept {p.id % 7}", None) for p in people)
    assert 0 < entries.read <= 2 * count
