"""Observe both sides and report each check with a fix hint. Nothing here writes, except the opt-in end-to-end round trip (ops.roundtrip), which changes one test user's userType and puts it back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import Snapshot
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.ops import LOCK_TIMEOUT, SOE_POLL_INTERVAL, SOE_WAIT
from onelogin_scim_setup.ops.check import Check, Status, passed
from onelogin_scim_setup.ops.journal import ROUND_TRIP, journal, unfinished_round_trip
from onelogin_scim_setup.ops.lock import locked
from onelogin_scim_setup.ops.plan import compute_plan, connect, manual_steps
from onelogin_scim_setup.ops.prepare import Prepared, reread_token
from onelogin_scim_setup.ops.push_evidence import push_evidence_check
from onelogin_scim_setup.ops.roundtrip import UNFINISHED_CHECK, RoundTrip
from onelogin_scim_setup.plan.changes import Action, Change, Kind, Plan, StepState
from onelogin_scim_setup.plan.manual import Evidence
from onelogin_scim_setup.secrets.token import generate_token
from onelogin_scim_setup.soe.client import ProbeResult, ScimClient, open_scim


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
ROUND_TRIP_CHECK = "e2e: SOE shows "  # then "<email> as <userType>" (ops.roundtrip)
MANUAL_STATUS: dict[StepState, Status] = {
    StepState.DONE: "pass",
    StepState.PENDING: "fail",
    StepState.UNCHECKED: "skip",
}


def evidence_of(checks: list[Check]) -> Evidence:
    """What the checks so far prove for the manual steps (plan.manual.with_states)."""
    by_name = {c.name: c for c in checks}
    probe = by_name.get(PROBE_CHECK)
    trips = [c for c in checks if c.name.startswith(ROUND_TRIP_CHECK) and " as " in c.name]
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
        checks.append(Check(PROBE_CHECK, "fail", probe.detail, probe_fix(probe)))
    wrong = scim.probe_with_token(generate_token())
    if wrong.ok:
        # docs/soe-scim.md §1.1: the tool requires 401/403 for a deliberately wrong token, so an
        # endpoint that takes any token fails verify: a pass would hide a stale token too.
        checks.append(
            Check(
                "SOE: a wrong token is refused",
                "fail",
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


def probe_fix(probe: ProbeResult) -> str:
    """The fix for a failed probe of SOE with our token, after its observed cause."""
    status = probe.status
    if status is None:
        return (
            "SOE did not answer (down, unreachable, or too slow): check soe.site / "
            "soe.scim_base_url, the network and SOE's status page, then run verify again; the "
            "token was not tested."
        )
    if status in (401, 403):
        return (
            "In SOE: Admin Settings > SCIM must be On with exactly this token (compare "
            "fingerprints with `token show`); an unfinished `token rotate` is settled with "
            "`--resume` or `--rollback`."
        )
    if status == 404:
        return "Check soe.site / soe.scim_base_url, and that SCIM is On in SOE's Admin Settings."
    if status == 429:
        return "SOE is rate limiting: wait a minute and run verify again; the token was not tested."
    if status >= 500:
        return (
            f"SOE answered {status} (a server error): try again later or contact Stack Overflow "
            "support; the token was not tested."
        )
    return "Check soe.site / soe.scim_base_url and SOE's SCIM settings."


def onelogin_token_check(prepared: Prepared, snapshot: Snapshot) -> Check:
    """Does OneLogin hold the token SOE accepts? A stale copy makes every push a 401, which no
    other check without a test user sees. Readable only where the app's configuration key is set
    and OneLogin shows the value (not asterisks)."""
    name = "OneLogin: holds the SCIM token SOE accepts"
    key = prepared.config.app.configuration_keys.bearer_token
    ours = prepared.token_fingerprint
    app = snapshot.tenant.app
    held = dict(app.configuration).get(key) if key and app is not None else None
    if not key or held is None or not str(held).startswith("sha256:"):
        why = (
            "app.configuration_keys.bearer_token is not set"
            if not key
            else "OneLogin shows the value only as asterisks (write-only)"
        )
        return Check(
            name,
            "skip",
            f"not checked: {why}; pushes may fail with 401 unseen",
            "`verify --e2e --test-user EMAIL` proves the push path.",
        )
    if held == ours:
        return Check(name, "pass", f"OneLogin holds {ours}, the token from token.source")
    return Check(
        name,
        "fail",
        f"OneLogin holds {held}, your token source holds {ours}: OneLogin's pushes to SOE "
        "use a token that is not ours (401 if SOE holds ours)",
        "`apply` writes the token from your token source into OneLogin (settle an unfinished "
        "`token rotate` first with `--resume` or `--rollback`); then `verify --e2e`.",
    )


def verify_tenant(
    prepared: Prepared,
    environ: Mapping[str, str],
    *,
    test_user: str | None = None,
    timeout: float = SOE_WAIT,
    interval: float = SOE_POLL_INTERVAL,
    on_check: Callable[[Check], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    lock_dir: Path | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    on_lock_wait: Callable[[str], None] | None = None,
) -> list[Check]:
    """The `verify` command: connect to OneLogin and to SOE's SCIM endpoint and make every check,
    in order; the round trip to `test_user` runs only when all else passed.

    With `lock_dir`, the round trip's journal (ops.journal) lives there: an unfinished round trip
    from an earlier run is restored first by `--e2e`, and named (a failed check) by a plain verify;
    and `--e2e` (which writes a test user) holds the apply lock (ops.lock) for the whole run, so no
    apply writes in between.

    `on_check` is called with each check as it completes, so a slow check does not hide the others.
    """
    config = prepared.config
    book = (
        journal(
            lock_dir, api_url=config.onelogin.api_url, app_name=config.app.name, kind=ROUND_TRIP
        )
        if lock_dir is not None
        else None
    )
    checks: list[Check] = []

    def add(*found: Check) -> None:
        for check in found:
            checks.append(check)
            if on_check:
                on_check(check)

    with ExitStack() as held:
        if lock_dir is not None and test_user:
            held.enter_context(
                locked(prepared, lock_dir, timeout=lock_timeout, on_wait=on_lock_wait)
            )
        if test_user:  # under the lock: the token a rotation that held it may have replaced
            prepared = reread_token(prepared, environ)
        token = prepared.require_token()
        client = held.enter_context(connect(prepared, environ))
        scim = held.enter_context(open_scim(config.soe, token))

        def round_trip(snapshot: Snapshot) -> RoundTrip:
            return RoundTrip(
                client,
                scim,
                config.fields.user_type.shortname,
                timeout=timeout,
                interval=interval,
                app_id=snapshot.ids.app_id,
                app_role_ids=tuple(snapshot.ids.app_role_ids),
                on_wait=on_wait,
                journal=book,
            )

        add(credential_check(client, config.app.connector))
        pending = book.read() if book is not None else None
        computed = None
        if checks[-1].status == "pass":
            computed = compute_plan(prepared, client)
            if test_user and pending is not None:
                # The test user an earlier round trip left changed is put back first, whatever
                # else fails (it would show as a pending change itself), then the tenant is read
                # again.
                add(*round_trip(computed.snapshot).restore_unfinished())
                pending = book.read() if book is not None else None
                computed = compute_plan(prepared, client)
            add(*onelogin_checks(computed.plan))
            add(onelogin_token_check(prepared, computed.snapshot))
        add(*soe_checks(scim, verify_tls=config.soe.verify_tls))
        probe = next((c for c in checks if c.name == PROBE_CHECK), None)
        if not test_user and computed is not None and probe is not None and probe.status == "pass":
            ids = computed.snapshot.ids
            app_id = ids.app_id
            mapped = (ids.app_parameters.get("scimusername") or {}).get("user_attribute_mappings")
            source = "username" if mapped == "username" else "email"
            if app_id is not None:
                # Without a test user, the changes OneLogin made lately are the only sign of its
                # pushes: a stale token OneLogin shows only masked is seen here (ops.push_evidence).
                add(
                    push_evidence_check(
                        client, scim, config, app_id=app_id, user_name_source=source
                    )
                )
        if pending is not None and not test_user:
            add(
                Check(
                    UNFINISHED_CHECK,
                    "fail",
                    unfinished_round_trip(pending),
                    "Run `verify --e2e --test-user "
                    f"{pending.get('email')}` to restore it (or set it back by hand, then delete "
                    f"{book.path if book else 'the journal'}).",
                )
            )
        if test_user:
            if passed(checks) and computed is not None and pending is None:
                add(*round_trip(computed.snapshot).run(test_user))
            else:
                add(Check("e2e round trip", "skip", "skipped: fix the failures above first"))
        planned = computed.plan.api_changes if computed is not None else None
        # The plan's own provisioning step (a tenant that did not keep the API's write) is checked
        # above with the other provisioning facts; these are the config's fixed steps.
        add(*manual_checks(manual_steps(prepared, planned=planned, evidence=evidence_of(checks))))
    return checks
