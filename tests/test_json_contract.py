"""The JSON contract's fixed parts: the error codes are stable strings that error.schema.json lists
in full, and the config's JSON Schema (`schema`, docs/schemas/config.schema.json) accepts the example
config and refuses what `validate` refuses. The documents themselves: test_e2e_json_contract.py."""

from __future__ import annotations

import importlib
import io
import json
import pkgutil
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import onelogin_scim_setup
from onelogin_scim_setup import errors
from onelogin_scim_setup.cli import main
from onelogin_scim_setup.config.problems import Problem, problem_fields
from onelogin_scim_setup.config.schema import SCHEMA_FILE, config_schema, schema_text, with_modeline
from onelogin_scim_setup.files import WriteError
from onelogin_scim_setup.ops.rotate import RotationError
from onelogin_scim_setup.render.errors import INTERNAL_CODE, error_code
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.configs import with_change

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "schemas"


def subclasses(cls: type) -> list[type]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in subclasses(child))]


def every_error_class() -> list[type]:
    """Every SetupError subclass of the tool, wherever it is defined (the sandbox shares no code)."""
    for module in pkgutil.walk_packages(onelogin_scim_setup.__path__, "onelogin_scim_setup."):
        if ".sandbox" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return subclasses(errors.SetupError)


def test_every_error_class_names_its_own_stable_code_and_the_schema_lists_them_all() -> None:
    found = every_error_class()
    # A private base (`_Name`) only shares behaviour: it is never raised, so it has no code of its
    # own, and every one of its subclasses is held to the rules below.
    private = [cls for cls in found if cls.__name__.startswith("_")]
    assert errors._WithProblems in private  # the filter below is not vacuous
    for base in private:
        assert "code" not in vars(base), f"{base.__name__} is private but names a code"
        assert any(not sub.__name__.startswith("_") for sub in base.__subclasses__())
    classes = [cls for cls in found if cls not in private]
    assert RotationError in classes  # the modules that define them were loaded
    assert WriteError in classes
    assert errors.ConfigError in classes
    assert errors.TemplateError in classes
    for cls in classes:
        assert "code" in vars(cls), f"{cls.__name__} inherits its parent's code"
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert all(code.islower() and code.replace("_", "").isalpha() for code in codes)
    schema = json.loads((SCHEMAS / "error.schema.json").read_text())
    listed = schema["properties"]["error"]["properties"]["code"]["enum"]
    assert sorted(listed) == sorted([*codes, errors.Interrupted.code, INTERNAL_CODE])


def test_an_unexpected_exception_is_an_internal_error_not_a_class_name() -> None:
    assert error_code(KeyError("x")) == "internal_error"
    assert error_code(errors.StalePlanError("x")) == "stale_plan"


def schema_cli(*args: str) -> str:
    stdout = io.StringIO()
    with redirect_stdout(stdout), pytest.raises(SystemExit) as exited:
        main(["schema", *args])
    assert exited.value.code == 0
    return stdout.getvalue()


def test_schema_prints_the_models_schema_and_the_docs_copy_is_current() -> None:
    printed = schema_cli()
    assert json.loads(printed) == config_schema()
    assert printed == schema_text()
    assert (SCHEMAS / "config.schema.json").read_text() == printed, (
        "regenerate: onelogin-scim-setup schema --out docs/schemas/config.schema.json"
    )
    jsonschema.Draft202012Validator.check_schema(config_schema())


def test_schema_out_writes_the_file(tmp_path: Path) -> None:
    schema_cli("--out", str(tmp_path / SCHEMA_FILE))
    assert (tmp_path / SCHEMA_FILE).read_text() == schema_text()


VALIDATORS: list[Callable[[dict[str, Any]], Any]] = [
    jsonschema.Draft202012Validator,
    # Editors whose validator stops at draft-07 (yaml-language-server) read it the same way.
    jsonschema.Draft7Validator,
]


@pytest.mark.parametrize("validator", VALIDATORS, ids=["2020-12", "draft-07"])
@pytest.mark.parametrize("example", ["templates/config.example.yaml"])
def test_the_example_configs_validate_against_the_schema(
    validator: Callable[[dict[str, Any]], Any], example: str
) -> None:
    data = yaml.safe_load((ROOT / example).read_text())
    validator(config_schema()).validate(data)
    validator(config_schema()).validate(MINIMAL_CONFIG)


@pytest.mark.parametrize("validator", VALIDATORS, ids=["2020-12", "draft-07"])
@pytest.mark.parametrize(
    "data",
    [
        with_change(("onelogin", "subdomian"), "acme"),  # unknown key
        with_change(("soe", "site"), "https://acme.stackenterprise.co"),
        with_change(("soe", "allow_admin_promotion"), "yes"),  # strict: not a boolean
        with_change(("onelogin", "concurrency"), 99),
    ],
    ids=["unknown key", "site as URL", "string for a boolean", "out of range"],
)
def test_the_schema_refuses_what_validate_refuses(
    validator: Callable[[dict[str, Any]], Any], data: dict[str, Any]
) -> None:
    assert list(validator(config_schema()).iter_errors(data))


def test_the_modeline_is_first_and_written_once() -> None:
    text = "version: 1\n"
    once = with_modeline(text)
    assert once == f"# yaml-language-server: $schema={SCHEMA_FILE}\n{text}"
    assert with_modeline(once) == once


def cli_output(*args: str) -> tuple[int, str]:
    stdout = io.StringIO()
    with redirect_stdout(stdout), pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(str(exited.value.code)), stdout.getvalue()


@pytest.mark.parametrize("asked", [["-o", "json"], ["--output=json"], ["-ojson"]])
def test_a_command_line_that_does_not_parse_still_answers_json_when_asked(
    asked: list[str],
) -> None:
    code, stdout = cli_output("plan", *asked, "--bogus")
    assert code == 64
    document = json.loads(stdout)
    schema = json.loads((SCHEMAS / "error.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["error"]["code"] == "usage"
    assert "--bogus" in document["error"]["message"]


def test_a_usage_error_without_json_writes_nothing_on_stdout() -> None:
    assert cli_output("plan", "--bogus") == (64, "")


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("c.yaml:3: a.b: bad", ("c.yaml", 3, "a.b", "bad")),
        ("c.yaml: duplicate keys", ("c.yaml", None, None, "duplicate keys")),
        ("p.csv:4: user_type: not allowed", ("p.csv", 4, "user_type", "not allowed")),
        ("something went wrong: badly", (None, None, None, "something went wrong: badly")),
    ],
)
def test_a_problem_made_as_plain_text_still_has_fields(
    text: str, fields: tuple[object, ...]
) -> None:
    assert tuple(problem_fields(text).values()) == fields


def test_a_problem_reads_as_before_and_keeps_its_parts() -> None:
    problem = Problem(Path("my dir/c.yaml"), 7, "soe.site", "is wrong")
    assert problem == "my dir/c.yaml:7: soe.site: is wrong"
    assert problem_fields(problem) == {
        "file": "my dir/c.yaml",
        "line": 7,
        "key": "soe.site",
        "message": "is wrong",
    }
    assert Problem(None, None, "template", "bad", text="the built-in template: bad") == (
        "the built-in template: bad"
    )
