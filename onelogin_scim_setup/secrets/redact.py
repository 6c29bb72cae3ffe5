"""The one redaction module: every output path (errors, `-v` logs, plans, runbooks, JSON) cuts
registered secrets out of text with this, in one display form. It runs at the output boundary
(render.safe, render.console.SafeConsole, render/logs.py), so no output path can skip it.

A server, a proxy or a command can hand a secret back in another spelling than the one we sent, so
each secret is cut in every form it travels in: raw, URL-encoded, JSON-escaped and base64 (standard
and URL-safe, with and without padding), plus the HTTP Basic form of a client id and secret pair.
A server can also echo part of a secret (all but its last characters, say), or a form we never
send: so any run of text in which every 8-character window is a window of one of those forms, of
the secret reversed, of its hex spelling or of its base64 spelling at byte offsets 1 and 2 (inside a
longer encoded string), compared without regard to case, is cut too (docs/output-safety.md).
Callers redact the whole text first and shorten it afterwards, so no cut can leave a secret's head.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
# Shorter values would redact ordinary words; a secret this short is refused or warned elsewhere.
MIN_SECRET_LENGTH = 4
# Any run of at least this many characters of a secret (in any of its spellings) is cut.
WINDOW = 8
# The scan looks up GRAM characters at every GRAM_STRIDE-th position (GRAM + GRAM_STRIDE - 1 <=
# WINDOW, so every window holds one such piece).
GRAM, GRAM_STRIDE = 5, 4


def encoded_forms(secret: str) -> set[str]:
    """The spellings in which `secret` may come back: raw, URL-encoded, JSON-escaped, base64."""
    import base64  # here, not at the top: every command's start builds a Redactor
    import json

    raw = secret.encode("utf-8", "surrogatepass")
    forms = {secret, secret.strip(), quote(secret, safe=""), quote_plus(secret)}
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms.update({encoded, encoded.rstrip("=")})
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def spellings(secret: str) -> set[str]:
    """Every spelling whose 8-character windows are cut: the encoded forms, the secret reversed,
    its hex, and the part of its base64 spelling that is fixed whatever bytes come before it (the
    secret starting 1 or 2 bytes into a 3-byte group) or after it."""
    import base64

    raw = secret.encode("utf-8", "surrogatepass")
    found = encoded_forms(secret)
    found |= {secret[::-1], secret.strip()[::-1], raw.hex()}
    for offset in (0, 1, 2):
        first = -(-offset * 8 // 6)  # the first character that holds no bit of the bytes before
        last = (offset + len(raw)) * 8 // 6  # past the last one that holds no bit after
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            found.add(encode(b"\0" * offset + raw).decode()[first:last])
    return found


def _lowered(text: str) -> str:
    """`text` in lower case, one character for one (a few characters lower to two)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


def basic_credentials(client_id: str, client_secret: str) -> str:
    """The base64 part of `Authorization: Basic …` for a client id and secret (RFC 7617)."""
    import base64

    return base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


class Redactor:
    """Holds the secrets of one run and replaces each of them, in each form, wherever it appears."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self._windows: set[str] = set()
        self._grams: set[str] = set()  # 5-character pieces of the windows: the first look-up
        self._secrets: set[str] = set()
        self.add(*secrets)

    @property
    def secrets(self) -> frozenset[str]:
        """The secrets registered so far, as given (to recognise a value equal to one)."""
        return frozenset(self._secrets)

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret.strip()) >= MIN_SECRET_LENGTH:
                self._secrets.add(secret)
                self._forms |= encoded_forms(secret)
                for spelling in spellings(secret):
                    low = _lowered(spelling)
                    if len(low) < WINDOW:
                        continue
                    self._windows.update(
                        low[start : start + WINDOW] for start in range(len(low) - WINDOW + 1)
                    )
                    self._grams.update(
                        low[start : start + GRAM] for start in range(len(low) - GRAM + 1)
                    )

    def add_basic(self, client_id: str, client_secret: str) -> None:
        """Register a client secret and the Basic header made from it with its client id."""
        self.add(client_secret)
        if client_secret:
            self.add(basic_credentials(client_id, client_secret))

    def redact(self, text: str, replacement: str = REDACTED) -> str:
        # Longest first, so a secret containing another is cut whole.
        for form in sorted(self._forms, key=len, reverse=True):
            text = text.replace(form, replacement)
        return self._cut_windows(text, replacement) if self._windows else text

    def _cut_windows(self, text: str, replacement: str) -> str:
        """Each run of text covered by windows of a secret's spellings, cut as one.

        Every 8-character window starting at i holds the 5 characters from the multiple of 4
        among i..i+3, so only the positions 0, 4, 8, ... are looked up first (as 5-grams of the
        spellings), and the windows around a hit after: megabytes of JSON take milliseconds."""
        low, windows, grams = _lowered(text), self._windows, self._grams
        last = len(low) - WINDOW
        hits = [j for j in range(0, len(low) - GRAM + 1, GRAM_STRIDE) if low[j : j + GRAM] in grams]
        starts = sorted(
            {
                start
                for j in hits
                for start in range(max(0, j - GRAM_STRIDE + 1), min(j, last) + 1)
                if low[start : start + WINDOW] in windows
            }
        )
        if not starts:
            return text
        runs: list[list[int]] = []  # [start, end) of each covered stretch
        for start in starts:
            if runs and start <= runs[-1][1]:
                runs[-1][1] = start + WINDOW
            else:
                runs.append([start, start + WINDOW])
        pieces, position = [], 0
        for start, end in runs:
            pieces += [text[position:start], replacement]
            position = end
        pieces.append(text[position:])
        return "".join(pieces)


def redact_data(value: Any, redactor: Redactor) -> Any:
    """JSON-like data with every string (keys too) redacted one by one: cutting the serialised
    text instead could split a JSON or YAML escape and leave a document that no longer parses."""
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, dict):
        return {
            redact_data(key, redactor): redact_data(item, redactor) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact_data(item, redactor) for item in value]
    return value


def redact(text: str, *secrets: str | None) -> str:
    """`text` with each of `secrets` cut out, in each of its forms."""
    return Redactor(s for s in secrets if s).redact(text)


def shorten(text: str, size: int) -> str:
    """`text` cut to `size` characters; call it only on text that is already redacted."""
    return text if len(text) <= size else text[:size] + "…"


# How a write-only value may read back: asterisks or bullets, maybe with its last few characters
# (`********`, `••••`, `****1234`); docs/uncertain-facts.md row 11.
_MASKED = re.compile(r"[*\u2022\u25cf]+|[*\u2022\u25cf]{3,}[A-Za-z0-9_-]{1,4}")


def is_masked(value: object) -> bool:
    """A write-only value OneLogin shows masked: it cannot be compared or fingerprinted."""
    text = "" if value is None else str(value).strip()
    return bool(_MASKED.fullmatch(text))
