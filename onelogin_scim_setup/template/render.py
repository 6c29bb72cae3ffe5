"""Render the SCIM JSON template (built-in or the user's own Jinja2 file)."""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import jinja2

from onelogin_scim_setup.errors import TemplateError
from onelogin_scim_setup.template.placeholders import Syntax, placeholder_text


@dataclass(frozen=True)
class TemplateOptions:
    syntax: Syntax = "onelogin"
    user_type_source: str | None = "user.custom_fields.userType"
    department_source: str | None = None
    title_source: str | None = None
    path: Path | None = None  # a user's own Jinja2 template instead of the built-in one


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
