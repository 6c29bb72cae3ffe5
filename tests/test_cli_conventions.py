"""Command-line conventions CI and shells rely on, through the real program in its own process:
data on stdout, exit codes, global options anywhere, help, colour. A pty where only a terminal
shows the behaviour."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from onelogin_scim_setup.errors import ExitCode
from onelogin_scim_setup.secrets.token import TOKEN_BYTES, fingerprint
from tests.conftest import MINIMAL_CONFIG
from tests.helpers import cli_forks
from tests.helpers.terminal_cli import PROG, clean_env, run_on_pty

TOKEN = "cli-conventions-token-" + "k" * 40
ESCAPE = "\x1b["


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real program in a process of its own (forked with the CLI loaded: what is tested here
    is the command line, not Python's start-up)."""
    return cli_forks.run(args, env or clean_env(), Path.cwd())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(MINIMAL_CONFIG), encoding="utf-8")
    return path


# --- 1. data on stdout, words on stderr ----------------------------------------------------------


def test_token_generate_reveal_prints_only_the_token() -> None:
    result = run("token", "generate", "--reveal")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}\n", result.stdout)
    assert f"new token: {fingerprint(result.stdout.strip())}" in result.stderr


def test_token_show_reveal_prints_only_the_token(config: Path) -> None:
    result = run(
        "-c", str(config), "token", "show", "--reveal", env=clean_env(SOE_SCIM_TOKEN=TOKEN)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == TOKEN + "\n"
    assert fingerprint(TOKEN) in result.stderr


def test_a_captured_reveal_is_a_token_the_tool_accepts(config: Path) -> None:
    captured = run("token", "generate", "--reveal").stdout.removesuffix("\n")  # as $(...) does
    shown = run("-c", str(config), "token", "show", env=clean_env(SOE_SCIM_TOKEN=captured))
    assert shown.returncode == 0, shown.stderr
    assert fingerprint(captured) in shown.stdout


def test_a_two_line_token_is_refused_without_showing_it(config: Path) -> None:
    two_lines = f"new token: {fingerprint(TOKEN)}\n{TOKEN}"
    result = run("-c", str(config), "token", "show", env=clean_env(SOE_SCIM_TOKEN=two_lines))
    assert result.returncode == ExitCode.ERROR
    assert "SOE_SCIM_TOKEN" in result.stderr
    assert "line break" in result.stderr
    assert TOKEN not in result.stdout + result.stderr


# --- 2. exit codes --------------------------------------------------------------------------------

USAGE_ERRORS = [
    ("no arguments", []),
    ("unknown command", ["frobnicate"]),
    ("unknown option", ["validate", "--frob"]),
    ("-v takes no value (root)", ["-v", "2", "validate"]),
    ("-v takes no value (command)", ["validate", "-v", "2"]),
    ("bad --output value", ["render", "--output", "xml"]),
    ("no JSON form", ["-o", "json", "init"]),
    ("no YAML form", ["validate", "-o", "yaml"]),
    ("group without a command", ["token"]),
    ("--e2e without --test-user", ["verify", "--e2e"]),
    ("a missing option value", ["plan", "--detailed-exitcode", "-c"]),
]


@pytest.mark.parametrize("args", [u[1] for u in USAGE_ERRORS], ids=[u[0] for u in USAGE_ERRORS])
def test_usage_errors_exit_64_never_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == ExitCode.USAGE == 64
    assert "Traceback" not in result.stderr


def test_a_usage_error_names_the_problem_and_where_help_is() -> None:
    result = run("validate", "--frob")
    assert "No such option: --frob" in result.stderr
    assert "Usage: onelogin-scim-setup validate" in result.stderr
    assert "onelogin-scim-setup validate --help" in result.stderr


def test_a_config_error_exits_1(tmp_path: Path) -> None:
    assert run("-c", str(tmp_path / "missing.yaml"), "validate").returncode == ExitCode.ERROR


def test_help_exits_0_on_stdout() -> None:
    result = run("plan", "--help")
    assert result.returncode == 0
    assert "Usage: onelogin-scim-setup plan" in result.stdout


# --- 3. global options before or after the command ------------------------------------------------


def test_config_after_the_command_is_the_same_as_before(config: Path) -> None:
    before = run("-c", str(config), "render")
    after = run("render", "-c", str(config))
    assert after.returncode == before.returncode == 0, after.stderr
    assert after.stdout == before.stdout


def test_output_before_the_command_reaches_it(config: Path) -> None:
    result = run("-o", "json", "-c", str(config), "validate")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True


def test_the_command_own_output_wins_over_the_root(config: Path) -> None:
    result = run("-o", "json", "validate", "-o", "text", "-c", str(config))
    assert result.stdout.endswith("valid.\n")


def test_init_writes_where_c_points_after_the_command(tmp_path: Path) -> None:
    target = tmp_path / "chosen.yaml"
    assert run("init", "-c", str(target)).returncode == 0
    assert target.exists()


def test_init_writes_where_the_env_var_points_and_validate_reads_it(tmp_path: Path) -> None:
    target = tmp_path / "from-env.yaml"
    env = clean_env(ONELOGIN_SCIM_CONFIG=str(target))
    assert run("init", env=env).returncode == 0
    assert target.exists()
    assert run("validate", env=env).returncode == 0


def test_config_is_looked_up_in_the_current_folder_by_default(tmp_path: Path) -> None:
    (tmp_path / "onelogin-scim-setup.yaml").write_text(yaml.safe_dump(MINIMAL_CONFIG))
    result = subprocess.run(
        [*PROG, "validate"], capture_output=True, text=True, env=clean_env(), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr


def at(position: int, command: list[str], options: list[str]) -> list[str]:
    """`command` with `options` inserted at `position` (0: before it, len(command): at the end)."""
    return [*command[:position], *options, *command[position:]]


# Every place a global option can go: before the command, between a group and its subcommand, after.
TOKEN_SHOW_POSITIONS = [0, 1, 2]
TOPLEVEL_POSITIONS = [0, 1]


@pytest.mark.parametrize("position", TOKEN_SHOW_POSITIONS, ids=["root", "group", "command"])
def test_token_show_takes_the_global_options_anywhere(config: Path, position: int) -> None:
    options = ["-c", str(config), "-v", "--no-color", "--traceback"]
    result = run(*at(position, ["token", "show"], options), env=clean_env(SOE_SCIM_TOKEN=TOKEN))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"token from env: {fingerprint(TOKEN)}\n"


@pytest.mark.parametrize("position", TOKEN_SHOW_POSITIONS, ids=["root", "group", "command"])
def test_token_generate_delivers_to_the_config_given_anywhere(
    tmp_path: Path, position: int
) -> None:
    delivered = tmp_path / "delivered-token"
    config = tmp_path / "deliver.yaml"
    token = {"delivery": "file", "delivery_file": str(delivered)}
    config.write_text(yaml.safe_dump({**MINIMAL_CONFIG, "token": token}), encoding="utf-8")
    options = ["-c", str(config), "-v", "--no-color"]
    result = run(*at(position, ["token", "generate", "--deliver"], options))
    assert result.returncode == 0, result.stderr
    assert fingerprint(delivered.read_text(encoding="utf-8").strip()) in result.stdout


@pytest.mark.parametrize("position", TOKEN_SHOW_POSITIONS, ids=["root", "group", "command"])
def test_output_given_anywhere_reaches_the_token_command(config: Path, position: int) -> None:
    result = run(*at(position, ["token", "show"], ["-c", str(config), "-o", "json"]))
    assert result.returncode == ExitCode.USAGE
    assert "`onelogin-scim-setup token show` has no json output" in result.stderr


@pytest.mark.parametrize("position", TOPLEVEL_POSITIONS, ids=["root", "command"])
def test_a_top_level_command_takes_the_global_options_anywhere(config: Path, position: int) -> None:
    options = ["-c", str(config), "-v", "--no-color", "-o", "json"]
    result = run(*at(position, ["validate"], options))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True


def test_the_config_given_last_wins_over_the_group_level(config: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = run(
        "token", "-c", str(missing), "show", "-c", str(config), env=clean_env(SOE_SCIM_TOKEN=TOKEN)
    )
    assert result.returncode == 0, result.stderr


# --- 4. help that teaches ---------------------------------------------------------------------------

COMMANDS = [
    ["init"],
    ["validate"],
    ["render"],
    ["plan"],
    ["apply"],
    ["verify"],
    ["discover"],
    ["runbook"],
    ["sandbox"],
    ["demo"],
    ["token", "generate"],
    ["token", "show"],
    ["token", "deliver"],
    ["token", "rotate"],
]


@pytest.mark.parametrize("command", [[], ["token"], *COMMANDS], ids=lambda c: " ".join(c) or "root")
def test_help_shows_flags_without_a_value_placeholder(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "<bool>" not in result.stdout
    verbose = [line for line in result.stdout.splitlines() if "--verbose" in line]
    assert all("<int>" not in line for line in verbose)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help_has_examples(command: list[str]) -> None:
    result = run(*command, "--help")
    assert "Examples:" in result.stdout
    assert f"$ onelogin-scim-setup {' '.join(command)}" in result.stdout


def test_every_command_accepts_the_global_options_in_its_help() -> None:
    result = run("render", "--help")
    assert "--config" in result.stdout
    assert "--no-color" in result.stdout


def test_verbose_help_says_it_counts() -> None:
    verbose = [line for line in run("--help").stdout.splitlines() if "--verbose" in line]
    assert verbose
    assert "-vv" in run("--help").stdout


def test_root_help_lists_environment_and_exit_codes() -> None:
    text = run("--help").stdout
    for word in ("Environment:", "ONELOGIN_SCIM_CONFIG", "NO_COLOR", "FORCE_COLOR", "Exit codes:"):
        assert word in text
    for code in ExitCode:
        assert re.search(rf"^\s*{int(code)}\s", text, re.MULTILINE), code


def test_token_generate_help_states_the_real_strength() -> None:
    assert f"{TOKEN_BYTES * 8} bits" in run("token", "generate", "--help").stdout


def test_sandbox_help_lists_the_control_endpoints() -> None:
    text = run("sandbox", "--help").stdout
    for endpoint in (
        "/_sandbox/apps/<id>/scim",
        "/_sandbox/settings",
        "/_sandbox/mappings/reapply",
    ):
        assert endpoint in text
    assert "docs/sandbox.md" in text


def test_shell_completion_completes_commands() -> None:
    env = clean_env(
        _ONELOGIN_SCIM_SETUP_COMPLETE="complete_bash",
        COMP_WORDS="onelogin-scim-setup pl",
        COMP_CWORD="1",
    )
    result = run(env=env)
    assert result.returncode == 0, result.stderr
    assert "plan" in result.stdout.split()


# --- 5. colour ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "flags", "escapes"),
    [
        ({}, [], True),
        ({"NO_COLOR": "1"}, [], False),
        ({}, ["--no-color"], False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, [], False),
    ],
    ids=["terminal", "NO_COLOR", "--no-color after the command", "NO_COLOR wins"],
)
def test_colour_on_a_terminal(
    config: Path, env: dict[str, str], flags: list[str], escapes: bool
) -> None:
    code, shown = run_on_pty("validate", "-c", str(config), *flags, env=clean_env(**env))
    assert code == 0, shown
    assert (ESCAPE in shown) is escapes


@pytest.mark.parametrize(("env", "escapes"), [({}, False), ({"FORCE_COLOR": "1"}, True)])
def test_colour_when_piped(config: Path, env: dict[str, str], escapes: bool) -> None:
    result = run("-c", str(config), "validate", env=clean_env(**env))
    assert (ESCAPE in result.stdout) is escapes


# --- 6. validate finds everything at once ----------------------------------------------------------


def test_validate_reports_an_unknown_key_and_a_rule_together(tmp_path: Path) -> None:
    data = {**MINIMAL_CONFIG, "soe": {"site": "acme", "colour": "blue"}}
    data["promotions"] = {"roles": [{"role": "SOE Moderators", "user_type": "Admin"}]}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run("-c", str(path), "validate")
    assert result.returncode == ExitCode.ERROR
    assert "unknown key 'colour'" in result.stderr
    assert "soe.allow_admin_promotion is false" in result.stderr


def test_validate_reports_config_template_and_token_problems_together(tmp_path: Path) -> None:
    (tmp_path / "mine.json.j2").write_text('{"userName": "{$parameters.scimusername}"}')
    token = tmp_path / "token"
    token.write_text(TOKEN)
    token.chmod(0o644)
    data = {
        **MINIMAL_CONFIG,
        "app": {"roles": ["Engineering"], "rolez": []},
        "template": {"path": "mine.json.j2"},
        "token": {"source": "file", "file": "token"},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run("-c", str(path), "validate", "-o", "json")
    assert result.returncode == ExitCode.ERROR
    problems = {p["key"]: p for p in json.loads(result.stdout)["error"]["problems"]}
    assert "unknown key 'rolez'" in problems["app.rolez"]["message"]
    assert problems["app.rolez"]["file"] == str(path)
    assert problems["template"]["file"] == str(tmp_path / "mine.json.j2")
    assert "readable by other users" in problems["token"]["message"]
    assert problems["token"]["line"] is not None


def test_a_sample_without_the_template_fields_is_an_error(config: Path, tmp_path: Path) -> None:
    sample = tmp_path / "sample.yaml"
    sample.write_text("user:\n  first_name: Grace\n  email: grace@example.com\n")
    result = run("-c", str(config), "render", "--sample", str(sample))
    assert result.returncode == ExitCode.ERROR
    assert "user.firstname" in result.stderr
    assert "user.custom_fields.userType" in result.stderr
    assert result.stdout == ""


def test_readme_exit_code_table_lists_every_code() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert listed == {int(code) for code in ExitCode}


def test_readme_documents_shell_completion() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "--install-completion" in readme
