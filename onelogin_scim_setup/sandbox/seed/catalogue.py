"""The connector catalogue every tenant has, seeded or not.

The SCIM connector ids and names are those of a real 2024 tenant dump (a `GET /api/2/connectors`
listing published in 1id-presales/Automation-OneLogin, `application_connectors_listing`); where
that listing abbreviates a name the full name here is a reconstruction. The unrelated connectors'
ids are invented.
"""

from __future__ import annotations

import copy
from typing import Any

from onelogin_scim_setup.sandbox.onelogin.state import Connector

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
