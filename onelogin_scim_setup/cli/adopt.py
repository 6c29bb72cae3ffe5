"""import: a starter config from what a hand-made setup in the tenant already has (engine.adopt)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import state_of
from onelogin_scim_setup.config import DEFAULT_CONNECTOR
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
    ] = "SCIM SOE",
    connector: Annotated[
        str, typer.Option("--connector", help="The app's connector, by exact name.")
    ] = DEFAULT_CONNECTOR,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a starter config from an existing hand-made setup (app, fields, parameters, roles,
    role -> userType mappings), so `plan` right after shows no change. Reads only; no secrets."""
    import yaml
    from pydantic import ValidationError

    from onelogin_scim_setup.config.models import Config
    from onelogin_scim_setup.engine.adopt import read_setup, starter_config
    from onelogin_scim_setup.engine.run import client_for
    from onelogin_scim_setup.files import write_file

    state = state_of(ctx)
    target = path or state.config_path
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; use --force to overwrite it")
    if (subdomain is None) == (base_url is None) or (soe_site is None) == (soe_scim_url is None):
        raise UsageError(
            "import needs one of --subdomain or --base-url, and one of --soe-site or --soe-scim-url"
        )
    onelogin = ("subdomain", subdomain) if subdomain else ("base_url", str(base_url))
    soe = ("site", soe_site) if soe_site else ("scim_base_url", str(soe_scim_url))
    try:
        # The options are checked by the config's own schema (https only, host names).
        config = Config.model_validate({"onelogin": dict([onelogin]), "soe": dict([soe])})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise UsageError(f"import: {problems}") from None
    with client_for(config, state.environ, state.redactor) as client:
        adopted = read_setup(client, app_name, connector)
    text = starter_config(adopted, onelogin=onelogin, soe=soe)
    Config.model_validate(yaml.safe_load(text))  # never write a config the tool itself refuses
    write_file(target, text)
    for note in adopted.notes:
        state.out.note(f"Note: {note}.")
    state.out.text(
        f"Wrote {target}: app {app_name!r}, {len(adopted.roles)} role(s), "
        f"{len(adopted.promotions)} mapping(s) adopted. Run `onelogin-scim-setup plan -c {target}`."
    )
