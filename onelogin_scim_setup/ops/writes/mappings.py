"""A user mapping (role -> custom field value): create, update or delete it, discovering the field's
mapping action first when the read did not have it."""

from __future__ import annotations

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.tenant import UserMapping
from onelogin_scim_setup.onelogin.vocabulary import (
    ROLE_CONDITION,
    MappingVocabulary,
    discover_vocabulary,
)
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.plan.changes import Action, Change


def write_mapping(ctx: WriteContext, change: Change) -> None:
    if change.action is Action.DELETE:
        ctx.client.delete_mapping(ctx.ids.mappings[change.key])
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
    if change.action is Action.CREATE:
        ctx.ids.mappings[wanted.name] = ctx.client.create_mapping(body)
    else:
        # Sending a position on update could reorder the mapping (docs/onelogin-api.md Op 5).
        del body["position"]
        ctx.client.update_mapping(ctx.ids.mappings[wanted.name], body)


def _discover_action(ctx: WriteContext, wanted: UserMapping) -> MappingVocabulary:
    """Find the field's mapping action, waiting up to `action_wait` for a just-created field;
    without it, stop before this (and any later) mapping is written."""
    names = {s: f.name for s, f in ctx.desired.custom_fields.items()}
    vocabulary = discover_vocabulary(ctx.client, [wanted.field], names, wait=ctx.action_wait)
    ctx.ids.vocabulary = vocabulary
    if vocabulary.has_action(wanted.field):
        return vocabulary
    name = names.get(wanted.field, wanted.field)
    raise OneLoginError(
        f"OneLogin listed no mapping action for the custom field {wanted.field!r} within "
        f"{ctx.action_wait:g} s (looked for the value set_{wanted.field.lower()} or the label "
        f"'Set {name}'); no mapping was written",
        hint="OneLogin's background jobs can take minutes: run apply again later (it picks up "
        "from here), or raise onelogin.action_wait. If the action never appears, create the "
        f"mapping in OneLogin: Users > Mappings > New Mapping, name {wanted.name!r}, "
        f"condition 'Roles' includes {wanted.role!r}, action 'Set {name}' = {wanted.value!r}, "
        "then Save.",
    )
