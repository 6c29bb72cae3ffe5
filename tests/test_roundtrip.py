"""verify --e2e's readiness check on the test user (stubbed OneLogin; no network)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.roundtrip import RoundTrip
from onelogin_scim_setup.soe.client import ScimClient

APP, ROLE = 700, 200


class Stub:
    def __init__(self, direct: list[int]) -> None:
        self.direct = direct
        self.calls: list[str] = []

    def list_app_users(self, app_id: int) -> list[dict[str, Any]]:
        self.calls.append(f"list_app_users {app_id}")
        return [{"id": user_id} for user_id in self.direct]


def trip(stub: Stub) -> RoundTrip:
    return RoundTrip(
        cast(OneLoginClient, stub),
        cast(ScimClient, None),
        "userType",
        app_id=APP,
        app_role_ids=(ROLE,),
    )


@pytest.mark.parametrize(
    ("user", "direct", "ready", "calls"),
    [
        ({"id": 1, "status": 1, "role_ids": [ROLE]}, [], True, []),  # through a role: no call
        ({"id": 1, "status": 1, "role_ids": []}, [1], True, [f"list_app_users {APP}"]),
        ({"id": 1, "status": 1, "role_ids": []}, [2], False, [f"list_app_users {APP}"]),
        ({"id": 1, "status": 2, "role_ids": [ROLE]}, [], False, []),
    ],
)
def test_test_user_must_be_active_and_have_the_app(
    user: dict[str, Any], direct: list[int], ready: bool, calls: list[str]
) -> None:
    stub = Stub(direct)
    assert (trip(stub)._not_ready("u@example.com", user) == "") is ready
    assert stub.calls == calls
