"""The demo tenant (`seed_data=True`): a few roles, users, a custom field, an app and two mappings.

They exist to show the tool leaves alone what it does not own; docs/sandbox.md lists them and
their ids.
"""

from __future__ import annotations

from onelogin_scim_setup.sandbox.onelogin.state import (
    App,
    CustomAttribute,
    Mapping,
    Role,
    Tenant,
    User,
    action_value,
    make_parameter,
)
from onelogin_scim_setup.sandbox.seed.catalogue import SAML_CONFIGURATION

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


def load(tenant: Tenant, action_style: str) -> None:
    """The demo tenant (ids are fixed: docs/sandbox.md lists them)."""
    roles = {name: Role(tenant.new_id("role"), name) for name in ROLES}
    tenant.roles.update({role.id: role for role in roles.values()})
    attribute_id = tenant.new_id("custom_attribute")
    action = action_value(attribute_id, "employee_id", action_style)
    employee_id = CustomAttribute(attribute_id, "Employee ID", "employee_id", 1, action=action)
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
