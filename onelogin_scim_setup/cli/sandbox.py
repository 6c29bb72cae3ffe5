"""`sandbox` and `demo`: the local OneLogin + SOE emulators, for trying the tool without a tenant."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from onelogin_scim_setup.cli.context import state_of
from onelogin_scim_setup.errors import ExitCode, Interrupted, UsageError

if TYPE_CHECKING:
    from onelogin_scim_setup.render.sandbox import SandboxReady
    from onelogin_scim_setup.sandbox import FaultSpec, Quirks, SandboxOptions

PortOption = Annotated[
    int, typer.Option(help="Port on 127.0.0.1 (0: any free port).", min=0, max=65535)
]
QuirksOption = Annotated[
    str,
    typer.Option(
        "--quirks",
        help="Quirk profile: optimistic, pessimistic or documented (see docs/sandbox.md).",
    ),
]
QuirkOption = Annotated[
    list[str] | None,
    typer.Option(
        "--quirk", help="One quirk switch, NAME=VALUE (repeatable).", metavar="NAME=VALUE"
    ),
]


def _quirks(profile: str, switches: list[str] | None) -> "Quirks":
    from onelogin_scim_setup.sandbox import Quirks

    try:
        return Quirks.parse(profile, switches or [])
    except ValueError as error:
        raise UsageError(str(error)) from error


@contextmanager
def _scratch(prefix: str) -> Iterator[Path]:
    import tempfile

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
    users: Annotated[
        int, typer.Option(help="Extra users, named user00001@example.com and on.", min=0)
    ] = 0,
    roles: Annotated[int, typer.Option(help="Extra roles (Role 001...).", min=0)] = 0,
    scenario: Annotated[
        str | None, typer.Option(help="A seeded scenario: drift (see docs/sandbox.md).")
    ] = None,
) -> None:
    """Serve the OneLogin and SOE emulators on 127.0.0.1 until Ctrl-C."""
    from onelogin_scim_setup.render.sandbox import render_sandbox_ready, render_sandbox_stopped
    from onelogin_scim_setup.sandbox import FaultSpec

    out = state_of(ctx).out
    faults = FaultSpec(
        seed=seed,
        error_rate=error_rate,
        rate_limit_rate=rate_limit_rate,
        drop_rate=drop_rate,
        latency=latency,
    )
    options = _options(
        onelogin_port=onelogin_port,
        soe_port=soe_port,
        page_size=page_size,
        faults=faults,
        quirks=_quirks(quirks, quirk),
        users=users,
        roles=roles,
        scenario=scenario,
    )
    with _serving(options) as ready:
        render_sandbox_ready(out, ready)
        _wait_for_a_stop()
    render_sandbox_stopped(out)


def _options(
    *,
    onelogin_port: int,
    soe_port: int,
    page_size: int,
    faults: "FaultSpec",
    quirks: "Quirks",
    users: int,
    roles: int,
    scenario: str | None,
) -> "SandboxOptions":
    """The sandbox's settings; one the sandbox refuses (e.g. an unknown scenario) is a usage error."""
    from onelogin_scim_setup.sandbox import SandboxOptions

    try:
        return SandboxOptions(
            onelogin_port=onelogin_port,
            soe_port=soe_port,
            page_size=page_size,
            faults=faults,
            quirks=quirks,
            users=users,
            roles=roles,
            scenario=scenario,
        )
    except ValueError as error:
        raise UsageError(str(error)) from error


@contextmanager
def _serving(options: "SandboxOptions") -> "Iterator[SandboxReady]":
    """Both emulators running, with a ready config (and its token file) in a scratch folder, which
    goes when they stop (Ctrl-C, SIGTERM or an error)."""
    from onelogin_scim_setup.cli import demo as demo_run
    from onelogin_scim_setup.render.sandbox import SandboxReady
    from onelogin_scim_setup.sandbox import Sandbox

    with Sandbox(options) as running, _scratch("onelogin-scim-sandbox-") as folder:
        config_path = demo_run.write_demo_files(folder, running.onelogin_url, running.soe_scim_url)
        if options.scenario == "drift":
            from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN

            demo_run.use_scenario_token(config_path, DRIFT_SCIM_TOKEN)
        yield SandboxReady(
            onelogin_url=running.onelogin_url,
            soe_url=running.soe_url,
            soe_scim_url=running.soe_scim_url,
            client_id=options.client_id,
            client_secret=options.client_secret,
            config_path=config_path,
            folder=folder,
            scenario=options.scenario,
        )


def _wait_for_a_stop() -> None:
    # Ctrl-C or SIGTERM is how the sandbox is meant to stop: not an error.
    with suppress(KeyboardInterrupt, Interrupted):
        threading.Event().wait()


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
    from onelogin_scim_setup.cli import demo as demo_run
    from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions

    out = state_of(ctx).out
    options = SandboxOptions(quirks=_quirks(quirks, quirk))
    kept = nullcontext(folder) if folder else _scratch("onelogin-scim-demo-")
    with Sandbox(options) as running, kept as target:
        ok = demo_run.run(out, target, running.onelogin_url, running.soe_url, running.soe_scim_url)
    if not ok:
        raise typer.Exit(ExitCode.ERROR)
