"""`-v` logging to stderr, with every registered secret redacted from every record."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TextIO

REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """A last line of defence: the HTTP clients never log secrets, and this makes sure of it."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        # Very short values would redact ordinary words; real secrets are long.
        self._secrets.update(s for s in secrets if s and len(s) >= 8)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True


def configure(verbosity: int, stream: TextIO) -> RedactingFilter:
    """Send the tool's log records to `stream`; -v shows DEBUG (one line per HTTP request)."""
    logger = logging.getLogger("onelogin_scim_setup")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    redactor = RedactingFilter()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    handler.setLevel(logging.WARNING if verbosity <= 0 else logging.DEBUG)
    logger.addHandler(handler)
    # The level lives on our handler, so whoever else listens (a test's log capture) still hears.
    logger.setLevel(logging.DEBUG)
    return redactor
