"""Lint of the SCIM JSON template: structure, placeholder syntax and placeholder sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from onelogin_scim_setup.template.lint import TemplateProblem, lint_scim_template
from onelogin_scim_setup.template.render import TemplateOptions, render_scim_template

GUIDE = Path(__file__).parent / "fixtures" / "guide"
FIELDS = ["userType", "costCenter"]
PARAMETERS = ["scimusername", "userType"]


def lint(text: str, syntax: str = "onelogin") -> list[TemplateProblem]:
    return lint_scim_template(text, syntax=syntax, custom_fields=FIELDS, parameters=PARAMETERS)


def messages(text: str, syntax: str = "onelogin") -> list[str]:
    return [problem.message for problem in lint(text, syntax)]


def template_with(**changes: object) -> str:
    """The built-in template (onelogin syntax) with top-level keys changed (None removes one)."""
    data = json.loads(render_scim_template(TemplateOptions()))
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data, indent=2)


@pytest.mark.parametrize("syntax", ["onelogin", "dollar-brace"])
@pytest.mark.parametrize(
    "options",
    [
        TemplateOptions(user_type_source=None),
        TemplateOptions(),
        TemplateOptions(department_source="user.department", title_source="user.title"),
        TemplateOptions(department_source="user.custom_fields.costCenter"),
    ],
)
def test_built_in_templates_are_clean(syntax: str, options: TemplateOptions) -> None:
    options = TemplateOptions(**{**options.__dict__, "syntax": syntax})
    assert lint(render_scim_template(options), syntax) == []


@pytest.mark.parametrize("fixture", sorted(p.name for p in GUIDE.glob("*.json")))
def test_guide_templates_are_clean_with_dollar_brace(fixture: str) -> None:
    assert lint((GUIDE / fixture).read_text(encoding="utf-8"), "dollar-brace") == []


def test_invalid_json_reports_line_and_column() -> None:
    text = '{\n  "userName": "{$user.email}"\n  "emails": []\n}'
    assert messages(text) == [
        "the template is not valid JSON: Expecting ',' delimiter at line 3, column 3; "
        "fix the JSON (a missing comma or quote is the usual cause)"
    ]


def test_non_object_json_is_flagged() -> None:
    assert messages('["{$user.email}"]') == [
        "the template must be a JSON object ({...}) for one SCIM user"
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"schemas": None}, '"schemas" must list "urn:ietf:params:scim:schemas:core:2.0:User"'),
        ({"schemas": ["urn:other"]}, '"schemas" must list "urn:ietf:params:scim:'),
        ({"userName": None}, '"userName" is missing; add it'),
        ({"emails": None}, '"emails" is missing or empty; add'),
        ({"emails": []}, '"emails" is missing or empty; add'),
    ],
    ids=["no schemas", "no core schema", "no userName", "no emails", "empty emails"],
)
def test_missing_required_attribute_is_flagged(changes: dict[str, object], expected: str) -> None:
    found = messages(template_with(**changes))
    assert len(found) == 1
    assert found[0].startswith(expected)


def test_custom_field_case_slip_suggests_the_declared_shortname() -> None:
    problems = lint(template_with(userType="{$user.custom_fields.usertype}"))
    assert problems == [
        TemplateProblem(
            "placeholder {$user.custom_fields.usertype}: no custom field 'usertype'; did you mean "
            "'userType'? Shortnames are case-sensitive and must match exactly",
            "{$user.custom_fields.usertype}",
        )
    ]


def test_parameter_case_slip_suggests_the_declared_parameter() -> None:
    assert messages(template_with(userName="{$parameters.SCIMusername}")) == [
        "placeholder {$parameters.SCIMusername}: no parameter 'SCIMusername'; did you mean "
        "'scimusername'? Parameter names are case-sensitive and must match exactly"
    ]


@pytest.mark.parametrize(
    ("placeholder", "expected"),
    [
        (
            "{$user.custom_fields.costCentre}",
            "no custom field 'costCentre'; did you mean 'costCenter'? Declare it in the config",
        ),
        ("{$user.custom_fields.region}", "no custom field 'region'. Declare it in the config"),
        ("{$parameters.scimuser}", "no parameter 'scimuser'; did you mean 'scimusername'?"),
        (
            "{$user.fristname}",
            "'user.fristname' is not a OneLogin source; did you mean 'user.firstname'?",
        ),
        ("{$user.Email}", "'user.Email' is not a OneLogin source; did you mean 'user.email'?"),
        ("{$usr.custom_fields.userType}", "did you mean 'user.custom_fields.userType'?"),
        ("{$manager}", "'manager' is not a OneLogin source. Use user.<field> (firstname,"),
    ],
)
def test_unknown_source_is_flagged_with_a_suggestion(placeholder: str, expected: str) -> None:
    problems = lint(template_with(title=placeholder))
    assert [p.placeholder for p in problems] == [placeholder]
    assert problems[0].message.startswith(f"placeholder {placeholder}: ")
    assert expected in problems[0].message


@pytest.mark.parametrize(
    ("syntax", "written", "expected"),
    [
        ("onelogin", "${user.title}", "write {$user.title}, or set template.syntax: dollar-brace"),
        ("dollar-brace", "{$user.title}", "write ${user.title}, or set template.syntax: onelogin"),
    ],
)
def test_other_syntax_placeholder_says_soe_gets_the_literal_text(
    syntax: str, written: str, expected: str
) -> None:
    template = render_scim_template(TemplateOptions(syntax=syntax))  # type: ignore[arg-type]
    data = {**json.loads(template), "title": written}
    problems = [p for p in lint(json.dumps(data), syntax) if p.placeholder == written]
    assert len(problems) == 1
    assert f"SOE would receive the literal text {written}" in problems[0].message
    assert expected in problems[0].message


def test_template_entirely_in_the_other_syntax_is_flagged_without_mix() -> None:
    text = (GUIDE / "with_usertype.json").read_text(encoding="utf-8")
    found = messages(text, "onelogin")
    assert len(found) == 6  # one per placeholder
    assert all("uses the dollar-brace syntax" in message for message in found)


def test_mixed_syntaxes_are_flagged_once() -> None:
    found = messages(template_with(title="${user.title}", department="${user.department}"))
    mixed = [message for message in found if "mixes" in message]
    assert mixed == [
        "the template mixes {$...} and ${...} placeholders; OneLogin substitutes one form, "
        "so write every placeholder as {$...} (template.syntax is 'onelogin')"
    ]


def test_placeholder_used_twice_is_reported_once() -> None:
    found = messages(template_with(title="{$user.titel}", department="{$user.titel}"))
    assert len(found) == 1


def test_unknown_syntax_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown template syntax 'jinja'"):
        lint(template_with(), "jinja")
