"""The one redaction module: every output path (errors, `-v` logs, plans, runbooks, JSON) cuts
registered secrets out of text with this, in one display form.

A server, a proxy or a command can hand a secret back in another spelling than the one we sent, so
each secret is cut in every form it travels in: raw, URL-encoded, JSON-escaped and base64 (standard
and URL-safe, with and without padding), plus the HTTP Basic form of a client id and secret pair.
Callers redact the whole text first and shorten it afterwards, so no cut can leave a secret's head.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
# Shorter values would redact ordinary words; a secret this short is refused or warned elsewhere.
MIN_SECRET_LENGTH = 4


def encoded_forms(secret: str) -> set[str]:
    """The spellings in which `secret` may come back: raw, URL-encoded, JSON-escaped, base64."""
    import base64  # here, not at the top: every command's start builds a Redactor
    import json

    raw = secret.encode("utf-8")
    forms = {secret, secret.strip(), quote(secret, safe=""), quote_plus(secret)}
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    for encoded in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
        forms.update({encoded, encoded.rstrip("=")})
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def basic_credentials(client_id: str, client_secret: str) -> str:
    """The base64 part of `Authorization: Basic …` for a client id and secret (RFC 7617)."""
    import base64

    return base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


class Redactor:
    """Holds the secrets of one run and replaces each of them, in each form, wherever it appears."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret.strip()) >= MIN_SECRET_LENGTH:
                self._forms |= encoded_forms(secret)

    def add_basic(self, client_id: str, client_secret: str) -> None:
        """Register a client secret and the Basic header made from it with its client id."""
        self.add(client_secret)
        if client_secret:
            self.add(basic_credentials(client_id, client_secret))

    def redact(self, text: str) -> str:
        # Longest first, so a secret containing another is cut whole.
        for form in sorted(self._forms, key=len, reverse=True):
            text = text.replace(form, REDACTED)
        return text


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
