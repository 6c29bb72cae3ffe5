"""The command line: Typer wiring only, and the one error boundary (`main`)."""

import functools
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from typer._click.core import Command
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
from onelogin_scim_setup.config import CONFIG_ENV, DEFAULT_CONFIG_FILE
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
    setup.schema,
    plan_apply.plan,
    plan_apply.apply,
    checks.verify,
    checks.discover,
    checks.doctor,
    checks.runbook,
    audit.audit,
    sandbox.sandbox,
    sandbox.demo,
):
    epilog = (
        helptext.sandbox_epilog()
        if command is sandbox.sandbox
        else helptext.render_epilog()
        if command is setup.render
        else helptext.examples(command.__name__)
    )
    app.command(cls=options.GlobalCommand, epilog=epilog)(command)
app.command(name="import", cls=options.GlobalCommand, epilog=helptext.examples("import_"))(
    adopt.import_
)
app.command(name="show", cls=options.GlobalCommand, epilog=helptext.examples("show_plan"))(
    plan_apply.show
)
app.add_typer(token_app, name="token")


def _version(value: bool) -> None:
    if value:
        print(helptext.version_text(__version__))
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            envvar=CONFIG_ENV,
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
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version, and those of Python and the libraries it runs on.",
        ),
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

    SIGINT and SIGTERM arrive as Interrupted (ops.interrupt): exit 130 or 143, never a traceback.
    """
    from onelogin_scim_setup.ops.interrupt import handling

    _standard_streams()
    try:
        state = State()
        with handling():
            code = _run(argv, state)
    except KeyboardInterrupt:  # Ctrl-C before the handlers were installed: still no traceback
        print("Interrupted.", file=sys.stderr)
        code = ExitCode.INTERRUPTED
    sys.exit(code)


def _standard_streams() -> None:
    """Descriptors 0-2 open before anything else is: with one closed (`<&-`, as some CI runners
    start jobs), the next file opened (the lock, a token file) would take its number, and a print
    would land in it. A closed one is put on /dev/null, and Python's stream for it made again, so
    standard input reads as "not a terminal" and a prompt is the usage error naming its flag."""
    import os

    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115


def _run(argv: list[str] | None, state: State) -> int:
    try:
        # standalone_mode=False: Click's usage errors come here instead of exiting 2 themselves.
        result = _command()(args=argv, obj=state, prog_name=helptext.PROG, standalone_mode=False)
    except NoArgsIsHelpError:  # the help is already printed
        return ExitCode.USAGE
    except ClickUsageError as error:
        ctx = error.ctx
        usage = ctx.get_usage() if ctx else f"Usage: {helptext.PROG} [OPTIONS] COMMAND [ARGS]..."
        where = ctx.command_path if ctx else helptext.PROG
        if _asks_for_json(sys.argv[1:] if argv is None else argv):
            # The line could not be parsed, but it asked for JSON: a program reads stdout.
            state.use_output("json")
        _rendering().render_usage_error(state.out, error.format_message(), usage, f"{where} --help")
        return ExitCode.USAGE
    except ClickException as error:
        _rendering().render_error(state.out, SetupError(error.format_message()), state.redactor)
        return ExitCode.ERROR
    except typer.Abort:  # Click's prompt at end of input (a signal arrives as Interrupted)
        state.out.stderr.print("Aborted; nothing more was done.")
        return ExitCode.ERROR
    except SetupError as error:
        if state.traceback:  # through the redactor and the output boundary, like every output
            _rendering().render_traceback(state.out, error, state.redactor)
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
            _rendering().render_traceback(state.out, error, state.redactor)
            _rendering().render_error(state.out, error, state.redactor)
            return ExitCode.ERROR
        _rendering().render_error(state.out, error, state.redactor)
        state.out.stderr.print("This is a bug; run again with --traceback and report it.")
        return ExitCode.ERROR
    if result == ExitCode.INTERRUPTED:  # Typer turns a bare KeyboardInterrupt into Exit(130)
        state.out.stderr.print("Interrupted.")
    return result if isinstance(result, int) else ExitCode.OK


@functools.cache
def _command() -> Command:
    """The Click command Typer builds from `app`, built once per process: Typer reads every
    command's signature to build it (milliseconds each), and a process that runs the CLI more
    than once (the test suite runs it in-process thousands of times) need not read them again."""
    return typer.main.get_command(app)


def _asks_for_json(argv: list[str]) -> bool:
    """`-o json`, `-ojson`, `--output json` or `--output=json` anywhere on the command line."""
    pairs = itertools.pairwise([*argv, ""])
    return any(
        (word in ("-o", "--output") and following == "json") or word in ("-ojson", "--output=json")
        for word, following in pairs
    )


def _rendering() -> ModuleType:
    """The error renderers, imported only when there is an error (rich costs --help start-up)."""
    from onelogin_scim_setup.render import errors

    return errors
