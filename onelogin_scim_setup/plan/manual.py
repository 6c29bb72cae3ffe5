"""The steps no API can do, as `manual` changes with the exact values to enter. Pure: no I/O.

SOE has no API for its SCIM settings, and OneLogin documents none for the SCIM connection fields, the
"Enable" button, the deprovision action, the admin-approval boxes or the parameter's "Include in
User Provisioning" flag
(docs/onelogin-api.md Op 3 and §3; docs/soe-scim.md §2). The token appears only as a fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind, StepState

TOKEN_MISSING = "(no token yet: run `onelogin-scim-setup token generate`)"  # noqa: S105

SOE_SETTINGS = "SCIM settings"
CONNECTION = "SCIM connection"
DEPROVISION = "deprovision action"
APPROVAL = "admin approval"
PARAMETER_FLAGS = "parameter flags"
REAPPLY = "reapply mappings"


@dataclass(frozen=True)
class Evidence:
    """What `verify` proved beyond the data plan reads (None: not checked in this run)."""

    # SOE's SCIM endpoint answered 200 to our token (False: refused it).
    token_accepted: bool | None = None
    # The userType the `--e2e` round trip saw arrive in SOE ("" : it did not arrive).
    round_trip: str | None = None


def steps(
    config: Config,
    *,
    template: str,
    token_fingerprint: str | None,
    planned: Sequence[Change] | None = None,
    evidence: Evidence | None = None,
) -> list[Change]:
    """The manual steps, each with its state (`with_states`): `planned` are the plan's API changes
    (None: OneLogin was not read, as `runbook --offline`), `evidence` what verify proved."""
    found = _steps(config, template=template, token_fingerprint=token_fingerprint)
    return with_states(found, config, planned=planned, evidence=evidence or Evidence())


def with_states(
    found: Sequence[Change],
    config: Config,
    *,
    planned: Sequence[Change] | None,
    evidence: Evidence,
) -> list[Change]:
    """Each step with what can be proven of it: from the plan's own read (no call of its own) and,
    in `verify`, from the SOE probe and the `--e2e` round trip. docs/plan-output.md has the table."""
    stated = []
    for step in found:
        known = _state_of(step, config, planned, evidence)
        stated.append(
            step if known is None else replace(step, state=known[0], state_reason=known[1])
        )
    return stated


def _state_of(
    step: Change, config: Config, planned: Sequence[Change] | None, evidence: Evidence
) -> tuple[StepState, str] | None:
    def state(value: StepState, reason: str) -> tuple[StepState, str]:
        return value, reason

    arrived = evidence.round_trip
    e2e = "`verify --e2e` proves it" if arrived is None else "the --e2e round trip failed"
    # What the plan creates cannot have been set by hand yet: those steps are surely pending.
    created = [c for c in planned or () if c.action is Action.CREATE]
    new_app = any(c.kind is Kind.APP for c in created)
    new_parameters = [c.key for c in created if c.kind is Kind.PARAMETER]
    if new_app and step.key in (CONNECTION, DEPROVISION):
        return state(
            StepState.PENDING,
            "this plan creates the app: nobody can have set this on it yet",
        )
    if new_parameters and step.key == PARAMETER_FLAGS:
        return state(
            StepState.PENDING,
            f"this plan creates the parameter(s) {', '.join(new_parameters)}: nobody can have "
            "ticked the flag on them yet",
        )
    if step.key == SOE_SETTINGS:
        if evidence.token_accepted is None:
            return state(StepState.UNCHECKED, "plan does not contact SOE; `verify` checks it")
        if not evidence.token_accepted:
            return state(StepState.PENDING, "SOE's SCIM endpoint refused the token")
        if arrived == "Moderator" and not config.soe.allow_admin_promotion:
            return state(
                StepState.DONE, "SOE accepts the token and promoted the --e2e user to Moderator"
            )
        return state(
            StepState.UNCHECKED,
            "SOE accepts the token (verified); the promotion boxes are not readable"
            + (
                ""
                if config.soe.allow_admin_promotion
                else " (`verify --e2e` proves the moderator box)"
            ),
        )
    if step.key == CONNECTION:
        if arrived:
            return state(StepState.DONE, "the --e2e round trip reached SOE")
        return state(StepState.UNCHECKED, f"no API reads it; {e2e}")
    if step.key == PARAMETER_FLAGS:
        only_user_type = [f.name for f in step.fields] == [
            f"{config.fields.user_type.shortname}: Include in User Provisioning"
        ]
        if arrived and only_user_type:
            return state(StepState.DONE, "the --e2e round trip carried userType to SOE")
        if arrived:
            return state(
                StepState.UNCHECKED,
                "no API reads it; the --e2e round trip proved the userType flag only",
            )
        return state(StepState.UNCHECKED, f"no API reads it; {e2e} for userType")
    if step.key == REAPPLY:
        if planned is None:
            return state(StepState.UNCHECKED, "OneLogin was not read")
        changed = sum(
            c.kind is Kind.MAPPING and c.action in (Action.CREATE, Action.UPDATE) for c in planned
        )
        if changed:
            return state(
                StepState.PENDING,
                f"this plan writes {changed} mapping(s): reapply them after apply",
            )
        return state(
            StepState.UNCHECKED,
            "no mapping change is planned; no API tells whether they were reapplied since the "
            "last one",
        )
    if step.key in (DEPROVISION, APPROVAL):
        return state(StepState.UNCHECKED, "no API reads it")
    return None


def _steps(config: Config, *, template: str, token_fingerprint: str | None) -> list[Change]:
    token = token_fingerprint or TOKEN_MISSING
    scim_url = config.soe.scim_url
    found = [
        Change(
            Action.MANUAL,
            Kind.SOE,
            SOE_SETTINGS,
            (
                FieldChange("SCIM", None, "On"),
                FieldChange("SCIM authorization bearer token", None, token, sensitive=True),
                FieldChange(
                    "Allow Moderator Promotion via a userType property",
                    None,
                    _box(config.soe.allow_moderator_promotion),
                ),
                FieldChange(
                    "Allow Admin Promotion via a userType property",
                    None,
                    _box(config.soe.allow_admin_promotion),
                ),
            ),
            note=f"In SOE: Admin Settings > ACCESS MANAGEMENT > SCIM, then Save settings. "
            f"{_token_hint(config)}",
            verify_by=f"verify: GET {scim_url}/Users?count=1 with the token answers 200 and a wrong "
            "token is refused; the promotion boxes are proven only by verify --e2e",
        )
    ]
    keys = config.app.configuration_keys
    connection = [
        FieldChange(label, None, value, sensitive)
        for label, value, sensitive, via_api in (
            ("Enable API Integration", "checked", False, False),
            ("SCIM Base Url", scim_url, False, bool(keys.base_url)),
            ("SCIM Bearer Token", token, True, bool(keys.bearer_token)),
            ("SCIM JSON Template", template, False, bool(keys.json_template)),
            ("API Connection", "click Enable (expect 'Enabled'), then Save", False, False),
        )
        if not via_api
    ]
    found.append(
        Change(
            Action.MANUAL,
            Kind.ONELOGIN_UI,
            CONNECTION,
            tuple(connection),
            note=f"In OneLogin: Apps > {config.app.name} > Configuration. `onelogin-scim-setup render` "
            "prints the template; `token show --reveal` prints the token.",
            verify_by="verify --e2e: a userType change made in OneLogin shows up in SOE",
        )
    )
    action = config.app.deprovision_action.title()  # the UI's label of app.deprovision_action
    found.append(
        Change(
            Action.MANUAL,
            Kind.ONELOGIN_UI,
            DEPROVISION,
            (
                FieldChange(
                    "When users are deleted in OneLogin, or the user's app access is removed",
                    None,
                    action,
                ),
                FieldChange("When user accounts are suspended in OneLogin", None, action),
            ),
            note=f"In OneLogin: Apps > {config.app.name} > Provisioning, then Save. SOE cannot delete "
            "users through SCIM by default, so Suspend (active=false) is the action to use.",
            verify_by="not readable through any API; suspend a test user and check SOE shows them inactive",
        )
    )
    found.append(
        Change(
            Action.MANUAL,
            Kind.ONELOGIN_UI,
            APPROVAL,
            tuple(
                FieldChange(f"Workflow: {box} user (require admin approval)", None, "unchecked")
                for box in ("Create", "Update", "Delete")
            ),
            note=f"In OneLogin: Apps > {config.app.name} > Provisioning, then Save. With a box "
            "ticked, every such push (a new user, a promotion or demotion, a deactivation) waits "
            "in OneLogin's queue until an admin approves it.",
            verify_by="cannot be checked: no API shows these boxes (docs/onelogin-api.md §3); a "
            "change that never reaches SOE (audit, verify --e2e) while the connection works points "
            "at a ticked box",
        )
    )
    parameters = list(_parameter_names(config))
    if parameters:
        found.append(
            Change(
                Action.MANUAL,
                Kind.ONELOGIN_UI,
                PARAMETER_FLAGS,
                tuple(
                    FieldChange(f"{name}: Include in User Provisioning", None, "checked")
                    for name in parameters
                ),
                note=f"In OneLogin: Apps > {config.app.name} > Parameters, open each parameter; "
                "OneLogin documents no API field for this flag.",
                verify_by="verify --e2e",
            )
        )
    if config.promotions.roles:
        found.append(
            Change(
                Action.MANUAL,
                Kind.ONELOGIN_UI,
                REAPPLY,
                (FieldChange("Users > Mappings", None, "Reapply All Mappings"),),
                note="After any mapping change (apply creates or updates them): OneLogin does not "
                "apply mappings changed through the API to existing users until each user is "
                "updated or the mappings are reapplied.",
                verify_by="verify --e2e, or a promoted user's userType in SOE",
            )
        )
    return found


def _box(checked: bool) -> str:
    return "checked" if checked else "unchecked"


def _token_hint(config: Config) -> str:
    if config.token.delivery == "command":
        return "`token deliver` hands the token to your delivery command; paste it from there."
    if config.token.delivery == "file":
        return f"`token deliver` writes the token to {config.token.delivery_file} (mode 0600)."
    return "`token show --reveal` prints the token for pasting."


def _parameter_names(config: Config) -> list[str]:
    names = [config.fields.user_type.shortname] if config.fields.user_type.enabled else []
    return names + [a for a in ("department", "title") if getattr(config.fields, a).enabled]
