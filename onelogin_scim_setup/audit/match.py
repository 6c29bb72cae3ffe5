"""OneLogin's intent against SOE's reality: pair each SOE record with its OneLogin user and apply the
rules (`audit.rules`). Pure, no I/O.

`policy_of(config)` (`audit.policy`) says what the config implies; `find(policy, onelogin, soe)`
compares what the two listings hold (see `ops.audit_read`) and answers one `Finding` per problem. Users
are matched by the SCIM `userName` OneLogin sends (the `scimusername` parameter's source),
case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable

from onelogin_scim_setup.audit.findings import RANK, Category, Finding
from onelogin_scim_setup.audit.policy import Policy
from onelogin_scim_setup.audit.rules import compare, not_signed_in, orphan, placeholders
from onelogin_scim_setup.audit.users import OneLoginUser, SoeUser

_ORDER = {category: index for index, category in enumerate(Category)}  # declaration order


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
        found.extend(placeholders(record, people.get(key)))
        person = people.get(key)
        if person is None:
            if record.active:
                found.append(orphan(record))
            continue
        found.extend(compare(policy, person, record))
    for key, person in people.items():
        if key not in seen and person.assigned and not person.suspended:
            found.append(not_signed_in(person))
    found.sort(key=lambda f: (RANK[f.severity], _ORDER[f.category], _key(f.user)))
    return found
