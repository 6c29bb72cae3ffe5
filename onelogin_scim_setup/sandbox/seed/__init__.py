"""Initial tenant: the connector catalogue always; the demo tenant with `seed_data=True`.

The SCIM connector ids and names are those of a real 2024 tenant dump (onelogin-api.md Op 2);
where the reference abbreviates a name with "…" the full name here is a reconstruction. The
unrelated connectors' ids are invented. The demo objects exist to show the tool leaves alone what
it does not own (see the package docstring for the list and ids).
"""

from __future__ import annotations

import copy
from typing import Any

from onelogin_scim_setup.sandbox.onelogin.state import (
    App,
    Connector,
    CustomAttribute,
    Mapping,
    Role,
    Tenant,
    User,
    make_parameter,
)

SCIM_V2_ENTERPRISE = 130179
SAML_CONFIGURATION = {"signature_algorithm": "SHA-256"}


def _parameter(label: str, mapping: str | None, **extra: Any) -> dict[str, Any]:
    return {"label": label, "user_attribute_mappings": mapping, **extra}


ENTERPRISE_PARAMETERS = {
    "scimusername": _parameter("scimusername", "email"),
    "department": _parameter("department", "department"),
    "title": _parameter("title", "title"),
    "external_manager_id": _parameter("Manager ID", None),
    "groups": _parameter("Groups", None, provisioned_entitlements=True),
}
CORE_PARAMETERS = {
    "scimusername": _parameter("scimusername", "email"),
    "groups": _parameter("Groups", None, provisioned_entitlements=True),
}
SCIM_CONNECTORS = [
    (130179, "SCIM Provisioner with SAML (SCIM v2 Enterprise)", ENTERPRISE_PARAMETERS),
    (45504, "SCIM Provisioner with SAML (SCIM v2 Core)", CORE_PARAMETERS),
    (156557, "SCIM Provisioner with SAML (SCIM v2 Enterprise, full SAML)", ENTERPRISE_PARAMETERS),
    (
        163938,
        "SCIM Provisioner with SAML (SCIM v2 Enterprise, SCIM2 PATCH for Groups)",
        ENTERPRISE_PARAMETERS,
    ),
    (121386, "SCIM Provisioner w/SAML (SCIM v2 w/OAuth)", ENTERPRISE_PARAMETERS),
    (123766, "SCIM Provisioner w/SAML (SCIM v2 w/OAuth & Scope)", ENTERPRISE_PARAMETERS),
    (58450, "SCIM Provisioner with SAML (Core Schema v1.1)", CORE_PARAMETERS),
    (58451, "SCIM Provisioner with SAML (Enterprise Schema v1.1)", ENTERPRISE_PARAMETERS),
]
# (id, name, default parameters, allows new parameters)
OTHER_CONNECTORS = [
    (29034, "Slack", {"email": _parameter("Email", "email")}, True),
    (100346, "Zoom", {}, False),
    (110016, "Advanced SAML Custom Connector", {}, True),
]
# (username, first, last, title, department, employee id, roles)
USERS = [
    ("alice", "Alice", "Anders", "Engineer", "Platform", "E1001", ["Engineering"]),
    (
        "bob",
        "Bob",
        "Brown",
        "Staff Engineer",
        "Platform",
        "E1002",
        ["Engineering", "SOE Moderators"],
    ),
    ("carol", "Carol", "Chen", "CTO", "Engineering", "E1003", ["Engineering", "SOE Admins"]),
    ("dave", "Dave", "Diaz", None, None, "E1004", ["Engineering"]),
    ("erin", "Erin", "Evans", "Account Executive", "Sales", "E1005", ["Sales"]),
]
ROLES = ["Default", "Engineering", "SOE Moderators", "SOE Admins", "Sales"]


def connectors() -> list[Connector]:
    catalogue = [(cid, name, params, True) for cid, name, params in SCIM_CONNECTORS]
    return [
        Connector(
            cid,
            name,
            allows_new_parameters=allows_new,
            default_parameters=copy.deepcopy(params),
            default_configuration=dict(SAML_CONFIGURATION),
        )
        for cid, name, params, allows_new in catalogue + OTHER_CONNECTORS
    ]


def load(tenant: Tenant, *, demo: bool) -> None:
    for connector in connectors():
        tenant.connectors[connector.id] = connector
    if demo:
        _demo_tenant(tenant)


def _demo_tenant(tenant: Tenant) -> None:
    roles = {name: Role(tenant.new_id("role"), name) for name in ROLES}
    tenant.roles.update({role.id: role for role in roles.values()})
    employee_id = CustomAttribute(
        tenant.new_id("custom_attribute"), "Employee ID", "employee_id", 1
    )
    tenant.custom_attributes[employee_id.id] = employee_id
    for username, first, last, title, department, number, role_names in USERS:
        user = User(tenant.new_id("user"), username, f"{username}@example.com", first, last)
        user.title, user.department, user.company = title, department, "Example Inc."
        user.custom_attributes = {"employee_id": number}
        tenant.users[user.id] = user
        for name in ["Default", *role_names]:
            roles[name].user_ids.append(user.id)
    slack = App(tenant.new_id("app"), 29034, "Slack", configuration=dict(SAML_CONFIGURATION))
    slack.parameters = {
        name: make_parameter(tenant.new_id("parameter"), name, fields)
        for name, fields in tenant.connector(29034).default_parameters.items()
    }
    tenant.apps[slack.id] = slack
    roles["Default"].app_ids.append(slack.id)
    sales = Mapping(
        tenant.new_id("mapping"),
        "Sales department",
        True,
        "all",
        [{"source": "has_role", "operator": "ri", "value": str(roles["Sales"].id)}],
        [{"action": "add_role", "value": [str(roles["Default"].id)]}],
    )
    contractors = Mapping(
        tenant.new_id("mapping"),
        "Old contractors",
        False,
        "all",
        [{"source": "title", "operator": "~", "value": "Contractor"}],
        [{"action": "set_status", "value": ["2"]}],
    )
    tenant.mappings.update({sales.id: sales, contractors.id: contractors})
    tenant.mapping_order.append(sales.id)
