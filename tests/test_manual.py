"""The manual steps: exact values to enter where no API exists, the token only as a fingerprint."""

from __future__ import annotations

from typing import Any

import pytest

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.engine import manual
from onelogin_scim_setup.engine.plan import Action, Kind
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
