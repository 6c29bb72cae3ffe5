"""OneLogin's mapping vocabulary: the action that sets each custom field and the `has_role` operator.

Both are discovered from the tenant, not guessed (docs/onelogin-api.md Op 5): the action value for a
custom attribute is undocumented, and a just-created field's action appears only after a background
job. `onelogin.mappings` reads mappings with it; `ops.writes.mappings` writes them with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import ActionMatch, MappingVocabulary
from onelogin_scim_setup.onelogin.answers import each
from onelogin_scim_setup.onelogin.client import CUSTOM_ATTRIBUTES, MAPPINGS, OneLoginClient

ROLE_CONDITION = "has_role"
ACTIONS = f"{MAPPINGS}/actions"
OPERATORS = f"{MAPPINGS}/conditions/{ROLE_CONDITION}/operators"


def checked_pairs(listed: list[dict[str, Any]], path: str) -> list[dict[str, Any]]:
    """`listed` (mapping actions or condition operators, `[{"name", "value"}]`) once each item's
    `name` and `value` are text or absent (docs/onelogin-api.md Op 5)."""
    for item in each(listed, "GET", path):
        item.text("name")
        item.text("value")
    return listed


def _actions(client: OneLoginClient) -> list[dict[str, Any]]:
    return checked_pairs(client.list_mapping_actions(), ACTIONS)


def _operators(client: OneLoginClient) -> list[dict[str, Any]]:
    return checked_pairs(client.list_condition_operators(ROLE_CONDITION), OPERATORS)


def value_forms(shortname: str) -> tuple[str, str]:
    """The action values that name a field by its shortname (compared in any case)."""
    low = shortname.lower()
    return (f"set_{low}", f"custom_attribute_{low}")


def label_forms(shortname: str, name: str) -> tuple[str, ...]:
    """The action labels that name a field: by its display name or its shortname, with or without
    "Set " (docs/onelogin-api.md Op 5 [U])."""
    forms = [f"Set {name}", name, f"Set {shortname}", shortname] if name else []
    forms += [f"Set {shortname}", shortname]
    return tuple(dict.fromkeys(f for f in forms if f))


def _pairs(listed: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(a.get("value", "")), str(a.get("name", ""))) for a in listed if a.get("value")]


def describe_actions(pairs: Iterable[tuple[str, str]]) -> str:
    """Listed actions as an operator reads them: 'label' (value), ..."""
    shown = [f"{label!r} ({value})" for value, label in pairs]
    return ", ".join(shown) if shown else "no action at all"


def resolve_actions(
    listed: list[dict[str, Any]],
    shortnames: list[str],
    names: dict[str, str],
    explicit: Mapping[str, str] | None = None,
) -> dict[str, ActionMatch]:
    """Each field's mapping action, with every candidate; never a silent pick.

    A value `set_<shortname>` or `custom_attribute_<shortname>` (any case) fits the field; so does a
    label `Set <name>`, `<name>`, `Set <shortname>` or `<shortname>`, unless another field claims
    that action by value, or the label fits another field too (two fields with one display name).
    One value match wins; otherwise exactly one label match; more than one candidate is ambiguous
    and none is unresolved. `explicit` (fields.<field>.mapping_action) names the value outright; it
    must be listed.
    """
    pairs = _pairs(listed)
    explicit = explicit or {}
    by_value = {s: [p for p in pairs if p[0].lower() in value_forms(s)] for s in shortnames}
    claimed = {p[0] for found in by_value.values() for p in found}
    labels = {s: label_forms(s, names.get(s, "")) for s in shortnames}
    result: dict[str, ActionMatch] = {}
    for s in shortnames:
        name = names.get(s) or s
        by_label = [p for p in pairs if p[1] in labels[s] and p[0] not in claimed]
        candidates = tuple(dict.fromkeys(by_value[s] + by_label))
        wanted = explicit.get(s)
        if wanted is not None:
            if wanted in {value for value, _ in pairs}:
                result[s] = ActionMatch(s, wanted, "mapping_action", candidates)
            else:
                result[s] = ActionMatch(
                    s,
                    None,
                    "mapping_action",
                    candidates,
                    f"the config names the mapping action {wanted!r} for the custom field {s!r}, "
                    f"which OneLogin does not list (GET /api/2/mappings/actions lists "
                    f"{describe_actions(pairs)})",
                )
            continue
        if len(by_value[s]) == 1:
            result[s] = ActionMatch(s, by_value[s][0][0], "value", candidates)
            continue
        shared = [p for p in by_label if any(p[1] in labels[t] for t in shortnames if t != s)]
        if len(by_value[s]) > 1 or len(by_label) > 1 or shared:
            why = (
                " (the label fits another custom field too: two fields share a display name)"
                if shared and len(candidates) == 1
                else ""
            )
            result[s] = ActionMatch(
                s,
                None,
                "",
                candidates,
                f"more than one mapping action could set the custom field {s!r} ({name}): "
                f"{describe_actions(candidates)}{why}; the tool never picks one. Set "
                "fields.user_type.mapping_action to the value of the one that sets this field",
            )
            continue
        if len(by_label) == 1:
            result[s] = ActionMatch(s, by_label[0][0], "label", candidates)
            continue
        looked = " or ".join(repr(f) for f in value_forms(s))
        result[s] = ActionMatch(
            s,
            None,
            "",
            (),
            f"OneLogin lists no mapping action for the custom field {s!r} ({name}): none has "
            f"the value {looked} or the label "
            + " or ".join(repr(f) for f in labels[s])
            + f". It lists {describe_actions(pairs)}. If one of these sets the field, name its "
            "value in fields.user_type.mapping_action",
        )
    return result


def match_actions(
    listed: list[dict[str, Any]],
    shortnames: list[str],
    names: dict[str, str],
    explicit: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Each custom field's mapping action value where exactly one fits (`resolve_actions`)."""
    found = resolve_actions(listed, shortnames, names, explicit)
    return {s: m.value for s, m in found.items() if m.value is not None}


def wait_for_actions(
    client: OneLoginClient,
    shortnames: list[str],
    names: dict[str, str],
    *,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    explicit: Mapping[str, str] | None = None,
    before: Iterable[str] = (),
) -> dict[str, str]:
    """`match_actions` on `GET /api/2/mappings/actions`, asked again with a growing pause until every
    field in `shortnames` has its action or `wait` seconds have passed: a just-created field's
    action comes from a background job (docs/onelogin-api.md Op 5). Returns what was found."""
    return _wait(client, shortnames, names, wait, sleep, clock, explicit, before)[0]


def _settled(
    pairs: list[tuple[str, str]],
    match: ActionMatch,
    names: dict[str, str],
    before: set[str] | None,
) -> bool:
    """Whether waiting longer cannot help this unresolved field: it is ambiguous, its named value is
    missing while the field's own action is listed, or an action appeared since `before` (or one
    mentions the field) that fits no rule: OneLogin's background job has run and named the action
    in a way the tool does not recognise."""
    if match.value is not None:
        return True
    if match.candidates:
        return True
    s = match.shortname
    words = {s.lower(), (names.get(s) or s).lower()}
    for value, label in pairs:
        if before is not None and value not in before and value not in ("add_role", "set_status"):
            return True
        if any(w in label.lower() or w in value.lower() for w in words):
            return True
    return False


def _wait(
    client: OneLoginClient,
    shortnames: list[str],
    names: dict[str, str],
    wait: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    explicit: Mapping[str, str] | None,
    before: Iterable[str],
) -> tuple[dict[str, str], dict[str, ActionMatch], list[dict[str, Any]]]:
    deadline = clock() + wait
    pause = 0.5
    known = set(before) or None
    while True:
        listed = _actions(client)
        matches = resolve_actions(listed, shortnames, names, explicit)
        found = {s: m.value for s, m in matches.items() if m.value is not None}
        left = deadline - clock()
        settled = all(_settled(_pairs(listed), m, names, known) for m in matches.values())
        if all(s in found for s in shortnames) or left <= 0 or settled:
            return found, matches, listed
        sleep(min(pause, left))
        pause = min(pause * 2, 10.0)


def role_operator_of(operators: list[dict[str, Any]]) -> str | None:
    """The has_role 'includes' operator: value `ri`, or the one named "includes" (Op 5 [U])."""
    for op in operators:
        if str(op.get("value")) == "ri" or str(op.get("name", "")).lower() in (
            "includes",
            "include",
        ):
            return str(op["value"])
    return None


def discover_vocabulary(
    client: OneLoginClient,
    shortnames: list[str],
    names: dict[str, str],
    *,
    wait: float = 0.0,
    explicit: Mapping[str, str] | None = None,
    before: Iterable[str] = (),
) -> MappingVocabulary:
    """The actions (`resolve_actions`, waiting up to `wait` s, see `wait_for_actions`) and the
    has_role 'includes' operator: 2 calls when nothing is waited for."""
    actions, matches, listed = _wait(
        client, shortnames, names, wait, time.sleep, time.monotonic, explicit, before
    )
    operators = _operators(client)
    includes = [op for op in [role_operator_of(operators)] if op is not None]
    if not includes:
        raise OneLoginError(
            "OneLogin offers no 'includes' operator for the has_role mapping condition",
            hint=f"GET /api/2/mappings/conditions/has_role/operators answered {operators!r}",
        )
    return MappingVocabulary(
        actions,
        includes[0],
        tuple(_pairs(listed)),
        matches,
        tuple((str(op.get("value", "")), str(op.get("name", ""))) for op in operators),
    )


def describe_vocabulary(
    client: OneLoginClient,
    shortnames: list[str],
    explicit: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    """For `discover` and `doctor`: every mapping action (value -> label), the has_role operators
    (value -> name), and how each of `shortnames` would be matched (the same `resolve_actions`
    plan and apply use). 3 calls: custom fields, actions, operators. Never raises for a tenant
    whose answer the tool cannot use: it shows it."""
    fields_ = {
        f.name("shortname"): f.text("name") or ""
        for f in each(client.list_custom_attributes(), "GET", CUSTOM_ATTRIBUTES)
    }
    listed = _actions(client)
    operators = _operators(client)
    every = sorted(set(shortnames) | set(fields_))
    matches = resolve_actions(listed, every, fields_, explicit)
    chosen: dict[str, Any] = {}
    for shortname in shortnames:
        match = matches[shortname]
        if shortname not in fields_:
            chosen[shortname] = "the field does not exist yet (apply creates it)"
        elif match.value is not None:
            chosen[shortname] = f"{match.value} (by {match.how})"
        else:
            chosen[shortname] = match.problem
    return {
        "mapping_actions": dict(_pairs(listed)),
        "has_role_operators": {
            str(op.get("value", "")): str(op.get("name", "")) for op in operators
        },
        "custom_field_actions": chosen,
    }
