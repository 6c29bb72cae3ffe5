"""The demo: the whole job against the built-in sandbox, no tenant and no network beyond loopback.

It runs the same core steps the commands run (prepare, plan, apply, verify, audit); only the admin's
clicks in the two UIs, and the drift the audit then finds, are played through the sandbox's own control
endpoints, which real products do not have.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from onelogin_scim_setup.audit.findings import Category, Finding
from onelogin_scim_setup.errors import ApplyError, SetupError, ShortnameChanged, UsageError
from onelogin_scim_setup.files import write_file
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.vocabulary import wait_for_actions
from onelogin_scim_setup.ops.apply import apply_plan
from onelogin_scim_setup.ops.audit import run_audit
from onelogin_scim_setup.ops.check import passed
from onelogin_scim_setup.ops.plan import compute_plan, connect
from onelogin_scim_setup.ops.prepare import Prepared, prepare
from onelogin_scim_setup.ops.verify import verify_tenant
from onelogin_scim_setup.render.audit import render_audited
from onelogin_scim_setup.render.checks import render_checks
from onelogin_scim_setup.render.console import Out
from onelogin_scim_setup.render.plan import render_applied, render_plan
from onelogin_scim_setup.secrets.sources import deliver_to_file
from onelogin_scim_setup.secrets.token import generate_token
from onelogin_scim_setup.soe.client import ScimClient, open_scim
from onelogin_scim_setup.soe.users import user_type_of

DEMO_CLIENT_ID = "sandbox-client-id"
DEMO_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 (the sandbox's published demo credential)
DEMO_USERS = ("alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com")
# The drift step 8 seeds, and the audit category each one must be found under.
SEEDED_DRIFT = {
    "carol@example.com": Category.SHOULD_BE_INACTIVE,
    "otto.orphan@example.com": Category.ORPHAN,
    "alice@example.com": Category.MAPPING_NOT_APPLIED,
    "erin@example.com": Category.NOT_SIGNED_IN,
}


def demo_config(onelogin_url: str, soe_scim_url: str, token_file: Path) -> dict[str, Any]:
    """A config for the sandbox's seeded tenant (see onelogin_scim_setup.sandbox)."""
    return {
        "version": 1,
        "onelogin": {"base_url": onelogin_url, "timeout": 10, "max_retries": 3},
        "soe": {
            "scim_base_url": soe_scim_url,
            "allow_moderator_promotion": True,
            "allow_admin_promotion": True,
        },
        "token": {"source": "file", "file": str(token_file)},
        "app": {"roles": ["Engineering", "SOE Moderators", "SOE Admins"]},
        "fields": {"department": {"enabled": True}, "title": {"enabled": True}},
        "promotions": {
            "roles": [
                {"role": "SOE Moderators", "user_type": "Moderator"},
                {"role": "SOE Admins", "user_type": "Admin"},
            ],
            "users": [{"email": "dave@example.com", "department": "Platform", "title": "SRE"}],
        },
    }


def write_demo_files(folder: Path, onelogin_url: str, soe_scim_url: str) -> Path:
    """Write a fresh token (mode 0600) and the config; return the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    token_file = folder / "soe-scim-token"
    existing = [p for p in (token_file, folder / "onelogin-scim-setup.yaml") if p.exists()]
    if existing:
        raise UsageError(
            f"{existing[0]} already exists; the demo writes only into a new or empty folder",
            hint="Pass another --dir, or leave it out to use a temporary folder.",
        )
    deliver_to_file(token_file, generate_token())
    config_path = folder / "onelogin-scim-setup.yaml"
    data = demo_config(onelogin_url, soe_scim_url, token_file)
    write_file(config_path, yaml.safe_dump(data, sort_keys=False))
    return config_path


def rename_user_type(config_path: Path, shortname: str) -> None:
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    data.setdefault("fields", {}).setdefault("user_type", {})["shortname"] = shortname
    write_file(config_path, yaml.safe_dump(data, sort_keys=False))


def use_scenario_token(config_path: Path, token: str) -> None:
    """Point a ready config at a seeded scenario's SOE (its published SCIM token), for `audit`.
    The scenario's tenant has no per-user values, so the demo's would read as drift."""
    data = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    deliver_to_file(Path(data["token"]["file"]), token)
    data["promotions"]["users"] = []
    write_file(config_path, yaml.safe_dump(data, sort_keys=False))


@dataclass(frozen=True)
class Admin:
    """Plays the admin clicking in the OneLogin and SOE UIs, through the sandbox's control endpoints."""

    onelogin_url: str
    soe_url: str

    def _send(self, method: str, url: str, body: Any = None) -> Any:
        response = requests.request(method, url, json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def configure_soe(self, token: str, *, moderator: bool, admin: bool) -> None:
        settings = {
            "scim_enabled": True,
            "bearer_token": token,
            "allow_moderator_promotion": moderator,
            "allow_admin_promotion": admin,
        }
        self._send("PUT", f"{self.soe_url}/_sandbox/settings", settings)

    def configure_onelogin(self, app_id: int, base_url: str, token: str, template: str) -> None:
        connection = {
            "base_url": base_url,
            "bearer_token": token,
            "json_template": template,
            "deprovision_action": "suspend",
            "api_connection_enabled": True,
            # The manual step when the tenant did not keep provisioning.enabled from the API.
            "provisioning_enabled": True,
        }
        self._send("PUT", f"{self.onelogin_url}/_sandbox/apps/{app_id}/scim", connection)

    def reapply_mappings(self) -> None:
        self._send("POST", f"{self.onelogin_url}/_sandbox/mappings/reapply")

    def seed_drift(self, app_id: int) -> None:
        """Weeks later: OneLogin's copy of the SCIM token goes stale, so its pushes fail (401), and
        then a leaver, a role change, a new joiner and a sign-in outside OneLogin happen."""
        state = self._send("GET", f"{self.onelogin_url}/_sandbox/state")
        users = {u["email"]: int(u["id"]) for u in state["users"]}
        roles = {r["name"]: int(r["id"]) for r in state["roles"]}
        stale = {"bearer_token": "revoked-" + "0" * 40}
        self._send("PUT", f"{self.onelogin_url}/_sandbox/apps/{app_id}/scim", stale)
        self._set_status(users["carol@example.com"], 2)  # suspended: left the company
        moderators = [roles[name] for name in ("Default", "Engineering", "SOE Moderators")]
        self._set_roles(users["alice@example.com"], moderators)  # no "Reapply mappings" after
        self._set_roles(users["erin@example.com"], [roles["Default"], roles["Engineering"]])
        orphan = {
            "userName": "otto.orphan@example.com",
            "name": {"givenName": "Otto", "familyName": "Orphan"},
            "emails": [{"value": "otto.orphan@example.com", "primary": True}],
        }
        self._send("POST", f"{self.soe_url}/_sandbox/users", orphan)

    def _set_status(self, user_id: int, status: int) -> None:
        self._send(
            "PUT", f"{self.onelogin_url}/_sandbox/users/{user_id}/status", {"status": status}
        )

    def _set_roles(self, user_id: int, role_ids: list[int]) -> None:
        body = {"role_ids": role_ids}
        self._send("PUT", f"{self.onelogin_url}/_sandbox/users/{user_id}/roles", body)


def run(out: Out, folder: Path, onelogin_url: str, soe_url: str, soe_scim_url: str) -> bool:
    """The whole job, narrated. True when verify passed and a promoted user shows up in SOE."""
    config_path = write_demo_files(folder, onelogin_url, soe_scim_url)
    environ = {"ONELOGIN_CLIENT_ID": DEMO_CLIENT_ID, "ONELOGIN_CLIENT_SECRET": DEMO_CLIENT_SECRET}
    prepared = prepare(
        config_path, environ, token_required=True, redactor=out.redactor, on_warning=out.warn
    )
    out.text(f"== 1. Config written to {config_path} (token file is mode 0600)", style="bold")
    with connect(prepared, environ) as client:
        out.text("== 2. plan (dry run) against the OneLogin sandbox", style="bold")
        computed = compute_plan(prepared, client)
        render_plan(out, computed.plan, manual=False)
        out.text("== 3. apply", style="bold")
        try:
            render_applied(out, computed.plan, apply_plan(computed, client))
        except ApplyError as error:
            if not isinstance(error.cause, ShortnameChanged):
                raise
            # A tenant that lower-cases shortnames: do what the error says, as the admin would.
            out.text(str(error))
            out.text(f"== 3b. The admin sets the shortname to {error.cause.stored!r}; apply again")
            rename_user_type(config_path, error.cause.stored)
            prepared = prepare(
                config_path,
                environ,
                token_required=True,
                redactor=out.redactor,
                on_warning=out.warn,
            )
            # The field is new: its mapping action may take a while to be listed (Op 5).
            name = prepared.config.fields.user_type.name
            shortname = error.cause.stored
            wait = prepared.config.onelogin.action_wait
            wait_for_actions(client, [shortname], {shortname: name}, wait=wait)
            computed = compute_plan(prepared, client)
            render_applied(out, computed.plan, apply_plan(computed, client))
        token, config = prepared.require_token(), prepared.config
        out.text("== 4. plan again: nothing left to do through the API", style="bold")
        again = compute_plan(prepared, client)
        out.text(f"{len(again.plan.api_changes)} API change(s) pending.")
        out.text("== 5. The admin does the manual steps (played through the sandbox)", style="bold")
        app_id = again.snapshot.ids.app_id
        if app_id is None:
            raise SetupError("the demo's apply did not create the app")
        admin = Admin(onelogin_url, soe_url)
        admin.configure_soe(
            token,
            moderator=config.soe.allow_moderator_promotion,
            admin=config.soe.allow_admin_promotion,
        )
        admin.configure_onelogin(app_id, config.soe.scim_url, token, prepared.template)
        admin.reapply_mappings()
        out.text(
            "SOE: SCIM on, token entered, promotion boxes set; OneLogin: connection enabled, "
            "Suspend chosen, mappings reapplied."
        )
        out.text("== 6. verify", style="bold")
        checks = verify_tenant(
            prepared, environ, test_user="alice@example.com", timeout=10, interval=0.2
        )
        render_checks(out, checks)
        with open_scim(config.soe, token) as scim:
            out.text("== 7. Users in SOE", style="bold")
            for email in DEMO_USERS:
                user = scim.find_user(email)
                shown = (
                    f"userType {user_type_of(user)}, department {user.get('department')!r}"
                    if user
                    else "not provisioned"
                )
                out.text(f"  {email}: {shown}")
            bob = scim.find_user("bob@example.com")
            found = _audit_seeded_drift(out, admin, app_id, prepared, client, scim)
    ok = passed(checks) and bob is not None and user_type_of(bob) == "Moderator"
    ok = ok and found
    out.text(
        "Demo complete: bob@example.com (role SOE Moderators) is a Moderator in SOE, and audit "
        "found the drift seeded in step 8."
        if ok
        else "Demo finished with failures; see above.",
        style="bold green" if ok else "bold red",
    )
    return ok


def _audit_seeded_drift(
    out: Out,
    admin: Admin,
    app_id: int,
    prepared: Prepared,
    client: OneLoginClient,
    scim: ScimClient,
) -> bool:
    """Steps 8 and 9: seed drift on purpose, then audit; True when each seeded user is found
    under its category."""
    out.text(
        "== 8. Weeks later: drift, seeded on purpose (played through the sandbox)", style="bold"
    )
    admin.seed_drift(app_id)
    out.text(
        "OneLogin's SCIM Bearer Token went stale (its pushes now fail); carol@ left (suspended); "
        "alice@ joined SOE Moderators (mappings not reapplied); erin@ joined Engineering; "
        "otto.orphan@ signed in to SOE outside OneLogin."
    )
    out.text("== 9. audit: OneLogin's intent against SOE's reality", style="bold")

    outcome = run_audit(
        prepared.config,
        client,
        scim,
        categories=(),
        on_audited=lambda audited: render_audited(out, audited, "text"),
    )
    out.text(
        "These findings were seeded on purpose in step 8. On a real tenant: fix OneLogin's SCIM "
        "Bearer Token (`token rotate`), click Reapply mappings, and `audit --fix` deactivates the "
        "leaver and the orphan in SOE."
    )
    return _found_as_seeded(outcome.audited.findings)


def _found_as_seeded(findings: list[Finding]) -> bool:
    found = {(f.user.casefold(), f.category) for f in findings}
    return all((email, category) in found for email, category in SEEDED_DRIFT.items())
