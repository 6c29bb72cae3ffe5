"""SIGINT and SIGTERM (ops.interrupt): a catchable exception, held during critical sections, and
apply's done/not-done report at the next safe point."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from requests import PreparedRequest

from onelogin_scim_setup.errors import ApplyError, ExitCode, Interrupted
from onelogin_scim_setup.model.snapshot import Ids, Snapshot
from onelogin_scim_setup.model.tenant import CustomField, Tenant
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.interrupt import deferred, handling, hurried, nap
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan, WireValues
from tests.helpers.onelogin_stub import BASE, token

API = f"{BASE}/api/2"


@pytest.fixture(autouse=True)
def _restore_handlers() -> Iterator[None]:
    """handling() leaves signals ignored after an interruption (the CLI then exits); not pytest."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, ExitCode.INTERRUPTED), (signal.SIGTERM, ExitCode.TERMINATED)],
)
def test_signal_becomes_interrupted_with_its_exit_code(signum: int, code: ExitCode) -> None:
    with pytest.raises(Interrupted) as caught, handling():
        signal.raise_signal(signum)
    assert caught.value.exit_code == code


def test_handlers_are_restored_afterwards() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with handling():
        pass
    assert signal.getsignal(signal.SIGTERM) == before


def test_signals_stay_ignored_after_an_interruption() -> None:
    with pytest.raises(Interrupted), handling():
        signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_signal_in_a_critical_section_is_raised_when_it_ends() -> None:
    finished = []

    def section() -> None:
        with deferred():
            signal.raise_signal(signal.SIGTERM)
            finished.append("rest of the section")
        finished.append("after the section")

    with pytest.raises(Interrupted), handling():
        section()
    assert finished == ["rest of the section"]


def test_signals_after_the_first_are_ignored() -> None:
    cleaned = []
    with handling():
        try:
            signal.raise_signal(signal.SIGINT)
        except Interrupted:
            signal.raise_signal(signal.SIGINT)  # a second Ctrl-C during the clean-up
            signal.raise_signal(signal.SIGTERM)
            cleaned.append("clean-up ran to its end")
    assert cleaned == ["clean-up ran to its end"]


def test_nap_goes_on_after_one_signal_and_ends_at_a_second() -> None:
    """The restore's pause between polls: one signal must not cut the restore short, a second
    ends it at once (the journal keeps the restore for the next run)."""
    import threading
    import time

    took: list[float] = []
    with handling():
        try:
            signal.raise_signal(signal.SIGINT)
        except Interrupted:
            with deferred():
                started = time.monotonic()
                nap(0.3)  # after one signal: the whole pause
                took.append(time.monotonic() - started)
                assert not hurried()
                threading.Timer(0.2, signal.raise_signal, args=(signal.SIGTERM,)).start()
                started = time.monotonic()
                nap(30)  # the second signal ends it
                took.append(time.monotonic() - started)
                assert hurried()
    assert took[0] >= 0.3
    assert 0.2 <= took[1] < 2


def test_nap_without_handlers_is_a_sleep() -> None:
    import time

    started = time.monotonic()
    nap(0.1)
    assert time.monotonic() - started >= 0.1
    assert not hurried()


def test_critical_section_without_handlers_is_a_no_op() -> None:
    with deferred():
        pass


def fields_plan(*shortnames: str) -> ComputedPlan:
    desired = Tenant(custom_fields={s: CustomField(s, s) for s in shortnames})
    plan = Plan(tuple(Change(Action.CREATE, Kind.CUSTOM_FIELD, s) for s in shortnames))
    return ComputedPlan(plan, desired, Snapshot(Tenant(), Ids()), WireValues({}))


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, ExitCode.INTERRUPTED), (signal.SIGTERM, ExitCode.TERMINATED)],
)
def test_apply_stops_after_the_change_in_flight_and_reports(
    client: OneLoginClient, signum: int, code: ExitCode
) -> None:
    created: list[str] = []

    def create(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        created.append(str(request.body))
        if len(created) == 2:
            signal.raise_signal(signum)  # arrives while the second request is in flight
        return 201, {}, json.dumps({"id": len(created)})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        token(api)
        api.add_callback(responses.POST, f"{API}/users/custom_attributes", callback=create)
        # apply reads the new field back (its shortname's case); an empty list keeps the wanted one
        api.get(f"{API}/users/custom_attributes", json=[])
        with pytest.raises(ApplyError) as caught, handling():
            apply_plan(fields_plan("a", "b", "c"), client)
    error: Any = caught.value
    assert len(created) == 2  # the second change finished; the third never started
    assert error.done == ["create custom_field 'a'", "create custom_field 'b'"]
    assert error.not_done == ["create custom_field 'c'"]
    assert error.exit_code == code
    assert "Run apply again" in str(error)


class FakeScim:
    """SOE's SCIM side for audit --fix: a signal arrives while the first deactivation is sent."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.deactivated: list[str] = []

    def set_active(self, user_id: str, active: bool) -> dict[str, Any]:
        self.deactivated.append(user_id)
        if len(self.deactivated) == 1:
            signal.raise_signal(self.signum)
        return {"id": user_id, "active": active}


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, ExitCode.INTERRUPTED), (signal.SIGTERM, ExitCode.TERMINATED)],
)
def test_audit_fix_finishes_the_step_in_flight_then_stops(
    client: OneLoginClient, signum: int, code: ExitCode
) -> None:
    from onelogin_scim_setup.audit.findings import Category
    from onelogin_scim_setup.audit.fix import FixPlan, Outcome, Step, StepKind
    from onelogin_scim_setup.ops.audit import execute as fix

    steps = tuple(
        Step(StepKind.DEACTIVATE, f"{name}@x.io", Category.ORPHAN, soe_id=name)
        for name in ("a", "b", "c")
    )
    scim = FakeScim(signum)
    with handling():
        report = fix(FixPlan(steps, 10), client, scim, shortname="userType")  # type: ignore[arg-type]
    assert scim.deactivated == ["a"]
    assert [r.outcome for r in report.results] == [Outcome.DONE, Outcome.NOT_DONE, Outcome.NOT_DONE]
    assert report.interrupted == code
