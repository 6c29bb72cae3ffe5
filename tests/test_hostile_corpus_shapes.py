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


# One malformed field the tool reads, in an otherwise well-formed listing: (path, body, field named).
MALFORMED_FIELDS = [
    ("/api/2/roles", '[{"id": 5, "name": "Engineering", "apps": ["x"]}]', "apps[0]"),
    ("/api/2/roles", '[{"id": 5, "name": "Engineering", "users": [{"id": "x"}]}]', "users[0].id"),
    ("/api/2/roles", '[{"id": 5}]', "name"),
    ("/api/2/mappings", '[{"id": 5, "name": "x", "enabled": "yes"}]', "enabled"),
    (
        "/api/2/mappings",
        '[{"id": 5, "name": "x", "conditions": [{"source": "has_role", "value": {"a": 1}}]}]',
        "conditions[0].value",
    ),
    ("/api/2/mappings", '[{"id": 5, "name": "x", "actions": "x"}]', "actions"),
    ("/api/2/users/custom_attributes", '[{"id": 1, "name": "User type"}]', "shortname"),
    # Every key the read needs is there, so no user is read again by id (a 404 for a stand-in's).
    (
        "/api/2/users",
        '[{"id": 5, "email": "dave@example.com", "department": "Platform", "title": "SRE", '
        '"custom_attributes": {"userType": [1]}}]',
        "custom_attributes.userType",
    ),
    (
        "/api/2/users",
        '[{"id": 5, "email": "dave@example.com", "department": {"a": 1}, "title": "SRE", '
        '"custom_attributes": {}}]',
        "department",
    ),
    ("/api/2/apps", '[{"id": 5, "name": "SCIM SOE", "connector_id": "abc"}]', "connector_id"),
    ("/api/2/connectors", '[{"id": 5, "name": 7}]', "name"),
]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [pytest.param(*case, id=f"{case[0]}-{case[2]}") for case in MALFORMED_FIELDS],
)
def test_a_malformed_field_is_refused_cleanly(
    stage: Stage, path: str, body: str, field: str
) -> None:
    """Exit 1, no traceback, no "This is a bug", and the error names the endpoint and the field."""
    stage.onelogin.hostile("GET", path, fixed(200, body))
    run = run_cli(stage, "--deadline", str(DEADLINE), "plan")
    assert stage.onelogin.seen.is_set(), run.output
    assert_clean(run, DEADLINE + SLACK)
    assert f"GET {path} " in run.output, run.output
    assert f"field {field}" in run.output, run.output
