"""A write whose answer was lost (issue 19): OneLogin may have applied it, though no answer said so.
The resource is read back before anything is reported, and the report says what the read found:
done (answer lost, read back), not done (the write's own error), or unknown when the read fails too.

What counts as a lost answer: no answer at all after the request may have been sent (a dropped
connection, a read timeout, a request deadline: the transport's network failure, or `MaybeProcessed`
for a POST or a PUT sent once), and a 5xx that outlived the retries (the server may have applied the
write before it failed). A connect failure is read back too: the read finds "not done", which is
true. Nothing here sends the write again: the transport's retries (PUT and DELETE only) have run
already, and a create is looked for by name before anything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar, TypeVar

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.answers import HINT_NETWORK, MaybeProcessed

logger = logging.getLogger("onelogin_scim_setup.ops")

T = TypeVar("T")

# What a report says of a write done though its answer was lost.
READ_BACK = "answer lost, read back"


class UnknownOutcome(OneLoginError):
    """A write's answer was lost and reading the resource back failed too: whether OneLogin applied
    the write is unknown. The message names what to check."""

    code: ClassVar[str] = "onelogin_write_unknown"


def answer_lost(error: OneLoginError) -> bool:
    """Whether OneLogin may have applied the write that failed with `error`."""
    if isinstance(error, MaybeProcessed):
        return True
    if error.status is None:
        return error.hint == HINT_NETWORK  # no answer (else: an answer of the wrong shape)
    return error.status >= 500


def create_lost(error: OneLoginError) -> bool:
    """Whether a create that failed with `error` may have created the object: its answer was lost,
    or the client's own look for it after a lost answer (a GET) failed."""
    return answer_lost(error) or error.method == "GET"


def read_back(
    error: OneLoginError, found: Callable[[], T | None], check: str, *, lost: bool | None = None
) -> T:
    """The write failed with `error`. When its answer may have been lost, `found()` reads the
    resource back: what it returns (not None) means done, and is returned; None means not done, and
    `error` is raised, saying so. A read that fails raises `UnknownOutcome`, naming `check`. Any
    other failure (OneLogin answered and refused) is raised as it is, unread. `lost`: the caller's
    own judgment (a create's, `create_lost`) instead of `answer_lost`."""
    if not (answer_lost(error) if lost is None else lost):
        raise error
    where = f"{error.method} {error.path}" if error.method and error.path else "the write"
    # A 5xx is an answer, but one that does not say whether the write was applied.
    how = "the answer was lost" if error.status is None else f"the answer was {error.status}"
    logger.debug("%s: the answer was lost (%s); reading it back", where, error.message)
    try:
        result = found()
    except OneLoginError as failed:
        raise UnknownOutcome(
            f"{where}: {how} ({error.message}) and reading it back failed too "
            f"({failed.message}): the outcome is unknown: check {check}",
            method=error.method,
            path=error.path,
            hint="Run plan: it reads OneLogin again and shows what is left to do.",
        ) from failed
    if result is None:
        error.message = f"{error.message} ({how}; read back: not done)"
        raise error
    logger.debug("%s: read back, done", where)
    return result
