"""import: a starter config from what a hand-made setup in the tenant already has (ops.adopt)."""

from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import ForceOption, refuse_to_overwrite, state_of
from onelogin_scim_setup.config import DEFAULT_APP_NAME, DEFAULT_CONNECTOR
from onelogin_scim_setup.errors import UsageError


def import_(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="Where to write the config (default: -c, or the default config file)."),
    ] = None,
    subdomain: Annotated[
        str | None,
        typer.Option("--subdomain", help="OneLogin subdomain (acme for acme.onelogin.com)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="OneLogin API base URL, instead of --subdomain."),
    ] = None,
    soe_site: Annotated[
        str | None, typer.Option("--soe-site", help="SOE site (acme for acme.stackenterprise.co).")
    ] = None,
    soe_scim_url: Annotated[
        str | None, typer.Option("--soe-scim-url", help="SOE SCIM base URL, instead of --soe-site.")
    ] = None,
    app_name: Annotated[
        str, typer.Option("--app", help="The app's exact display name.")
    ] = DEFAULT_APP_NAME,
    connector: Annotated[
        str, typer.Option("--connector", help="The app's connector, by exact name.")
    ] = DEFAULT_CONNECTOR,
    force: ForceOption = False,
) -> None:
    """Write a starter config from an existing hand-made setup (app, fields, parameters, roles,
    role -> userType mappings), so `plan` right after shows no change. Reads only; no secrets."""
    from onelogin_scim_setup.cli.setup import write_schema_beside
    from onelogin_scim_setup.config.schema import with_modeline
    from onelogin_scim_setup.files import write_file
    from onelogin_scim_setup.ops.adopt import import_setup
    from onelogin_scim_setup.render.adopt import render_imported

    state = state_of(ctx)
    target = path or state.config_path
    refuse_to_overwrite(target, force=force)
    onelogin, soe = _locations(subdomain, base_url, soe_site, soe_scim_url)
    adopted, text = import_setup(
        onelogin, soe, state.environ, state.redactor, app_name=app_name, connector=connector
    )
    write_file(target, with_modeline(text))
    write_schema_beside(state, target, force=force)
    render_imported(state.out, adopted, target)


def _locations(
    subdomain: str | None, base_url: str | None, soe_site: str | None, soe_scim_url: str | None
) -> tuple[tuple[str, str], tuple[str, str]]:
    """(OneLogin, SOE) as (key, value) of their config sections: exactly one option for each."""
    if (subdomain is None) == (base_url is None) or (soe_site is None) == (soe_scim_url is None):
        raise UsageError(
            "import needs one of --subdomain or --base-url, and one of --soe-site or --soe-scim-url"
        )
    onelogin = ("subdomain", subdomain) if subdomain else ("base_url", str(base_url))
    soe = ("site", soe_site) if soe_site else ("scim_base_url", str(soe_scim_url))
    return onelogin, soe
