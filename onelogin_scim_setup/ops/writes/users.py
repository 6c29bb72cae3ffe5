"""A user's values: one PUT per user, safe to run for several users at once. A PUT whose answer
was lost is judged by the user read back (ops.writes.lost), never sent again blindly."""

from __future__ import annotations

from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.lost import read_back
from onelogin_scim_setup.plan.changes import Change


def write_user(ctx: WriteContext, change: Change) -> None:
    """One user's values in one PUT. Safe from several threads at once: each call touches only
    its own user's entry of `ids.user_custom_attributes`."""
    email = change.key
    user_id = ctx.ids.users[email]
    body: dict[str, Any] = {}
    changed_custom = any(item.name.startswith("custom_attributes.") for item in change.fields)
    known = ctx.ids.user_custom_attributes.get(email)
    if known is None and changed_custom:
        # A user only the holders' listing showed, on a tenant whose list leaves custom attributes
        # out: read the whole map first, so a PUT that replaces it keeps the other values.
        known = dict(ctx.client.get_user(user_id).get("custom_attributes") or {})
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
    try:
        # mappings=disabled: a mapping run on this update must not overwrite the value we set.
        ctx.client.update_user(user_id, body, mappings="disabled")
    except OneLoginError as error:
        read_back(
            error,
            lambda: True if holds(ctx.client.get_user(user_id), change) else None,
            f"the values of the user {email} (OneLogin: Users > {email})",
        )
        ctx.lost_and_read_back(change)
    ctx.ids.user_custom_attributes[email] = custom


def holds(user: dict[str, Any], change: Change) -> bool:
    """Whether the user as read shows every value the change sets (the user's other values are not
    the write's to judge: another admin may have changed them meanwhile)."""
    custom = user.get("custom_attributes") or {}
    for item in change.fields:
        name = item.name
        key = name.removeprefix("custom_attributes.")
        shown = custom.get(key) if name.startswith("custom_attributes.") else user.get(name)
        if not same(shown, item.after):
            return False
    return True


def same(shown: Any, sent: Any) -> bool:
    """A value as OneLogin shows it against the value sent: None and "" are both "no value" (an
    empty value clears, docs/onelogin-api.md Op 7), and a number may come back as its digits."""
    if shown in (None, "") or sent in (None, ""):
        return shown in (None, "") and sent in (None, "")
    return shown == sent or str(shown) == str(sent)
