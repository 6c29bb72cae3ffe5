"""How one pydantic error reads in a config problem, for the YAML and the CSV alike, so an
entry of `promotions.users` and a row of `promotions.users_file` are refused in the same words."""

from __future__ import annotations

from typing import Any


def error_message(item: Any) -> str:
    """The message of one `ValidationError.errors()` item, without its location."""
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "literal_error" or item["type"] == "enum":
        message += f" (got {shown(item.get('input'))})"
    elif str(item["type"]).endswith("_type"):
        message += f" (got {type(item.get('input')).__name__})"
    return message


def shown(value: Any) -> str:
    """A value as a problem quotes it: its repr, cut at 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"
