"""A role: create it, give it the app, or (app.exclusive_roles) take the app away; the role's other
apps always stay. A write whose answer was lost is read back (ops.writes.lost): the role by name,
the role's apps by one GET."""

from __future__ import annotations

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.lost import create_lost, read_back
from onelogin_scim_setup.plan.changes import Action, Change


def write_role(ctx: WriteContext, change: Change) -> None:
    if change.action is Action.CREATE:
        ctx.ids.roles[change.key] = _create(ctx, change)
    role_id = ctx.ids.roles[change.key]
    if change.action is Action.DELETE:
        # app.exclusive_roles: remove only our app; the role's other apps stay.
        ours = ctx.app_id()
        held = _role_apps(ctx, role_id)
        if ours in held:
            _set_apps(ctx, change, role_id, [a for a in held if a != ours], ours, has=False)
        return
    if not ctx.desired.roles[change.key].has_app:
        return
    app_id = ctx.app_id()
    # A role created just now has no apps yet.
    current = [] if change.action is Action.CREATE else _role_apps(ctx, role_id)
    if app_id not in current:
        _set_apps(ctx, change, role_id, [*current, app_id], app_id, has=True)


def _create(ctx: WriteContext, change: Change) -> int:
    """The client looks for the role by name after a lost answer before sending again; when that
    look fails too, the role is looked for once more here, so the report is done, not done or
    unknown, never a guess."""
    try:
        return ctx.client.create_role(change.key)
    except OneLoginError as error:
        found = read_back(
            error,
            lambda: next(
                (
                    int(r["id"])
                    for r in ctx.client.list_roles(change.key)
                    if r.get("name") == change.key
                ),
                None,
            ),
            f"whether the role {change.key!r} exists (OneLogin: Users > Roles)",
            lost=create_lost(error),
        )
        ctx.lost_and_read_back(change)
        return found


def _set_apps(
    ctx: WriteContext, change: Change, role_id: int, apps: list[int], app_id: int, *, has: bool
) -> None:
    def holds() -> bool | None:
        held = app_id in [int(a["id"]) for a in ctx.client.list_role_apps(role_id)]
        return True if held is has else None

    try:
        ctx.client.set_role_apps(role_id, apps)
    except OneLoginError as error:
        read_back(
            error,
            holds,
            f"the applications of the role {change.key!r} (OneLogin: Users > Roles > "
            f"{change.key} > Applications)",
        )
        ctx.lost_and_read_back(change)


def _role_apps(ctx: WriteContext, role_id: int) -> list[int]:
    """The role's apps: a role apps PUT replaces the whole list, so it must carry the others.
    The role listing (`fields=apps`) gave them; one GET only when it did not."""
    if ctx.ids.role_apps is not None and role_id in ctx.ids.role_apps:
        return ctx.ids.role_apps[role_id]
    return [int(app["id"]) for app in ctx.client.list_role_apps(role_id)]
