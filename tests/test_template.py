"""Rendering the SCIM JSON template (the guide's three templates, user files) and previewing payloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.errors import TemplateError
from onelogin_scim_setup.template.placeholders import Placeholder, find_placeholders
from onelogin_scim_setup.template.preview import BUILTIN_SAMPLE_USER, load_sample, preview_payload
from onelogin_scim_setup.template.render import TemplateOptions, render_scim_template

GUIDE = Path(__file__).parent / "fixtures" / "guide"

NONE = {"user_type_source": None}
USER_TYPE = {"user_type_source": "user.custom_fields.userType"}
ALL = {**USER_TYPE, "department_source": "user.department", "title_source": "user.title"}


def guide_template(name: str, *, onelogin_syntax: bool = False) -> Any:
    text = (GUIDE / name).read_text(encoding="utf-8")
    # The guide writes ${...}; OneLogin's documented form is the same source inside {$...}.
    return json.loads(text.replace("${", "{$") if onelogin_syntax else text)


@pytest.mark.parametrize("syntax", ["dollar-brace", "onelogin"])
@pytest.mark.parametrize(
    ("sources", "fixture"),
    [
        (NONE, "no_usertype.json"),
        (USER_TYPE, "with_usertype.json"),
        (ALL, "with_department_title.json"),
    ],
)
def test_render_reproduces_the_guide_templates(
    syntax: str, sources: dict[str, str | None], fixture: str
) -> None:
    text = render_scim_template(TemplateOptions(syntax=syntax, **sources))  # type: ignore[arg-type]
    assert json.loads(text) == guide_template(fixture, onelogin_syntax=syntax == "onelogin")


def test_render_defaults_to_onelogin_syntax_with_user_type() -> None:
    text = render_scim_template(TemplateOptions())
    assert json.loads(text) == guide_template("with_usertype.json", onelogin_syntax=True)


def test_render_is_pretty_json_with_two_space_indent() -> None:
    text = render_scim_template(TemplateOptions())
    assert text.startswith('{\n  "userName": "{$parameters.scimusername}",\n  "name": {\n    "')


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            TemplateOptions(department_source="user.custom_fields.dept"),
            {"department": "{$user.custom_fields.dept}"},
        ),
        (
            TemplateOptions(title_source="user.custom_fields.jobTitle", user_type_source=None),
            {"title": "{$user.custom_fields.jobTitle}"},
        ),
    ],
)
def test_render_custom_fields_as_department_and_title(
    options: TemplateOptions, expected: dict[str, str]
) -> None:
    payload = json.loads(render_scim_template(options))
    assert {key: payload[key] for key in expected} == expected
    assert ("userType" in payload) is (options.user_type_source is not None)


def test_render_user_template_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.json.j2"
    path.write_text(
        '{"userName": {{ placeholder("user.email") | tojson }},'
        ' "syntax": {{ syntax | tojson }},'
        ' {% if department_source %}"department": {{ placeholder(department_source) | tojson }}, {% endif %}'
        ' "userType": {{ placeholder(user_type_source) | tojson }}}',
        encoding="utf-8",
    )
    text = render_scim_template(
        TemplateOptions(syntax="dollar-brace", department_source="user.department", path=path)
    )
    assert json.loads(text) == {
        "userName": "${user.email}",
        "syntax": "dollar-brace",
        "department": "${user.department}",
        "userType": "${user.custom_fields.userType}",
    }


def test_render_user_template_that_is_not_json_is_returned_for_lint(tmp_path: Path) -> None:
    path = tmp_path / "broken.json.j2"
    path.write_text('{"userName": {{ placeholder("user.email") | tojson }},}\n', encoding="utf-8")
    assert render_scim_template(TemplateOptions(path=path)) == '{"userName": "{$user.email}",}'


def test_render_missing_user_template_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json.j2"
    with pytest.raises(
        TemplateError, match=r"nope\.json\.j2: cannot read .*No such file"
    ) as raised:
        render_scim_template(TemplateOptions(path=path))
    assert "template.path" in (raised.value.hint or "")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{\n  "a": 1,\n  {% if %}\n}', r"bad\.j2, line 3: Jinja2 syntax error"),
        ('{\n  "a": {{ nope | tojson }}\n}', r"bad\.j2, line 2: 'nope' is undefined"),
        (
            '{\n\n  "a": {{ placeholder(title_source) }}\n}',
            r"bad\.j2, line 3: placeholder\(\) needs",
        ),
    ],
    ids=["syntax error", "undefined variable", "switched-off source"],
)
def test_render_user_template_errors_name_file_and_line(
    tmp_path: Path, source: str, expected: str
) -> None:
    path = tmp_path / "bad.j2"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError, match=expected):
        render_scim_template(TemplateOptions(path=path))


def test_find_placeholders_reports_source_syntax_and_position() -> None:
    text = '{"a": "{$user.email}", "b": "x ${parameters.scimusername}"}'
    assert find_placeholders(text) == [
        Placeholder("user.email", "onelogin", 7),
        Placeholder("parameters.scimusername", "dollar-brace", 31),
    ]


# --- preview -------------------------------------------------------------------------------------


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
