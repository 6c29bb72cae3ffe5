"""ops/apply.py: applying a computed plan, with HTTP stubbed by `responses`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from responses import matchers

from onelogin_scim_setup.errors import ApplyError, BudgetError, OneLoginError, Refused
from onelogin_scim_setup.model.snapshot import Ids, Snapshot
from onelogin_scim_setup.model.tenant import (
    App,
    CustomField,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
)
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.apply import ApplyResult, apply_plan
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan, WireValues
from tests.helpers.onelogin_stub import BASE, CLIENT_ID, SECRET

CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
API = f"{BASE}/api/2"
NO_WIRE = WireValues({})


def execute_plan(
    plan: Plan,
    client: OneLoginClient,
    desired: Tenant,
    ids: Ids,
    wire: WireValues,
    confirm: Callable[[Plan], bool] | None = None,
) -> ApplyResult:
    computed = ComputedPlan(plan, desired, Snapshot(Tenant(), ids), wire)
    return apply_plan(computed, client, confirm=confirm)


def budget(api: responses.RequestsMock, remaining: int = 5000, reset: int = 3600) -> None:
    """OneLogin's answer to GET /auth/rate_limit (the stubs carry no X-RateLimit-* headers)."""
    data = {
        "X-RateLimit-Limit": 5000,
        "X-RateLimit-Remaining": remaining,
        "X-RateLimit-Reset": reset,
    }
    api.get(f"{BASE}/auth/rate_limit", json={"status": {"error": False}, "data": data})


def writes(api: responses.RequestsMock) -> list[str]:
    return [
        f"{c.request.method} {c.request.url}"
        for c in api.calls
        if c.request.method != "GET" and "/auth/" not in str(c.request.url)
    ]


def test_role_gets_the_app_by_read_union_write(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    api.get(f"{API}/roles/7/apps", json=[{"id": 5, "name": "Slack"}])
    api.put(
        f"{API}/roles/7/apps",
        json=[{"id": 5}, {"id": 9}],
        match=[matchers.json_params_matcher([5, 9])],
    )
    desired = Tenant(roles={"Eng": RoleAssignment("Eng", True)})
    plan = Plan((Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),)),))
    execute_plan(plan, client, desired, Ids(app_id=9, roles={"Eng": 7}), NO_WIRE)


def test_user_write_keeps_other_custom_values_and_disables_mappings(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    sent = {
        "department": "Ops",
        "custom_attributes": {"employee_id": "E1", "userType": "Moderator"},
    }
    api.put(
        f"{API}/users/42",
        json={"id": 42},
        match=[
            matchers.json_params_matcher(sent),
            matchers.query_param_matcher({"mappings": "disabled"}),
        ],
    )
    ids = Ids(
        users={"d@x.io": 42},
        user_custom_attributes={"d@x.io": {"employee_id": "E1", "userType": None}},
    )
    change = Change(
        Action.UPDATE,
        Kind.USER,
        "d@x.io",
        (
            FieldChange("custom_attributes.userType", None, "Moderator"),
            FieldChange("department", None, "Ops"),
        ),
    )
    execute_plan(Plan((change,)), client, Tenant(), ids, NO_WIRE)


PARAMETER_CASES = [
    # (parameter as desired, the app's parameter now or None, the body sent or None for no call)
    pytest.param(
        Parameter("userType", "custom_attribute_userType", True),
        None,
        {
            "label": "userType",
            "user_attribute_mappings": "custom_attribute_userType",
            "include_in_saml_assertion": True,
        },
        id="new parameter: label and flag",
    ),
    pytest.param(
        Parameter("department", "custom_attribute_dept", None),
        {"id": 3, "user_attribute_mappings": "department", "include_in_saml_assertion": False},
        {"user_attribute_mappings": "custom_attribute_dept"},
        id="connector's parameter: source only, no label, flag untouched",
    ),
    pytest.param(
        Parameter("userType", "custom_attribute_userType", True),
        {
            "id": 4,
            "user_attribute_mappings": "custom_attribute_userType",
            "include_in_saml_assertion": False,
        },
        {"include_in_saml_assertion": True},
        id="existing parameter: only what differs, never label",
    ),
    pytest.param(
        Parameter("title", "title", None),
        {"id": 5, "user_attribute_mappings": "title", "include_in_saml_assertion": True},
        None,
        id="planned as create, but the new app already has it as wanted: no call",
    ),
]


@pytest.mark.parametrize(("wanted", "existing", "sent"), PARAMETER_CASES)
def test_parameter_body_depends_on_the_app_as_read(
    api: responses.RequestsMock,
    client: OneLoginClient,
    wanted: Parameter,
    existing: dict[str, object] | None,
    sent: dict[str, object] | None,
) -> None:
    if sent is None:
        api.reset()
    else:
        api.put(
            f"{API}/apps/9",
            json={"id": 9},
            match=[matchers.json_params_matcher({"parameters": {wanted.name: sent}})],
        )
    ids = Ids(app_id=9, app_parameters={wanted.name: existing} if existing else {})
    change = Change(Action.CREATE, Kind.PARAMETER, wanted.name)
    desired = Tenant(parameters={wanted.name: wanted})
    execute_plan(Plan((change,)), client, desired, ids, NO_WIRE)


def test_conflicts_refuse_before_any_write(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.reset()  # not even a token is fetched
    plan = Plan(
        (
            Change(Action.CREATE, Kind.CUSTOM_FIELD, "userType"),
            Change(Action.CONFLICT, Kind.ROLE, "Ghost", note="role 'Ghost' does not exist"),
        )
    )
    with pytest.raises(Refused, match="refused before any write: role 'Ghost'"):
        execute_plan(plan, client, Tenant(), Ids(), NO_WIRE)
    assert len(api.calls) == 0


def test_failure_part_way_reports_done_and_not_done(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    api.get(f"{API}/roles/7/apps", json=[])
    api.put(f"{API}/roles/7/apps", json=[{"id": 9}])
    api.get(
        f"{API}/roles/8/apps",
        json={"statusCode": 404, "name": "NotFoundError", "message": "gone"},
        status=404,
    )
    desired = Tenant(roles={"A": RoleAssignment("A", True), "B": RoleAssignment("B", True)})
    plan = Plan(
        tuple(
            Change(Action.UPDATE, Kind.ROLE, name, (FieldChange("has_app", False, True),))
            for name in "AB"
        )
    )
    with pytest.raises(ApplyError) as caught:
        execute_plan(plan, client, desired, Ids(app_id=9, roles={"A": 7, "B": 8}), NO_WIRE)
    assert caught.value.done == ["update role 'A'"]
    assert caught.value.not_done == ["update role 'B'"]
    assert isinstance(caught.value.cause, OneLoginError)


def test_provisioning_not_kept_becomes_a_manual_step(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    api.put(
        f"{API}/apps/9",
        json={"id": 9},
        match=[matchers.json_params_matcher({"provisioning": {"enabled": True}})],
    )
    api.get(f"{API}/apps/9", json={"id": 9, "provisioning": {"enabled": False}})
    plan = Plan(
        (
            Change(
                Action.UPDATE, Kind.PROVISIONING, "SCIM SOE", (FieldChange("enabled", False, True),)
            ),
        )
    )
    result = execute_plan(plan, client, Tenant(provisioning=True), Ids(app_id=9), NO_WIRE)
    assert [step.key for step in result.manual] == ["enable provisioning"]


def test_configuration_parameters_and_provisioning_go_in_one_app_put(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    sent = {
        "configuration": {"scim_base_url": "https://soe/api/scim/v2"},
        "parameters": {
            "userType": {
                "user_attribute_mappings": "custom_attribute_userType",
                "include_in_saml_assertion": True,
                "label": "userType",
            }
        },
        "provisioning": {"enabled": True},
    }
    kept = {"id": 9, "configuration": sent["configuration"], "provisioning": {"enabled": True}}
    api.put(f"{API}/apps/9", json=kept, match=[matchers.json_params_matcher(sent)])
    desired = Tenant(
        app=App("SCIM SOE", CONNECTOR),
        provisioning=True,
        parameters={"userType": Parameter("userType", "custom_attribute_userType", True)},
    )
    plan = Plan(
        (
            Change(
                Action.UPDATE,
                Kind.APP,
                "SCIM SOE",
                (FieldChange("configuration.scim_base_url", None, "https://soe/api/scim/v2"),),
            ),
            Change(Action.CREATE, Kind.PARAMETER, "userType"),
            Change(Action.UPDATE, Kind.PROVISIONING, "SCIM SOE"),
        )
    )
    wire = WireValues({"scim_base_url": "https://soe/api/scim/v2"})
    result = execute_plan(plan, client, desired, Ids(app_id=9), wire)
    assert [c.kind for c in result.done] == [Kind.APP, Kind.PARAMETER, Kind.PROVISIONING]
    assert result.manual == []
    assert [c.request.method for c in api.calls if "/api/" in str(c.request.url)] == ["PUT"]


def test_role_apps_from_the_listing_need_no_read_before_the_put(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    api.put(
        f"{API}/roles/7/apps",
        json=[{"id": 5}, {"id": 9}],
        match=[matchers.json_params_matcher([5, 9])],
    )
    desired = Tenant(roles={"Eng": RoleAssignment("Eng", True)})
    plan = Plan((Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),)),))
    ids = Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]})
    execute_plan(plan, client, desired, ids, NO_WIRE)
    assert [c.request.method for c in api.calls if "/api/" in str(c.request.url)] == ["PUT"]


def test_after_a_person_approves_a_role_s_apps_are_read_again_before_its_write(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    """Approving can take minutes: an app given to the role meanwhile must not be dropped by the
    PUT, which replaces the role's whole list."""
    budget(api)
    api.get(f"{API}/roles/7/apps", json=[{"id": 5}, {"id": 6}])
    api.put(
        f"{API}/roles/7/apps",
        json=[{"id": 5}, {"id": 6}, {"id": 9}],
        match=[matchers.json_params_matcher([5, 6, 9])],
    )
    desired = Tenant(roles={"Eng": RoleAssignment("Eng", True)})
    plan = Plan((Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),)),))
    ids = Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]})  # listed before app 6 was given
    execute_plan(plan, client, desired, ids, NO_WIRE, confirm=lambda _: True)
    assert [c.request.method for c in api.calls if "/api/" in str(c.request.url)] == ["GET", "PUT"]


def test_taking_the_app_from_a_role_uses_the_listing_and_keeps_its_other_apps(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    api.put(f"{API}/roles/7/apps", json=[{"id": 5}], match=[matchers.json_params_matcher([5])])
    plan = Plan(
        (Change(Action.DELETE, Kind.ROLE, "Sales", (FieldChange("has_app", True, False),)),)
    )
    ids = Ids(app_id=9, roles={"Sales": 7}, role_apps={7: [5, 9]})
    execute_plan(plan, client, Tenant(), ids, NO_WIRE)
    assert [c.request.method for c in api.calls if "/api/" in str(c.request.url)] == ["PUT"]


def test_taking_the_app_from_a_role_reads_its_apps_when_the_listing_lacked_them(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api)
    api.get(f"{API}/roles/7/apps", json=[{"id": 5}, {"id": 9}])
    api.put(f"{API}/roles/7/apps", json=[{"id": 5}], match=[matchers.json_params_matcher([5])])
    plan = Plan(
        (Change(Action.DELETE, Kind.ROLE, "Sales", (FieldChange("has_app", True, False),)),)
    )
    ids = Ids(app_id=9, roles={"Sales": 7}, role_apps=None)
    execute_plan(plan, client, Tenant(), ids, NO_WIRE)
    assert [c.request.method for c in api.calls if "/api/" in str(c.request.url)] == ["GET", "PUT"]


def test_apply_beyond_the_budget_left_refuses_before_any_write(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    budget(api, remaining=1010, reset=600)
    changes = tuple(
        Change(Action.UPDATE, Kind.USER, f"u{i}@x.io", (FieldChange("title", None, "T"),))
        for i in range(20)
    )
    with pytest.raises(
        BudgetError, match=r"needs about 20 .* only 1,010 of the account's 5,000 .* 1,000 \(20%"
    ):
        execute_plan(Plan(changes), client, Tenant(), Ids(), NO_WIRE)


def test_mapping_without_an_action_stops_before_any_mapping_write(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(f"{API}/mappings/actions", json=[{"name": "Set Employee ID", "value": "set_e"}])
    api.get(
        f"{API}/mappings/conditions/has_role/operators", json=[{"name": "includes", "value": "ri"}]
    )
    mapping = UserMapping("p: userType for role Mods", True, "Mods", "userType", "Moderator")
    desired = Tenant(
        custom_fields={"userType": CustomField("userType", "userType")},
        mappings={mapping.name: mapping},
    )
    plan = Plan((Change(Action.CREATE, Kind.MAPPING, mapping.name),))
    computed = ComputedPlan(
        plan, desired, Snapshot(Tenant(), Ids(roles={"Mods": 7})), NO_WIRE, action_wait=0
    )
    with pytest.raises(ApplyError) as caught:
        apply_plan(computed, client)
    hint = str(caught.value.cause.hint if caught.value.cause else "")
    assert "no mapping was written" in str(caught.value.cause)
    assert "name 'p: userType for role Mods'" in hint
    # The hint names the action the tenant really lists, never an invented 'Set userType'.
    assert "(OneLogin lists 'Set Employee ID' (set_e)) = 'Moderator'" in hint
    assert "'Set userType'" not in hint
    assert writes(api) == []


def test_user_writes_stop_starting_after_one_fails(api: responses.RequestsMock) -> None:
    """Issue 17's surviving bug: user writes went on after one failed. With two writers, the
    first user's PUT fails at once while the second is still in flight: no third user is started,
    and the report names the failure. A writer that ignored the stop would send all ten."""
    import time

    budget(api)
    sent: list[str] = []

    def answer(request: object) -> tuple[int, dict[str, str], str]:
        url = str(getattr(request, "url", ""))
        sent.append(url)
        if url.endswith("/users/1?mappings=disabled"):
            return 400, {}, '{"message": "refused"}'
        time.sleep(0.2)
        return 200, {}, '{"id": 2}'

    emails = [f"u{n}@x.io" for n in range(1, 11)]
    for n in range(1, 11):
        api.add_callback(
            responses.PUT, f"{API}/users/{n}", callback=answer, content_type="application/json"
        )
    api.assert_all_requests_are_fired = False
    ids = Ids(users={email: n for n, email in enumerate(emails, start=1)})
    changes = tuple(
        Change(Action.UPDATE, Kind.USER, email, (FieldChange("department", None, "Ops"),))
        for email in emails
    )
    two_at_once = OneLoginClient(
        BASE, CLIENT_ID, SECRET, max_retries=0, backoff_factor=0, concurrency=2
    )
    with two_at_once, pytest.raises(ApplyError) as stopped:
        execute_plan(Plan(changes), two_at_once, Tenant(), ids, NO_WIRE)
    assert 1 <= len(sent) <= 2  # the failing one, and at most the one already in flight
    assert "u1@x.io" in str(stopped.value)
