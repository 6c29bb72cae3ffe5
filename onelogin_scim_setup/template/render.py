"""Render the SCIM JSON template (built-in or the user's own Jinja2 file).

A template may only produce text. It is rendered in Jinja2's `ImmutableSandboxedEnvironment`
(no attribute tricks reach Python's internals, no mutation), with caps on output size, range
length, `*` and `**`. A user's own template is rendered in a child Python process with CPU, memory
and wall-clock limits, because no in-process check can bound every loop or allocation a template
can write; the built-in template is trusted and rendered in-process.

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

import functools
import json
import subprocess
import sys
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from onelogin_scim_setup.errors import TemplateError
from onelogin_scim_setup.files import InputFileError, read_text_input
from onelogin_scim_setup.template.placeholders import Syntax, placeholder_text

MAX_TEMPLATE_BYTES = 256 * 1024
MAX_OUTPUT_CHARS = 1024 * 1024
MAX_EXPONENT = 1000
RENDER_CPU_SECONDS = 1
RENDER_WALL_SECONDS = 30  # generous: the child's start-up competes for a busy machine's CPU
RENDER_MEMORY_BYTES = 512 * 1024 * 1024
HINT_SOURCE = "Check template.path in the config, or remove it to use the built-in template."


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
        source = (
            files("onelogin_scim_setup.templates").joinpath("scim_user.json.j2").read_text("utf-8")
        )
        text = render_source(source, "the built-in template", options)
    else:
        text = _render_isolated(_read_source(options.path), options)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (json.JSONDecodeError, RecursionError):
        return text.strip()


def _read_source(path: Path) -> str:
    try:
        return read_text_input(path, MAX_TEMPLATE_BYTES)
    except InputFileError as error:
        raise TemplateError(f"{path}: the SCIM JSON template {error}", hint=HINT_SOURCE) from None
    except OSError as error:
        raise TemplateError(
            f"{path}: cannot read the SCIM JSON template: {error.strerror or error}",
            hint=HINT_SOURCE,
        ) from None


def _render_isolated(source: str, options: TemplateOptions) -> str:
    """Render in a child Python process with CPU, memory and time limits (see the module doc)."""
    name = str(options.path)
    request = json.dumps({"source": source, "options": {**asdict(options), "path": name}})
    # -E -s: no PYTHON* variables, no user site; the folder holding this package comes first on
    # the path (as the -m working directory), so the child runs this very code.
    home = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(
            [sys.executable, "-E", "-s", "-m", "onelogin_scim_setup.template.render"],
            cwd=home,
            input=request,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=RENDER_WALL_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TemplateError(
            f"{name}: rendering the template took longer than {RENDER_WALL_SECONDS} s; stopped",
            hint="A template should only arrange placeholders; remove long or nested loops.",
        ) from None
    try:
        answer = json.loads(done.stdout)
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        reason = (
            f"it exceeded {RENDER_CPU_SECONDS} s of CPU or {RENDER_MEMORY_BYTES // 2**20} MiB of memory"
            if done.returncode < 0 or (done.returncode == 1 and "MemoryError" in done.stderr)
            else f"the renderer exited with code {done.returncode}"
        )
        raise TemplateError(
            f"{name}: rendering the template was stopped: {reason}",
            hint="A template should only arrange placeholders; remove long loops and large values.",
        )
    if "error" in answer:
        raise TemplateError(str(answer["error"]), hint=answer.get("hint"))
    return str(answer["text"])


def render_source(source: str, name: str, options: TemplateOptions) -> str:
    """Render `source` in the sandbox, in this process. Raises TemplateError naming `name`."""
    try:
        template = _compiled(source)
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
    hint = "Available names: " + ", ".join(context) + " (see README, 'Templates')."
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateError(
                    f"{name}: the rendered template is larger than {MAX_OUTPUT_CHARS} characters",
                    hint="A SCIM JSON template is a few hundred characters; remove loops.",
                )
            parts.append(chunk)
    except SecurityError as error:
        raise TemplateError(
            f"{name}{_template_line(error)}: refused by the template sandbox: {error}",
            hint="Templates may only arrange placeholders and text; " + hint,
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, OverflowError, RecursionError) as error:
        raise TemplateError(f"{name}{_template_line(error)}: {error}", hint=hint) from None
    except MemoryError:
        raise TemplateError(f"{name}: the template needs too much memory") from None
    return "".join(parts)


@functools.lru_cache(maxsize=4)
def _compiled(source: str) -> jinja2.Template:
    """`source` compiled in the sandbox. Compiling costs more than rendering, and a command (or a
    process that runs several) renders the same template more than once: compiled once per text."""
    env = _Sandbox(undefined=jinja2.StrictUndefined, autoescape=False)  # JSON, not HTML
    env.filters["tojson"] = _tojson
    return env.from_string(source)


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with `*` and `**` bounded (e.g. "x" * 10**10, 10**10**10)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "**":
            if isinstance(right, int) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent above {MAX_EXPONENT} is not allowed")
            return left**right
        for count, value in ((left, right), (right, left)):
            repeated = isinstance(count, int) and isinstance(value, (str, list, tuple))
            if repeated and count * len(value) > MAX_OUTPUT_CHARS:
                raise SecurityError(
                    f"a repeated value longer than {MAX_OUTPUT_CHARS} is not allowed"
                )
        return left * right


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


def _child(request: Mapping[str, Any]) -> dict[str, Any]:
    """The child process's work: one render, the answer as JSON-ready data."""
    options = dict(request["options"])
    name = str(options.pop("path"))
    try:
        text = render_source(str(request["source"]), name, TemplateOptions(**options))
    except TemplateError as error:
        return {"error": error.message, "hint": error.hint}
    return {"text": text}


def _limit_child() -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the wall-clock timeout still applies
        return
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_CPU_SECONDS, RENDER_CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))


if __name__ == "__main__":
    _limit_child()
    sys.stdout.write(json.dumps(_child(json.load(sys.stdin))))
