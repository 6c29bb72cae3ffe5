"""Lint a rendered SCIM JSON template: valid JSON, the SCIM core User schema, userName and emails, known sources, one syntax, case-sensitive custom fields."""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection
from dataclasses import dataclass

from onelogin_scim_setup.template.placeholders import (
    USER_FIELDS,
    find_placeholders,
    other_syntax,
    placeholder_text,
)

CORE_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


@dataclass(frozen=True)
class TemplateProblem:
    message: str
    placeholder: str | None = None  # the placeholder as written, when the problem is about one


def lint_scim_template(
    text: str, *, syntax: str, custom_fields: Collection[str], parameters: Collection[str]
) -> list[TemplateProblem]:
    """Every problem found in a rendered template; an empty list means OneLogin can use it."""
    problems = _structure_problems(text)
    placeholders = find_placeholders(text)
    other = other_syntax(syntax)
    used = {p.syntax for p in placeholders}
    if len(used) == 2:
        problems.append(
            TemplateProblem(
                "the template mixes {$...} and ${...} placeholders; OneLogin substitutes one form, "
                f"so write every placeholder as {placeholder_text('...', syntax)} (template.syntax is {syntax!r})"
            )
        )
    for found in placeholders:
        if found.syntax == other:
            problems.append(
                TemplateProblem(
                    f"placeholder {found.text} uses the {other} syntax but template.syntax is {syntax!r}: "
                    f"SOE would receive the literal text {found.text}; write "
                    f"{placeholder_text(found.source, syntax)}, or set template.syntax: {other}",
                    found.text,
                )
            )
        reason = _unknown_source(found.source, custom_fields, parameters)
        if reason:
            problems.append(TemplateProblem(f"placeholder {found.text}: {reason}", found.text))
    return list(dict.fromkeys(problems))  # a placeholder used twice is reported once


def _structure_problems(text: str) -> list[TemplateProblem]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [
            TemplateProblem(
                f"the template is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}; "
                "fix the JSON (a missing comma or quote is the usual cause)"
            )
        ]
    if not isinstance(data, dict):
        return [TemplateProblem("the template must be a JSON object ({...}) for one SCIM user")]
    schemas, emails = data.get("schemas"), data.get("emails")
    missing = {
        f'"schemas" must list "{CORE_USER_SCHEMA}"; add it (SOE rejects other resources)': (
            not isinstance(schemas, list) or CORE_USER_SCHEMA not in schemas
        ),
        '"userName" is missing; add it (the guide uses the scimusername parameter)': (
            "userName" not in data
        ),
        '"emails" is missing or empty; add [{"value": <email placeholder>, "primary": true}]': (
            not isinstance(emails, list) or not emails
        ),
    }
    return [TemplateProblem(message) for message, failed in missing.items() if failed]


def _unknown_source(
    source: str, custom_fields: Collection[str], parameters: Collection[str]
) -> str | None:
    """Why `source` is not a OneLogin source the config provides, or None if it is."""
    for prefix, declared, what, names in (
        ("user.custom_fields.", custom_fields, "custom field", "Shortnames"),
        ("parameters.", parameters, "parameter", "Parameter names"),
    ):
        if source.startswith(prefix):
            name = source[len(prefix) :]
            if name in declared:
                return None
            # A case slip (usertype vs userType) is the classic mistake: OneLogin silently sends "".
            same = [d for d in declared if d.lower() == name.lower()]
            if same:
                return (
                    f"no {what} {name!r}; did you mean {same[0]!r}? "
                    f"{names} are case-sensitive and must match exactly"
                )
            close = difflib.get_close_matches(name, list(declared), n=1)
            guess = f"; did you mean {close[0]!r}?" if close else "."
            return f"no {what} {name!r}{guess} Declare it in the config or fix the name"
    if source.startswith("user.") and source[len("user.") :] in USER_FIELDS:
        return None
    known = [f"user.{f}" for f in USER_FIELDS]
    known += [f"user.custom_fields.{f}" for f in custom_fields] + [
        f"parameters.{p}" for p in parameters
    ]
    close = [k for k in known if k.lower() == source.lower()] or difflib.get_close_matches(
        source, known, n=1
    )
    guess = f"; did you mean {close[0]!r}?" if close else "."
    return (
        f"{source!r} is not a OneLogin source{guess} Use user.<field> "
        f"({', '.join(USER_FIELDS)}), user.custom_fields.<shortname> or parameters.<name>"
    )
