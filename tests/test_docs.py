"""The docs are part of the product: every command is documented, examples are true, CI runs the README."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from onelogin_scim_setup.cli import app
from onelogin_scim_setup.config.load import load
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.config.yaml_source import read_yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_names() -> list[str]:
    names = [
        str(info.name or info.callback.__name__)
        for info in app.registered_commands
        if info.callback
    ]
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None
        names += [
            f"{group.name} {info.name or info.callback.__name__}"
            for info in sub.registered_commands
            if info.callback
        ]
    return names


def test_there_are_commands_to_document() -> None:
    assert {"plan", "apply", "verify", "token rotate", "demo"} <= set(command_names())


@pytest.mark.parametrize("name", command_names())
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"`{name}" in README


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(run_cli: Callable[..., object], name: str) -> None:
    result = run_cli(*name.split(), "--help")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Usage:" in result.stdout  # type: ignore[attr-defined]


def test_example_config_validates() -> None:
    assert load(ROOT / "templates" / "config.example.yaml").warnings == ()


def test_example_config_shows_the_defaults_or_marks_its_examples() -> None:
    """The starter config's promise: a key left out takes the value shown, except the values
    marked `# example; default: ...` (or `required`) on their line."""
    document = read_yaml(ROOT / "templates" / "config.example.yaml")
    lines = (ROOT / "templates" / "config.example.yaml").read_text(encoding="utf-8").splitlines()
    unmarked = []

    def walk(model: type[BaseModel], data: dict[str, Any], prefix: tuple[str, ...]) -> None:
        for key, value in data.items():
            field = model.model_fields[key]
            nested = next(
                (
                    arg
                    for arg in getattr(field.annotation, "__args__", (field.annotation,))
                    if isinstance(arg, type) and issubclass(arg, BaseModel)
                ),
                None,
            )
            if nested is not None and isinstance(value, dict):
                walk(nested, value, (*prefix, key))
                continue
            default = field.get_default(call_default_factory=True)
            shown = getattr(default, "value", default)  # an Enum default shows as its value
            line = lines[document.lines[(*prefix, key)] - 1]
            marked = "# example; default:" in line or "# example; required" in line
            if (shown != value and str(shown) != str(value)) != marked:
                unmarked.append(f"{'.'.join((*prefix, key))}: {line.strip()} (default {shown!r})")

    walk(Config, document.data, ())
    assert unmarked == []


def test_example_config_documents_every_key() -> None:
    text = (ROOT / "templates" / "config.example.yaml").read_text(encoding="utf-8")
    for key in (
        "base_url",
        "client_id_env",
        "scim_base_url",
        "delivery_command",
        "delivery_file",
        "command:",
        "configuration_keys",
        "mapping_prefix",
        "create_missing_roles",
        "exclusive_roles",
        "mapping:",
        "max_mapping_deletes",
        "max_user_change_percent",
        "min_user_changes",
        "path:",
    ):
        assert key in text, key


def test_ci_runs_the_readme_test_command() -> None:
    match = re.search(r"<!-- test-command -->\s*```sh\n(.*?)\n```", README, re.S)
    assert match is not None
    command = match.group(1)
    assert "pytest" in command
    assert "ruff check" in command
    assert "mypy" in command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci


def test_readme_demo_command_installs_and_runs_the_demo() -> None:
    assert "pip install . && .venv/bin/onelogin-scim-setup demo" in README


def test_every_claim_names_tests_that_exist() -> None:
    """docs/claims.md names tests as `tests/<file>.py::<function>`; each must exist."""
    text = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(named) >= 20
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
