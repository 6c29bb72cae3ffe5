"""A user's values: one PUT per user, safe to run for several users at once."""

from __future__ import annotations

from typing import Any

from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.plan.changes import Change


def write_user(ctx: WriteContext, change: Change) -> None:
    """One user's values in one PUT. Safe from several threads at once: each call touches only
    its own user's entry of `ids.user_custom_attributes`."""
    email = change.key
    body: dict[str, Any] = {}
    changed_custom = any(item.name.startswith("custom_attributes.") for item in change.fields)
    known = ctx.ids.user_custom_attributes.get(email)
    if known is None and changed_custom:
        # A user only the holders' listing showed, on a tenant whose list leaves custom attributes
        # out: read the whole map first, so a PUT that replaces it keeps the other values.
        known = dict(ctx.client.get_user(ctx.ids.users[email]).get("custom_attributes") or {})
    custom = dict(known or {})
    for item in change.fields:
        if item.name.startswith("custom_attributes."):
            custom[item.name.removeprefix("custom_attributes.")] = item.after
        else:
            body[item.name] = item.after
    if changed_custom:
        # Whether PUT merges custom_attributes is unknown (docs/onelogin-api.md Op 7), so send the
        # user's full map with our keys changed: other values are preserved either way.
        body["custom_attributes"] = custom
    # mappings=disabled: a mapping run on this update must not overwrite the value we set.
    ctx.client.update_user(ctx.ids.users[email], body, mappings="disabled")
    ctx.ids.user_custom_attributes[email] = custom
