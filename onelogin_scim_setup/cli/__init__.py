"""The command line: Typer wiring only, and the one error boundary (`main`)."""

import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError

from onelogin_scim_setup import __version__
from onelogin_scim_setup.cli import (
    adopt,
    audit,
    checks,
    helptext,
    options,
    plan_apply,
    sandbox,
    setup,
)
from onelogin_scim_setup.cli.context import State
from onelogin_scim_setup.cli.token import token_app
from onelogin_scim_setup.config import DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import ExitCode, Interrupted, SetupError, UsageError

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
    audit.audit,
    sandbox.sandbox,
    sandbox.demo,
):
    epilog = (
        helptext.sandbox_epilog()
        if command is sandbox.sandbox
        else helptext.examples(command.__name__)
    )
    app.command(cls=options.GlobalCommand, epilog=epilog)(command)
app.command(name="import", cls=options.GlobalCommand, epilog=helptext.examples("import_"))(
    adopt.import_
)
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
    deadline: options.DeadlineOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    state = ctx.ensure_object(State)
    state.config_path, state.verbosity, state.no_color = config, verbose, no_color
    state.output, state.traceback = output, traceback
    if deadline is not None:
        state.set_deadline(deadline)
    state.configure()


def main(argv: list[str] | None = None) -> None:
    """The one error boundary: every outcome becomes a message and an exit code (errors.ExitCode).

    SIGINT and SIGTERM arrive as Interrupted (engine.interrupt): exit 130 or 143, never a traceback.
    """
    from onelogin_scim_setup.engine.interrupt import handling

    try:
        state = State()
        with handling():
            code = _run(argv, state)
    except KeyboardInterrupt:  # Ctrl-C before the handlers were installed: still no traceback
        print("Interrupted.", file=sys.stderr)
        code = ExitCode.INTERRUPTED
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
        _rendering().render_usage_error(state.out, error.format_message(), usage, f"{where} --help")
        return ExitCode.USAGE
    except ClickException as error:
        _rendering().render_error(state.out, SetupError(error.format_message()), state.redactor)
        return ExitCode.ERROR
    except typer.Abort:  # Click's prompt at end of input (a signal arrives as Interrupted)
        state.out.stderr.print("Aborted; nothing more was done.")
        return ExitCode.ERROR
    except SetupError as error:
        if state.traceback:
            raise
        _rendering().render_error(state.out, error, state.redactor)
        code = getattr(error, "exit_code", None)  # ApplyError's, or a request abandoned on a signal
        if isinstance(code, ExitCode):
            return code
        return ExitCode.USAGE if isinstance(error, UsageError) else ExitCode.ERROR
    except Interrupted as interrupted:
        _rendering().render_interrupted(state.out, interrupted, state.redactor)
        return interrupted.exit_code
    except KeyboardInterrupt:  # before the handlers are installed, or after they are removed
        result = ExitCode.INTERRUPTED
    except Exception as error:  # the boundary: anything unexpected is still one paragraph
        if state.traceback:
            raise
        _rendering().render_error(state.out, error, state.redactor)
        state.out.stderr.print("This is a bug; run again with --traceback and report it.")
        return ExitCode.ERROR
    if result == ExitCode.INTERRUPTED:  # Typer turns a bare KeyboardInterrupt into Exit(130)
        state.out.stderr.print("Interrupted.")
    return result if isinstance(result, int) else ExitCode.OK


def _rendering() -> ModuleType:
    """The error renderers, imported only when there is an error (rich costs --help start-up)."""
    from onelogin_scim_setup.render import errors

    return errors
