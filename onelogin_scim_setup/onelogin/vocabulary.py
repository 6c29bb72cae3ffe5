"""OneLogin's mapping vocabulary: the action that sets each custom field and the `has_role` operator.

Both are discovered from the tenant, not guessed (docs/onelogin-api.md Op 5): the action value for a
custom attribute is undocumented, and a just-created field's action appears only after a background
job. `onelogin.mappings` reads mappings with it; `ops.writes.mappings` writes them with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient

ROLE_CONDITION = "has_role"


@dataclass(frozen=True)
class MappingVocabulary:
    """The mapping action per custom field and the `has_role` operator, discovered, not guessed
    (docs/onelogin-api.md Op 5: the action value for a custom attribute is undocumented)."""

    actions: dict[str, str]
    role_operator: str

    def action_for(self, shortname: str) -> str:
        if shortname not in self.actions:
            raise OneLoginError(
                f"OneLogin offers no mapping action for the custom field {shortname!r}",
                hint="Check that the field exists (Users > Custom User Fields); "
                "GET /api/2/mappings/actions lists the actions.",
            )
        return self.actions[shortname]

    def has_action(self, shortname: str) -> bool:
        return shortname in self.actions


def match_actions(
    listed: list[dict[str, Any]], shortnames: list[str], names: dict[str, str]
) -> dict[str, str]:
    """Each custom field's mapping action value, found by value or by label.

    The value is undocumented (docs/onelogin-api.md Op 5 [U]): the likely form is
    `set_<shortname>`, maybe lowercased; a tenant may use an opaque value, which only the label
    `Set <field name>` identifies. A value match wins over a label match.
    """
    by_value: dict[str, str] = {}
    by_label: dict[str, str] = {}
    for action in listed:
        value, label = str(action.get("value", "")), str(action.get("name", ""))
        for shortname in shortnames:
            if value.lower() == f"set_{shortname.lower()}":
                by_value.setdefault(shortname, value)
            elif label == f"Set {names.get(shortname, shortname)}":
                by_label.setdefault(shortname, value)
    return {**by_label, **by_value}


def wait_for_actions(
    client: OneLoginClient,
    shortnames: list[str],
    names: dict[str, str],
    *,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, str]:
    """`match_actions` on `GET /api/2/mappings/actions`, asked again with a growing pause until every
    field in `shortnames` has its action or `wait` seconds have passed: a just-created field's
    action comes from a background job (docs/onelogin-api.md Op 5). Returns what was found."""
    deadline = clock() + wait
    pause = 0.5
    while True:
        found = match_actions(client.list_mapping_actions(), shortnames, names)
        left = deadline - clock()
        if all(s in found for s in shortnames) or left <= 0:
            return found
        sleep(min(pause, left))
        pause = min(pause * 2, 10.0)


def discover_vocabulary(
    client: OneLoginClient, shortnames: list[str], names: dict[str, str], *, wait: float = 0.0
) -> MappingVocabulary:
    actions = wait_for_actions(client, shortnames, names, wait=wait)
    operators = client.list_condition_operators(ROLE_CONDITION)
    includes = [
        str(op["value"])
        for op in operators
        if str(op.get("value")) == "ri"
        or str(op.get("name", "")).lower() in ("includes", "include")
    ]
    if not includes:
        raise OneLoginError(
            "OneLogin offers no 'includes' operator for the has_role mapping condition",
            hint=f"GET /api/2/mappings/conditions/has_role/operators answered {operators!r}",
        )
    return MappingVocabulary(actions, includes[0])
