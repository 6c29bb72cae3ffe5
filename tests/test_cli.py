"""The CLI's offline commands through the real entry point: validate, render, init, errors, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
    assert error["type"] == "ConfigError"
    assert any("did you mean 'subdomain'" in p for p in error["problems"])


def test_render_example_prints_json(run_cli: Run) -> None:
    result = run_cli("-c", str(ROOT / "config.example.yaml"), "render")
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
    assert target.read_text() == (ROOT / "config.example.yaml").read_text()
    target.write_text("mine")
    refused = run_cli("init", str(target))
    assert refused.exit_code == 64  # the fix is on the command line: --force
    assert "--force" in refused.stderr
    assert target.read_text() == "mine"
    assert run_cli("init", str(target), "--force").exit_code == 0


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
    from onelogin_scim_setup.demo import write_demo_files
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
