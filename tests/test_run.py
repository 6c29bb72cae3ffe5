"""The engine's entry points: apply_plan asks only when there is something to write, refuses conflicts
before asking, and never writes after a "no"; the wire values carry what the plan holds as fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from onelogin_scim_setup.errors import Refused, UsageError
from onelogin_scim_setup.model.snapshot import Ids, Snapshot
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.adopt import import_setup
from onelogin_scim_setup.ops.apply import ApplyRequest, apply_plan
from onelogin_scim_setup.ops.plan import manual_plan, wire_configuration
from onelogin_scim_setup.ops.prepare import prepare
from onelogin_scim_setup.ops.saved import Basis, SavedPlan
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan, WireValues
from onelogin_scim_setup.secrets.redact import Redactor
from tests.conftest import MINIMAL_CONFIG

UNREACHABLE = "http://127.0.0.1:9"  # loopback discard port; these tests must send nothing


def computed(*changes: Change) -> ComputedPlan:
    return ComputedPlan(Plan(changes), Tenant(), Snapshot(Tenant(), Ids()), WireValues({}))


def offline_client() -> OneLoginClient:
    return OneLoginClient(UNREACHABLE, "id", "secret", max_retries=0, backoff_factor=0)


def test_nothing_to_write_asks_nothing() -> None:
    asked: list[Plan] = []
    result = apply_plan(
        computed(Change(Action.MANUAL, Kind.SOE, "SCIM settings")),
        offline_client(),
        confirm=lambda plan: asked.append(plan) or True,
    )
    assert (asked, result.done) == ([], [])


def test_conflicts_are_refused_before_the_question() -> None:
    asked: list[Plan] = []
    with pytest.raises(Refused, match="refused before any write"):
        apply_plan(
            computed(Change(Action.CONFLICT, Kind.ROLE, "Gone", note="missing")),
            offline_client(),
            confirm=lambda plan: asked.append(plan) or True,
        )
    assert asked == []


def test_a_no_writes_nothing() -> None:
    change = Change(Action.UPDATE, Kind.ROLE, "Eng")
    with pytest.raises(Refused, match="nothing was changed"):
        apply_plan(computed(change), offline_client(), confirm=lambda plan: False)


def write(tmp_path: Path, **app: object) -> Path:
    path = tmp_path / "config.yaml"
    data = {**MINIMAL_CONFIG, "app": {**MINIMAL_CONFIG["app"], **app}}
    data["token"] = {"source": "env", "env": "SOE_SCIM_TOKEN"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_wire_values_hold_the_clear_token_only_for_a_configured_key(tmp_path: Path) -> None:
    keys = {"bearer_token": "scim_bearer_token", "base_url": "scim_base_url"}
    token = "t" * 64
    prepared = prepare(
        write(tmp_path, configuration_keys=keys), {"SOE_SCIM_TOKEN": token}, token_required=True
    )
    assert wire_configuration(prepared) == {
        "scim_base_url": "https://acme.stackenterprise.co/api/scim/v2",
        "scim_bearer_token": token,
    }


def test_manual_plan_shows_the_token_only_as_a_fingerprint(tmp_path: Path) -> None:
    token = "t" * 64
    prepared = prepare(write(tmp_path), {"SOE_SCIM_TOKEN": token}, token_required=True)
    plan = manual_plan(prepared)
    assert plan.manual_steps
    assert token not in repr(plan.to_dict())


SAVED = SavedPlan(Path("plan.json"), "sha256:1", [], Basis("c", {}))


@pytest.mark.parametrize(
    ("request_", "approved"),
    [
        (ApplyRequest(), False),
        (ApplyRequest(force=True), False),
        (ApplyRequest(checksum="sha256:1"), True),  # the checksum names the reviewed plan
        (ApplyRequest(saved_plan=SAVED), True),  # reviewed when it was saved
    ],
)
def test_a_saved_plan_or_a_pinned_checksum_is_the_approval(
    request_: ApplyRequest, approved: bool
) -> None:
    assert request_.approved is approved


def test_import_refuses_a_bad_location_in_the_words_of_a_config_error() -> None:
    with pytest.raises(UsageError) as caught:
        import_setup(
            ("base_url", "http://x.example.com"),
            ("site", "acme"),
            {},
            Redactor(),
            app_name="SCIM SOE",
            connector="SCIM Provisioner with SAML (SCIM v2 Enterprise)",
        )
    assert str(caught.value) == (
        "import: onelogin.base_url: 'http://x.example.com' uses plain http; only https is allowed"
        " except for loopback hosts (127.0.0.0/8, ::1, localhost)"
    )


def test_prepare_registers_every_secret_of_the_run_and_tells_its_warnings(tmp_path: Path) -> None:
    """The one preparation the commands call (issue 17: no CLI wrapper around it): the token and
    the OneLogin client secret go into the run's redactor before anything is printed, and the
    warnings (here a weak token) reach `on_warning`."""
    client_secret = "client-secret-" + "c" * 30
    environ = {"SOE_SCIM_TOKEN": "short-token-value", "ONELOGIN_CLIENT_SECRET": client_secret}
    redactor, told = Redactor(), []
    prepared = prepare(write(tmp_path), environ, redactor=redactor, on_warning=told.append)
    assert redactor.redact(f"a {client_secret} b") == "a [redacted] b"
    assert prepared.redactor is redactor
    assert told == [
        "the SCIM token from token.source env is weak: the token is 17 characters long; use at "
        "least 32"
    ]


def test_prepare_without_a_home_folder_has_no_unfinished_runs_to_tell(tmp_path: Path) -> None:
    """Unfinished runs are looked for beside the lock; with no HOME there is no lock folder, and
    an offline command (validate, render) must not fail for it: a command that takes the lock
    says so itself."""
    told: list[str] = []
    prepare(write(tmp_path), {"SOE_SCIM_TOKEN": "t" * 64}, on_warning=told.append)
    assert told == []
