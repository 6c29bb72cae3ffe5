"""The hostile corpus (issue 19), OneLogin's listings that never end or announce a billion pages, and
a short Retry-After that is waited (tests/helpers/hostile.py says what each case asserts)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

import pytest

from onelogin_scim_setup.bounds import MAX_PAGES
from onelogin_scim_setup.onelogin.listing import LOOKUP_MAX

# The fixture `stage` comes from tests/helpers/hostile.py too, through tests/conftest.py.
from tests.helpers.hostile import (
    DEADLINE,
    LISTINGS,
    SLACK,
    Endless,
    Stage,
    _item,
    assert_clean,
    run_cli,
)
from tests.helpers.stand_in import send_answer as _send

FEW_PAGES = 25

# e2e: every case runs the real CLI against a loopback stand-in (minutes, not seconds).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.one_profile(
        "a hostile stand-in answers the endpoint under test; the sandbox's profile is not what is "
        "tested"
    ),
]


@pytest.mark.parametrize(
    "kind", [pytest.param("cursor", id="fresh-cursor"), pytest.param("page", id="fresh-page")]
)
@pytest.mark.parametrize("path", LISTINGS)
def test_a_listing_that_never_ends_stops_with_an_error(stage: Stage, kind: str, path: str) -> None:
    endless = Endless(kind, _item)
    stage.onelogin.hostile("GET", path, endless)
    # The bound is lowered in the child (2,000 pages of 100 items cost half a minute each): what
    # is tested is that the listing stops at it. One case keeps the full bound, so the memory of
    # 200,000 items read before the stop is still held to `MEMORY_MB`.
    pages = MAX_PAGES if (path, kind) == ("/api/2/users", "page") else FEW_PAGES
    run = run_cli(stage, "--deadline", "60", "plan", limit=90, bounds={"MAX_PAGES": pages})
    # Stopped with an error, or (a listing whose page size the full page does not reach is
    # complete after one page) a plan from what was read: clean either way, never for ever.
    assert_clean(run, 90, refused=False)
    assert run.code in (0, 1, 2), run.output
    if run.code == 1:  # the paging error, or (connectors: one page) the tool's own refusal
        assert "Error:" in run.output, run.output
    # Never past the bound (the users may also be looked up, each lookup a listing of its own).
    assert endless.count <= pages * (1 + LOOKUP_MAX), endless.count
    if "still more pages" in run.output:
        assert f"still more pages after {pages} " in run.output, run.output


@pytest.mark.parametrize("path", ["/api/2/apps", "/api/2/users", "/api/2/roles"])
def test_a_listing_announcing_a_billion_pages_is_refused_up_front(stage: Stage, path: str) -> None:
    endless = Endless("total", _item)
    stage.onelogin.hostile("GET", path, endless)
    run = run_cli(stage, "--deadline", str(DEADLINE), "plan")
    assert_clean(run, DEADLINE + SLACK)
    # Refused on the first page: no second page is asked for (it used to page to MAX_PAGES). The
    # users may be read by up to LOOKUP_MAX per-email lookups, each a listing of its own.
    assert endless.count <= (LOOKUP_MAX if path == "/api/2/users" else 1), run.output
    assert "1000000000 pages" in run.output, run.output


def test_a_short_retry_after_is_waited_and_the_result_is_right(stage: Stage) -> None:
    calls = []

    def once(handler: BaseHTTPRequestHandler, stop: threading.Event) -> None:
        calls.append(1)
        stage.onelogin.target = None  # the next ask passes through
        _send(handler, 429, b'{"message": "slow down"}', {"Retry-After": "1"})

    stage.onelogin.hostile("GET", "/api/2/roles", once)
    run = run_cli(stage, "--deadline", "30", "plan", limit=60)
    assert_clean(run, 60, refused=False)
    assert run.code == 0, run.output
    assert calls == [1]
