"""OneLogin placeholders in both spellings: `{$user.email}` (OneLogin's docs) and `${user.email}` (SOE's guide); see docs/template-placeholders.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Syntax = Literal["onelogin", "dollar-brace"]


USER_FIELDS = ("firstname", "lastname", "email", "display_name", "department", "title", "username")


FORMS: dict[str, str] = {"onelogin": "{{${}}}", "dollar-brace": "${{{}}}"}


# The two spellings never overlap ("{$" vs "${"), so one pass finds both. The source stops at any
# brace, quote or space, so a broken placeholder is left alone rather than swallowing the JSON.
PLACEHOLDER_PATTERN = re.compile(r"\{\$(?P<onelogin>[^{}$\"\s]+)\}|\$\{(?P<dollar>[^{}$\"\s]+)\}")


@dataclass(frozen=True)
class Placeholder:
    source: str
    syntax: Syntax
    position: int  # character offset of the placeholder in the text

    @property
    def text(self) -> str:
        return placeholder_text(self.source, self.syntax)


def placeholder_text(source: str, syntax: str) -> str:
    return FORMS[syntax].format(source)


def find_placeholders(text: str) -> list[Placeholder]:
    return [parse_placeholder(match) for match in PLACEHOLDER_PATTERN.finditer(text)]


def parse_placeholder(match: re.Match[str]) -> Placeholder:
    if match["onelogin"] is not None:
        return Placeholder(match["onelogin"], "onelogin", match.start())
    return Placeholder(match["dollar"], "dollar-brace", match.start())


def other_syntax(syntax: str) -> Syntax:
    if syntax not in FORMS:
        raise ValueError(f"unknown template syntax {syntax!r}")
    return "dollar-brace" if syntax == "onelogin" else "onelogin"
