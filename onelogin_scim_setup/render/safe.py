"""The output boundary: what makes text safe to show a person, in one place.

Every string a command shows on a terminal passes here on its way out (`render.console.SafeConsole`
and the `-v` log formatter in `render/logs.py` call it), whatever produced it: a server's answer, a file, the
command line or the tool itself. Two things happen, in this order:

1. the run's secrets are cut out (`secrets.redact.Redactor`), in every form it knows;
2. every character that a terminal would interpret, or that hides or reorders text, is shown as an
   escape instead: C0 controls (line breaks, carriage return, tab, ESC and so the CSI, OSC and other
   sequences it starts), DEL, C1 controls (the 8-bit CSI and OSC), bidirectional overrides and
   isolates, zero-width and other invisible format characters, line and paragraph separators, and
   lone surrogates. ESC becomes the four characters `\\x1b`, a line break `\\n`, U+202E `\\u202e`.

A printed string is one line: a line break inside it (from a server, say) is shown as `\\n`, so no
text can start a line of its own and pass for the tool's. Text made of several lines is printed line
by line by its renderer. Data outputs (JSON, YAML, CSV, files) keep their exact text and are not
passed through here; JSON escapes control characters by itself.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1; soft hyphen; Arabic letter mark; Mongolian vowel separator; zero-width
# space, joiners and LRM/RLM; line and paragraph separators; bidi embeddings and overrides; word
# joiner, invisible operators and bidi isolates; the byte order mark; interlinear annotation marks;
# lone surrogates (which cannot even be encoded as UTF-8); Unicode tag characters.
_UNSAFE = (
    "\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f"
)
_UNSAFE_LINE = re.compile(f"[\n{_UNSAFE}]")
_UNSAFE_KEEP_BREAKS = re.compile(f"[{_UNSAFE}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def neutralise(text: str, *, keep_line_breaks: bool = False) -> str:
    """`text` with every unsafe character shown as an escape (see the module's docstring).

    `keep_line_breaks` leaves `\\n` alone: only for text whose line breaks are the tool's own (the
    segments a renderer already laid out, or a data document shown on a terminal)."""
    pattern = _UNSAFE_KEEP_BREAKS if keep_line_breaks else _UNSAFE_LINE
    return pattern.sub(_shown, text)


def has_unsafe(text: str) -> bool:
    """Whether `text` holds a character `neutralise` would escape (line breaks included)."""
    return _UNSAFE_LINE.search(text) is not None
