"""The OAuth2 access token for OneLogin's API: read from the token answer, cached until a little
before it expires, renewed once when OneLogin refuses it (docs/onelogin-api.md Op 1, §1.6).

The HTTP request itself is the client's (its wire, its credential binding, its errors); this
module decides when to ask and what the answer means, and teaches every token to the redactor
before anyone else sees it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import requests

from onelogin_scim_setup import bounds
from onelogin_scim_setup.onelogin.answers import HINT_NOT_JSON, answer_error, decode
from onelogin_scim_setup.onelogin.wire import TOKEN_PATH
from onelogin_scim_setup.secrets.redact import Redactor

TOKEN_LIFETIME_UNKNOWN = 600.0  # only if a token answer lacks `expires_in`
RENEW_EARLY = 300.0
_TOKEN_TEXT = re.compile(r"[\x21-\x7e]{1,4096}")


class AccessTokens:
    """One cached access token, shared by every thread of a client.

    `request` sends the token request and answers a 200 (it raises for anything else); `clock`
    (monotonic seconds) times the cache.
    """

    def __init__(
        self,
        request: Callable[[], requests.Response],
        clock: Callable[[], float],
        redactor: Redactor,
    ) -> None:
        self._request = request
        self._clock = clock
        self._redactor = redactor
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def get(self) -> str:
        """The cached token, or a new one when there is none or it is about to expire."""
        with self._lock:  # one token request, however many threads need it at once
            return self._cached_or_new()

    def forget(self, token: str) -> None:
        """Drop `token` (OneLogin refused it) unless another thread has already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _cached_or_new(self) -> str:
        if self._token is not None and self._clock() < self._expires:
            return self._token
        self._token = None
        token, lifetime = token_answer(self._request(), self._redactor.redact)
        # The same token comes back until it expires (Op 1): renew a little before that.
        self._expires = self._clock() + lifetime - min(RENEW_EARLY, lifetime / 10)
        self._token = token
        self._redactor.add(token)
        return token


def token_answer(response: requests.Response, clean: Callable[[str], str]) -> tuple[str, float]:
    """The access token and its lifetime in seconds from a 200 answer to the token request."""
    answer = decode(response, "POST", TOKEN_PATH, clean)
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        message = "the token answer has no access_token"
        raise answer_error(response, message, "POST", TOKEN_PATH, HINT_NOT_JSON)
    if not _TOKEN_TEXT.fullmatch(token):
        # A CR/LF or any control, space or non-ASCII character would corrupt the header it goes in.
        message = (
            "the token answer's access_token holds characters a token cannot (whitespace, "
            "control or non-ASCII characters) or is longer than 4096: refused"
        )
        raise answer_error(response, message, "POST", TOKEN_PATH, HINT_NOT_JSON)
    lifetime = bounds.header_seconds(str(answer.get("expires_in"))) or TOKEN_LIFETIME_UNKNOWN
    return token, lifetime
