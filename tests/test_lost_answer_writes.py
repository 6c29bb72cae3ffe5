"""A write whose answer was lost (issue 19), each kind's read-back decision with HTTP stubbed by
`responses`: the request was sent and the connection dropped before the answer (a ConnectionError),
then the resource read back says done, not done, or (the read failing too) unknown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from onelogin_scim_setup.audit.findings import Category
from onelogin_scim_setup.audit.fix import FixPlan, Outcome, Step, StepKind
from onelogin_scim_setup.cli.demo import demo_config
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import ApplyError, OneLoginError
from onelogin_scim_setup.model.snapshot import Ids, MappingVocabulary, Snapshot
from onelogin_scim_setup.model.tenant import CustomField, RoleAssignment, Tenant, UserMapping
from onelogin_scim_setup.onelogin.answers import HINT_NETWORK, MaybeProcessed
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.audit import execute
from onelogin_scim_setup.ops.rotate import Rotation
from onelogin_scim_setup.ops.rotation_state import OneLoginToken, RotationError
from onelogin_scim_setup.ops.roundtrip import RoundTrip
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.fields import write_custom_field
from onelogin_scim_setup.ops.writes.lost import UnknownOutcome, answer_lost
from onelogin_scim_setup.ops.writes.mappings import write_mapping
from onelogin_scim_setup.ops.writes.roles import write_role
from onelogin_scim_setup.ops.writes.users import write_user
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan, WireValues
from onelogin_scim_setup.secrets.token import fingerprint
from onelogin_scim_setup.soe.client import ProbeResult
from tests.helpers.onelogin_stub import BASE

API = f"{BASE}/api/2"
NO_WIRE = WireValues({})
ROLE_UPDATE = Change(Action.UPDATE, Kind.ROLE, "Eng", (FieldChange("has_app", False, True),))
BUSY = {"statusCode": 503, "name": "ServiceUnavailable", "message": "busy"}


def dropped() -> requests.ConnectionError:
    """What requests raises when the server closed the connection after the request was sent."""
    return requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError()))


def context(client: OneLoginClient, desired: Tenant, ids: Ids) -> WriteContext:
    return WriteContext(client, desired, ids, NO_WIRE, action_wait=0)


def methods(api: responses.RequestsMock) -> list[str]:
    return [c.request.method or "" for c in api.calls if "/api/" in str(c.request.url)]


# --- what counts as a lost answer ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        (MaybeProcessed("no answer"), True),
        (OneLoginError("no answer from host: the connection closed", hint=HINT_NETWORK), True),
        (OneLoginError("bad gateway", status=502), True),
        (OneLoginError("Validation failed", status=422), False),
        (OneLoginError("expected a JSON object, got list"), False),  # OneLogin did answer
    ],
    ids=["maybe-processed", "no-answer", "5xx", "refused", "answered-wrong-shape"],
)
def test_what_counts_as_a_lost_answer(error: OneLoginError, lost: bool) -> None:
    assert answer_lost(error) is lost


# --- role apps: grant and removal ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("read", "done"), [([{"id": 5}, {"id": 9}], True), ([{"id": 5}], False)], ids=["done", "not"]
)
def test_a_role_app_grant_whose_answer_was_lost_is_judged_by_the_role_s_apps(
    api: responses.RequestsMock, client: OneLoginClient, read: list[dict[str, int]], done: bool
) -> None:
    api.put(f"{API}/roles/7/apps", body=dropped())
    api.get(f"{API}/roles/7/apps", json=read)
    ctx = context(
        client,
        Tenant(roles={"Eng": RoleAssignment("Eng", True)}),
        Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]}),
    )
    if done:
        write_role(ctx, ROLE_UPDATE)
        assert ctx.was_read_back(ROLE_UPDATE)
    else:
        with pytest.raises(OneLoginError) as raised:
            write_role(ctx, ROLE_UPDATE)
        assert "read back: not done" in raised.value.message
        assert not isinstance(raised.value, UnknownOutcome)
    assert methods(api) == ["PUT", "GET"]  # read back, never sent again


def test_a_role_app_removal_whose_answer_was_lost_is_done_when_the_app_is_gone(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.put(f"{API}/roles/7/apps", body=dropped())
    api.get(f"{API}/roles/7/apps", json=[{"id": 5}])
    change = Change(Action.DELETE, Kind.ROLE, "Sales", (FieldChange("has_app", True, False),))
    ctx = context(client, Tenant(), Ids(app_id=9, roles={"Sales": 7}, role_apps={7: [5, 9]}))
    write_role(ctx, change)
    assert ctx.was_read_back(change)
    assert methods(api) == ["PUT", "GET"]


def test_apply_reports_a_lost_answer_it_cannot_read_back_as_unknown_naming_what_to_check(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(
        f"{BASE}/auth/rate_limit",
        json={
            "data": {
                "X-RateLimit-Limit": 5000,
                "X-RateLimit-Remaining": 5000,
                "X-RateLimit-Reset": 1,
            }
        },
    )
    api.put(f"{API}/roles/7/apps", body=dropped())
    api.get(f"{API}/roles/7/apps", json=BUSY, status=503)
    desired = Tenant(roles={"Eng": RoleAssignment("Eng", True)})
    ids = Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]})
    computed = ComputedPlan(Plan((ROLE_UPDATE,)), desired, Snapshot(Tenant(), ids), NO_WIRE)
    with pytest.raises(ApplyError) as caught:
        apply_plan(computed, client)
    error = caught.value
    assert error.unknown == ["update role 'Eng'"]
    assert error.not_done == []
    assert isinstance(error.cause, UnknownOutcome)
    assert "the outcome is unknown: check the applications of the role 'Eng'" in str(error.cause)
    assert "Unknown (1): update role 'Eng'" in str(error)


def test_apply_reports_a_write_found_done_by_its_read_back(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.get(
        f"{BASE}/auth/rate_limit",
        json={
            "data": {
                "X-RateLimit-Limit": 5000,
                "X-RateLimit-Remaining": 5000,
                "X-RateLimit-Reset": 1,
            }
        },
    )
    api.put(f"{API}/roles/7/apps", body=dropped())
    api.get(f"{API}/roles/7/apps", json=[{"id": 5}, {"id": 9}])
    desired = Tenant(roles={"Eng": RoleAssignment("Eng", True)})
    ids = Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]})
    computed = ComputedPlan(Plan((ROLE_UPDATE,)), desired, Snapshot(Tenant(), ids), NO_WIRE)
    result = apply_plan(computed, client)
    assert result.done == [ROLE_UPDATE]
    assert result.read_back == [ROLE_UPDATE]


def test_a_refused_write_is_not_read_back(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.put(f"{API}/roles/7/apps", json={"message": "Validation failed"}, status=422)
    ctx = context(
        client,
        Tenant(roles={"Eng": RoleAssignment("Eng", True)}),
        Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]}),
    )
    with pytest.raises(OneLoginError) as raised:
        write_role(ctx, ROLE_UPDATE)
    assert raised.value.status == 422
    assert methods(api) == ["PUT"]


# --- creates: looked for by name, never sent twice ------------------------------------------------


def test_a_role_create_whose_look_failed_too_is_looked_for_again_then_done(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    """The POST's answer is lost, the client's own look for it fails; apply looks once more."""
    api.post(f"{API}/roles", body=dropped())
    api.get(f"{API}/roles", json=BUSY, status=503)
    api.get(f"{API}/roles", json=[{"id": 7, "name": "Eng"}, {"id": 8, "name": "Engineering"}])
    change = Change(Action.CREATE, Kind.ROLE, "Eng")
    ctx = context(client, Tenant(roles={"Eng": RoleAssignment("Eng", False)}), Ids(app_id=9))
    write_role(ctx, change)
    assert ctx.ids.roles["Eng"] == 7
    assert ctx.was_read_back(change)
    assert methods(api) == ["POST", "GET", "GET"]


def test_a_custom_field_create_whose_read_back_fails_is_unknown(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(f"{API}/users/custom_attributes", body=dropped())
    api.get(f"{API}/users/custom_attributes", json=BUSY, status=503)
    change = Change(Action.CREATE, Kind.CUSTOM_FIELD, "userType")
    ctx = context(
        client, Tenant(custom_fields={"userType": CustomField("userType", "userType")}), Ids()
    )
    with pytest.raises(UnknownOutcome) as raised:
        write_custom_field(ctx, change)
    assert "check whether the custom user field 'userType' exists" in raised.value.message
    assert methods(api) == ["POST", "GET", "GET"]  # never sent twice


# --- mappings: create, update, delete -------------------------------------------------------------

MAPPING = UserMapping("p: userType for role Mods", True, "Mods", "userType", "Moderator")
VOCABULARY = MappingVocabulary({"userType": "set_usertype"}, "ri")


def mapping_context(client: OneLoginClient) -> WriteContext:
    desired = Tenant(
        custom_fields={"userType": CustomField("userType", "userType")},
        mappings={MAPPING.name: MAPPING},
    )
    ids = Ids(roles={"Mods": 7}, mappings={MAPPING.name: 40}, vocabulary=VOCABULARY)
    return context(client, desired, ids)


def wire_mapping(**changes: Any) -> dict[str, Any]:
    return {
        "id": 40,
        "name": MAPPING.name,
        "enabled": True,
        "match": "all",
        "position": 1,
        "conditions": [{"source": "has_role", "operator": "ri", "value": 7}],
        "actions": [{"action": "set_usertype", "value": ["Moderator"]}],
        **changes,
    }


@pytest.mark.parametrize(
    ("read", "done"),
    [(wire_mapping(), True), (wire_mapping(enabled=False, position=None), False)],
    ids=["done", "not"],
)
def test_a_mapping_update_whose_answer_was_lost_is_judged_by_the_mapping(
    api: responses.RequestsMock, client: OneLoginClient, read: dict[str, Any], done: bool
) -> None:
    api.put(f"{API}/mappings/40", body=dropped())
    api.get(f"{API}/mappings/40", json=read)
    change = Change(Action.UPDATE, Kind.MAPPING, MAPPING.name)
    ctx = mapping_context(client)
    if done:
        write_mapping(ctx, change)
        assert ctx.was_read_back(change)
    else:
        with pytest.raises(OneLoginError, match="read back: not done"):
            write_mapping(ctx, change)
    assert methods(api) == ["PUT", "GET"]


@pytest.mark.parametrize(
    ("status", "outcome"), [(404, "done"), (200, "not done"), (503, "unknown")]
)
def test_a_mapping_delete_whose_answer_was_lost_is_judged_by_one_get(
    api: responses.RequestsMock, client: OneLoginClient, status: int, outcome: str
) -> None:
    api.delete(f"{API}/mappings/40", body=dropped())
    body = wire_mapping() if status == 200 else {"statusCode": status, "message": "x"}
    api.get(f"{API}/mappings/40", json=body, status=status)
    change = Change(Action.DELETE, Kind.MAPPING, MAPPING.name)
    ctx = mapping_context(client)
    if outcome == "done":
        write_mapping(ctx, change)
        assert ctx.was_read_back(change)
    elif outcome == "not done":
        with pytest.raises(OneLoginError, match="read back: not done"):
            write_mapping(ctx, change)
    else:
        with pytest.raises(UnknownOutcome, match="check whether the mapping"):
            write_mapping(ctx, change)
    assert methods(api) == ["DELETE", "GET"]


def test_a_mapping_create_whose_answer_was_lost_is_found_by_name_and_not_sent_again(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    api.post(f"{API}/mappings", body=dropped())
    api.get(f"{API}/mappings", json=[wire_mapping(id=41)])  # enabled=true
    api.get(f"{API}/mappings", json=[])  # enabled=false
    change = Change(Action.CREATE, Kind.MAPPING, MAPPING.name)
    ctx = mapping_context(client)
    write_mapping(ctx, change)
    assert ctx.ids.mappings[MAPPING.name] == 41
    assert methods(api) == ["POST", "GET", "GET"]


# --- users ------------------------------------------------------------------------------------------

USER_CHANGE = Change(
    Action.UPDATE,
    Kind.USER,
    "dave@example.com",
    (
        FieldChange("title", None, "SRE"),
        FieldChange("custom_attributes.userType", "Moderator", None),
    ),
)


@pytest.mark.parametrize(
    ("read", "done"),
    [
        ({"id": 4, "title": "SRE", "custom_attributes": {"userType": "", "other": "x"}}, True),
        ({"id": 4, "title": "SRE", "custom_attributes": {"userType": "Moderator"}}, False),
        ({"id": 4, "title": None, "custom_attributes": {"userType": None}}, False),
    ],
    ids=["done", "value-not-cleared", "title-not-set"],
)
def test_a_user_put_whose_answer_was_lost_is_judged_by_the_values_it_sets(
    api: responses.RequestsMock, client: OneLoginClient, read: dict[str, Any], done: bool
) -> None:
    api.put(f"{API}/users/4", body=dropped())
    api.get(f"{API}/users/4", json=read)
    ids = Ids(
        users={"dave@example.com": 4},
        user_custom_attributes={"dave@example.com": {"userType": "Moderator", "other": "x"}},
    )
    ctx = context(client, Tenant(), ids)
    if done:
        write_user(ctx, USER_CHANGE)
        assert ctx.was_read_back(USER_CHANGE)
    else:
        with pytest.raises(OneLoginError, match="read back: not done"):
            write_user(ctx, USER_CHANGE)
    assert methods(api) == ["PUT", "GET"]


# --- audit --fix: demotion and re-evaluation --------------------------------------------------------


def fix_step(kind: StepKind) -> Step:
    return Step(
        kind, "bob@example.com", Category.NOT_IMPLIED, onelogin_id=4, user_type="Registered"
    )


@pytest.mark.parametrize(
    ("held", "outcome", "said"),
    [
        ("Registered", Outcome.DONE, "(answer lost, read back)"),
        ("Moderator", Outcome.FAILED, "not done: the answer was lost"),
        (None, Outcome.FAILED, "the outcome is unknown: check the userType of bob@example.com"),
    ],
    ids=["done", "not-done", "unknown"],
)
@pytest.mark.parametrize("kind", [StepKind.DEMOTE, StepKind.REEVALUATE])
def test_audit_fix_reads_a_user_back_after_a_lost_answer(
    api: responses.RequestsMock,
    client: OneLoginClient,
    kind: StepKind,
    held: str | None,
    outcome: Outcome,
    said: str,
) -> None:
    if kind is StepKind.DEMOTE:
        api.get(f"{API}/users/4", json={"id": 4, "custom_attributes": {"userType": "Moderator"}})
    api.put(f"{API}/users/4", body=dropped())
    if held is None:
        api.get(f"{API}/users/4", json=BUSY, status=503)
    else:
        api.get(f"{API}/users/4", json={"id": 4, "custom_attributes": {"userType": held}})
    step = fix_step(kind)
    report = execute(FixPlan((step,), 0), client, scim=None, shortname="userType")  # type: ignore[arg-type]
    [result] = report.results
    assert result.outcome is outcome
    assert said in result.detail
    assert methods(api).count("PUT") == 1  # never sent again


# --- token rotate's OneLogin write, verify --e2e's test user -------------------------------------

TOKEN_NEW = "rotated-token-0123456789abcdef0123456789"


def rotation_token(client: OneLoginClient) -> OneLoginToken:
    data = demo_config(BASE, "https://acme.stackenterprise.co/api/scim/v2", Path("/unused"))
    data["app"]["configuration_keys"] = {"bearer_token": "scim_bearer_token"}
    token = OneLoginToken(client, Config.model_validate(data))
    token._app_id = 9  # found already (the rotation looks it up once)
    return token


@pytest.mark.parametrize(
    ("shown", "outcome"),
    [(TOKEN_NEW, "done"), ("the-old-token-abcdef0123456789", "not done"), ("****", "unknown")],
)
def test_a_token_write_whose_answer_was_lost_is_judged_by_the_app_s_token(
    api: responses.RequestsMock, client: OneLoginClient, shown: str, outcome: str
) -> None:
    api.put(f"{API}/apps/9", body=dropped())
    api.get(
        f"{API}/apps/9",
        json={"id": 9, "name": "SCIM SOE", "configuration": {"scim_bearer_token": shown}},
    )
    token = rotation_token(client)
    if outcome == "done":
        token.set(TOKEN_NEW)
    elif outcome == "not done":
        with pytest.raises(OneLoginError, match="read back: not done") as raised:
            token.set(TOKEN_NEW)
        assert TOKEN_NEW not in str(raised.value)
    else:  # a masked token cannot be compared
        with pytest.raises(
            UnknownOutcome, match="check the SCIM Bearer Token of 'SCIM SOE'"
        ) as raised:
            token.set(TOKEN_NEW)
        assert TOKEN_NEW not in str(raised.value)
    assert methods(api) == ["PUT", "GET"]


@pytest.mark.parametrize(("held", "done"), [("Admin", True), ("Registered", False)])
def test_a_round_trip_user_write_whose_answer_was_lost_is_judged_by_the_user(
    api: responses.RequestsMock, client: OneLoginClient, held: str, done: bool
) -> None:
    api.put(f"{API}/users/4", body=dropped())
    api.get(f"{API}/users/4", json={"id": 4, "custom_attributes": {"userType": held}})
    trip = RoundTrip(client, scim=None, shortname="userType")  # type: ignore[arg-type]
    if done:
        trip._set(4, {"userType": "Registered"}, "Admin")
    else:
        with pytest.raises(OneLoginError, match="read back: not done"):
            trip._set(4, {"userType": "Registered"}, "Admin")
    assert methods(api) == ["PUT", "GET"]


def test_a_rotation_whose_onelogin_write_is_unknown_says_onelogin_holds_unknown() -> None:
    """The token PUT's answer was lost and could not be read back: the rotation's report must not
    claim OneLogin still holds the old token."""
    old, new = "old-token-0123456789abcdef0123456789ab", TOKEN_NEW

    def set_onelogin(_: str) -> None:
        raise UnknownOutcome("PUT /api/2/apps/9: the answer was lost ...: unknown: check")

    rotation = Rotation(
        deliver=lambda _: None,
        probe=lambda _: ProbeResult(status=200, ok=True, detail=""),
        set_onelogin=set_onelogin,
        read_onelogin=lambda: fingerprint(old),
        timeout=1.0,
        interval=0.5,
        sleep=lambda _: None,
    )
    with pytest.raises(RotationError) as caught:
        rotation.run(old, new)
    assert "OneLogin holds unknown." in str(caught.value)
    assert f"OneLogin holds {fingerprint(old)}" not in str(caught.value)


def test_a_5xx_that_outlived_the_retries_is_read_back_like_a_lost_answer(
    api: responses.RequestsMock, client: OneLoginClient
) -> None:
    """A 502 does not say whether the PUT was applied: the role's apps read back decide."""
    api.put(f"{API}/roles/7/apps", json={"message": "bad gateway"}, status=502)
    api.get(f"{API}/roles/7/apps", json=[{"id": 5}])
    ctx = context(
        client,
        Tenant(roles={"Eng": RoleAssignment("Eng", True)}),
        Ids(app_id=9, roles={"Eng": 7}, role_apps={7: [5]}),
    )
    with pytest.raises(OneLoginError) as raised:
        write_role(ctx, ROLE_UPDATE)
    assert "(the answer was 502; read back: not done)" in raised.value.message
    assert methods(api) == ["PUT", "GET"]


@pytest.mark.parametrize("kind", [StepKind.DEMOTE, StepKind.REEVALUATE])
def test_audit_fix_a_malformed_user_read_back_is_unknown_never_a_crash(
    api: responses.RequestsMock, client: OneLoginClient, kind: StepKind
) -> None:
    if kind is StepKind.DEMOTE:
        api.get(f"{API}/users/4", json={"id": 4, "custom_attributes": {"userType": "Moderator"}})
    api.put(f"{API}/users/4", body=dropped())
    api.get(f"{API}/users/4", json={"id": 4, "custom_attributes": ["Registered"]})
    step = fix_step(kind)
    report = execute(FixPlan((step,), 0), client, scim=None, shortname="userType")  # type: ignore[arg-type]
    [result] = report.results
    assert result.outcome is Outcome.FAILED
    assert "unknown" in result.detail
    assert methods(api).count("PUT") == 1
