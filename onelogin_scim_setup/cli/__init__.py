"""The command line: Typer wiring only, and the one error boundary (`main`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup import __version__
from onelogin_scim_setup.cli import adopt, audit, checks, plan_apply, sandbox, setup
from onelogin_scim_setup.cli.context import State
from onelogin_scim_setup.cli.token import token_app
from onelogin_scim_setup.config import DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import ApplyError, ExitCode, Interrupted, SetupError
from onelogin_scim_setup.logs import configure

app = typer.Typer(
    name="onelogin-scim-setup",
    help="Set up and keep correct SCIM provisioning from OneLogin to Stack Overflow for Teams "
    "Enterprise, as configuration as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Locals in a traceback could hold a token; never show them.
    pretty_exceptions_show_locals=False,
)
for command in (
    setup.init,
    setup.validate,
    setup.render,
    plan_apply.plan,
    plan_apply.apply,
    checks.verify,
    checks.discover,
    checks.runbook,
    audit.audit,
    sandbox.sandbox,
    sandbox.demo,
):
    app.command()(command)
app.command(name="import")(adopt.import_)
app.add_typer(token_app, name="token")


def _version(value: bool) -> None:
    if value:
        print(f"onelogin-scim-setup {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option("--config", "-c", envvar="ONELOGIN_SCIM_CONFIG", help="Config file."),
    ] = Path(DEFAULT_CONFIG_FILE),
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Log each HTTP request to stderr.")
    ] = 0,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain output (also when not a terminal).")
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show Python tracebacks (for bug reports).")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    state = ctx.ensure_object(State)
    state.config_path, state.color, state.traceback = config, not no_color, traceback
    state.verbose = verbose
    configure(verbose, sys.stderr, state.redactor)


def main(argv: list[str] | None = None) -> None:
    """The one error boundary: SetupError and friends become a message and an exit code.

    Typer handles its own usage errors and exits; everything else raised by a command lands here.
    SIGINT and SIGTERM arrive as Interrupted (engine.interrupt): exit 130 or 143, never a traceback.
    """
    from onelogin_scim_setup.engine.interrupt import handling

    state = State()
    try:
        with handling():
            app(args=argv, obj=state, prog_name="onelogin-scim-setup")
    except ApplyError as error:
        if state.traceback:
            raise
        _render(state, error)
        sys.exit(error.exit_code)
    except SetupError as error:
        if state.traceback:
            raise
        _render(state, error)
        sys.exit(ExitCode.ERROR)
    except Interrupted as interrupted:
        from onelogin_scim_setup.render.errors import render_interrupted

        render_interrupted(state.out, interrupted, state.redactor)
        sys.exit(interrupted.exit_code)
    except KeyboardInterrupt:  # before the handlers are installed, or after they are removed
        state.out.stderr.print("Interrupted.")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as error:  # the boundary: anything unexpected is still one paragraph
        if state.traceback:
            raise
        _render(state, error)
        state.out.stderr.print("This is a bug; run again with --traceback and report it.")
        sys.exit(ExitCode.ERROR)


def _render(state: State, error: BaseException) -> None:
    # Imported here: rich is needed only when there is something to show (start-up time).
    from onelogin_scim_setup.render.errors import render_error

    render_error(state.out, error, state.redactor)
