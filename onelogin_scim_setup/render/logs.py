"""`-v` logging to stderr, with every registered secret redacted from every record and every
unsafe character shown escaped (render.safe)."""

from __future__ import annotations

import logging
from typing import TextIO

from onelogin_scim_setup.render.safe import neutralise
from onelogin_scim_setup.secrets.redact import Redactor


class RedactingFilter(logging.Filter):
    """A last line of defence: the HTTP clients never log secrets, and this makes sure of it."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        # The output boundary for logs (render.safe): redacted, then every unsafe character shown
        # escaped, so a server's text in a record is one line and no terminal sequence.
        lines = [record.getMessage()]
        if record.exc_info:  # a traceback can quote a secret too: redact it with the message
            lines += logging.Formatter().formatException(record.exc_info).split("\n")
            record.exc_info, record.exc_text = None, None
        record.msg = "\n".join(neutralise(self.redactor.redact(line)) for line in lines)
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
