"""The API calls an apply costs, and the refusal before the first write when the hourly budget
cannot cover them.

Call budget per step (`ops.writes`) (writes, plus the reads a write cannot do without):

| step | calls |
| --- | --- |
| custom field, create | 1 POST, 1 GET of the fields (the shortname's case is checked) |
| app, update: configuration, parameters and provisioning together | 1 PUT; +1 GET only when the answer does not show the app (to check the configuration keys and provisioning.enabled were kept) |
| app, create | 1 POST (configuration, provisioning); +1 PUT of the parameters, decided against the connector's own parameters the new app came with; +1 GET as above |
| role, create | 1 POST (+1 PUT of its apps) |
| role, give it the app | 1 PUT of the role's apps (the whole set); +1 GET of them when the role listing lacked `apps` or a person approved at the prompt (the listing may be minutes old) |
| role, take the app away (`app.exclusive_roles`) | 1 PUT of the role's other apps; +1 GET of them, as above |
| mappings, first one needing it | 2 GETs (the mapping actions and the has_role operators), once per apply |
| mapping create / update / delete | 1 POST / PUT / DELETE; nothing is read back |
| user values | 1 PUT per user, `onelogin.concurrency` at once; +1 GET of the user first when no listing showed its custom attributes (a demotion on a tenant whose user list leaves them out) |

OneLogin has no bulk form for roles, mappings or users, so those stay one call each. `estimate_calls`
adds this up; `ops.apply.check_budget` refuses before the first write when the account's hourly budget, less the
reserve for other integrations, cannot cover it.
"""

from __future__ import annotations

from onelogin_scim_setup.model.snapshot import Ids
from onelogin_scim_setup.plan.changes import APP_KINDS, Action, Change, Kind

# The share of the hourly budget apply leaves to other integrations (onelogin.rate_reserve).
DEFAULT_RESERVE = 0.2


def estimate_calls(changes: tuple[Change, ...] | list[Change], ids: Ids) -> int:
    """The API calls carrying out `changes` costs at most (the table in the module docstring)."""
    calls = 0
    if any(c.kind in APP_KINDS for c in changes):
        calls += 3  # a create and a parameter PUT (or one PUT), and a read-back if needed
    for change in changes:
        if change.kind is Kind.CUSTOM_FIELD:
            calls += 2
        elif change.kind is Kind.USER:
            calls += 1 + (
                change.key not in ids.user_custom_attributes
                and any(f.name.startswith("custom_attributes.") for f in change.fields)
            )
        elif change.kind is Kind.MAPPING:
            calls += 1
        elif change.kind is Kind.ROLE:
            calls += (change.action is Action.CREATE) + 1 + (ids.role_apps is None)
    if any(c.kind is Kind.MAPPING and c.action is not Action.DELETE for c in changes):
        calls += 2  # the mapping vocabulary, discovered once
    return calls
