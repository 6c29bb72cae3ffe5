"""Issue 8, one behaviour per test: safe writes, offline commands that run nothing,
and the warnings every command gives (weak token, soe.verify_tls: false)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from onelogin_scim_setup.config.models import SoeSettings
from onelogin_scim_setup.errors import SetupError
from onelogin_scim_setup.files import write_file
from onelogin_scim_setup.secrets.token import fingerprint
from onelogin_scim_setup.soe.client import open_scim
from tests.conftest import MINIMAL_CONFIG, Result

TOKEN = "a-good-long-scim-token-" + "k" * 40


def test_write_file_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep me")
    link = tmp_path / "out.md"
    link.symlink_to(target)
    with pytest.raises(SetupError, match="symbolic link"):
        write_file(link, "overwritten")
    assert target.read_text() == "keep me"


def test_write_file_replaces_atomically_keeping_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.md"
    path.write_text("old")
    path.chmod(0o600)
    write_file(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


@pytest.mark.parametrize(
    "args",
    [
        ("render", "--out", "link"),
        ("runbook", "--offline", "--out", "link"),
        ("init", "--force", "link"),
    ],
)
def test_commands_refuse_to_write_through_a_symlink(
    args: tuple[str, ...],
    tmp_path: Path,
    write_config: Callable[..., Path],
    run_cli: Callable[..., Result],
) -> None:
    target = tmp_path / "precious"
    target.write_text("keep me")
    (tmp_path / "link").symlink_to(target)
    config = write_config(MINIMAL_CONFIG)
    result = run_cli("-c", str(config), *args)
    assert result.exit_code == 1
    assert "symbolic link" in result.stderr
    assert target.read_text() == "keep me"


def command_config(tmp_path: Path) -> dict[str, object]:
    marker = tmp_path / "command-ran"
    script = f"open({str(marker)!r}, 'w').write('x'); print({TOKEN!r})"
    return {
        **MINIMAL_CONFIG,
        "token": {"source": "command", "command": [sys.executable, "-c", script]},
    }


@pytest.mark.parametrize(
    "args", [("validate",), ("validate", "--output", "json"), ("render",), ("render", "--preview")]
)
def test_offline_commands_never_run_token_command(
    args: tuple[str, ...],
    tmp_path: Path,
    write_config: Callable[..., Path],
    run_cli: Callable[..., Result],
) -> None:
    result = run_cli("-c", str(write_config(command_config(tmp_path))), *args)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "command-ran").exists()


def test_validate_says_the_token_command_was_not_run(
    tmp_path: Path, write_config: Callable[..., Path], run_cli: Callable[..., Result]
) -> None:
    result = run_cli("-c", str(write_config(command_config(tmp_path))), "validate")
    assert "token.command was not run" in result.stderr


def test_token_commands_still_run_token_command(
    tmp_path: Path, write_config: Callable[..., Path], run_cli: Callable[..., Result]
) -> None:
    result = run_cli("-c", str(write_config(command_config(tmp_path))), "token", "show")
    assert result.exit_code == 0, result.output
    assert fingerprint(TOKEN) in result.stdout


def test_a_weak_configured_token_is_warned(
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    monkeypatch.setenv("SOE_SCIM_TOKEN", "abcd")
    result = run_cli("-c", str(write_config(MINIMAL_CONFIG)), "token", "show")
    assert result.exit_code == 0
    assert (
        "SCIM token from token.source env is weak: the token is 4 characters long" in result.stderr
    )
    assert "abcd" not in result.output.replace(fingerprint("abcd"), "")


def test_a_strong_configured_token_is_not_warned(
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    monkeypatch.setenv("SOE_SCIM_TOKEN", TOKEN)
    result = run_cli("-c", str(write_config(MINIMAL_CONFIG)), "token", "show")
    assert "weak" not in result.stderr


def test_every_scim_client_warns_when_tls_is_not_verified(caplog: pytest.LogCaptureFixture) -> None:
    settings = SoeSettings(site="acme", verify_tls=False)
    with (
        caplog.at_level(logging.WARNING, logger="onelogin_scim_setup.soe"),
        open_scim(settings, TOKEN),
    ):
        pass
    assert "soe.verify_tls is false" in caplog.text


def test_runbook_holds_the_token_only_as_a_fingerprint(
    write_config: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., Result],
) -> None:
    monkeypatch.setenv("SOE_SCIM_TOKEN", TOKEN)
    result = run_cli(
        "-c", str(write_config(MINIMAL_CONFIG)), "runbook", "--offline", "--out", "r.md"
    )
    assert result.exit_code == 0, result.output
    text = Path("r.md").read_text()
    assert fingerprint(TOKEN) in text
    assert TOKEN not in text + result.output
    assert not [p for p in Path().iterdir() if p.name.endswith(".tmp")]
    assert os.stat("r.md").st_size > 0
