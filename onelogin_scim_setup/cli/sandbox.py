"""`sandbox` and `demo`: the local OneLogin + SOE emulators, for trying the tool without a tenant."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from onelogin_scim_setup.cli.context import state_of
from onelogin_scim_setup.errors import ExitCode, Interrupted, UsageError

if TYPE_CHECKING:
    from onelogin_scim_setup.sandbox import Quirks

PortOption = Annotated[
    int, typer.Option(help="Port on 127.0.0.1 (0: any free port).", min=0, max=65535)
]
QuirksOption = Annotated[
    str,
    typer.Option(
        "--quirks", help="Quirk profile: optimistic or pessimistic (see docs/sandbox.md)."
    ),
]
QuirkOption = Annotated[
    list[str] | None,
    typer.Option(
        "--quirk", help="One quirk switch, NAME=VALUE (repeatable).", metavar="NAME=VALUE"
    ),
]


def _quirks(profile: str, switches: list[str] | None) -> Quirks:
    from onelogin_scim_setup.sandbox import Quirks

    try:
        return Quirks.parse(profile, switches or [])
    except ValueError as error:
        raise UsageError(str(error)) from error


@contextmanager
def _scratch(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def sandbox(
    ctx: typer.Context,
    onelogin_port: PortOption = 0,
    soe_port: PortOption = 0,
    page_size: Annotated[int, typer.Option(help="Items per page on OneLogin lists.", min=1)] = 50,
    seed: Annotated[int, typer.Option(help="Seed for fault injection.")] = 0,
    error_rate: Annotated[
        float, typer.Option(help="Share of API calls answered 500.", min=0, max=1)
    ] = 0.0,
    rate_limit_rate: Annotated[float, typer.Option(help="Share answered 429.", min=0, max=1)] = 0.0,
    drop_rate: Annotated[
        float, typer.Option(help="Share of connections dropped.", min=0, max=1)
    ] = 0.0,
    latency: Annotated[float, typer.Option(help="Seconds added to every answer.", min=0)] = 0.0,
    quirks: QuirksOption = "optimistic",
    quirk: QuirkOption = None,
    users: Annotated[int, typer.Option(help="Extra users (user00001@example.com...).", min=0)] = 0,
    roles: Annotated[int, typer.Option(help="Extra roles (Role 001...).", min=0)] = 0,
    scenario: Annotated[
        str | None, typer.Option(help="A seeded scenario: drift (see docs/sandbox.md).")
    ] = None,
) -> None:
    """Serve the OneLogin and SOE emulators on 127.0.0.1 until Ctrl-C."""
    from onelogin_scim_setup import demo as demo_run
    from onelogin_scim_setup.sandbox import FaultSpec, Sandbox, SandboxOptions

    out = state_of(ctx).out
    chosen = _quirks(quirks, quirk)
    faults = FaultSpec(
        seed=seed,
        error_rate=error_rate,
        rate_limit_rate=rate_limit_rate,
        drop_rate=drop_rate,
        latency=latency,
    )
    try:
        options = SandboxOptions(
            onelogin_port=onelogin_port,
            soe_port=soe_port,
            page_size=page_size,
            faults=faults,
            quirks=chosen,
            users=users,
            roles=roles,
            scenario=scenario,
        )
    except ValueError as error:
        raise UsageError(str(error)) from error
    # The folder holds a token file: it goes when the sandbox stops (Ctrl-C, SIGTERM or an error).
    with Sandbox(options) as running, _scratch("onelogin-scim-sandbox-") as folder:
        config_path = demo_run.write_demo_files(folder, running.onelogin_url, running.soe_scim_url)
        if scenario == "drift":
            from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN

            demo_run.use_scenario_token(config_path, DRIFT_SCIM_TOKEN)
        out.text(f"OneLogin API:  {running.onelogin_url}")
        out.text(f"SOE SCIM:      {running.soe_scim_url}")
        out.text(
            f"Control:       {running.onelogin_url}/_sandbox/state, {running.soe_url}/_sandbox/settings"
        )
        out.text(
            f"Credentials:   ONELOGIN_CLIENT_ID={options.client_id} ONELOGIN_CLIENT_SECRET=(see below)"
        )
        out.text(f"Ready config:  {config_path}")
        out.text("")
        out.text(f"export ONELOGIN_CLIENT_ID={options.client_id}")
        out.text(
            f"export ONELOGIN_CLIENT_SECRET={options.client_secret}  # the sandbox's public demo secret"
        )
        out.text(f"onelogin-scim-setup -c {config_path} plan")
        if scenario == "drift":
            out.text(f"onelogin-scim-setup -c {config_path} audit")
        out.text("")
        out.text(f"Press Ctrl-C to stop (removes {folder}).")
        try:
            threading.Event().wait()
        except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM is how it is meant to stop
            out.text("Stopped.")


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Keep the demo's config and token here (default: a temp folder, removed)."
        ),
    ] = None,
    quirks: QuirksOption = "optimistic",
    quirk: QuirkOption = None,
) -> None:
    """Run the whole job against the built-in sandbox: plan, apply, manual steps, verify, audit."""
    from onelogin_scim_setup import demo as demo_run
    from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions

    out = state_of(ctx).out
    options = SandboxOptions(quirks=_quirks(quirks, quirk))
    kept = nullcontext(folder) if folder else _scratch("onelogin-scim-demo-")
    with Sandbox(options) as running, kept as target:
        ok = demo_run.run(out, target, running.onelogin_url, running.soe_url, running.soe_scim_url)
    if not ok:
        raise typer.Exit(ExitCode.ERROR)
