"""`sandbox` and `demo`: the local OneLogin + SOE emulators, for trying the tool without a tenant."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup import demo as demo_run
from onelogin_scim_setup.cli.context import state_of
from onelogin_scim_setup.errors import ExitCode
from onelogin_scim_setup.sandbox import FaultSpec, Sandbox, SandboxOptions

PortOption = Annotated[
    int, typer.Option(help="Port on 127.0.0.1 (0: any free port).", min=0, max=65535)
]


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
    # The folder holds a token file: it goes when the sandbox stops (Ctrl-C, SIGTERM or an error).
    with Sandbox(options) as running, _scratch("onelogin-scim-sandbox-") as folder:
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
        out.text(f"Press Ctrl-C to stop (removes {folder}).")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            out.text("Stopped.")


def demo(
    ctx: typer.Context,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Keep the demo's config and token here (default: a temp folder, removed)."
        ),
    ] = None,
) -> None:
    """Run the whole job against the built-in sandbox: plan, apply, manual steps, verify."""
    out = state_of(ctx).out
    kept = nullcontext(folder) if folder else _scratch("onelogin-scim-demo-")
    with Sandbox(SandboxOptions()) as running, kept as target:
        ok = demo_run.run(out, target, running.onelogin_url, running.soe_url, running.soe_scim_url)
    if not ok:
        raise typer.Exit(ExitCode.ERROR)
