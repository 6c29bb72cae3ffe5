"""Observe both sides and report each check with a fix hint. Nothing here writes, except the opt-in end-to-end round trip (ops.roundtrip), which changes one test user's userType and puts it back."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops.check import Check, Status, passed
from onelogin_scim_setup.ops.plan import compute_plan, connect, manual_steps
from onelogin_scim_setup.ops.prepare import Prepared
from onelogin_scim_setup.ops.roundtrip import RoundTrip
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan, StepState
from onelogin_scim_setup.plan.manual import Evidence
from onelogin_scim_setup.secrets.token import generate_token
from onelogin_scim_setup.soe.client import ScimClient, open_scim


def onelogin_checks(plan: Plan) -> list[Check]:
    """What the read-back of OneLogin says, kind by kind (the plan is the comparison)."""
    by_kind = {
        Kind.CUSTOM_FIELD: ("custom user fields exist", "run apply"),
        Kind.APP: ("the app exists on the right connector", "run apply"),
        Kind.PARAMETER: ("app parameters match", "run apply; check the parameters tab"),
        Kind.PROVISIONING: (
            "provisioning is enabled",
            "run apply, or tick Enable provisioning in the UI",
        ),
        Kind.ROLE: ("roles give the app", "run apply"),
        Kind.MAPPING: ("user mappings match", "run apply, then reapply mappings in the UI"),
        Kind.USER: ("per-user values match", "run apply"),
    }
    checks = []
    for kind, (name, hint) in by_kind.items():
        # A provisioning switch left to the UI is a manual step, and still a failed check; unmanaged
        # drift is shown by plan, not failed here: the config does not ask for it.
        pending = [
            c
            for c in plan.changes
            if c.kind is kind
            and c.action is not Action.UNMANAGED
            and (c.action is not Action.MANUAL or kind is Kind.PROVISIONING)
        ]
        if pending:
            detail = "; ".join(
                f"{c.action.value} {c.key!r}" + (f": {c.note}" if c.note else "") for c in pending
            )
            checks.append(Check(f"OneLogin: {name}", "fail", detail, hint))
        else:
            checks.append(Check(f"OneLogin: {name}", "pass", "matches the config"))
    return checks


PROBE_CHECK = "SOE: SCIM endpoint accepts our token"
ROUND_TRIP = "e2e: SOE shows "  # then "<email> as <userType>" (ops.roundtrip)
MANUAL_STATUS: dict[StepState, Status] = {
    StepState.DONE: "pass",
    StepState.PENDING: "fail",
    StepState.UNCHECKED: "skip",
}


def evidence_of(checks: list[Check]) -> Evidence:
    """What the checks so far prove for the manual steps (plan.manual.with_states)."""
    by_name = {c.name: c for c in checks}
    probe = by_name.get(PROBE_CHECK)
    trips = [c for c in checks if c.name.startswith(ROUND_TRIP) and " as " in c.name]
    arrived = None
    if trips:
        arrived = trips[0].name.rsplit(" as ", 1)[1] if trips[0].status == "pass" else ""
    return Evidence(
        token_accepted=None if probe is None else probe.status == "pass", round_trip=arrived
    )


def manual_checks(steps: list[Change]) -> list[Check]:
    """Each manual step's state as a check: done (verified) passes, pending fails, a step that
    cannot be checked is skipped, with the reason."""
    return [
        Check(
            f"manual step: {step.kind.value} {step.key!r}",
            MANUAL_STATUS[step.state or StepState.UNCHECKED],
            f"{(step.state or StepState.UNCHECKED).label}: {step.state_reason}",
            step.note,
        )
        for step in steps
    ]


def credential_check(client: OneLoginClient, connector: str) -> Check:
    name = "OneLogin: API credentials work and have the Manage All scope"
    try:
        # Listing connectors needs Manage All (docs/onelogin-api.md Op 2), so it proves the scope too.
        client.list_connectors(connector)
    except OneLoginError as error:
        return Check(name, "fail", str(error.message), error.hint or "check the API credential")
    return Check(name, "pass", "token issued; connectors readable")


def soe_checks(scim: ScimClient, *, verify_tls: bool) -> list[Check]:
    checks = []
    probe = scim.probe()
    if probe.ok:
        checks.append(
            Check(
                PROBE_CHECK,
                "pass",
                f"GET /Users?count=1 answered {probe.status}",
            )
        )
    else:
        checks.append(
            Check(
                PROBE_CHECK,
                "fail",
                probe.detail,
                "In SOE: Admin Settings > SCIM must be On with exactly this token (compare "
                "fingerprints with `token show`); check soe.site / soe.scim_base_url.",
            )
        )
    wrong = scim.probe_with_token(generate_token())
    if wrong.ok:
        checks.append(
            Check(
                "SOE: a wrong token is refused",
                "warn",
                "the endpoint answered 200 to a random token: it is not enforcing authentication",
                "Check SOE's SCIM settings; report this to Stack Overflow support.",
            )
        )
    elif wrong.status in (401, 403):
        checks.append(Check("SOE: a wrong token is refused", "pass", f"answered {wrong.status}"))
    else:
        # A 404 or no answer says nothing about authentication (SCIM may simply be off).
        checks.append(
            Check("SOE: a wrong token is refused", "skip", f"inconclusive: {wrong.detail}")
        )
    if not verify_tls:
        checks.append(
            Check(
                "SOE: TLS certificate verified",
                "warn",
                "soe.verify_tls is false",
                "Turn it on outside a lab.",
            )
        )
    return checks


def run_checks(
    prepared: Prepared,
    client: OneLoginClient,
    scim: ScimClient,
    *,
    test_user: str | None = None,
    timeout: float = 120.0,
    interval: float = 3.0,
    on_check: Callable[[Check], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> list[Check]:
    """Every check `verify` makes, in order; the round trip runs only when all else passed.

    `on_check` is called with each check as it completes, so a slow check does not hide the others.
    """
    config = prepared.config
    checks: list[Check] = []

    def add(*found: Check) -> None:
        for check in found:
            checks.append(check)
            if on_check:
                on_check(check)

    add(credential_check(client, config.app.connector))
    computed = None
    if checks[-1].status == "pass":
        computed = compute_plan(prepared, client)
        add(*onelogin_checks(computed.plan))
    add(*soe_checks(scim, verify_tls=config.soe.verify_tls))
    if test_user:
        if passed(checks) and computed is not None:
            ids = computed.snapshot.ids
            trip = RoundTrip(
                client,
                scim,
                config.fields.user_type.shortname,
                timeout=timeout,
                interval=interval,
                app_id=ids.app_id,
                app_role_ids=tuple(ids.app_role_ids),
                on_wait=on_wait,
            )
            add(*trip.run(test_user))
        else:
            add(Check("e2e round trip", "skip", "skipped: fix the failures above first"))
    planned = computed.plan.api_changes if computed is not None else None
    # The plan's own provisioning step (a tenant that did not keep the API's write) is checked
    # above with the other provisioning facts; these are the config's fixed steps.
    add(*manual_checks(manual_steps(prepared, planned=planned, evidence=evidence_of(checks))))
    return checks


def verify_tenant(
    prepared: Prepared,
    environ: Mapping[str, str],
    *,
    test_user: str | None = None,
    timeout: float = 120.0,
    interval: float = 3.0,
    on_check: Callable[[Check], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> list[Check]:
    """The `verify` command: connect to OneLogin and to SOE's SCIM endpoint, then `run_checks`."""
    token = prepared.require_token()
    with connect(prepared, environ) as client, open_scim(prepared.config.soe, token) as scim:
        return run_checks(
            prepared,
            client,
            scim,
            test_user=test_user,
            timeout=timeout,
            interval=interval,
            on_check=on_check,
            on_wait=on_wait,
        )
