"""The hostile corpus (issue 19), OneLogin's answers in the wrong shape: JSON where a list of objects
is expected that is not one (ids that are not ids, names that are not text), and token answers a
token cannot be made of (tests/helpers/hostile.py says what each case asserts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# The fixture `stage` comes from tests/helpers/hostile.py too, through tests/conftest.py.
from tests.helpers.hostile import (
    BAD_SHAPES,
    DEADLINE,
    LISTINGS,
    SLACK,
    TOKEN_ANSWERS,
    TOKEN_PATH,
    Stage,
    assert_clean,
    fixed,
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


def shape_cases() -> Iterator[Any]:
    for name, body in BAD_SHAPES.items():
        for path in LISTINGS:
            yield pytest.param("GET", path, fixed(200, body), id=f"{name}-GET{path}")
    for name, body in TOKEN_ANSWERS.items():
        yield pytest.param("POST", TOKEN_PATH, fixed(200, body), id=f"{name}")


@pytest.mark.parametrize(("method", "path", "writer"), list(shape_cases()))
def test_onelogin_hostile_shape_is_refused_cleanly(
    stage: Stage, method: str, path: str, writer: Writer
) -> None:
    stage.onelogin.hostile(method, path, writer)
    run = run_cli(stage, "--deadline", str(DEADLINE), "plan")
    assert stage.onelogin.seen.is_set(), run.output
    assert_clean(run, DEADLINE + SLACK)
    assert path in run.output or "token" in run.output or "deadline" in run.output, run.output
