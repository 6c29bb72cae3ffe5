"""The manual steps: exact values to enter where no API exists, the token only as a fingerprint."""

from __future__ import annotations

from typing import Any

import pytest

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.plan import manual
from onelogin_scim_setup.plan.changes import Action, Change, Kind
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.configs import config_with


def test_manual_steps_carry_exact_values_and_only_the_fingerprint() -> None:
    config = config_with()
    steps = manual.steps(config, template='{"a": 1}', token_fingerprint="sha256:0123abcd")
    soe = steps[0]
    assert (soe.action, soe.kind) == (Action.MANUAL, Kind.SOE)
    values = {f.name: f.after for f in soe.fields}
    assert values["SCIM authorization bearer token"] == "sha256:0123abcd"
    assert values["Allow Moderator Promotion via a userType property"] == "checked"
    assert values["Allow Admin Promotion via a userType property"] == "unchecked"
    connection = {f.name: f.after for f in steps[1].fields}
    assert connection["SCIM Base Url"] == "https://acme.stackenterprise.co/api/scim/v2"
    assert connection["SCIM JSON Template"] == '{"a": 1}'
    assert all(step.verify_by for step in steps)


def test_connection_fields_set_through_the_api_are_not_manual() -> None:
    keys = {"base_url": "a", "bearer_token": "b", "json_template": "c"}
    steps = manual.steps(
        config_with(app={"configuration_keys": keys}),
        template="{}",
        token_fingerprint="sha256:1",
    )
    names = [f.name for f in steps[1].fields]
    assert names == ["Enable API Integration", "API Connection"]


def test_reapply_step_only_when_mappings_are_configured() -> None:
    with_roles = manual.steps(config_with(), template="{}", token_fingerprint=None)
    config = Config.model_validate({**MINIMAL_CONFIG, "promotions": {"roles": []}})
    without = manual.steps(config, template="{}", token_fingerprint=None)
    assert "reapply mappings" in [s.key for s in with_roles]
    assert "reapply mappings" not in [s.key for s in without]
    assert manual.TOKEN_MISSING in [f.after for f in without[0].fields]


@pytest.mark.parametrize(
    ("delivery", "extra", "hint"),
    [
        ("manual", {}, "`token show --reveal` prints the token"),
        ("file", {"delivery_file": "/run/soe-token"}, "writes the token to /run/soe-token"),
        ("command", {"delivery_command": ["vault", "write"]}, "hands the token to your delivery"),
    ],
)
def test_soe_step_says_how_the_token_gets_there(
    delivery: str, extra: dict[str, Any], hint: str
) -> None:
    config = config_with(token={"delivery": delivery, **extra})
    soe = manual.steps(config, template="{}", token_fingerprint="sha256:1")[0]
    assert hint in soe.note


def test_deprovision_action_is_suspend_for_both_events() -> None:
    steps = {s.key: s for s in manual.steps(config_with(), template="{}", token_fingerprint=None)}
    assert [f.after for f in steps["deprovision action"].fields] == ["Suspend", "Suspend"]


def test_admin_approval_boxes_are_unticked_with_their_exact_labels() -> None:
    steps = {s.key: s for s in manual.steps(config_with(), template="{}", token_fingerprint=None)}
    approval = steps["admin approval"]
    assert approval.kind is Kind.ONELOGIN_UI
    assert [(f.name, f.after) for f in approval.fields] == [
        ("Workflow: Create user (require admin approval)", "unchecked"),
        ("Workflow: Update user (require admin approval)", "unchecked"),
        ("Workflow: Delete user (require admin approval)", "unchecked"),
    ]
    assert "Provisioning" in approval.note
    assert (approval.verify_by or "").startswith("cannot be checked")


def test_audit_names_a_ticked_approval_box_where_a_push_waits() -> None:
    from onelogin_scim_setup.audit.policy import Policy
    from onelogin_scim_setup.audit.rules import CAUSE_DEPROVISION, _user_type_cause

    assert "'Update user' is ticked under Apps" in _user_type_cause(Policy(), "Moderator")
    assert "'Delete user' or 'Update user' is ticked" in CAUSE_DEPROVISION


def test_parameter_flag_step_lists_every_parameter_the_tool_manages() -> None:
    config = config_with(fields={"department": {"enabled": True}, "title": {"enabled": True}})
    steps = {s.key: s for s in manual.steps(config, template="{}", token_fingerprint=None)}
    names = [f.name for f in steps["parameter flags"].fields]
    assert names == [
        "userType: Include in User Provisioning",
        "department: Include in User Provisioning",
        "title: Include in User Provisioning",
    ]


def test_no_parameter_flag_step_when_no_field_is_sent() -> None:
    config = config_with(
        fields={"user_type": {"enabled": False}}, promotions={"roles": [], "users": []}
    )
    keys = [s.key for s in manual.steps(config, template="{}", token_fingerprint=None)]
    assert "parameter flags" not in keys


def states(
    config: Config | None = None,
    *,
    planned: list[Change] | None = None,
    evidence: manual.Evidence | None = None,
) -> dict[str, tuple[str, str]]:
    found = manual.steps(
        config or config_with(),
        template="{}",
        token_fingerprint="sha256:1",
        planned=planned,
        evidence=evidence,
    )
    return {s.key: (s.state.value if s.state else "", s.state_reason) for s in found}


MAPPING = Change(Action.CREATE, Kind.MAPPING, "onelogin-scim-setup/x: userType for role R")


def test_plan_proves_nothing_it_did_not_read_and_the_reapply_its_own_mappings_need() -> None:
    assert {k: v[0] for k, v in states(planned=[MAPPING]).items()} == {
        "SCIM settings": "cannot_be_checked",
        "SCIM connection": "cannot_be_checked",
        "deprovision action": "cannot_be_checked",
        "admin approval": "cannot_be_checked",
        "parameter flags": "cannot_be_checked",
        "reapply mappings": "pending",
    }
    assert states(planned=[MAPPING])["reapply mappings"][1] == (
        "this plan writes 1 mapping(s): reapply them after apply"
    )
    assert states(planned=[])["reapply mappings"][0] == "cannot_be_checked"
    assert states(planned=None)["reapply mappings"] == (
        "cannot_be_checked",
        "OneLogin was not read",
    )


def test_a_refused_token_makes_the_soe_step_pending() -> None:
    refused = states(evidence=manual.Evidence(token_accepted=False))
    assert refused["SCIM settings"] == ("pending", "SOE's SCIM endpoint refused the token")


def test_the_round_trip_proves_the_connection_and_the_moderator_box() -> None:
    proven = states(evidence=manual.Evidence(token_accepted=True, round_trip="Moderator"))
    assert proven["SCIM connection"][0] == "done"
    assert proven["SCIM settings"][0] == "done"  # admin promotion is not asked for
    assert proven["parameter flags"][0] == "done"  # userType is the only parameter
    assert proven["deprovision action"][0] == "cannot_be_checked"  # never readable


def test_what_the_round_trip_does_not_touch_stays_unproven() -> None:
    config = config_with(
        soe={"allow_admin_promotion": True}, fields={"department": {"enabled": True}}
    )
    proven = states(config, evidence=manual.Evidence(token_accepted=True, round_trip="Moderator"))
    assert proven["SCIM settings"][0] == "cannot_be_checked"
    assert proven["parameter flags"] == (
        "cannot_be_checked",
        "no API reads it; the --e2e round trip proved the userType flag only",
    )
    # A round trip to Registered (the user was a Moderator) proves the connection, not the box.
    registered = states(evidence=manual.Evidence(token_accepted=True, round_trip="Registered"))
    assert registered["SCIM connection"][0] == "done"
    assert registered["SCIM settings"][0] == "cannot_be_checked"


def test_a_failed_round_trip_proves_nothing_done() -> None:
    failed = states(evidence=manual.Evidence(token_accepted=True, round_trip=""))
    assert failed["SCIM connection"] == (
        "cannot_be_checked",
        "no API reads it; the --e2e round trip failed",
    )


def test_what_the_plan_creates_makes_its_steps_pending() -> None:
    new_app = Change(Action.CREATE, Kind.APP, "SCIM SOE")
    new_parameter = Change(Action.CREATE, Kind.PARAMETER, "userType")
    found = states(planned=[new_app, new_parameter])
    assert found["SCIM connection"] == (
        "pending",
        "this plan creates the app: nobody can have set this on it yet",
    )
    assert found["deprovision action"][0] == "pending"
    assert found["parameter flags"] == (
        "pending",
        "this plan creates the parameter(s) userType: nobody can have ticked the flag on them yet",
    )
    assert found["SCIM settings"][0] == "cannot_be_checked"  # SOE's side is not the app's
    # A parameter created on an existing app: only its flag step.
    only_parameter = states(planned=[new_parameter])
    assert only_parameter["parameter flags"][0] == "pending"
    assert only_parameter["SCIM connection"][0] == "cannot_be_checked"
