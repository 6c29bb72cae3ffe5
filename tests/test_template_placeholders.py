"""template/placeholders.py: every placeholder found with its source, syntax and position."""

from __future__ import annotations

from onelogin_scim_setup.template.placeholders import Placeholder, find_placeholders


def test_find_placeholders_reports_source_syntax_and_position() -> None:
    text = '{"a": "{$user.email}", "b": "x ${parameters.scimusername}"}'
    assert find_placeholders(text) == [
        Placeholder("user.email", "onelogin", 7),
        Placeholder("parameters.scimusername", "dollar-brace", 31),
    ]
