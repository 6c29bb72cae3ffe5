"""Preview what SOE would receive for a sample user."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from onelogin_scim_setup.config.yaml_source import load_limited
from onelogin_scim_setup.errors import TemplateError
from onelogin_scim_setup.files import InputFileError, read_text_input
from onelogin_scim_setup.template.placeholders import (
    PLACEHOLDER_PATTERN,
    find_placeholders,
    other_syntax,
    parse_placeholder,
)

MAX_SAMPLE_BYTES = 1024 * 1024
MAX_SAMPLE_INT = 10**18  # a sample holds names and ids; larger numbers are a mistake or an attack

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


def preview_payload(
    text: str, *, syntax: str, sample: Mapping[str, Any], sample_name: str | None = None
) -> dict[str, Any]:
    """The SCIM payload SOE would receive for `sample`, substituted as OneLogin would.

    A sample from a file (`sample_name`) must hold every source the template uses: a missing one
    would preview as an empty value and hide a wrongly shaped sample.
    """
    other_syntax(syntax)
    values = _complete_sample(sample)
    if sample_name is not None:
        _require_sources(text, syntax, values, sample_name)

    def substitute(match: re.Match[str]) -> str:
        found = parse_placeholder(match)
        if found.syntax != syntax:  # left literal, as OneLogin would: the preview shows the problem
            return match.group()
        value = _lookup(values, found.source)
        # The placeholder sits inside a JSON string: escape the value as string content.
        return json.dumps("" if value is None else str(value), ensure_ascii=False)[1:-1]

    substituted = PLACEHOLDER_PATTERN.sub(substitute, text)
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


def _require_sources(text: str, syntax: str, values: Mapping[str, Any], sample_name: str) -> None:
    used = {p.source for p in find_placeholders(text) if p.syntax == syntax}
    missing = sorted(s for s in used if _lookup(values, s) is None)
    if missing:
        raise TemplateError(
            f"{sample_name}: the sample user has no value for {', '.join(missing)}, which the "
            "template uses",
            hint="Add them to the sample (user: {...}, parameters: {...}), or leave out --sample "
            "to use the built-in sample user.",
        )


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


def _huge_number(value: Any, where: str = "") -> str | None:
    """The dotted place of the first integer too large to be a real value, if any."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAMPLE_INT:
        return where or "the sample"
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _huge_number(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def load_sample(path: Path) -> dict[str, Any]:
    """A sample user from a YAML or JSON file (JSON if the name ends in .json)."""
    hint = 'A sample looks like {"user": {"firstname": ..., "email": ..., "custom_fields": {...}}, "parameters": {...}}.'
    try:
        text = read_text_input(path, MAX_SAMPLE_BYTES)
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            _, data = load_limited(text, str(path))
        huge = _huge_number(data)
    except InputFileError as error:
        raise TemplateError(f"{path}: the sample user file {error}", hint=hint) from None
    except (OSError, ValueError, RecursionError) as error:
        # ValueError: bad JSON or YAML, or an integer too long to read; RecursionError: deep JSON.
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        if isinstance(error, RecursionError):
            reason = "nested too deeply"
        raise TemplateError(f"{path}: cannot read the sample user: {reason}", hint=hint) from None
    if huge:
        raise TemplateError(f"{path}: {huge} holds a number larger than 10**18", hint=hint)
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
