"""`plan`: read OneLogin and compute the plan. Writes nothing; `apply`, `verify` and the demo start here.

    prepared = prepare(config_path, environ)          # offline: config, template, token (ops.prepare)
    with locked(prepared, lock_dir, timeout=...), connect(prepared, environ) as client:   # ops.lock
        computed = compute_plan(prepared, client)     # read OneLogin, diff, add the manual steps
        result = apply_plan(computed, client)         # write, in dependency order (ops.apply)

A `ComputedPlan` carries everything apply needs (the desired state, the snapshot the plan was
computed from with its wire ids, and the wire values the plan holds only as fingerprints), so apply
takes the plan and nothing else. See ARCHITECTURE.md, "The life of a plan".
"""

from __future__ import annotations

from collections.abc import Mapping

from onelogin_scim_setup.config.credentials import onelogin_credentials
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.model.snapshot import Snapshot
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import read
from onelogin_scim_setup.ops.prepare import Prepared
from onelogin_scim_setup.ops.read_state import ReadRequest, read_current
from onelogin_scim_setup.plan import desired as desired_state
from onelogin_scim_setup.plan import manual
from onelogin_scim_setup.plan.changes import Change, Plan
from onelogin_scim_setup.plan.computed import ComputedPlan, WireValues
from onelogin_scim_setup.plan.diff import diff, note_lookalikes
from onelogin_scim_setup.plan.revocation import annotate, promoted_types, reconcile
from onelogin_scim_setup.plan.target import Target, targeted
from onelogin_scim_setup.secrets.redact import Redactor


def connect(prepared: Prepared, environ: Mapping[str, str]) -> OneLoginClient:
    """A OneLogin API client for the config's tenant; credentials are read here, once."""
    return client_for(prepared.config, environ, prepared.redactor)


def client_for(
    config: Config, environ: Mapping[str, str], redactor: Redactor | None = None
) -> OneLoginClient:
    """A OneLogin API client for `config.onelogin` (`import` has no config file yet)."""
    credentials = onelogin_credentials(config, environ)
    return OneLoginClient(
        config.onelogin.api_url,
        credentials.client_id,
        credentials.client_secret.get_secret_value(),
        timeout=(min(10.0, config.onelogin.timeout), config.onelogin.timeout),
        max_retries=config.onelogin.max_retries,
        backoff_factor=config.onelogin.backoff,
        concurrency=config.onelogin.concurrency,
        redactor=redactor,
    )


def sensitive_keys(config: Config) -> frozenset[str]:
    """App `configuration` keys whose values are secrets (held as fingerprints in the plan)."""
    key = config.app.configuration_keys.bearer_token
    return frozenset({key} if key else set())


def compute_plan(
    prepared: Prepared,
    client: OneLoginClient,
    *,
    target: Target | None = None,
    reading: ReadRequest | None = None,
) -> ComputedPlan:
    """Read OneLogin, diff it against the config, and add the manual steps. Writes nothing.

    `target` (`--target`): only that resource and what it depends on, without the config's fixed
    manual steps (plan.target); the read is the same. `reading`: read the users incrementally
    from a snapshot and save one (ops.read_state); None reads everything and saves nothing."""
    config = prepared.config
    wanted = desired_state.build(
        config, template=prepared.template, token_fingerprint=prepared.token_fingerprint
    )
    holders_of = (
        (config.fields.user_type.shortname, promoted_types(config))
        if config.fields.user_type.enabled
        else None
    )

    def read_rest(desired: Tenant) -> Snapshot:
        return read(
            client,
            desired,
            mapping_prefix=desired_state.mapping_prefix(config),
            sensitive_keys=sensitive_keys(config),
            adopt_mappings=desired_state.adopted_names(config),
            holders_of=holders_of,
        )

    report = None
    if reading is None:
        snapshot = read_rest(wanted)
    else:
        snapshot, report = read_current(
            client, wanted, reading, user_type=holders_of, read_rest=read_rest
        )
    # Users holding a promoted userType nothing implies any more get the implied one (demotion).
    reconciled = reconcile(config, wanted, snapshot)
    wanted = reconciled.desired
    api = diff(
        reconciled.current,
        wanted,
        create_roles=config.app.create_missing_roles,
        sensitive=sensitive_keys(config),
        provisioning_via_api=config.app.provisioning_via_api,
        exclusive_roles=config.app.exclusive_roles,
    )
    api = note_lookalikes(annotate(api, reconciled, snapshot, wanted), snapshot.ids.lookalikes)
    plan = Plan(api.changes + tuple(manual_steps(prepared, planned=api.changes)))
    if target is not None:
        plan = targeted(api, wanted, target)
    return ComputedPlan(
        plan,
        wanted,
        snapshot,
        WireValues(wire_configuration(prepared)),
        action_wait=config.onelogin.action_wait,
        safety=config.safety,
        target=target,
        user_type_attribute=desired_state.user_attribute(config, "user_type")
        if config.fields.user_type.enabled
        else None,
        read=report,
    )


def manual_steps(
    prepared: Prepared,
    *,
    planned: tuple[Change, ...] | None = None,
    evidence: manual.Evidence | None = None,
) -> list[Change]:
    """The manual steps with their states: `planned` are the plan's API changes (None: OneLogin
    was not read), `evidence` what verify proved (plan.manual.with_states)."""
    return manual.steps(
        prepared.config,
        template=prepared.template,
        token_fingerprint=prepared.token_fingerprint,
        planned=planned,
        evidence=evidence,
    )


def manual_plan(prepared: Prepared) -> Plan:
    """The manual steps alone, without reading OneLogin (for `runbook --offline`)."""
    return Plan(tuple(manual_steps(prepared)))


def wire_configuration(prepared: Prepared) -> dict[str, str]:
    """The raw values for the app `configuration` keys the config manages (token in clear)."""
    keys = prepared.config.app.configuration_keys
    values = {}
    if keys.base_url:
        values[keys.base_url] = prepared.config.soe.scim_url
    if keys.bearer_token and prepared.token:
        values[keys.bearer_token] = prepared.token
    if keys.json_template:
        values[keys.json_template] = prepared.template
    return values
