"""config/attributes.py: the custom fields a config needs and where each SOE attribute comes from."""

from __future__ import annotations

from onelogin_scim_setup.config.attributes import custom_fields, field_source
from onelogin_scim_setup.config.models import Config
from tests.helpers.configs import with_change


def test_custom_fields_and_sources() -> None:
    config = Config.model_validate(
        with_change(
            ("fields",),
            {
                "department": {"enabled": True},
                "title": {"enabled": True, "source": "custom", "shortname": "jobTitle"},
            },
        )
    )
    assert custom_fields(config) == [("userType", "userType"), ("jobTitle", "jobTitle")]
    assert field_source(config, "user_type") == "user.custom_fields.userType"
    assert field_source(config, "department") == "user.department"
    assert field_source(config, "title") == "user.custom_fields.jobTitle"
