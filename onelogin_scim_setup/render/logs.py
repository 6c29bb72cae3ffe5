"""`-v` logging to stderr, with every registered secret redacted from every record."""

from __future__ import annotations

import logging
from typing import TextIO

from onelogin_scim_setup.secrets.redact import Redactor


class RedactingFilter(logging.Filter):
    """A last line of defence: the HTTP clients never log secrets, and this makes sure of it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:  # a traceback can quote a secret too: redact it with the message
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, None
        record.msg = self.redactor.redact(message)
        record.args = None
        return True


def configure(verbosity: int, stream: TextIO, redactor: Redactor) -> None:
    """Send the tool's log records to `stream`, through `redactor`; -v shows DEBUG (one line per
    HTTP request)."""
    logger = logging.getLogger("onelogin_scim_setup")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(redactor))
    handler.setLevel(logging.WARNING if verbosity <= 0 else logging.DEBUG)
    logger.addHandler(handler)
    # The level lives on our handler, so whoever else listens (a test's log capture) still hears.
    logger.setLevel(logging.DEBUG)
