"""The CLI's offline commands through the real entry point: validate, render, init, errors, exit codes."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click.exceptions import ClickException
from typer._click.exceptions import UsageError as ClickUsageError

from onelogin_scim_setup.cli import main
from onelogin_scim_setup.errors import ExitCode, Interrupted, SetupError
from tests.conftest import MINIMAL_CONFIG, Result
from tests.helpers.configs import BAD_CONFIGS, with_change

ROOT = Path(__file__).resolve().parent.parent
Run = Callable[..., Result]


@pytest.mark.parametrize(
    ("case", "data", "where", "says"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS]
)
def test_validate_rejects_bad_configs_without_traceback(
    run_cli: Run, write_config: Callable[..., Path], case: str, data: Any, where: str, says: str
) -> None:
    path = write_config(data)
    result = run_cli("-c", str(path), "validate")
    assert result.exit_code == 1
    assert where in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.output


TEMPLATE_CASES = [
    ("not json", '{"userName": {{ placeholder("parameters.scimusername") }}', "JSON"),
    (
        "case mismatch",
        '{"userName": "{$parameters.scimusername}", "emails": [{"value": "{$user.email}"}], '
        '"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userType": "{$user.custom_fields.usertype}"}',
        "did you mean 'userType'",
    ),
    (
        "wrong syntax",
        '{"userName": "${parameters.scimusername}", "emails": [{"value": "${user.email}"}], '
        '"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}',
        "literal",
    ),
    (
        "no schemas",
        '{"userName": "{$parameters.scimusername}", "emails": [{"value": "{$user.email}"}]}',
        "schemas",
    ),
    ("jinja error", '{"userName": {% if %}}', "line 1"),
]


@pytest.mark.parametrize(
    ("case", "template", "says"), TEMPLATE_CASES, ids=[c[0] for c in TEMPLATE_CASES]
)
def test_validate_rejects_bad_templates(
    run_cli: Run,
    write_config: Callable[..., Path],
    tmp_path: Path,
    case: str,
    template: str,
    says: str,
) -> None:
    (tmp_path / "mine.json.j2").write_text(template, encoding="utf-8")
    path = write_config(with_change(("template", "path"), "mine.json.j2"))
    result = run_cli("-c", str(path), "validate")
    assert result.exit_code == 1
    assert "mine.json.j2" in result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.output


def test_missing_template_file_names_it(run_cli: Run, write_config: Callable[..., Path]) -> None:
    path = write_config(with_change(("template", "path"), "nowhere.j2"))
    result = run_cli("-c", str(path), "validate")
    assert result.exit_code == 1
    assert "nowhere.j2" in result.stderr


def test_missing_config_file(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("-c", str(tmp_path / "none.yaml"), "validate")
    assert result.exit_code == 1
    assert "config file not found" in result.stderr


def test_config_from_env_var(
    run_cli: Run, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONELOGIN_SCIM_CONFIG", str(write_config(MINIMAL_CONFIG)))
    result = run_cli("validate", "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["valid"] is True


def test_validate_error_as_json(run_cli: Run, write_config: Callable[..., Path]) -> None:
    path = write_config(with_change(("onelogin", "subdomian"), "x"))
    result = run_cli("-c", str(path), "validate", "--output", "json")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "config_invalid"
    [problem] = error["problems"]
    assert problem["file"] == str(path)
    lines = path.read_text().splitlines()
    assert lines[problem["line"] - 1].strip().startswith("subdomian:")
    assert problem["key"] == "onelogin.subdomian"
    assert "did you mean 'subdomain'" in problem["message"]


def test_render_example_prints_json(run_cli: Run) -> None:
    result = run_cli("-c", str(ROOT / "templates" / "config.example.yaml"), "render")
    assert result.exit_code == 0, result.output
    rendered = json.loads(result.stdout)
    assert rendered["userType"] == "{$user.custom_fields.userType}"
    assert rendered["title"] == "{$user.custom_fields.jobTitle}"


def test_render_out_writes_the_file(
    run_cli: Run, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    result = run_cli(
        "-c", str(write_config(MINIMAL_CONFIG)), "render", "--out", str(tmp_path / "t.json")
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "t.json").read_text())["userName"] == "{$parameters.scimusername}"


def test_render_preview_shows_a_moderator_payload(
    run_cli: Run, write_config: Callable[..., Path]
) -> None:
    data = with_change(("fields",), {"department": {"enabled": True}})
    result = run_cli("-c", str(write_config(data)), "render", "--preview")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["userType"] == "Moderator"
    assert payload["department"]
    assert "{$" not in result.stdout


def test_render_preview_with_a_sample_file(
    run_cli: Run, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    sample = tmp_path / "sample.yaml"
    sample.write_text(
        "user:\n  firstname: Grace\n  lastname: Hopper\n  email: grace@example.com\n  custom_fields:\n    userType: Admin\n"
    )
    result = run_cli("-c", str(write_config(MINIMAL_CONFIG)), "render", "--sample", str(sample))
    payload = json.loads(result.stdout)
    assert payload["userName"] == "grace@example.com"
    assert payload["userType"] == "Admin"


def test_init_writes_the_example_and_refuses_to_overwrite(run_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "new.yaml"
    assert run_cli("init", str(target)).exit_code == 0
    first, rest = target.read_text().split("\n", 1)
    assert first == "# yaml-language-server: $schema=onelogin-scim-setup.schema.json"
    assert rest == (ROOT / "templates" / "config.example.yaml").read_text()
    schema = json.loads((tmp_path / "onelogin-scim-setup.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    target.write_text("mine")
    refused = run_cli("init", str(target))
    assert refused.exit_code == 64  # the fix is on the command line: --force
    assert "--force" in refused.stderr
    assert target.read_text() == "mine"
    assert run_cli("init", str(target), "--force").exit_code == 0


def test_init_keeps_a_different_schema_file_unless_forced(run_cli: Run, tmp_path: Path) -> None:
    schema = tmp_path / "onelogin-scim-setup.schema.json"
    schema.write_text("{}")
    result = run_cli("init", str(tmp_path / "a.yaml"))
    assert result.exit_code == 0
    assert "Kept" in result.stderr
    assert "schema --out" in result.stderr
    assert schema.read_text() == "{}"
    assert run_cli("init", str(tmp_path / "a.yaml"), "--force").exit_code == 0
    assert json.loads(schema.read_text())["title"].startswith("onelogin-scim-setup configuration")


def test_version(run_cli: Run) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("onelogin-scim-setup 0.")


def test_plan_without_credentials_names_the_env_vars(
    run_cli: Run, write_config: Callable[..., Path]
) -> None:
    result = run_cli("-c", str(write_config(MINIMAL_CONFIG)), "plan")
    assert result.exit_code == 1
    assert "ONELOGIN_CLIENT_ID and ONELOGIN_CLIENT_SECRET" in result.stderr


def test_unknown_command_is_a_usage_error(run_cli: Run) -> None:
    result = run_cli("frobnicate")
    assert result.exit_code == 64
    assert "Traceback" not in result.output


def test_unwritable_output_is_a_clear_error(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("init", str(tmp_path / "missing-folder" / "x.yaml"))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
    assert "bug" not in result.stderr


def test_demo_refuses_to_overwrite(tmp_path: Path) -> None:
    from onelogin_scim_setup.cli.demo import write_demo_files
    from onelogin_scim_setup.errors import UsageError

    write_demo_files(tmp_path, "http://127.0.0.1:1", "http://127.0.0.1:2/api/scim/v2")
    with pytest.raises(UsageError, match="already exists"):
        write_demo_files(tmp_path, "http://127.0.0.1:1", "http://127.0.0.1:2/api/scim/v2")


def test_render_preview_out_writes_the_payload(
    run_cli: Run, write_config: Callable[..., Path], tmp_path: Path
) -> None:
    target = tmp_path / "payload.json"
    result = run_cli(
        "-c", str(write_config(MINIMAL_CONFIG)), "render", "--preview", "--out", str(target)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["userType"] == "Moderator"
    assert result.stdout == ""


# The error boundary in `cli.main`, driven by a stand-in for the Typer app that raises.
BOUNDARY_SECRET = "s3cr3t-boundary-4d2a"


def raising(error: BaseException, *, traceback: bool = False) -> Callable[..., None]:
    def app(*, args: list[str], obj: Any, prog_name: str, **click_settings: Any) -> None:
        obj.traceback = traceback
        obj.redactor.add(BOUNDARY_SECRET)
        raise error

    return app


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SetupError("bad input"), 1),
        (RuntimeError("unexpected"), 1),
        (KeyboardInterrupt(), 130),
    ],
)
def test_the_boundary_maps_each_error_to_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run, error: BaseException, code: int
) -> None:
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(error))
    assert run_cli().exit_code == code


def test_ctrl_c_says_interrupted(monkeypatch: pytest.MonkeyPatch, run_cli: Run) -> None:
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(KeyboardInterrupt()))
    assert run_cli().stderr.strip() == "Interrupted."


def test_an_unexpected_error_is_one_redacted_paragraph_calling_itself_a_bug(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    error = RuntimeError(f"token {BOUNDARY_SECRET} rejected")
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(error))
    result = run_cli()
    assert "This is a bug; run again with --traceback and report it." in result.stderr
    assert (BOUNDARY_SECRET in result.stderr, "Traceback" in result.stderr) == (False, False)


def test_a_setup_error_is_redacted_and_not_called_a_bug(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    error = SetupError(f"token {BOUNDARY_SECRET} rejected")
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(error))
    result = run_cli()
    assert ("rejected" in result.stderr, BOUNDARY_SECRET in result.stderr) == (True, False)
    assert "This is a bug" not in result.stderr


@pytest.mark.parametrize(
    "error",
    [SetupError(f"bad input {BOUNDARY_SECRET}"), RuntimeError(f"unexpected {BOUNDARY_SECRET}")],
)
def test_traceback_option_prints_the_traceback_through_the_redactor(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run, error: Exception
) -> None:
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(error, traceback=True))
    result = run_cli()
    assert result.exit_code == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert type(error).__name__ in result.stderr
    assert BOUNDARY_SECRET not in result.stderr + result.stdout
    assert "[redacted]" in result.stderr


def test_the_exit_codes_are_the_documented_numbers() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 64, 130, 143]


def test_ctrl_c_before_the_signal_handlers_exits_130_saying_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    @contextmanager
    def ctrl_c_at_once() -> Iterator[None]:
        raise KeyboardInterrupt
        yield  # pragma: no cover (a generator, for contextmanager)

    monkeypatch.setattr("onelogin_scim_setup.ops.interrupt.handling", ctrl_c_at_once)
    with pytest.raises(SystemExit) as exited:
        main([])
    assert (exited.value.code, capsys.readouterr().err) == (130, "Interrupted.\n")


def test_a_click_error_is_one_redacted_paragraph_exiting_1(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    error = ClickException(f"cannot open {BOUNDARY_SECRET}.yaml")
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(error))
    result = run_cli()
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot open ")
    assert (BOUNDARY_SECRET in result.stderr, "This is a bug" in result.stderr) == (False, False)


def test_an_aborted_prompt_says_nothing_more_was_done_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(typer.Abort()))
    result = run_cli()
    assert (result.exit_code, result.stderr) == (1, "Aborted; nothing more was done.\n")


def test_a_signal_exits_with_its_code_and_a_redacted_report(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    interrupted = Interrupted(signal.SIGTERM)
    interrupted.report.append(f"test user restored with {BOUNDARY_SECRET}")
    monkeypatch.setattr("onelogin_scim_setup.cli._command", lambda: raising(interrupted))
    result = run_cli()
    assert result.exit_code == 143
    assert result.stderr.startswith("Interrupted by SIGTERM.\ntest user restored with ")
    assert BOUNDARY_SECRET not in result.stderr


def test_an_unexpected_error_shows_its_message_and_the_bug_line(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    monkeypatch.setattr(
        "onelogin_scim_setup.cli._command", lambda: raising(RuntimeError("disk on fire"))
    )
    lines = run_cli().stderr.splitlines()
    assert lines == [
        "Error: disk on fire",
        "This is a bug; run again with --traceback and report it.",
    ]


def test_a_command_returning_a_value_that_is_no_exit_code_exits_0(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    monkeypatch.setattr(
        "onelogin_scim_setup.cli._command", lambda: lambda **_: "a value, not an exit code"
    )
    result = run_cli()
    assert (result.exit_code, result.stderr) == (0, "")


def test_a_usage_error_shows_the_commands_usage_and_help(run_cli: Run) -> None:
    result = run_cli("validate", "--no-such-option")
    assert result.exit_code == 64
    assert "Usage: onelogin-scim-setup validate [OPTIONS]" in result.stderr
    assert "Hint: `onelogin-scim-setup validate --help` lists the options" in result.stderr


def test_a_usage_error_without_a_command_shows_the_programs_usage(
    monkeypatch: pytest.MonkeyPatch, run_cli: Run
) -> None:
    monkeypatch.setattr(
        "onelogin_scim_setup.cli._command", lambda: raising(ClickUsageError("bad usage"))
    )
    result = run_cli()
    assert result.exit_code == 64
    assert result.stderr.splitlines() == [
        "Error: bad usage",
        "Usage: onelogin-scim-setup [OPTIONS] COMMAND [ARGS]...",
        "Hint: `onelogin-scim-setup --help` lists the options, with examples.",
    ]
