"""`import`: a starter config from a setup made by hand in the tenant, so a team adopts the tool
without a diff storm.

Read (one listing per kind): the app by name on the connector, its provisioning state, parameters and
roles, the custom fields, and the user mappings that have exactly the tool's shape (one `has_role`
condition, one action setting the userType field). Hand-made mappings keep their names: the config
names each one (`promotions.roles[].mapping`), so the tool owns that exact mapping from then on and
`plan` shows no change for it. Nothing is written to OneLogin; no secret is read or written.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.config.problems import error_message
from onelogin_scim_setup.errors import OneLoginError, SetupError, UsageError
from onelogin_scim_setup.model.tenant import MappingShape
from onelogin_scim_setup.onelogin.answers import each
from onelogin_scim_setup.onelogin.apps import check_app, find_app
from onelogin_scim_setup.onelogin.client import APPS, CUSTOM_ATTRIBUTES, OneLoginClient
from onelogin_scim_setup.onelogin.mappings import check_mappings, check_roles, mapping_from_wire
from onelogin_scim_setup.onelogin.vocabulary import discover_vocabulary
from onelogin_scim_setup.ops.plan import client_for
from onelogin_scim_setup.secrets.redact import Redactor

USER_TYPES = ("Registered", "Moderator", "Admin")


@dataclass(frozen=True)
class ProfileSource:
    source: str  # builtin or custom
    shortname: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Promotion:
    role: str
    user_type: str
    mapping: str
    # The action value the mapping uses (written as fields.user_type.mapping_action when the tool
    # would not find it by itself).
    action: str = ""


@dataclass
class Adopted:
    """What the hand-made setup has, in the config's terms, plus notes on what was left out."""

    app_name: str
    connector: str
    provisioning: bool
    user_type: tuple[str, str] | None  # (shortname, name) of the custom field
    department: ProfileSource | None
    title: ProfileSource | None
    roles: list[str]
    promotions: list[Promotion]
    notes: list[str] = field(default_factory=list)
    # Every userType some mapping sets, adopted or not: its promotion box is never written false.
    seen_types: set[str] = field(default_factory=set)
    # The userType field's action when no rule finds it (read from the hand-made mappings).
    mapping_action: str | None = None


def read_setup(client: OneLoginClient, app_name: str, connector: str) -> Adopted:
    _, summary, named = find_app(client, app_name, connector)
    if summary is None:
        elsewhere = (
            f" (apps with that name exist on other connectors: {len(named)})" if named else ""
        )
        raise OneLoginError(
            f"no app named {app_name!r} on connector {connector!r}{elsewhere}; nothing to import",
            hint="Pass --app with the app's exact display name (and --connector), or start from "
            "scratch with `init`.",
        )
    raw = client.get_app(int(summary["id"]))
    # Every field read below is checked where it enters: a malformed one is an error naming it.
    check_app(raw, f"{APPS}/{summary['id']}", [str(n) for n in raw.get("parameters") or {}])
    fields_ = {
        f.name("shortname"): f.text("name") or f.name("shortname")
        for f in each(client.list_custom_attributes(), "GET", CUSTOM_ATTRIBUTES)
    }
    parameters: dict[str, dict[str, Any]] = dict(raw.get("parameters") or {})
    notes: list[str] = []
    user_type = _user_type_field(parameters, fields_, notes)
    department = _profile("department", parameters, fields_, notes)
    title = _profile("title", parameters, fields_, notes)
    listed_roles = client.list_roles()
    check_roles(listed_roles)
    role_names = {int(r["id"]): str(r["name"]) for r in listed_roles}
    app_roles = [role_names[r] for r in raw.get("role_ids") or [] if r in role_names]
    seen_types: set[str] = set()
    inferred: list[str] = []
    promotions = _promotions(client, user_type, fields_, role_names, notes, seen_types, inferred)
    mapping_action = inferred[0] if inferred and promotions else None
    return Adopted(
        app_name=app_name,
        connector=connector,
        provisioning=bool((raw.get("provisioning") or {}).get("enabled")),
        user_type=user_type,
        department=department,
        title=title,
        roles=sorted(app_roles),
        promotions=promotions,
        notes=notes,
        seen_types=seen_types,
        mapping_action=mapping_action,
    )


def _in_assertion(parameter: dict[str, Any]) -> bool:
    return bool(parameter.get("include_in_saml_assertion"))


def _user_type_field(
    parameters: dict[str, dict[str, Any]], fields_: dict[str, str], notes: list[str]
) -> tuple[str, str] | None:
    """The parameter named after a custom field and fed by it; `userType` (any case) first."""
    candidates = [
        name
        for name, parameter in parameters.items()
        if name in fields_
        and parameter.get("user_attribute_mappings") == f"custom_attribute_{name}"
    ]
    candidates.sort(key=lambda name: name.lower() != "usertype")
    if not candidates:
        notes.append(
            "no app parameter is fed by a custom user field of the same name, so no userType field "
            "was recognised; fields.user_type is disabled"
        )
        return None
    shortname = candidates[0]
    if not _in_assertion(parameters[shortname]):
        notes.append(
            f"the parameter {shortname!r} is not included in the SAML assertion; plan will turn "
            "that on"
        )
    return shortname, fields_[shortname]


def _profile(
    attribute: str, parameters: dict[str, dict[str, Any]], fields_: dict[str, str], notes: list[str]
) -> ProfileSource | None:
    parameter = parameters.get(attribute)
    if parameter is None or not _in_assertion(parameter):
        return None
    source = str(parameter.get("user_attribute_mappings") or "")
    if source == attribute:
        return ProfileSource("builtin")
    shortname = source.removeprefix("custom_attribute_")
    if source.startswith("custom_attribute_") and shortname in fields_:
        return ProfileSource("custom", shortname, fields_[shortname])
    notes.append(f"the {attribute} parameter is fed by {source!r}, which the tool cannot express")
    return None


def _promotions(
    client: OneLoginClient,
    user_type: tuple[str, str] | None,
    fields_: dict[str, str],
    role_names: dict[int, str],
    notes: list[str],
    seen_types: set[str],
    inferred: list[str],
) -> list[Promotion]:
    """The hand-made mappings the tool can own, each one explained: adopted (and as what), or why
    not. `seen_types` gets every userType some mapping sets, adopted or not, so the promotion box
    for it is never written false (issue 20)."""
    if user_type is None:
        return []
    shortname = user_type[0]
    mappings = client.list_mappings()
    check_mappings(mappings)
    if not mappings:
        return []
    vocabulary = discover_vocabulary(client, sorted(fields_), fields_)
    listed = dict(vocabulary.listed)
    match = vocabulary.matches.get(shortname)
    action = vocabulary.actions.get(shortname)
    for raw in mappings:
        for item in raw.get("actions") or []:
            seen_types.update(str(v) for v in item.get("value") or [] if str(v) in USER_TYPES)
    if action is None:
        # No rule tells which action sets the field: a mapping whose action is one of the
        # candidates (or, with none, any listed custom action) and sets a userType shows it.
        allowed = {v for v, _ in match.candidates} if match and match.candidates else set(listed)
        used = {
            str(item.get("action"))
            for raw in mappings
            for item in raw.get("actions") or []
            if str(item.get("action")) in allowed
            and item.get("value")
            and all(str(v) in USER_TYPES for v in item.get("value") or [])
        }
        if len(used) == 1:
            (action,) = used
            inferred.append(action)
            notes.append(
                f"the mapping action for {shortname!r} was read from the hand-made mappings: "
                f"{listed.get(action, '')!r} ({action}); fields.user_type.mapping_action names it"
            )
        else:
            why = match.problem if match is not None else "no mapping action fits the field"
            notes.append(f"no hand-made mapping was adopted: {why}")
            return []
    field_of = {action: shortname}
    found: dict[str, Promotion] = {}
    for raw in mappings:
        name = str(raw.get("name", ""))
        mapping = mapping_from_wire(raw, vocabulary.role_operator, role_names, field_of)
        if mapping.shape is not MappingShape.ROLE_TO_FIELD or mapping.field != shortname:
            reason = _why_not_ours(raw, vocabulary.role_operator, action, listed)
            if reason:
                notes.append(f"mapping {name!r} was not imported: {reason}")
            continue
        if mapping.value not in USER_TYPES or not mapping.enabled or mapping.role in found:
            reason = (
                "it is disabled"
                if not mapping.enabled
                else f"{mapping.role!r} already has one"
                if mapping.role in found
                else f"{mapping.value!r} is not a SOE userType"
            )
            notes.append(f"mapping {mapping.name!r} was not imported: {reason}")
            continue
        notes.append(
            f"mapping {mapping.name!r} was adopted: role {mapping.role!r} gets {mapping.value}"
        )
        found[mapping.role] = Promotion(mapping.role, mapping.value, mapping.name, action)
    return list(found.values())


def _why_not_ours(raw: dict[str, Any], operator: str, action: str, listed: dict[str, str]) -> str:
    """Why a mapping is not the tool's shape; "" for one that does not set the userType field at
    all (those are none of the tool's business and not worth a note)."""
    actions = raw.get("actions") or []
    if not any(str(item.get("action")) == action for item in actions):
        return ""
    conditions = raw.get("conditions") or []
    if len(actions) != 1:
        return f"it has {len(actions)} actions (the tool's mappings have one)"
    if len(conditions) != 1:
        return f"it has {len(conditions)} conditions (the tool's mappings have one has_role)"
    condition = conditions[0]
    if condition.get("source") != "has_role":
        return f"its condition is {condition.get('source')!r}, not has_role"
    if condition.get("operator") != operator:
        return f"its has_role operator is {condition.get('operator')!r}, not {operator!r}"
    return f"its action {listed.get(action, action)!r} does not set one value"


def _q(value: str) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML."""
    return json.dumps(value)


def starter_config(
    adopted: Adopted,
    *,
    onelogin: tuple[str, str],
    soe: tuple[str, str],
) -> str:
    """The config text, commented. `onelogin` and `soe` are (key, value), e.g. ("subdomain", "acme")."""
    shortname = adopted.user_type[0] if adopted.user_type else "userType"
    # A box is never written false while any mapping (adopted or not) promotes to that type.
    promoted = {p.user_type for p in adopted.promotions} | adopted.seen_types
    lines = [
        "# onelogin-scim-setup configuration, written by `onelogin-scim-setup import` from the setup",
        "# found in OneLogin. `plan` right after shows no change for what was imported.",
        "# Secrets never go in this file: credentials and the SCIM token come from the environment.",
        "# `init` writes a config with every key documented.",
        *(f"# Note: {note}." for note in adopted.notes),
        "version: 1",
        "",
        "onelogin:",
        f"  {onelogin[0]}: {_q(onelogin[1])}",
        "  client_id_env: ONELOGIN_CLIENT_ID",
        "  client_secret_env: ONELOGIN_CLIENT_SECRET",
        "",
        "soe:",
        f"  {soe[0]}: {_q(soe[1])}",
        "  # SOE has no API, so these two boxes could not be read: they are set to what the mappings",
        "  # found promote to (adopted or not). Check them on SOE's Admin Settings > SCIM page.",
        f"  allow_moderator_promotion: {str('Moderator' in promoted).lower()}",
        f"  allow_admin_promotion: {str('Admin' in promoted).lower()}",
        "",
        "token:",
        "  # The SCIM bearer token is not read from OneLogin (it is write-only there).",
        "  source: env",
        "  env: SOE_SCIM_TOKEN",
        "",
        "app:",
        f"  name: {_q(adopted.app_name)}",
        f"  connector: {_q(adopted.connector)}",
        f"  provisioning: {str(adopted.provisioning).lower()}",
        "  # Roles that have the app now.",
        "  roles:" + ("" if adopted.roles else " []"),
        *(f"    - {_q(role)}" for role in adopted.roles),
        "",
        "fields:",
        "  user_type:",
        f"    enabled: {str(adopted.user_type is not None).lower()}",
        f"    shortname: {_q(shortname)}",
        f"    name: {_q(adopted.user_type[1] if adopted.user_type else shortname)}",
        *(
            [
                "    # The mapping action the hand-made mappings use (no naming rule finds it).",
                f"    mapping_action: {_q(adopted.mapping_action)}",
            ]
            if adopted.mapping_action
            else []
        ),
    ]
    for attribute, profile in (("department", adopted.department), ("title", adopted.title)):
        lines += [f"  {attribute}:", f"    enabled: {str(profile is not None).lower()}"]
        if profile is not None:
            lines.append(f"    source: {profile.source}")
            if profile.shortname:
                lines += [
                    f"    shortname: {_q(profile.shortname)}",
                    f"    name: {_q(profile.name or '')}",
                ]
    lines += [
        "",
        "promotions:",
        "  # Each hand-made mapping keeps its name: the tool now owns that exact mapping.",
        "  roles:" + ("" if adopted.promotions else " []"),
    ]
    for promotion in adopted.promotions:
        lines += [
            f"    - role: {_q(promotion.role)}",
            f"      user_type: {promotion.user_type}",
            f"      mapping: {_q(promotion.mapping)}",
        ]
    lines.append("  users: []")
    return "\n".join(lines) + "\n"


def import_setup(
    onelogin: tuple[str, str],
    soe: tuple[str, str],
    environ: Mapping[str, str],
    redactor: Redactor,
    *,
    app_name: str,
    connector: str,
) -> tuple[Adopted, str]:
    """The `import` command: read a hand-made setup (`ops.adopt`) as a starter config's text.

    `onelogin` and `soe` are where they are, as (key, value) of their config sections, e.g.
    ("subdomain", "acme"); they are checked by the config's own schema (https only, host names),
    and a bad one is a `UsageError`. The text is checked the same way before it is returned: the
    tool never writes a config it would refuse.
    """
    try:
        config = Config.model_validate({"onelogin": dict([onelogin]), "soe": dict([soe])})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {error_message(e)}" for e in error.errors()
        )
        raise UsageError(f"import: {problems}") from None
    with client_for(config, environ, redactor) as client:
        adopted = read_setup(client, app_name, connector)
    text = starter_config(adopted, onelogin=onelogin, soe=soe)
    _refused_by_config(text)
    return adopted, text


def _refused_by_config(text: str) -> None:
    """Nothing is written that `validate` would refuse: names read from OneLogin (an app, a role,
    a mapping, a field) may break the config's own rules. Checked by the loader itself."""
    from onelogin_scim_setup.config.load import load_collecting

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "imported.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded, problems = load_collecting(path)
        except SetupError as error:
            loaded, problems = None, [error.message]
    if problems or loaded is None:
        found = [str(problem).replace(str(path), "config") for problem in problems] or [
            "unreadable"
        ]
        raise SetupError(
            "import: the setup found in OneLogin holds values the config refuses, so nothing "
            "was written: " + "; ".join(found),
            hint="Rename what is named in OneLogin (or leave it out of the setup), then run "
            "import again; or write the config by hand (`init`).",
        )
