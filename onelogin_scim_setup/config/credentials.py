"""The OneLogin API credential, read once at the edge from the config or the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import SecretStr

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import SecretError


@dataclass(frozen=True)
class OneLoginCredentials:
    client_id: str
    client_secret: SecretStr


def onelogin_credentials(config: Config, environ: Mapping[str, str]) -> OneLoginCredentials:
    """Read the API credentials once, at the edge. Inline values win over the environment."""
    settings = config.onelogin
    client_id = settings.client_id or environ.get(settings.client_id_env, "")
    secret = (
        settings.client_secret.get_secret_value()
        if settings.client_secret
        else environ.get(settings.client_secret_env, "")
    )
    missing = [
        name
        for name, value in (
            (settings.client_id_env, client_id),
            (settings.client_secret_env, secret),
        )
        if not value
    ]
    if missing:
        raise SecretError(
            f"OneLogin API credentials missing: set {' and '.join(missing)}",
            hint="Create an API credential with the 'Manage All' scope in OneLogin "
            "(Developers > API Credentials) and export its client id and secret.",
        )
    return OneLoginCredentials(client_id=client_id, client_secret=SecretStr(secret))
