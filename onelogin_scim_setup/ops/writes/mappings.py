"""A user mapping (role -> custom field value): create, update or delete it, discovering the field's
mapping action first when the read did not have it. A write whose answer was lost is read back
(ops.writes.lost): a create by name in the mapping listing, an update or a delete by one GET."""

from __future__ import annotations

from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import MappingVocabulary
from onelogin_scim_setup.model.tenant import UserMapping
from onelogin_scim_setup.onelogin.vocabulary import (
    ROLE_CONDITION,
    describe_actions,
    discover_vocabulary,
)
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.lost import create_lost, read_back
from onelogin_scim_setup.plan.changes import Action, Change


def write_mapping(ctx: WriteContext, change: Change) -> None:
    if change.action is Action.DELETE:
        _delete(ctx, change, ctx.ids.mappings[change.key])
        return
    wanted = ctx.desired.mappings[change.key]
    vocabulary = ctx.ids.vocabulary
    if vocabulary is None or not vocabulary.has_action(wanted.field):
        vocabulary = _discover_action(ctx, wanted)
    if wanted.role not in ctx.ids.roles:
        # Matched here: a tenant may ignore the name filter and answer every role (Op 6 [U]).
        ctx.ids.roles.update(
            {
                str(r["name"]): int(r["id"])
                for r in ctx.client.list_roles(wanted.role)
                if r.get("name") == wanted.role
            }
        )
    body = {
        "name": wanted.name,
        "enabled": wanted.enabled,
        "match": "all",
        "position": None,
        "conditions": [
            {
                "source": ROLE_CONDITION,
                "operator": vocabulary.role_operator,
                "value": str(ctx.ids.roles[wanted.role]),
            }
        ],
        "actions": [{"action": vocabulary.action_for(wanted.field), "value": [wanted.value]}],
    }
    check = f"the mapping {wanted.name!r} (OneLogin: Users > Mappings)"
    if change.action is Action.CREATE:
        try:
            ctx.ids.mappings[wanted.name] = ctx.client.create_mapping(body)
        except OneLoginError as error:
            ctx.ids.mappings[wanted.name] = read_back(
                error,
                lambda: next(
                    (
                        int(m["id"])
                        for m in ctx.client.list_mappings()
                        if m.get("name") == wanted.name
                    ),
                    None,
                ),
                check,
                lost=create_lost(error),
            )
            ctx.lost_and_read_back(change)
        return
    # Sending a position on update could reorder the mapping (docs/onelogin-api.md Op 5).
    del body["position"]
    mapping_id = ctx.ids.mappings[wanted.name]
    try:
        ctx.client.update_mapping(mapping_id, body)
    except OneLoginError as error:
        read_back(
            error,
            lambda: True if holds(ctx.client.get_mapping(mapping_id), body) else None,
            check,
        )
        ctx.lost_and_read_back(change)


def _delete(ctx: WriteContext, change: Change, mapping_id: int) -> None:
    try:
        ctx.client.delete_mapping(mapping_id)
    except OneLoginError as error:

        def gone() -> bool | None:
            try:
                ctx.client.get_mapping(mapping_id)
            except OneLoginError as looked:
                if looked.status == 404:
                    return True
                raise
            return None

        read_back(error, gone, f"whether the mapping {change.key!r} is gone (Users > Mappings)")
        ctx.lost_and_read_back(change)


def holds(mapping: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether a mapping as read back is what the update sent: name, enabled, the role condition
    and the action (ids compared as text: a tenant may answer either)."""

    def shape(found: dict[str, Any]) -> tuple[Any, ...]:
        conditions = [
            (c.get("source"), c.get("operator"), str(c.get("value")))
            for c in found.get("conditions") or []
            if isinstance(c, dict)
        ]
        actions = [
            (a.get("action"), [str(v) for v in a.get("value") or []])
            for a in found.get("actions") or []
            if isinstance(a, dict)
        ]
        return (found.get("name"), bool(found.get("enabled")), conditions, actions)

    return shape(mapping) == shape(body)


def _discover_action(ctx: WriteContext, wanted: UserMapping) -> MappingVocabulary:
    """Find the field's mapping action, waiting up to `action_wait` for a just-created field, but
    no longer once the tenant's answer cannot change (several actions fit, or one appeared since the
    read that fits no rule: the background job has run); without it, stop before this (and any
    later) mapping is written, naming every action the tenant lists."""
    names = {s: f.name for s, f in ctx.desired.custom_fields.items()}
    explicit = {
        s: f.configured_action for s, f in ctx.desired.custom_fields.items() if f.configured_action
    }
    before = [value for value, _ in ctx.ids.vocabulary.listed] if ctx.ids.vocabulary else []
    vocabulary = discover_vocabulary(
        ctx.client, [wanted.field], names, wait=ctx.action_wait, explicit=explicit, before=before
    )
    ctx.ids.vocabulary = vocabulary
    if vocabulary.has_action(wanted.field):
        return vocabulary
    match = vocabulary.matches.get(wanted.field)
    problem = match.problem if match is not None else ""
    listed = describe_actions(vocabulary.listed)
    hint_action = (
        f"the action that sets {wanted.field!r} (OneLogin lists {listed})"
        if not (match and match.candidates)
        else f"the one of {describe_actions(match.candidates)} that sets {wanted.field!r}"
    )
    raise OneLoginError(
        f"no mapping was written: {problem or 'OneLogin listed no mapping action for the field'}",
        hint="If OneLogin's background job is still running, run apply again later (it picks up "
        "from here). If one of the listed actions sets the field, put its value in "
        "fields.user_type.mapping_action and apply again. Or create the mapping in OneLogin: "
        f"Users > Mappings > New Mapping, name {wanted.name!r}, condition 'Roles' includes "
        f"{wanted.role!r}, action {hint_action} = {wanted.value!r}, then Save; the tool adopts it.",
    )
