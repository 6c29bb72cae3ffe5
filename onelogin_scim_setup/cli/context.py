"""What every command shares: the global options' state and the offline preparation step."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from onelogin_scim_setup.config.models import DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import SetupError
from onelogin_scim_setup.logs import configure as configure_logging
from onelogin_scim_setup.render.console import ColorMode, Out
from onelogin_scim_setup.secrets.redact import Redactor

if TYPE_CHECKING:
    from onelogin_scim_setup.engine.prepare import Prepared


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
    out: Out = field(default_factory=lambda: Out.create(color="never", json_output=False))
    redactor: Redactor = field(default_factory=Redactor)

    @property
    def color(self) -> ColorMode:
        """--no-color, then NO_COLOR, then FORCE_COLOR (https://no-color.org, https://force-color.org)."""
        if self.no_color or self.environ.get("NO_COLOR"):
            return "never"
        return "always" if self.environ.get("FORCE_COLOR") else "auto"

    def configure(self) -> None:
        """Build the output streams and the -v log from the options merged so far."""
        self.out = Out.create(color=self.color, json_output=False, progress=self.verbosity == 0)
        configure_logging(self.verbosity, sys.stderr, self.redactor)

    def use_output(self, output: str) -> Out:
        self.out = Out.create(
            color=self.color, json_output=output == "json", progress=self.verbosity == 0
        )
        return self.out


OutputOption = Annotated[
    Literal["text", "json"],
    typer.Option("--output", "-o", help="text for people, json for programs."),
]


def state_of(ctx: typer.Context) -> State:
    state = ctx.find_object(State)
    if state is None:  # only when a command is invoked without the root callback
        raise SetupError("internal: the command ran without the CLI's root options")
    return state


def prepare(state: State, *, token_required: bool = False) -> Prepared:
    """Load and check everything offline; register the secrets so no output can carry them."""
    from onelogin_scim_setup.engine.prepare import prepare as prepare_offline

    prepared = prepare_offline(state.config_path, state.environ, token_required=token_required)
    onelogin = prepared.config.onelogin
    inline = onelogin.client_secret.get_secret_value() if onelogin.client_secret else ""
    state.redactor.add(*prepared.secrets, inline, state.environ.get(onelogin.client_secret_env, ""))
    for warning in prepared.loaded.warnings:
        state.out.note(f"Warning: {warning}")
    return prepared
