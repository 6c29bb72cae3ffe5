"""The OneLogin SCIM JSON template: render it, lint it, and preview what SOE would receive.

OneLogin fills the template's placeholders with each user's values, then sends the JSON to SOE.
Two spellings exist (see README, "Templates"): `{$user.email}` is OneLogin's documented form
(syntax "onelogin"), `${user.email}` is the one in SOE's guide (syntax "dollar-brace").

A user's own Jinja2 template (`template.path`) is rendered with this context:

- `placeholder(source)`: the placeholder text for a source in the configured syntax, e.g.
  `placeholder("user.email")` gives `{$user.email}`. Write it as `{{ placeholder("user.email") | tojson }}`
  so the value is a quoted JSON string.
- `syntax`: "onelogin" or "dollar-brace".
- `user_type_source`, `department_source`, `title_source`: the source of each optional attribute
  (e.g. "user.custom_fields.userType", "user.department"), or none when the attribute is not sent
  (test with `{% if department_source %}`).

Sources are `user.<field>` (firstname, lastname, email, display_name, department, title, username),
`user.custom_fields.<shortname>` and `parameters.<name>`.
"""

from __future__ import annotations

import difflib
import json
import re
import traceback
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import jinja2
import yaml

from onelogin_scim_setup.errors import TemplateError

Syntax = Literal["onelogin", "dollar-brace"]

CORE_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
USER_FIELDS = ("firstname", "lastname", "email", "display_name", "department", "title", "username")
_FORMS: dict[str, str] = {"onelogin": "{{${}}}", "dollar-brace": "${{{}}}"}
# The two spellings never overlap ("{$" vs "${"), so one pass finds both. The source stops at any
# brace, quote or space, so a broken placeholder is left alone rather than swallowing the JSON.
_PLACEHOLDER = re.compile(r"\{\$(?P<onelogin>[^{}$\"\s]+)\}|\$\{(?P<dollar>[^{}$\"\s]+)\}")

BUILTIN_SAMPLE_USER: Mapping[str, Any] = MappingProxyType(
    {
        "user": {
            "firstname": "Ada",
            "lastname": "Lovelace",
            "email": "ada@example.com",
            "display_name": "Ada Lovelace",
            "department": "Analytical Engines",
            "title": "Principal Engineer",
            "username": "ada",
            "custom_fields": {"userType": "Moderator"},
        },
        "parameters": {"scimusername": "ada@example.com", "userType": "Moderator"},
    }
)


@dataclass(frozen=True)
class TemplateOptions:
    syntax: Syntax = "onelogin"
    user_type_source: str | None = "user.custom_fields.userType"
    department_source: str | None = None
    title_source: str | None = None
    path: Path | None = None  # a user's own Jinja2 template instead of the built-in one


@dataclass(frozen=True)
class TemplateProblem:
    message: str
    placeholder: str | None = None  # the placeholder as written, when the problem is about one


@dataclass(frozen=True)
class Placeholder:
    source: str
    syntax: Syntax
    position: int  # character offset of the placeholder in the text

    @property
    def text(self) -> str:
        return placeholder_text(self.source, self.syntax)


def placeholder_text(source: str, syntax: str) -> str:
    return _FORMS[syntax].format(source)


def find_placeholders(text: str) -> list[Placeholder]:
    return [_placeholder(match) for match in _PLACEHOLDER.finditer(text)]


def _placeholder(match: re.Match[str]) -> Placeholder:
    if match["onelogin"] is not None:
        return Placeholder(match["onelogin"], "onelogin", match.start())
    return Placeholder(match["dollar"], "dollar-brace", match.start())


# --- rendering -----------------------------------------------------------------------------------


def render_scim_template(options: TemplateOptions) -> str:
    """The SCIM JSON template as pretty JSON text (as rendered, if it is not valid JSON: lint says why)."""
    if options.path is None:
        name = "the built-in template"
        source = (
            files("onelogin_scim_setup.templates").joinpath("scim_user.json.j2").read_text("utf-8")
        )
    else:
        name = str(options.path)
        try:
            source = options.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise TemplateError(
                f"{name}: cannot read the SCIM JSON template: {reason}",
                hint="Check template.path in the config, or remove it to use the built-in template.",
            ) from None
    # Autoescape is off on purpose: the output is JSON, not HTML, and every value goes through tojson.
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)  # noqa: S701
    env.filters["tojson"] = _tojson
    try:
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"{name}, line {error.lineno}: Jinja2 syntax error: {error.message}",
            hint="Fix the template syntax (see the Jinja2 docs for {{ }} and {% %} tags).",
        ) from None

    def placeholder(source: object) -> str:
        # A user template may ask for an attribute the config switched off (its source is None).
        if not isinstance(source, str) or not source:
            raise jinja2.TemplateRuntimeError(
                f"placeholder() needs a source such as 'user.email', got {source!r}"
            )
        return placeholder_text(source, options.syntax)

    context = {
        "placeholder": placeholder,
        "syntax": options.syntax,
        "user_type_source": options.user_type_source,
        "department_source": options.department_source,
        "title_source": options.title_source,
    }
    try:
        text = template.render(context)
    except (jinja2.TemplateError, TypeError) as error:
        raise TemplateError(
            f"{name}{_template_line(error)}: {error}",
            hint="Available names: " + ", ".join(context) + " (see README, 'Templates').",
        ) from None
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except json.JSONDecodeError:
        return text.strip()


def _tojson(value: object, indent: int | None = None) -> str:
    # Jinja2's own tojson reports an undefined name as a vague "not JSON serializable"; str() of a
    # StrictUndefined raises the UndefinedError that names it. No HTML escaping: this is JSON.
    if isinstance(value, jinja2.Undefined):
        return str(value)
    return json.dumps(value, indent=indent, ensure_ascii=False)


def _template_line(error: BaseException) -> str:
    # Jinja2 rewrites tracebacks so frames of template code carry the template's own line numbers.
    lines = [
        f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == "<template>"
    ]
    return f", line {lines[-1]}" if lines else ""


# --- lint ----------------------------------------------------------------------------------------


def lint_scim_template(
    text: str, *, syntax: str, custom_fields: Collection[str], parameters: Collection[str]
) -> list[TemplateProblem]:
    """Every problem found in a rendered template; an empty list means OneLogin can use it."""
    problems = _structure_problems(text)
    placeholders = find_placeholders(text)
    other = _other_syntax(syntax)
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


def _other_syntax(syntax: str) -> Syntax:
    if syntax not in _FORMS:
        raise ValueError(f"unknown template syntax {syntax!r}")
    return "dollar-brace" if syntax == "onelogin" else "onelogin"


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


# --- preview -------------------------------------------------------------------------------------


def preview_payload(text: str, *, syntax: str, sample: Mapping[str, Any]) -> dict[str, Any]:
    """The SCIM payload SOE would receive for `sample`, substituted as OneLogin would."""
    _other_syntax(syntax)
    values = _complete_sample(sample)

    def substitute(match: re.Match[str]) -> str:
        found = _placeholder(match)
        if found.syntax != syntax:  # left literal, as OneLogin would: the preview shows the problem
            return match.group()
        value = _lookup(values, found.source)
        # The placeholder sits inside a JSON string: escape the value as string content.
        return json.dumps("" if value is None else str(value), ensure_ascii=False)[1:-1]

    substituted = _PLACEHOLDER.sub(substitute, text)
    try:
        payload = json.loads(substituted)
    except json.JSONDecodeError as error:
        raise TemplateError(
            f"the SCIM payload is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            hint="Run `validate` to lint the template; placeholders belong inside JSON strings.",
        ) from None
    if not isinstance(payload, dict):
        raise TemplateError("the SCIM payload is not a JSON object", hint="Run `validate`.")
    return payload


def _lookup(values: Mapping[str, Any], source: str) -> Any:
    current: Any = values
    for part in source.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _complete_sample(sample: Mapping[str, Any]) -> dict[str, Any]:
    # The defaults mirror a typical OneLogin app: scimusername is mapped to the email, and
    # display_name is "first last" unless the directory sets it.
    user = dict(sample.get("user") or {})
    parameters = dict(sample.get("parameters") or {})
    if not user.get("display_name"):
        name = f"{user.get('firstname') or ''} {user.get('lastname') or ''}".strip()
        user["display_name"] = name
    parameters.setdefault("scimusername", user.get("email", ""))
    return {**sample, "user": user, "parameters": parameters}


def load_sample(path: Path) -> dict[str, Any]:
    """A sample user from a YAML or JSON file (JSON if the name ends in .json)."""
    hint = 'A sample looks like {"user": {"firstname": ..., "email": ..., "custom_fields": {...}}, "parameters": {...}}.'
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise TemplateError(f"{path}: cannot read the sample user: {reason}", hint=hint) from None
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: the sample user must be a mapping", hint=hint)
    user = data.get("user", {})
    parts = {"user": user, "parameters": data.get("parameters", {})}
    if isinstance(user, dict):
        parts["user.custom_fields"] = user.get("custom_fields", {})
    for where, value in parts.items():
        if not isinstance(value, dict):
            message = f"{path}: {where} must be a mapping, not {type(value).__name__}"
            raise TemplateError(message, hint=hint)
    return data
