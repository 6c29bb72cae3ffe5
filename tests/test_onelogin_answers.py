"""What OneLogin's answers and failures mean (onelogin/answers.py), as units."""

from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import MaxRetryError

from onelogin_scim_setup.onelogin.answers import maybe_processed


@pytest.mark.parametrize(
    ("error", "unknown"),
    [
        (requests.ConnectTimeout("connect timed out"), False),
        (requests.ConnectionError(MaxRetryError(None, "/api/2/apps", "refused")), False),
        (requests.ConnectionError("connection reset by peer"), True),
        (requests.ConnectionError(), True),
        (requests.ReadTimeout("read timed out"), True),
        (requests.exceptions.ChunkedEncodingError("cut short"), True),
        (requests.exceptions.InvalidURL("no host"), False),
        (requests.exceptions.InvalidHeader("bad header"), False),
    ],
    ids=[
        "connect timeout",
        "every connect failed",
        "dropped after sending",
        "dropped, no detail",
        "read timeout",
        "answer cut short",
        "invalid URL",
        "invalid header",
    ],
)
def test_a_failed_post_may_have_been_processed_only_if_it_may_have_reached_onelogin(
    error: requests.RequestException, unknown: bool
) -> None:
    assert maybe_processed(error) is unknown
