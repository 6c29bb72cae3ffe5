"""The steps no API can do, as `manual` changes with the exact values to enter. Pure: no I/O.

SOE has no API for its SCIM settings, and OneLogin documents none for the SCIM connection fields, the
"Enable" button, the deprovision action, the admin-approval boxes or the parameter's "Include in
User Provisioning" flag
(docs/onelogin-api.md Op 3 and §3; docs/soe-scim.md §2). The token appears only as a fingerprint.
"""

from __future__ import annotations

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.engine.plan import Action, Change, FieldChange, Kind

TOKEN_MISSING = "(no token yet: run `onelogin-scim-setup token generate`)"  # noqa: S105


def steps(config: Config, *, template: str, token_fingerprint: str | None) -> list[Change]:
    token = token_fingerprint or TOKEN_MISSING
    scim_url = config.soe.scim_url
    found = [
        Change(
            Action.MANUAL,
            Kind.SOE,
            "SCIM settings",
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
            "SCIM connection",
            tuple(connection),
            note=f"In OneLogin: Apps > {config.app.name} > Configuration. `onelogin-scim-setup render` "
            "prints the template; `token show --reveal` prints the token.",
            verify_by="verify --e2e: a userType change made in OneLogin shows up in SOE",
        )
    )
    found.append(
        Change(
            Action.MANUAL,
            Kind.ONELOGIN_UI,
            "deprovision action",
            (
                FieldChange(
                    "When users are deleted in OneLogin, or the user's app access is removed",
                    None,
                    "Suspend",
                ),
                FieldChange("When user accounts are suspended in OneLogin", None, "Suspend"),
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
            "admin approval",
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
                "parameter flags",
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
                "reapply mappings",
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
