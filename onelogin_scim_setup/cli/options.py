"""Global options accepted before or after the subcommand, and help that shows flags as flags.

`onelogin-scim-setup -c f.yaml plan` and `onelogin-scim-setup plan -c f.yaml` mean the same (and so do
`token -c f.yaml show` and `token show -c f.yaml`): every command, and every group below the root,
gets its own copy of the global options (built by Typer from `_global_options` below, so
they parse and show in help exactly like the root's), and `GlobalCommand.invoke` merges what was
given there into the `State` the root callback filled, before the command runs. A value given after
the subcommand wins; `-v` counts add up (`-v plan -v` is `-vv`).

Typer 0.29 vendors Click as `typer._click` (pinned in pyproject.toml); the few Click types used here
come from there.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from typer._click.core import Context, Parameter, ParameterSource
from typer.core import TyperCommand, TyperGroup, TyperOption

from onelogin_scim_setup.cli.context import State, state_of
from onelogin_scim_setup.config import CONFIG_ENV, DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import UsageError

PANEL = "Global options (before or after the command)"
OutputFormat = Literal["text", "json", "yaml", "csv"]

ConfigHelp = f"Config file. Default: ${CONFIG_ENV}, else {DEFAULT_CONFIG_FILE} here."
VerboseHelp = "Log each HTTP request to stderr. Countable: -vv is accepted (same detail, for now)."
NoColorHelp = "No colour, even on a terminal (also: NO_COLOR set to anything)."
OutputHelp = "text for people; json for programs (discover: also yaml; audit: also csv)."
TracebackHelp = "Show Python tracebacks (for bug reports)."
DeadlineHelp = (
    "Seconds the whole command may spend waiting on OneLogin and SOE before it stops with an error "
    "naming what it waited on (0: no limit). Default: 600."
)


VerboseOption = Annotated[
    int,
    typer.Option(
        "--verbose", "-v", count=True, show_default=False, help=VerboseHelp, rich_help_panel=PANEL
    ),
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help=NoColorHelp, rich_help_panel=PANEL)]
GlobalOutputOption = Annotated[
    OutputFormat | None, typer.Option("--output", "-o", help=OutputHelp, rich_help_panel=PANEL)
]
TracebackOption = Annotated[
    bool, typer.Option("--traceback", help=TracebackHelp, rich_help_panel=PANEL)
]
DeadlineOption = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        metavar="SECONDS",
        help=DeadlineHelp,
        show_default=False,
        rich_help_panel=PANEL,
    ),
]


def _global_options(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help=ConfigHelp, rich_help_panel=PANEL)
    ] = None,
    verbose: VerboseOption = 0,
    no_color: NoColorOption = False,
    output: GlobalOutputOption = None,
    traceback: TracebackOption = False,
    deadline: DeadlineOption = None,
) -> None:
    """Only its signature is used: Typer turns it into the options every command accepts."""


GLOBAL_NAMES = ("config", "verbose", "no_color", "output", "traceback", "deadline")


def global_params() -> list[Parameter]:
    """Fresh copies of the global options, parsed and documented by Typer itself."""
    return [copy.copy(param) for param in _typer_global_params()]


@functools.cache
def _typer_global_params() -> tuple[Parameter, ...]:
    # Typer's reading of a signature costs milliseconds; every command and group needs the
    # same options, and `--help` builds them all (benchmarks/startup.py measures the start-up).
    probe = typer.Typer(add_completion=False)
    probe.command()(_global_options)
    return tuple(typer.main.get_command(probe).params)


def _show_flags_as_flags(params: list[Parameter]) -> list[Parameter]:
    """Typer 0.29 labels flags and counters `<bool>`/`<int>` in help, as if they took a value."""
    for param in params:
        if isinstance(param, TyperOption) and (param.is_flag or param.count):
            param.metavar = param.metavar or ""
    return params


def _own_globals(params: list[Parameter]) -> list[Parameter]:
    """The global options a command or group does not already declare itself."""
    own = {opt for param in params for opt in param.opts}
    return [p for p in global_params() if not own & set(p.opts)]


def _merge_globals(ctx: Context) -> State:
    """Move the global options given at this level out of `ctx.params` into the State."""
    state = state_of(ctx)
    given = {name: ctx.params.pop(name, None) for name in GLOBAL_NAMES if name != "output"}
    if given["config"] is not None:
        state.config_path = given["config"]
    state.verbosity += given["verbose"] or 0
    state.no_color = state.no_color or bool(given["no_color"])
    state.traceback = state.traceback or bool(given["traceback"])
    if given["deadline"] is not None:
        state.set_deadline(given["deadline"])
    return state


def _hide_output(params: list[Parameter]) -> list[Parameter]:
    """The global --output, still accepted (`-o text`, or a clear refusal) but not listed."""
    for param in params:
        if isinstance(param, TyperOption) and param.name == "output":
            param.hidden = True
    return params


class _WholeNames:
    """Help with option names never cut (cli.helplayout)."""

    def format_help(self, ctx: Context, formatter: Any) -> None:
        from onelogin_scim_setup.cli.helplayout import keep_option_names_whole

        keep_option_names_whole()
        super().format_help(ctx, formatter)  # type: ignore[misc]


class GlobalGroup(_WholeNames, TyperGroup):
    """The root, or a command group (`token`): a group below the root also accepts the global
    options (`token -c f.yaml show`), merged into the State before its subcommand is parsed."""

    def __init__(self, name: str | None = None, **attrs: Any) -> None:
        super().__init__(name=name, **attrs)
        # The root declares them in its callback; only the options it lacks are added. Below the
        # root (`token`), no subcommand has another output than text: --output is not listed.
        self.params += _hide_output(_own_globals(self.params))

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _show_flags_as_flags(super().get_params(ctx))

    def invoke(self, ctx: Context) -> Any:
        if ctx.parent is not None:
            state = _merge_globals(ctx)
            output = ctx.params.pop("output", None)
            if output is not None:  # for the subcommand, as if given before the group
                state.output = output
            state.configure()
        return super().invoke(ctx)


class GlobalCommand(_WholeNames, TyperCommand):
    """A command that also accepts the global options, merged into the State before it runs."""

    def __init__(self, name: str | None, **attrs: Any) -> None:
        super().__init__(name, **attrs)
        self.own_output = next(
            (p for p in self.params if isinstance(p, TyperOption) and p.name == "output"), None
        )
        added = _own_globals(self.params)
        # A command with text output only refuses -o json: it does not list -o at all.
        self.params += _hide_output(added) if self.own_output is None else added

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _show_flags_as_flags(super().get_params(ctx))

    def invoke(self, ctx: Context) -> Any:
        state = _merge_globals(ctx)
        self._merge_output(ctx, state.output)
        state.configure()
        return super().invoke(ctx)

    def _merge_output(self, ctx: Context, root_output: str | None) -> None:
        """The command's own --output wins; the root's applies when it was left out here."""
        if self.own_output is None:
            value = ctx.params.pop("output", None) or root_output
            if value not in (None, "text"):
                raise UsageError(
                    f"`{ctx.command_path}` has no {value} output", hint="Leave out --output."
                )
            return
        if root_output is None or ctx.get_parameter_source("output") != ParameterSource.DEFAULT:
            return
        choices = [str(choice) for choice in self.own_output.type_descriptor.choices or ()]
        if root_output not in choices:
            raise UsageError(
                f"`{ctx.command_path}` has no {root_output} output",
                hint=f"It offers --output {', '.join(choices)}.",
            )
        ctx.params["output"] = root_output
