"""A role: create it, give it the app, or (app.exclusive_roles) take the app away; the role's other
apps always stay."""

from __future__ import annotations

from onelogin_scim_setup.engine.plan import Action, Change
from onelogin_scim_setup.engine.writes.context import WriteContext


def write_role(ctx: WriteContext, change: Change) -> None:
    if change.action is Action.CREATE:
        ctx.ids.roles[change.key] = ctx.client.create_role(change.key)
    role_id = ctx.ids.roles[change.key]
    if change.action is Action.DELETE:
        # app.exclusive_roles: read, remove only our app, write; the role's other apps stay.
        ours = ctx.app_id()
        held = [int(app["id"]) for app in ctx.client.list_role_apps(role_id)]
        if ours in held:
            ctx.client.set_role_apps(role_id, [a for a in held if a != ours])
        return
    if not ctx.desired.roles[change.key].has_app:
        return
    app_id = ctx.app_id()
    # Role apps PUT replaces the whole list: union with the current apps, so other apps stay.
    # The role listing (`fields=apps`) gave them; a role created just now has none.
    if change.action is Action.CREATE:
        current: list[int] = []
    elif ctx.ids.role_apps is not None and role_id in ctx.ids.role_apps:
        current = ctx.ids.role_apps[role_id]
    else:
        current = [int(app["id"]) for app in ctx.client.list_role_apps(role_id)]
    if app_id not in current:
        ctx.client.set_role_apps(role_id, [*current, app_id])
