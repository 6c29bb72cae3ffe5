"""template/render.py: rendering the SCIM JSON template (the guide's three templates, user files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.errors import TemplateError
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


# --- preview -------------------------------------------------------------------------------------
