"""verify's checks: the plan read back per kind, SOE's token probe, the credential check, the order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import responses

from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.check import passed
from onelogin_scim_setup.ops.verify import credential_check, onelogin_checks, soe_checks
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan
from onelogin_scim_setup.soe.client import ProbeResult
from tests.helpers.onelogin_stub import BASE, token

OK = ProbeResult(200, True, "answered 200")


@dataclass
class FakeScim:
    """Answers the two probes verify makes; `probed` records the tokens tried."""

    ours: ProbeResult = OK
    wrong: ProbeResult = field(default_factory=lambda: ProbeResult(401, False, "answered 401"))
    probed: list[str] = field(default_factory=list)

    def probe(self) -> ProbeResult:
        return self.ours

    def probe_with_token(self, token: str) -> ProbeResult:
        self.probed.append(token)
        return self.wrong


def by_name(checks: list[Any]) -> dict[str, str]:
    return {check.name: check.status for check in checks}


def test_an_empty_plan_passes_every_onelogin_check() -> None:
    checks = onelogin_checks(Plan((Change(Action.MANUAL, Kind.SOE, "SCIM settings"),)))
    assert {check.status for check in checks} == {"pass"}


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (Kind.APP, "OneLogin: the app exists on the right connector"),
        (Kind.MAPPING, "OneLogin: user mappings match"),
        (Kind.USER, "OneLogin: per-user values match"),
    ],
)
def test_a_pending_change_fails_the_check_of_its_kind_only(kind: Kind, name: str) -> None:
    checks = by_name(onelogin_checks(Plan((Change(Action.UPDATE, kind, "x"),))))
    assert checks[name] == "fail"
    assert list(checks.values()).count("fail") == 1


def test_a_conflict_fails_its_check() -> None:
    plan = Plan((Change(Action.CONFLICT, Kind.ROLE, "Gone", note="missing"),))
    checks = onelogin_checks(plan)
    assert not passed(checks)


def test_soe_passes_when_our_token_works_and_a_wrong_one_is_refused() -> None:
    scim = FakeScim()
    checks = soe_checks(scim, verify_tls=True)
    assert [c.status for c in checks] == ["pass", "pass"]
    assert len(scim.probed) == 1


def test_soe_accepting_any_token_fails_as_docs_soe_scim_promises_refusal() -> None:
    checks = soe_checks(FakeScim(wrong=OK), verify_tls=True)
    assert by_name(checks)["SOE: a wrong token is refused"] == "fail"
    assert not passed(checks)


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (None, "did not answer"),
        (500, "server error"),
        (503, "server error"),
        (429, "rate limiting"),
        (401, "exactly this token"),
        (404, "SCIM is On"),
    ],
)
def test_the_fix_follows_the_observed_cause(status: int | None, says: str) -> None:
    failed = soe_checks(FakeScim(ours=ProbeResult(status, False, "x")), verify_tls=True)[0]
    assert failed.status == "fail"
    assert says in failed.hint
    if status != 401:
        assert "the token" not in failed.hint or "was not tested" in failed.hint


def test_a_404_to_the_wrong_token_is_inconclusive_not_a_pass() -> None:
    scim = FakeScim(wrong=ProbeResult(404, False, "answered 404"))
    checks = soe_checks(scim, verify_tls=True)
    assert by_name(checks)["SOE: a wrong token is refused"] == "skip"


def test_our_token_refused_fails_with_a_hint() -> None:
    scim = FakeScim(ours=ProbeResult(401, False, "answered 401"))
    failed = soe_checks(scim, verify_tls=True)[0]
    assert (failed.status, "SCIM must be On" in failed.hint) == ("fail", True)


def test_tls_verification_off_is_warned() -> None:
    checks = soe_checks(FakeScim(), verify_tls=False)
    assert by_name(checks)["SOE: TLS certificate verified"] == "warn"


def test_credential_check_passes_when_connectors_are_readable(client: OneLoginClient) -> None:
    with responses.RequestsMock() as api:
        token(api)
        api.get(f"{BASE}/api/2/connectors", json=[{"id": 1, "name": "X"}])
        assert credential_check(client, "X").status == "pass"


def test_credential_check_fails_on_403_without_raising(client: OneLoginClient) -> None:
    with responses.RequestsMock() as api:
        token(api)
        api.get(
            f"{BASE}/api/2/connectors", status=403, json={"statusCode": 403, "message": "Forbidden"}
        )
        check = credential_check(client, "X")
    assert check.status == "fail"


def test_a_403_to_our_token_is_a_failure_not_a_pass() -> None:
    """Issue 17's surviving bug: a 403 counted as success. Our token answered 403 fails the check."""
    scim = FakeScim(ours=ProbeResult(403, False, "token rejected (answered 403)"))
    assert by_name(soe_checks(scim, verify_tls=True))["SOE: SCIM endpoint accepts our token"] == (
        "fail"
    )


def test_a_403_to_the_wrong_token_is_a_refusal() -> None:
    scim = FakeScim(wrong=ProbeResult(403, False, "token rejected (answered 403)"))
    assert by_name(soe_checks(scim, verify_tls=True))["SOE: a wrong token is refused"] == "pass"


def test_evidence_comes_from_the_probe_and_the_round_trip() -> None:
    from onelogin_scim_setup.ops.check import Check
    from onelogin_scim_setup.ops.verify import evidence_of
    from onelogin_scim_setup.plan.manual import Evidence

    probe = soe_checks(FakeScim(), verify_tls=True)
    assert evidence_of(probe) == Evidence(token_accepted=True, round_trip=None)
    refused = soe_checks(FakeScim(ours=ProbeResult(401, False, "401")), verify_tls=True)
    assert evidence_of(refused).token_accepted is False
    arrived = Check("e2e: SOE shows a@x as Moderator", "pass", "userType arrived")
    assert evidence_of([*probe, arrived]).round_trip == "Moderator"
    lost = Check("e2e: SOE shows a@x as Moderator", "fail", "did not arrive")
    assert evidence_of([*probe, lost]).round_trip == ""


def test_each_manual_state_is_a_check_status() -> None:
    from onelogin_scim_setup.ops.verify import manual_checks
    from onelogin_scim_setup.plan.changes import StepState

    steps = [
        Change(Action.MANUAL, Kind.SOE, "SCIM settings", state=StepState.PENDING, note="fix"),
        Change(Action.MANUAL, Kind.ONELOGIN_UI, "SCIM connection", state=StepState.DONE),
        Change(Action.MANUAL, Kind.ONELOGIN_UI, "deprovision action", state=StepState.UNCHECKED),
    ]
    assert [(c.name, c.status) for c in manual_checks(steps)] == [
        ("manual step: soe 'SCIM settings'", "fail"),
        ("manual step: onelogin_ui 'SCIM connection'", "pass"),
        ("manual step: onelogin_ui 'deprovision action'", "skip"),
    ]
    assert manual_checks(steps)[0].hint == "fix"
