"""config/credentials.py: the OneLogin API credential from the environment variables the config names."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from onelogin_scim_setup.config.credentials import onelogin_credentials
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import SecretError
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.configs import with_change


def test_credentials_come_from_the_named_env_vars() -> None:
    config = Config.model_validate(with_change(("onelogin", "client_id_env"), "MY_ID"))
    creds = onelogin_credentials(config, {"MY_ID": "id-1", "ONELOGIN_CLIENT_SECRET": "secret-1"})
    assert creds.client_id == "id-1"
    assert creds.client_secret == SecretStr("secret-1")


def test_missing_credentials_name_the_variables_not_values() -> None:
    config = Config.model_validate(MINIMAL_CONFIG)
    with pytest.raises(SecretError, match="ONELOGIN_CLIENT_SECRET") as caught:
        onelogin_credentials(config, {"ONELOGIN_CLIENT_ID": "visible-id"})
    assert "visible-id" not in str(caught.value)
