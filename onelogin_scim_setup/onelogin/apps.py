"""The app on the wire: finding it by name and connector, reading it into the tool's vocabulary, and
describing it for `discover`.

One app is ours: the one of `app.name` on `app.connector`. Several of that name on the connector
(two applies on two machines) are a conflict for `plan` and an error for the commands that need one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import Ids
from onelogin_scim_setup.model.tenant import UNREADABLE, App, Parameter, Tenant
from onelogin_scim_setup.onelogin.answers import Fields, each
from onelogin_scim_setup.onelogin.client import APPS, CONNECTORS, OneLoginClient
from onelogin_scim_setup.secrets.redact import is_masked
from onelogin_scim_setup.secrets.token import fingerprint

SECRET_WORDS = ("token", "secret", "password", "bearer", "key", "credential")


def find_app(
    client: OneLoginClient, name: str, connector: str
) -> tuple[int, dict[str, Any] | None, list[dict[str, Any]]]:
    """(connector id, our app's summary or None, every app with that name on any connector).

    For commands that need the one app (discover, token rotate): several apps of that name on the
    connector are an error here; `plan` shows them as a conflict instead (see `read_app`).
    """
    connector_id, ours, named = apps_named(client, name, connector)
    if len(ours) > 1:
        listed = ", ".join(str(a["id"]) for a in ours)
        raise OneLoginError(
            f"{len(ours)} apps are named {name!r} on connector {connector!r} (ids {listed}); "
            "the tool cannot tell which one it manages",
            hint="Rename or delete the extra apps in OneLogin, or set app.name to a unique name.",
        )
    return connector_id, (ours[0] if ours else None), named


def apps_named(
    client: OneLoginClient, name: str, connector: str
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """(connector id, the apps of that name on that connector by ascending id, those on any)."""
    listed_connectors = client.list_connectors(connector)
    for item in each(listed_connectors, "GET", CONNECTORS):
        item.id()
        item.text("name")
    connectors = [c for c in listed_connectors if c.get("name") == connector]
    if not connectors:
        raise OneLoginError(
            f"no OneLogin connector is named exactly {connector!r}",
            hint="Set app.connector to a connector name from the OneLogin app catalogue "
            "(Apps > Add Apps); names match exactly, including case.",
        )
    connector_id = int(connectors[0]["id"])
    listed_apps = client.list_apps(name=name)
    for item in each(listed_apps, "GET", APPS):
        item.id()
        item.text("name")
        item.maybe_id("connector_id")
    named = [a for a in listed_apps if a.get("name") == name]
    ours = sorted((a for a in named if _connector_of(a) == connector_id), key=_wire_id)
    return connector_id, ours, named


def _wire_id(item: dict[str, Any]) -> int:
    return int(item["id"])


def _connector_of(app: dict[str, Any]) -> int | None:
    # Checked an id (a number, or its digits in a string) when listed: compared as a number.
    raw = app.get("connector_id")
    return None if raw is None else int(raw)


def check_app(raw: dict[str, Any], path: str, managed: Iterable[str] = ()) -> None:
    """Every field of `GET /api/2/apps/{id}` the tool reads: `id`, `role_ids`, `configuration`
    (plain values), `provisioning.enabled`, and each `managed` parameter's
    `user_attribute_mappings` and `include_in_saml_assertion` (a parameter the config does not
    manage is only looked up by name)."""
    app = Fields(raw, "GET", path)
    app.id()
    app.ids("role_ids")
    app.plain_object("configuration")
    provisioning = app.object("provisioning")
    if provisioning is not None:
        provisioning.flag("enabled")
    parameters = app.object("parameters")
    for name in managed:
        parameter = parameters.object(name) if parameters is not None else None
        if parameter is not None:
            parameter.text("user_attribute_mappings")
            parameter.flag("include_in_saml_assertion")


def _same_json(left: str, right: str) -> bool:
    try:
        return bool(json.loads(left) == json.loads(right))
    except ValueError:
        return False


def secret_reading(value: Any) -> str:
    """How a secret configuration value reads back: "clear" (comparable by fingerprint),
    "masked" (`********`, bullets, `****1234`, empty) or "omitted" (docs/uncertain-facts.md row 11)."""
    if value is None:
        return "omitted"
    return "masked" if value == "" or is_masked(value) else "clear"


def read_app(
    client: OneLoginClient,
    desired: Tenant,
    ids: Ids,
    sensitive_keys: frozenset[str],
    found: tuple[int, list[dict[str, Any]], list[dict[str, Any]]] | None,
) -> tuple[App | None, bool | None, dict[str, Parameter]]:
    """(the app, its provisioning state, its managed parameters) as the tool sees them, from what
    `apps_named` found; fills the app's ids. Another app of that name, or duplicates of ours, come
    back as an `App` the diff turns into a conflict."""
    if desired.app is None or found is None:
        return None, None, {}
    ids.connector_id, ours, named = found
    if not ours:
        if named:
            other = App(desired.app.name, f"connector id {named[0].get('connector_id')}")
            return other, None, {}
        return None, None, {}
    if len(ours) > 1:
        # Two applies on two machines both created it. Which one the SCIM connection, roles and
        # users hang on is for a person to decide: plan shows a conflict, apply refuses.
        duplicates = tuple(_wire_id(a) for a in ours)
        return App(desired.app.name, desired.app.connector, duplicate_ids=duplicates), None, {}
    raw = client.get_app(int(ours[0]["id"]))
    check_app(raw, f"{APPS}/{ours[0]['id']}", desired.parameters)
    ids.app_id = int(raw["id"])
    ids.app_role_ids = [int(r) for r in raw.get("role_ids") or []]
    configuration = raw.get("configuration") or {}
    managed = []
    for key, wanted in desired.app.configuration:
        value = configuration.get(key)
        if key in sensitive_keys:
            # Masked in any form, or left out: it cannot be compared (UNREADABLE).
            unreadable = secret_reading(value) != "clear"
            value = UNREADABLE if unreadable else fingerprint(str(value))
        elif value is not None and _same_json(str(value), wanted):
            # A template pasted with other whitespace is the same template.
            value = wanted
        managed.append((key, "" if value is None else str(value)))
    app = App(desired.app.name, desired.app.connector, tuple(managed))
    provisioning = bool((raw.get("provisioning") or {}).get("enabled"))
    ids.app_parameters = parameter_states(raw)
    parameters = {
        name: Parameter(
            name,
            str((raw_parameter or {}).get("user_attribute_mappings") or ""),
            # A flag the config does not manage is read as not managed, so it never differs.
            None
            if desired.parameters[name].include_in_saml_assertion is None
            else bool((raw_parameter or {}).get("include_in_saml_assertion")),
        )
        for name, raw_parameter in (raw.get("parameters") or {}).items()
        if name in desired.parameters
    }
    return app, provisioning, parameters


def parameter_states(raw_app: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The app's parameters as they are now (apply decides create vs update from these)."""
    return {
        str(name): dict(value)
        for name, value in (raw_app.get("parameters") or {}).items()
        if isinstance(value, dict)
    }


def describe_app(raw: dict[str, Any], known_secrets: list[str]) -> dict[str, Any]:
    """The app's configuration keys, parameters and provisioning state, for `discover`. Values whose
    key looks secret, or that equal a known secret, appear only as fingerprints."""

    def masked(key: str, value: Any) -> Any:
        text = "" if value is None else str(value)
        looks_secret = any(word in key.lower() for word in SECRET_WORDS)
        if text and looks_secret and is_masked(text):
            # Shown masked by OneLogin: nothing to compare (docs/uncertain-facts.md row 11).
            return "(masked by OneLogin: cannot be compared)"
        if text and (looks_secret or text in known_secrets):
            return f"(sensitive) {fingerprint(text)}"
        return value

    configuration = raw.get("configuration") or {}
    return {
        "app": {key: raw.get(key) for key in ("id", "name", "connector_id")},
        "provisioning": raw.get("provisioning") or {},
        "configuration": {key: masked(key, value) for key, value in configuration.items()},
        "parameters": {
            name: {key: masked(key, value) for key, value in (parameter or {}).items()}
            for name, parameter in (raw.get("parameters") or {}).items()
        },
    }
