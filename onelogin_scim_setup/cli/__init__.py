"""The command line: Typer wiring only, and the one error boundary (`main`)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError

from onelogin_scim_setup import __version__
from onelogin_scim_setup.cli import checks, helptext, options, plan_apply, sandbox, setup
from onelogin_scim_setup.cli.context import State
from onelogin_scim_setup.cli.token import token_app
from onelogin_scim_setup.config.models import DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import ExitCode, SetupError, UsageError
from onelogin_scim_setup.render.errors import render_error, render_usage_error

app = typer.Typer(
    name=helptext.PROG,
    cls=options.GlobalGroup,
    help="Set up and keep correct SCIM provisioning from OneLogin to Stack Overflow for Teams "
    "Enterprise, as configuration as code.",
    epilog=helptext.root_epilog(),
    no_args_is_help=True,
    add_completion=True,
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
    sandbox.sandbox,
    sandbox.demo,
):
    epilog = (
        helptext.sandbox_epilog()
        if command is sandbox.sandbox
        else helptext.examples(command.__name__)
    )
    app.command(cls=options.GlobalCommand, epilog=epilog)(command)
app.add_typer(token_app, name="token")


def _version(value: bool) -> None:
    if value:
        print(f"{helptext.PROG} {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            envvar="ONELOGIN_SCIM_CONFIG",
            help=options.ConfigHelp,
            rich_help_panel=options.PANEL,
        ),
    ] = Path(DEFAULT_CONFIG_FILE),
    verbose: options.VerboseOption = 0,
    no_color: options.NoColorOption = False,
    output: options.GlobalOutputOption = None,
    traceback: options.TracebackOption = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    state = ctx.ensure_object(State)
    state.config_path, state.verbosity, state.no_color = config, verbose, no_color
    state.output, state.traceback = output, traceback
    state.configure()


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so `finally` blocks (temp folders, servers) still run."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> None:
    """The one error boundary: every outcome becomes a message and an exit code (errors.ExitCode)."""
    state = State()
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    try:
        code = _run(argv, state)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


def _run(argv: list[str] | None, state: State) -> int:
    try:
        # standalone_mode=False: Click's usage errors come here instead of exiting 2 themselves.
        result = app(args=argv, obj=state, prog_name=helptext.PROG, standalone_mode=False)
    except NoArgsIsHelpError:  # the help is already printed
        return ExitCode.USAGE
    except ClickUsageError as error:
        ctx = error.ctx
        usage = ctx.get_usage() if ctx else f"Usage: {helptext.PROG} [OPTIONS] COMMAND [ARGS]..."
        where = ctx.command_path if ctx else helptext.PROG
        render_usage_error(state.out, error.format_message(), usage, f"{where} --help")
        return ExitCode.USAGE
    except ClickException as error:
        render_error(state.out, SetupError(error.format_message()), state.redactor)
        return ExitCode.ERROR
    except typer.Abort as error:  # Click's prompt on Ctrl-C or end of input
        state.out.stderr.print("Aborted; nothing more was done.")
        interrupted = isinstance(error.__context__, KeyboardInterrupt)
        return ExitCode.INTERRUPTED if interrupted else ExitCode.ERROR
    except SetupError as error:
        if state.traceback:
            raise
        render_error(state.out, error, state.redactor)
        return ExitCode.USAGE if isinstance(error, UsageError) else ExitCode.ERROR
    except KeyboardInterrupt:
        result = ExitCode.INTERRUPTED
    except Terminated:
        state.out.stderr.print("Terminated.")
        return ExitCode.TERMINATED
    except Exception as error:  # the boundary: anything unexpected is still one paragraph
        if state.traceback:
            raise
        render_error(state.out, error, state.redactor)
        state.out.stderr.print("This is a bug; run again with --traceback and report it.")
        return ExitCode.ERROR
    if result == ExitCode.INTERRUPTED:  # Typer turns Ctrl-C into Exit(130) itself
        state.out.stderr.print("Interrupted.")
    return result if isinstance(result, int) else ExitCode.OK
