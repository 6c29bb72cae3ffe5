"""-v logging: every record is redacted before it reaches the stream."""

from __future__ import annotations

import io
import logging

import pytest

from onelogin_scim_setup.render.logs import configure
from onelogin_scim_setup.secrets.redact import REDACTED, Redactor

SECRET = "s3cr3t-value-7f1e9a"


@pytest.mark.parametrize("verbosity", [0, 1, 2])
def test_records_are_redacted_at_every_verbosity(verbosity: int) -> None:
    stream = io.StringIO()
    configure(verbosity, stream, Redactor([SECRET]))
    logging.getLogger("onelogin_scim_setup.test").warning("sent %s to the server", SECRET)
    assert SECRET not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_secret_registered_after_configure_is_redacted_too() -> None:
    stream, redactor = io.StringIO(), Redactor()
    configure(1, stream, redactor)
    redactor.add(SECRET)  # prepare() registers secrets only after the config is read
    logging.getLogger("onelogin_scim_setup.test").debug("token %s", SECRET)
    assert SECRET not in stream.getvalue()


def test_debug_records_are_shown_only_with_verbose() -> None:
    quiet, loud = io.StringIO(), io.StringIO()
    configure(0, quiet, Redactor())
    logging.getLogger("onelogin_scim_setup.test").debug("GET /api/2/apps")
    configure(1, loud, Redactor())
    logging.getLogger("onelogin_scim_setup.test").debug("GET /api/2/apps")
    assert (quiet.getvalue(), "GET /api/2/apps" in loud.getvalue()) == ("", True)


def test_a_record_is_one_line_with_level_and_logger_name() -> None:
    stream = io.StringIO()
    configure(0, stream, Redactor())
    logging.getLogger("onelogin_scim_setup.test").warning("rate limited")
    assert stream.getvalue() == "WARNING onelogin_scim_setup.test: rate limited\n"


def test_records_of_other_libraries_are_not_written() -> None:
    stream = io.StringIO()
    configure(2, stream, Redactor())
    logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=2))")
    assert stream.getvalue() == ""


def test_configuring_again_replaces_the_previous_stream() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure(1, first, Redactor())
    configure(1, second, Redactor())
    logging.getLogger("onelogin_scim_setup.test").warning("once")
    assert (first.getvalue(), second.getvalue().count("once")) == ("", 1)


def test_a_logged_traceback_is_redacted_and_written_once() -> None:
    stream = io.StringIO()
    configure(0, stream, Redactor([SECRET]))
    try:
        raise ValueError(f"bad token {SECRET}")
    except ValueError:
        logging.getLogger("onelogin_scim_setup.test").exception("failed")
    text = stream.getvalue()
    assert text.startswith(
        "ERROR onelogin_scim_setup.test: failed\nTraceback (most recent call last):"
    )
    assert (
        SECRET in text,
        text.count("Traceback"),
        f"ValueError: bad token {REDACTED}" in text,
    ) == (
        False,
        1,
        True,
    )
