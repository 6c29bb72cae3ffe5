"""What every command shares: the global options' state, the bounds of numeric options, and the apply lock."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from typer._click.core import Context

from onelogin_scim_setup.config import DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import SetupError, UsageError
from onelogin_scim_setup.secrets.redact import Redactor

if TYPE_CHECKING:
    from onelogin_scim_setup.ops.prepare import Prepared
    from onelogin_scim_setup.render.console import ColorMode, Out


@dataclass
class State:
    """What the global options decide, handed to every command (no module-level singletons).

    The environment is read once, here at the edge (`environ`); nothing below the CLI reads it.
    """

    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    config_path: Path = Path(DEFAULT_CONFIG_FILE)
    verbosity: int = 0
    no_color: bool = False
    traceback: bool = False
    output: str | None = None  # the root's --output; a command's own --output wins
    redactor: Redactor = field(default_factory=Redactor)
    # Made on first use: rich is imported only by a command that prints (start-up time).
    _out: Out | None = None

    @property
    def out(self) -> Out:
        return self._out if self._out is not None else self.use_output("text")

    @property
    def color(self) -> ColorMode:
        """--no-color, then NO_COLOR, then FORCE_COLOR (https://no-color.org, https://force-color.org)."""
        if self.no_color or self.environ.get("NO_COLOR"):
            return "never"
        return "always" if self.environ.get("FORCE_COLOR") else "auto"

    def set_deadline(self, seconds: float) -> None:
        """`--deadline`: the command's time on the network (0: no limit)."""
        from onelogin_scim_setup import bounds

        value = within("--deadline", seconds, DEADLINE_SECONDS) if seconds else 0.0
        bounds.start_command(value or None)

    def configure(self) -> None:
        """Set up the -v log from the options merged so far; the streams follow on first use."""
        from onelogin_scim_setup.render.logs import configure as configure_logging

        self._out = None
        configure_logging(self.verbosity, sys.stderr, self.redactor)

    def use_output(self, output: str) -> Out:
        from onelogin_scim_setup.render.console import Out

        self._out = Out.create(
            color=self.color,
            json_output=output == "json",
            progress=self.verbosity == 0,
            redactor=self.redactor,
        )
        return self._out


OutputOption = Annotated[
    Literal["text", "json"],
    typer.Option("--output", "-o", help="text for people, json for programs."),
]


# Bounds of numeric options. A poll interval of 0 would hammer SOE (and the tenant's budget);
# waits beyond an hour (a day for the lock) are a typo. NaN fails every comparison, so it is refused
# too.
INTERVAL_SECONDS = (0.1, 600.0)
WAIT_SECONDS = (0.1, 3600.0)
LOCK_SECONDS = (0.0, 86400.0)
DEADLINE_SECONDS = (0.1, 86400.0)


def within(option: str, value: float, bounds: tuple[float, float]) -> float:
    """`value` (seconds) if it lies within `bounds`, else a UsageError naming the option."""
    low, high = bounds
    if not low <= value <= high:
        raise UsageError(f"{option} must be between {low:g} and {high:g} seconds (got {value:g})")
    return value


ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite an existing file (and its schema file).")
]


def refuse_to_overwrite(path: Path, *, force: bool) -> None:
    """`init` and `import` write a config: an existing one is kept unless `--force`."""
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")


LockTimeoutOption = Annotated[
    float,
    typer.Option(
        "--lock-timeout",
        min=0,
        help="Seconds to wait for another apply on the same tenant and app (0: fail at once).",
    ),
]


def is_terminal(stream: object) -> bool:
    """Whether `stream` is a terminal. A closed descriptor (`<&-`) leaves Python's stream None, and
    a stream closed since answers ValueError: neither is a terminal."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):
        return False


def stdin_is_terminal() -> bool:
    """A prompt can be answered: standard input is open and a terminal."""
    return is_terminal(sys.stdin)


def state_of(ctx: Context) -> State:
    """The run's State, which the root callback made (a command's or group's own context finds it
    in its parents)."""
    state = ctx.find_object(State)
    if state is None:  # only when a command is invoked without the root callback
        raise SetupError("internal: the command ran without the CLI's root options")
    return state


def apply_lock(state: State, prepared: Prepared, timeout: float) -> AbstractContextManager[None]:
    """This machine's lock on the tenant and app, for commands that write (see ops.lock)."""
    from onelogin_scim_setup.ops.lock import default_lock_dir, locked

    return locked(
        prepared,
        default_lock_dir(state.environ),
        timeout=within("--lock-timeout", timeout, LOCK_SECONDS),
        on_wait=lambda message: state.out.note(message),
    )
