"""The one redaction module: every output path (errors, `-v` logs, plans, runbooks, JSON) cuts
registered secrets out of text with this, in one display form."""

from __future__ import annotations

from collections.abc import Iterable

REDACTED = "[redacted]"
# Shorter values would redact ordinary words; a secret this short is refused or warned elsewhere.
MIN_SECRET_LENGTH = 4


class Redactor:
    """Holds the secrets of one run and replaces each of them wherever it appears in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            for form in (secret or "", (secret or "").strip()):
                if len(form) >= MIN_SECRET_LENGTH:
                    self._secrets.add(form)

    def redact(self, text: str) -> str:
        # Longest first, so a secret containing another is cut whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


def redact(text: str, *secrets: str | None) -> str:
    """`text` with each of `secrets` cut out."""
    return Redactor(s for s in secrets if s).redact(text)


def is_masked(value: object) -> bool:
    """A write-only value OneLogin shows only as asterisks: it cannot be compared or fingerprinted."""
    text = "" if value is None else str(value)
    return bool(text) and not text.strip("*")
