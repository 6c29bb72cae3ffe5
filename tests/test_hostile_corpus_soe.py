"""The hostile corpus (issue 19), SOE's answers to verify and audit, and a SCIM listing that never
ends (tests/helpers/hostile.py says what each case asserts)."""

from __future__ import annotations

import pytest

# The fixture `stage` comes from tests/helpers/hostile.py too, through tests/conftest.py.
from tests.helpers.hostile import (
    SLACK,
    SOE_BODIES,
    SOE_USERS,
    Endless,
    Stage,
    _scim_user,
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


@pytest.mark.parametrize(("name", "writer"), list(SOE_BODIES.items()), ids=list(SOE_BODIES))
def test_soe_hostile_answer_to_verify_is_clean(stage: Stage, name: str, writer: Writer) -> None:
    deadline = deadline_for(writer)
    stage.soe.hostile("GET", SOE_USERS, writer)
    run = run_cli(stage, "--deadline", str(deadline), "verify")
    assert stage.soe.seen.is_set(), run.output
    # verify's probe reads totalResults only: a bad Resources is for the listings (audit) to refuse.
    assert_clean(run, deadline + SLACK, refused=name != "resources-string")


@pytest.mark.parametrize(("name", "writer"), list(SOE_BODIES.items()), ids=list(SOE_BODIES))
def test_soe_hostile_answer_to_audit_is_clean(stage: Stage, name: str, writer: Writer) -> None:
    deadline = deadline_for(writer)
    stage.soe.hostile("GET", SOE_USERS, writer)
    run = run_cli(stage, "--deadline", str(deadline), "audit")
    assert stage.soe.seen.is_set(), run.output
    assert_clean(run, deadline + SLACK)


def test_scim_users_for_ever_stop(stage: Stage) -> None:
    stage.soe.hostile("GET", SOE_USERS, Endless("scim", _scim_user))
    run = run_cli(stage, "--deadline", "60", "audit", limit=120)
    assert_clean(run, 120)
