"""The app's changes (configuration keys, parameters, provisioning) as one write, and the checks
that OneLogin kept what it was sent. A write whose answer was lost is read back (ops.writes.lost):
the app by name and connector after a create, the app itself after a PUT, and only what the app
does not show yet is sent again (a parameter's label, accepted once, never twice)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from onelogin_scim_setup.errors import OneLoginError, SetupError
from onelogin_scim_setup.onelogin.apps import parameter_states
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.lost import create_lost, read_back
from onelogin_scim_setup.plan.changes import Action, Change, FieldChange, Kind
from onelogin_scim_setup.secrets.redact import is_masked


def write_app(ctx: WriteContext, step: list[Change]) -> list[Change]:
    """Configuration, parameters and provisioning in one write (PUT merges, §4.3); a new app
    is created with configuration and provisioning, then gets its parameters in one PUT.

    Returns the manual steps left for a person: what OneLogin accepted but did not keep."""
    configuration: dict[str, str] = {}
    secret: set[str] = set()
    for change in step:
        for item in change.fields if change.kind is Kind.APP else ():
            if item.name.startswith("configuration."):
                key = item.name.removeprefix("configuration.")
                configuration[key] = ctx.wire.configuration[key]
                if item.sensitive:
                    secret.add(key)
    provisioning = any(change.kind is Kind.PROVISIONING for change in step)
    body: dict[str, Any] = {}
    if configuration:
        body["configuration"] = configuration
    if provisioning:
        body["provisioning"] = {"enabled": bool(ctx.desired.provisioning)}
    answer: dict[str, Any] = {}
    if any(c.kind is Kind.APP and c.action is Action.CREATE for c in step):
        answer = _create_app(ctx, body, step)
        body = {}
    parameters = _parameters(ctx, [c for c in step if c.kind is Kind.PARAMETER])
    if parameters:
        body["parameters"] = parameters
    if body:
        answer, parameters = _update(ctx, step, body, parameters)
        for name, sent in parameters.items():
            ctx.ids.app_parameters[name] = {**ctx.ids.app_parameters.get(name, {}), **sent}
    if configuration or provisioning:
        if not _shows_app(answer, configuration, provisioning):
            answer = ctx.client.get_app(ctx.app_id())
        _check_configuration(answer, configuration, secret)
    return _provisioning_not_kept(ctx, answer) if provisioning else []


def _update(
    ctx: WriteContext,
    step: list[Change],
    body: dict[str, Any],
    parameters: dict[str, dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The app PUT, and after a lost answer the app read back: what it shows already is not sent
    again; what it does not show is sent once more (configuration and provisioning are idempotent;
    a label goes only to a parameter the app still lacks). A second lost answer is read back too.
    Returns the app as answered (or read) and the parameters sent."""
    for attempt in (1, 2):
        try:
            return ctx.client.update_app(ctx.app_id(), body, once=_labelled(parameters)), parameters
        except OneLoginError as error:
            app = read_back(
                error,
                lambda: ctx.client.get_app(ctx.app_id()),
                "the app's configuration, parameters and provisioning (OneLogin: Applications > "
                f"{ctx.desired.app.name if ctx.desired.app else 'the app'})",
            )
        ctx.ids.app_parameters = parameter_states(app)
        parameters = _parameters(ctx, [c for c in step if c.kind is Kind.PARAMETER])
        body = _still_to_send(app, body, parameters)
        if not body:
            for change in step:
                if not (change.kind is Kind.APP and change.action is Action.CREATE):
                    ctx.lost_and_read_back(change)  # the create had its answer, or says so
            return app, parameters
        if attempt == 2:
            raise OneLoginError(
                f"the app PUT's answer was lost twice, and the app read back does not show "
                f"{', '.join(sorted(body))} yet: not done",
                method="PUT",
                path=f"/api/2/apps/{ctx.app_id()}",
                hint="Run apply again: it reads the app first and sends only what is missing.",
            )
    raise AssertionError("unreachable")  # the loop returns or raises on its last round


def _still_to_send(
    app: dict[str, Any], body: dict[str, Any], parameters: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What the app read back does not show of `body`: configuration keys whose value differs (a
    masked or absent secret cannot be compared, so it is sent again: the same value, idempotent),
    provisioning when it differs, the parameters still to send."""
    left: dict[str, Any] = {}
    shown = app.get("configuration") or {}
    configuration = {
        key: value
        for key, value in (body.get("configuration") or {}).items()
        if shown.get(key) != value
    }
    if configuration:
        left["configuration"] = configuration
    wanted = body.get("provisioning")
    if wanted is not None and bool((app.get("provisioning") or {}).get("enabled")) is not bool(
        wanted.get("enabled")
    ):
        left["provisioning"] = wanted
    if parameters:
        left["parameters"] = parameters
    return left


def _shows_app(answer: dict[str, Any], configuration: dict[str, str], provisioning: bool) -> bool:
    """Whether a write's answer is the app itself, so no read-back is needed."""
    return (not configuration or "configuration" in answer) and (
        not provisioning or "provisioning" in answer
    )


def _create_app(ctx: WriteContext, body: dict[str, Any], step: list[Change]) -> dict[str, Any]:
    if ctx.desired.app is None:  # a plan has app changes only when an app is desired
        raise SetupError("internal: an app change in a plan that desires no app")
    name, connector_id = ctx.desired.app.name, ctx.ids.connector_id
    looked: list[bool] = []

    def find() -> dict[str, Any] | None:
        # A lost answer: the app is looked for by name and connector before anything is resent.
        found = next(
            (
                a
                for a in ctx.client.list_apps(name=name)
                if a.get("name") == name and a.get("connector_id") == connector_id
            ),
            None,
        )
        looked.append(found is not None)
        return found

    try:
        created = ctx.client.create_app({"connector_id": connector_id, "name": name, **body}, find)
    except OneLoginError as error:
        created = read_back(
            error,
            find,
            f"whether the app {name!r} exists (OneLogin: Applications)",
            lost=create_lost(error),
        )
        looked.append(True)
    if looked and looked[-1]:
        # Found by the look, which lists summaries: the app itself, with the connector's own
        # parameters, decides what the parameters PUT must send (a label only to a new one).
        created = ctx.client.get_app(int(created["id"]))
        for change in step:
            if change.kind is Kind.APP and change.action is Action.CREATE:
                ctx.lost_and_read_back(change)
    ctx.ids.app_id = int(created["id"])
    ctx.ids.app_role_ids = [int(r) for r in created.get("role_ids") or []]
    # The connector's own parameters come with the new app (docs/onelogin-api.md Op 3).
    ctx.ids.app_parameters = parameter_states(created)
    return created


def _check_configuration(
    app: dict[str, Any], sent: dict[str, str], secret: Collection[str] = ()
) -> None:
    """OneLogin drops `configuration` keys a connector does not know: the app must show them."""
    kept = app.get("configuration") or {}
    # A value shown masked is write-only: it cannot be compared, so it is trusted; so is a secret
    # the app leaves out of its answer (docs/uncertain-facts.md row 11).
    lost = [
        key
        for key, value in sent.items()
        if kept.get(key) != value
        and not is_masked(kept.get(key))
        and not (key in secret and kept.get(key) is None)
    ]
    if lost:
        raise OneLoginError(
            f"OneLogin answered the write but did not keep the configuration key(s) {', '.join(lost)}",
            hint="Check app.configuration_keys against `discover`; unset them to make these "
            "manual steps again.",
        )


def _labelled(parameters: dict[str, dict[str, Any]]) -> bool:
    """A parameter is created by this PUT: its `label` is accepted once (Op 3)."""
    return any("label" in body for body in parameters.values())


def _parameters(ctx: WriteContext, changes: list[Change]) -> dict[str, dict[str, Any]]:
    """The `parameters` object for the changes: per parameter only what differs from the app
    as read (or as just created)."""
    found: dict[str, dict[str, Any]] = {}
    for change in changes:
        wanted = ctx.desired.parameters[change.key]
        flag = wanted.include_in_saml_assertion
        # Existence is decided by the app as read now: a plan made before the app existed calls
        # the connector's own parameters "create", but the new app already has them.
        existing = ctx.ids.app_parameters.get(wanted.name)
        body: dict[str, Any] = {}
        if existing is None:
            # `label` can only be set when the parameter is created (docs/onelogin-api.md Op 3).
            body["label"] = wanted.name
        if (
            existing is None
            or existing.get("user_attribute_mappings") != wanted.user_attribute_mappings
        ):
            body["user_attribute_mappings"] = wanted.user_attribute_mappings
        # Only a managed flag is sent, and only when it differs: a tenant may refuse any change
        # to a connector-defined parameter's flag (docs/onelogin-api.md Op 3).
        if flag is not None and (
            existing is None or bool(existing.get("include_in_saml_assertion")) is not flag
        ):
            body["include_in_saml_assertion"] = flag
        if body:
            found[wanted.name] = body
    return found


def _provisioning_not_kept(ctx: WriteContext, app: dict[str, Any]) -> list[Change]:
    # The API has been seen to accept provisioning.enabled and not keep it
    # (terraform-provider-onelogin#85): the app as answered (or read back) must show it.
    wanted = bool(ctx.desired.provisioning)
    kept = bool((app.get("provisioning") or {}).get("enabled"))
    if kept is wanted:
        return []
    return [
        Change(
            Action.MANUAL,
            Kind.ONELOGIN_UI,
            "enable provisioning",
            (FieldChange("Provisioning > Enable provisioning", kept, wanted),),
            note="OneLogin accepted provisioning.enabled through the API but did not keep "
            "it; tick it in the app's Provisioning tab (with app.provisioning_via_api: auto "
            "later plans show it as this manual step, not as an API change)",
            verify_by="plan shows no provisioning change",
        )
    ]
