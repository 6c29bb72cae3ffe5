"""The hostile corpus (issue 19), OneLogin's answers that are beyond a bound or never come: bombs,
endless, huge or trickling bodies, answers that never come, waits of 10^12 s, bodies that are not
JSON (tests/helpers/hostile.py says what each case asserts; the other tests/test_hostile_corpus_*.py
hold the rest of the corpus)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# The fixture `stage` comes from tests/helpers/hostile.py too, through tests/conftest.py.
from tests.helpers.hostile import (
    BAD_BODIES,
    SLACK,
    SLOW,
    TOKEN_PATH,
    WAITS,
    Stage,
    assert_clean,
    deadline_for,
    run_cli,
)
from tests.helpers.stand_in import Writer

# e2e: every case runs the real CLI against a loopback stand-in (minutes, not seconds).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.one_profile(
        "a hostile stand-in answers the endpoint under test; the sandbox's profile is not what is "
        "tested"
    ),
]


def onelogin_cases() -> Iterator[Any]:
    for name, writer in {**BAD_BODIES, **SLOW}.items():
        for path in ("/api/2/apps", "/api/2/users", "/api/2/roles"):
            yield pytest.param("GET", path, writer, id=f"{name}-GET{path}")
        yield pytest.param("POST", TOKEN_PATH, writer, id=f"{name}-token")
    for name, writer in WAITS.items():
        for path in ("/api/2/apps", "/api/2/users"):
            yield pytest.param("GET", path, writer, id=f"{name}-GET{path}")


@pytest.mark.parametrize(("method", "path", "writer"), list(onelogin_cases()))
def test_onelogin_hostile_answer_is_refused_cleanly(
    stage: Stage, method: str, path: str, writer: Writer
) -> None:
    deadline = deadline_for(writer)
    stage.onelogin.hostile(method, path, writer)
    run = run_cli(stage, "--deadline", str(deadline), "plan")
    assert stage.onelogin.seen.is_set(), run.output
    assert_clean(run, deadline + SLACK)
    assert path in run.output or "token" in run.output or "deadline" in run.output, run.output
