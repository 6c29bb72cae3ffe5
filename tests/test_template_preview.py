"""template/preview.py: the payload OneLogin would send for a sample user, and loading sample files."""

from __future__ import annotations

from pathlib import Path

import pytest

from onelogin_scim_setup.errors import TemplateError
from onelogin_scim_setup.template.preview import BUILTIN_SAMPLE_USER, load_sample, preview_payload
from onelogin_scim_setup.template.render import TemplateOptions, render_scim_template


def test_preview_builtin_sample_is_a_moderator_with_department() -> None:
    text = render_scim_template(TemplateOptions(department_source="user.department"))
    payload = preview_payload(text, syntax="onelogin", sample=BUILTIN_SAMPLE_USER)
    assert payload["userType"] == "Moderator"
    assert payload["department"] == BUILTIN_SAMPLE_USER["user"]["department"]
    assert payload["userName"] == payload["emails"][0]["value"] == "ada@example.com"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "grace.yaml",
            "user:\n  firstname: Grace\n  lastname: Hopper\n  email: grace@example.com\n"
            "  custom_fields:\n    userType: Admin\n",
        ),
        (
            "grace.json",
            '{"user": {"firstname": "Grace", "lastname": "Hopper", "email": "grace@example.com",'
            ' "custom_fields": {"userType": "Admin"}}}',
        ),
    ],
)
def test_preview_with_sample_file_fills_defaults(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    text = render_scim_template(TemplateOptions(syntax="dollar-brace"))
    payload = preview_payload(text, syntax="dollar-brace", sample=load_sample(path))
    assert payload["userType"] == "Admin"
    assert payload["userName"] == "grace@example.com"  # scimusername defaults to the email
    assert payload["name"]["formatted"] == "Grace Hopper"  # display_name defaults to first last


def test_preview_json_escapes_values_with_quotes_and_backslashes() -> None:
    sample = {"user": {"firstname": 'Ada "The Countess"', "lastname": "C:\\Lovelace"}}
    text = '{"name": "{$user.firstname} / {$user.lastname}"}'
    payload = preview_payload(text, syntax="onelogin", sample=sample)
    assert payload == {"name": 'Ada "The Countess" / C:\\Lovelace'}


def test_preview_missing_value_is_empty_string() -> None:
    payload = preview_payload('{"t": "{$user.title}"}', syntax="onelogin", sample={"user": {}})
    assert payload == {"t": ""}


def test_preview_leaves_other_syntax_placeholders_literal() -> None:
    text = '{"a": "{$user.email}", "b": "${user.email}"}'
    payload = preview_payload(text, syntax="onelogin", sample=BUILTIN_SAMPLE_USER)
    assert payload == {"a": "ada@example.com", "b": "${user.email}"}


def test_preview_of_invalid_json_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match=r"not valid JSON: .* line 1, column"):
        preview_payload('{"a": "{$user.email}",}', syntax="onelogin", sample=BUILTIN_SAMPLE_USER)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.yaml", None, "No such file"),
        ("bad.json", '{"user": ', "Expecting value"),
        ("bad.yaml", "user: [unclosed\n", "expected ',' or ']'"),
        ("list.yaml", "- a\n- b\n", "must be a mapping"),
        ("user.yaml", "user: ada\n", "user must be a mapping, not str"),
        ("fields.yaml", "user:\n  custom_fields: [1]\n", "user.custom_fields must be a mapping"),
    ],
)
def test_load_sample_bad_file_names_file_and_reason(
    tmp_path: Path, name: str, content: str | None, reason: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(TemplateError) as raised:
        load_sample(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert reason in str(raised.value)
