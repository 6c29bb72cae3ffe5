"""plan.budget.estimate_calls: the calls an apply costs at most, per the table in its docstring."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.model.snapshot import Ids
from onelogin_scim_setup.plan.budget import estimate_calls
from onelogin_scim_setup.plan.changes import Action, Change, Kind

APP = Change(Action.UPDATE, Kind.APP, "SCIM SOE")
PARAMETER = Change(Action.CREATE, Kind.PARAMETER, "scimusername")
FIELD = Change(Action.CREATE, Kind.CUSTOM_FIELD, "userType")
NEW_ROLE = Change(Action.CREATE, Kind.ROLE, "SOE Admins")
ROLE = Change(Action.UPDATE, Kind.ROLE, "SOE Moderators")
MAPPING = Change(Action.CREATE, Kind.MAPPING, "m")
DELETE_MAPPING = Change(Action.DELETE, Kind.MAPPING, "old")
USER = Change(Action.UPDATE, Kind.USER, "pat@example.com")
TAKE_APP = Change(Action.DELETE, Kind.ROLE, "Sales")


@pytest.mark.parametrize(
    ("changes", "role_apps_listed", "calls"),
    [
        pytest.param([], True, 0, id="nothing"),
        pytest.param([APP, PARAMETER], True, 3, id="the app's changes are one write"),
        pytest.param([FIELD], True, 2, id="custom field and its read-back"),
        pytest.param([NEW_ROLE], True, 2, id="new role and its apps"),
        pytest.param([ROLE], True, 1, id="role given the app"),
        pytest.param([ROLE], False, 2, id="role whose apps were not listed"),
        pytest.param([TAKE_APP], True, 1, id="app taken from a role"),
        pytest.param([TAKE_APP], False, 2, id="app taken from a role whose apps were not listed"),
        pytest.param([MAPPING], True, 3, id="mapping and the vocabulary"),
        pytest.param([MAPPING, MAPPING], True, 4, id="the vocabulary once"),
        pytest.param([DELETE_MAPPING], True, 1, id="a delete needs no vocabulary"),
        pytest.param([USER, USER, USER], True, 3, id="one call per user"),
    ],
)
def test_estimate_calls(changes: list[Change], role_apps_listed: bool, calls: int) -> None:
    ids = Ids(role_apps={} if role_apps_listed else None)
    assert estimate_calls(changes, ids) == calls
