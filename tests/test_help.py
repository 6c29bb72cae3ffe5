"""`--help` at 80 columns, byte for byte, for every command (tests/golden/help/), and what makes it
usable there: option names whole, examples on one line each and runnable as written, `-o` listed
only where the command has another output than text, and `--version` naming what it runs on.

A change to a help text must change its golden file on purpose: regenerate with
`UPDATE_GOLDEN=1 pytest tests/test_help.py` and review the diff.
"""

from __future__ import annotations

import io
import os
import re
import shlex
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from onelogin_scim_setup import __version__
from onelogin_scim_setup.cli import main
from onelogin_scim_setup.cli.helptext import EXAMPLES, KEY_DEPENDENCIES, PROG
from tests.helpers import cli_forks
from tests.helpers.terminal_cli import clean_env

GOLDEN = Path(__file__).parent / "golden" / "help"
WIDTH = 80

COMMANDS = [
    [],
    ["init"],
    ["validate"],
    ["render"],
    ["schema"],
    ["plan"],
    ["show"],
    ["apply"],
    ["verify"],
    ["discover"],
    ["doctor"],
    ["runbook"],
    ["audit"],
    ["sandbox"],
    ["demo"],
    ["import"],
    ["token"],
    ["token", "generate"],
    ["token", "show"],
    ["token", "deliver"],
    ["token", "rotate"],
]
# Commands whose only output is text: they refuse -o json, so their help does not offer it.
TEXT_ONLY = [
    ["init"],
    ["render"],
    ["schema"],
    ["runbook"],
    ["sandbox"],
    ["demo"],
    ["import"],
    ["token"],
    ["token", "generate"],
    ["token", "show"],
    ["token", "deliver"],
    ["token", "rotate"],
]


def name(command: list[str]) -> str:
    return "-".join(command) or "root"


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every command's --help at 80 columns, from the real program in processes of its own (forked
    with the CLI loaded, tests/helpers/cli_forks.py), run side by side."""
    env = clean_env(COLUMNS=str(WIDTH), TERMINAL_WIDTH=str(WIDTH))
    folder = tmp_path_factory.mktemp("helps")
    forks = cli_forks.shared()
    running = {
        name(command): forks.start([*command, "--help"], env, folder) for command in COMMANDS
    }
    shown = {}
    for key, process in running.items():
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        shown[key] = stdout
    return shown


@pytest.mark.parametrize("command", COMMANDS, ids=name)
def test_help_matches_its_golden_file(helps: dict[str, str], command: list[str]) -> None:
    text = helps[name(command)]
    path = GOLDEN / f"{name(command)}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} changed; see the docstring"


@pytest.mark.parametrize("command", COMMANDS, ids=name)
def test_help_fits_80_columns_with_option_names_whole(
    helps: dict[str, str], command: list[str]
) -> None:
    text = helps[name(command)]
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert "…" not in text  # Rich's ellipsis: something was cut
    if command == ["audit"]:
        assert "--max-deactivate-percent " in text


@pytest.mark.parametrize("command", TEXT_ONLY, ids=name)
def test_commands_with_text_output_only_do_not_list_output(
    helps: dict[str, str], command: list[str]
) -> None:
    assert "--output" not in helps[name(command)]


def test_commands_with_another_output_list_it(helps: dict[str, str]) -> None:
    for command in ("validate", "plan", "apply", "verify", "discover", "audit", "root"):
        assert "--output" in helps[command], command


def example_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("$ ")]


@pytest.mark.parametrize("command", COMMANDS, ids=name)
def test_examples_are_whole_lines(helps: dict[str, str], command: list[str]) -> None:
    """Every example shown is one line of the help, exactly as the table of examples has it."""
    shown = example_lines(helps[name(command)])
    assert shown, "no examples"
    for line in shown:
        assert PROG in line, line  # a wrapped tail would not name the program


def runnable(line: str) -> list[str]:
    """The tool's arguments in a shown example, without redirections, pipes and comments."""
    if not line.startswith(f"$ {PROG} "):  # $ export X=$(onelogin-scim-setup ...)
        line = "$ " + line[line.index(PROG) :].split(")")[0]
    words = shlex.split(line.removeprefix("$ "), comments=True)[1:]
    for stop in (">", "|"):
        words = words[: words.index(stop)] if stop in words else words
    return words


@pytest.mark.parametrize("command", COMMANDS, ids=name)
def test_every_example_parses_as_a_command_line(helps: dict[str, str], command: list[str]) -> None:
    """Its command and options exist: with --help added, the real parser accepts it."""
    for line in example_lines(helps[name(command)]):
        with redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as exited:
            main([*runnable(line), "--help"])
        assert exited.value.code == 0, line


def test_every_example_fits_one_help_line() -> None:
    for command in EXAMPLES:
        for line in example_table_lines(command):
            assert len(line) <= WIDTH - 2, line  # the help's margin is 1 column on each side


def example_table_lines(command: str) -> list[str]:
    return [e if e.startswith("$ ") else f"$ {PROG} {e}" for e in EXAMPLES[command]]


def test_every_example_of_the_table_is_shown(helps: dict[str, str]) -> None:
    shown = {line for text in helps.values() for line in example_lines(text)}
    for command in EXAMPLES:
        for line in example_table_lines(command):
            assert line in shown


def test_version_names_python_and_the_key_libraries() -> None:
    stdout = io.StringIO()
    with redirect_stdout(stdout), pytest.raises(SystemExit):
        main(["--version"])
    first, python, libraries = stdout.getvalue().splitlines()
    assert first == f"{PROG} {__version__}"
    assert re.fullmatch(r"Python \w+ 3\.\d+\.\d+\S*", python)
    for library in KEY_DEPENDENCIES:
        assert re.search(rf"\b{library} \d+\.\d+", libraries), library


def test_the_deadline_help_names_the_default_the_network_clock_starts_with() -> None:
    """`--deadline`'s help is built before the HTTP stack is loaded (start-up time), so it cannot
    import bounds.COMMAND_DEADLINE; this holds the two to one value."""
    from onelogin_scim_setup import bounds
    from onelogin_scim_setup.cli.options import DeadlineHelp

    assert DeadlineHelp.endswith(f"Default: {bounds.COMMAND_DEADLINE:g}.")
