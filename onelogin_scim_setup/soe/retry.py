"""The retry policy of the SCIM client (`soe/client.py`): which answers are retried, and the
server-sent waits it will not wait (`bounds.SERVER_WAIT`)."""

from __future__ import annotations

import logging
from typing import Any

from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

from onelogin_scim_setup import bounds

log = logging.getLogger("onelogin_scim_setup.soe")

# Like OneLogin's transport: a GET answered 5xx or 429, or dropped, is retried with exponential
# backoff (urllib3 honours Retry-After). A PUT (audit --fix) is retried only when the connection
# failed before it was sent, so a retry never doubles a write.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRIES = 3
BACKOFF = 0.5


class ScimRetry(Retry):
    """urllib3's `Retry`, but a `Retry-After` longer than `bounds.SERVER_WAIT` is not waited: the
    answer comes back at once (and its error says the wait), and an answer of unknown or large size
    is dropped with its connection before a retry instead of read whole."""

    def get_retry_after(self, response: Any) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None  # a malformed Retry-After counts as none

    def increment(self, *args: Any, **kwargs: Any) -> ScimRetry:
        response = kwargs.get("response")
        if response is None and len(args) > 2:
            response = args[2]
        if response is not None:
            said = self.get_retry_after(response)
            if said is not None and said > bounds.SERVER_WAIT:
                log.debug("SOE asked to wait %.0f s: not waiting", said)
                url = kwargs.get("url") or (args[1] if len(args) > 1 else "")
                raise MaxRetryError(kwargs.get("_pool"), url, None)  # type: ignore[arg-type]
        retry = super().increment(*args, **kwargs)
        if response is not None:
            length = response.headers.get("Content-Length", "")
            if not length.isdigit() or int(length) > bounds.ERROR_BODY:
                response.close()
        return retry


def scim_retry(max_retries: int = MAX_RETRIES, backoff: float = BACKOFF) -> Retry:
    return ScimRetry(
        total=max_retries,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=10.0,
        # After the last try the answer itself comes back, so its status and message are reported.
        raise_on_status=False,
    )
