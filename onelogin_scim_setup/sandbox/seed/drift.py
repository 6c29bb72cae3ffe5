"""The `drift` scenario: the demo tenant some time AFTER a setup, with one user per audit category.

Data only. On top of the demo tenant: the custom field userType, the app "SCIM SOE" on connector
130179 (provisioning on, a `userType` parameter, given to Engineering, SOE Moderators and SOE
Admins, its SCIM connection complete and enabled, deprovision action suspend), two enabled
mappings (SOE Admins -> userType Admin, SOE Moderators -> userType Moderator), and an SOE site
with SCIM on (token `DRIFT_SCIM_TOKEN`), both promotion switches on, holding what OneLogin pushed
back then, since drifted. docs/sandbox.md lists every user and the category it stands for.
"""

from __future__ import annotations

import json
from typing import Any

from onelogin_scim_setup.sandbox.onelogin.state import (
    SUSPENDED,
    App,
    CustomAttribute,
    Mapping,
    Tenant,
    User,
    action_value,
    make_parameter,
)
from onelogin_scim_setup.sandbox.push.placeholders import render
from onelogin_scim_setup.sandbox.seed.catalogue import SAML_CONFIGURATION, SCIM_V2_ENTERPRISE
from onelogin_scim_setup.sandbox.soe.state import MANAGED_KEYS, USER_TYPES, SoeSite, SoeUser

APP_NAME = "SCIM SOE"
DRIFT_SCIM_TOKEN = "sandbox-drift-scim-token-0123456789abcdef"  # noqa: S105 (published sandbox value)
TEMPLATE = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "{$parameters.scimusername}",
        "name": {"givenName": "{$user.firstname}", "familyName": "{$user.lastname}"},
        "displayName": "{$user.display_name}",
        "emails": [{"value": "{$user.email}", "type": "work", "primary": True}],
        "userType": "{$parameters.userType}",
        "department": "{$user.department}",
        "title": "{$user.title}",
    }
)
APP_ROLES = ("Engineering", "SOE Moderators", "SOE Admins")
# (email, first, last, title, department, roles besides Default, status, OneLogin userType)
DRIFT_USERS: list[tuple[str, str, str, str, str, tuple[str, ...], int, str | None]] = [
    ("suspended.user@example.com", "Sam", "Suspended", "Engineer", "Platform", ("Engineering",), SUSPENDED, None),
    ("unassigned.user@example.com", "Uma", "Unassigned", "Engineer", "Platform", (), 1, None),
    ("returning.user@example.com", "Rita", "Returning", "Engineer", "Platform", ("Engineering",), 1, None),
    ("type.mismatch@example.com", "Tom", "Mismatch", "Engineer", "Platform", ("Engineering", "SOE Moderators"), 1, "Moderator"),
    ("mapping.pending@example.com", "Nina", "Pending", "Engineer", "Platform", ("Engineering", "SOE Admins"), 1, None),
    ("attribute.mismatch@example.com", "Ada", "Mismatch", "Engineer", "Platform", ("Engineering",), 1, None),
    ("literal.placeholder@example.com", "Pat", "Placeholder", "Designer", "Design", ("Engineering",), 1, None),
    ("new.hire@example.com", "Ned", "Newhire", "Engineer", "Platform", ("Engineering",), 1, None),
]  # fmt: skip
ORPHAN = "orphan.user@example.com"
CLEAN_USERS = ("alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com")
USER_TYPE_VALUES = {"bob@example.com": "Moderator", "carol@example.com": "Admin"}
# How each SOE record differs from what OneLogin would push today.
SOE_DRIFT: dict[str, dict[str, Any]] = {
    "returning.user@example.com": {"active": False},
    "type.mismatch@example.com": {"user_type": "Registered"},
    "attribute.mismatch@example.com": {"department": "Sales", "title": "Intern"},
    "literal.placeholder@example.com": {"title": "{$user.title}"},
}
NOT_IN_SOE = ("new.hire@example.com",)


def load(tenant: Tenant, site: SoeSite, action_style: str) -> None:
    roles = {role.name: role for role in tenant.roles.values()}
    if not set(APP_ROLES) <= set(roles):
        raise ValueError("scenario 'drift' needs the demo tenant (seed_data=True)")
    attribute_id = tenant.new_id("custom_attribute")
    user_type = CustomAttribute(
        attribute_id,
        "userType",
        "userType",
        action=action_value(attribute_id, "userType", action_style),
    )
    tenant.custom_attributes[user_type.id] = user_type
    app = _app(tenant)
    for name in APP_ROLES:
        roles[name].app_ids.append(app.id)
    for role_name, granted in (("SOE Admins", "Admin"), ("SOE Moderators", "Moderator")):
        mapping = Mapping(
            tenant.new_id("mapping"),
            f"SOE userType {granted}",
            True,
            "all",
            [{"source": "has_role", "operator": "ri", "value": str(roles[role_name].id)}],
            [{"action": user_type.action, "value": [granted]}],
        )
        tenant.mappings[mapping.id] = mapping
        tenant.mapping_order.append(mapping.id)
    for email, kind in USER_TYPE_VALUES.items():
        _by_email(tenant, email).custom_attributes["userType"] = kind
    for email, first, last, title, department, role_names, status, value in DRIFT_USERS:
        user = User(tenant.new_id("user"), email.partition("@")[0], email, first, last)
        user.title, user.department, user.company = title, department, "Example Inc."
        user.status = status
        user.custom_attributes = {"userType": value}
        tenant.users[user.id] = user
        for name in ("Default", *role_names):
            roles[name].user_ids.append(user.id)
    site.settings.scim_enabled = True
    site.settings.bearer_token = DRIFT_SCIM_TOKEN
    site.settings.allow_moderator_promotion = site.settings.allow_admin_promotion = True
    pushed = [*CLEAN_USERS, *(row[0] for row in DRIFT_USERS)]
    for email in pushed:
        if email not in NOT_IN_SOE:
            site.add(_soe_user(site, app, _by_email(tenant, email), SOE_DRIFT.get(email, {})))
    orphan: dict[str, Any] = {
        "userName": ORPHAN,
        "name": {"givenName": "Otto", "familyName": "Orphan"},
    }
    orphan.update(displayName="Otto Orphan", emails=[{"value": ORPHAN, "primary": True}])
    site.add(SoeUser(site.new_id(), orphan))


def connect(tenant: Tenant, soe_scim_url: str) -> None:
    """Point the app's SCIM connection at the running SOE emulator (known once it listens)."""
    for app in tenant.apps.values():
        if app.name == APP_NAME and app.scim.bearer_token == DRIFT_SCIM_TOKEN:
            app.scim.base_url = soe_scim_url


def _app(tenant: Tenant) -> App:
    connector = tenant.connector(SCIM_V2_ENTERPRISE)
    app = App(tenant.new_id("app"), connector.id, APP_NAME, configuration=dict(SAML_CONFIGURATION))
    app.provisioning_enabled = True
    parameters = dict(connector.default_parameters)
    parameters["userType"] = {
        "label": "userType",
        "user_attribute_mappings": "custom_attribute_userType",
        "include_in_saml_assertion": True,
    }
    app.parameters = {
        name: make_parameter(tenant.new_id("parameter"), name, fields)
        for name, fields in parameters.items()
    }
    app.scim.bearer_token, app.scim.json_template = DRIFT_SCIM_TOKEN, TEMPLATE
    app.scim.api_connection_enabled, app.scim.deprovision_action = True, "suspend"
    tenant.apps[app.id] = app
    return app


def _soe_user(site: SoeSite, app: App, user: User, drift: dict[str, Any]) -> SoeUser:
    """The record OneLogin's push would have left, with this category's drift applied."""
    body = json.loads(render(app.scim.json_template or "", user, app, dollar_brace=False))
    attributes = {k: v for k, v in body.items() if k not in MANAGED_KEYS}
    kind = body.get("userType")
    record = SoeUser(site.new_id(), attributes, kind if kind in USER_TYPES else "Registered")
    record.active = drift.get("active", True)
    record.user_type = drift.get("user_type", record.user_type)
    attributes.update({k: v for k, v in drift.items() if k not in ("active", "user_type")})
    return record


def _by_email(tenant: Tenant, email: str) -> User:
    return next(user for user in tenant.users.values() if user.email == email)
