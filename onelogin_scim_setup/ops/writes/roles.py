"""A role: create it, give it the app, or (app.exclusive_roles) take the app away; the role's other
apps always stay."""

from __future__ import annotations

from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.plan.changes import Action, Change


def write_role(ctx: WriteContext, change: Change) -> None:
    if change.action is Action.CREATE:
        ctx.ids.roles[change.key] = ctx.client.create_role(change.key)
    role_id = ctx.ids.roles[change.key]
    if change.action is Action.DELETE:
        # app.exclusive_roles: remove only our app; the role's other apps stay.
        ours = ctx.app_id()
        held = _role_apps(ctx, role_id)
        if ours in held:
            ctx.client.set_role_apps(role_id, [a for a in held if a != ours])
        return
    if not ctx.desired.roles[change.key].has_app:
        return
    app_id = ctx.app_id()
    # A role created just now has no apps yet.
    current = [] if change.action is Action.CREATE else _role_apps(ctx, role_id)
    if app_id not in current:
        ctx.client.set_role_apps(role_id, [*current, app_id])


def _role_apps(ctx: WriteContext, role_id: int) -> list[int]:
    """The role's apps: a role apps PUT replaces the whole list, so it must carry the others.
    The role listing (`fields=apps`) gave them; one GET only when it did not."""
    if ctx.ids.role_apps is not None and role_id in ctx.ids.role_apps:
        return ctx.ids.role_apps[role_id]
    return [int(app["id"]) for app in ctx.client.list_role_apps(role_id)]
