"""Initial state: the connector catalogue always; then, by option, the demo tenant (`seed_data`),
an organization-size tenant (`users`, `roles`, `soe_users`) and a scenario (`drift`)."""

from __future__ import annotations

from onelogin_scim_setup.sandbox.onelogin.state import Tenant
from onelogin_scim_setup.sandbox.options import SandboxOptions
from onelogin_scim_setup.sandbox.seed import catalogue, demo, drift, scale
from onelogin_scim_setup.sandbox.soe.state import SoeSite


def load(tenant: Tenant, site: SoeSite, options: SandboxOptions) -> None:
    for connector in catalogue.connectors():
        tenant.connectors[connector.id] = connector
    style = options.quirks.custom_field_action_value
    if options.seed_data:
        demo.load(tenant, style)
    if options.scenario == "drift":
        drift.load(tenant, site, style)
    scale.load(tenant, options.users, options.roles)
    scale.load_soe(tenant, site, options.soe_users)
