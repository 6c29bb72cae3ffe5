"""`sandbox` and `demo`: the local OneLogin + SOE emulators, for trying the tool without a tenant."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup import demo as demo_run
from onelogin_scim_setup.cli.context import state_of
from onelogin_scim_setup.errors import ExitCode, Interrupted
from onelogin_scim_setup.sandbox import FaultSpec, Sandbox, SandboxOptions

PortOption = Annotated[
    int, typer.Option(help="Port on 127.0.0.1 (0: any free port).", min=0, max=65535)
]


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
) -> None:
    """Serve the OneLogin and SOE emulators on 127.0.0.1 until Ctrl-C."""
    out = state_of(ctx).out
    faults = FaultSpec(
        seed=seed,
        error_rate=error_rate,
        rate_limit_rate=rate_limit_rate,
        drop_rate=drop_rate,
        latency=latency,
    )
    options = SandboxOptions(
        onelogin_port=onelogin_port, soe_port=soe_port, page_size=page_size, faults=faults
    )
    with Sandbox(options) as running:
        folder = Path(tempfile.mkdtemp(prefix="onelogin-scim-sandbox-"))
        config_path = demo_run.write_demo_files(folder, running.onelogin_url, running.soe_scim_url)
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
        out.text("")
        out.text("Press Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM is how it is meant to stop
            out.text("Stopped.")


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to write the demo config (default: a temp folder)."),
    ] = None,
) -> None:
    """Run the whole job against the built-in sandbox: plan, apply, manual steps, verify."""
    out = state_of(ctx).out
    with Sandbox(SandboxOptions()) as running:
        target = folder or Path(tempfile.mkdtemp(prefix="onelogin-scim-demo-"))
        ok = demo_run.run(out, target, running.onelogin_url, running.soe_url, running.soe_scim_url)
    if not ok:
        raise typer.Exit(ExitCode.ERROR)
