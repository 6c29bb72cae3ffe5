"""Hand the SCIM token to SOE's side through the configured delivery (SOE has no API for it)."""

from __future__ import annotations

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.errors import SecretError
from onelogin_scim_setup.secrets.sources import (
    deliver_to_command,
    deliver_to_file,
)


def deliver_token(config: Config, token: str) -> None:
    """Hand the token to SOE's side through the configured delivery (SOE itself has no API)."""
    settings = config.token
    if settings.delivery == "command" and settings.delivery_command:
        deliver_to_command(settings.delivery_command, token)
    elif settings.delivery == "file" and settings.delivery_file:
        deliver_to_file(settings.delivery_file, token)
    else:
        raise SecretError(
            "token.delivery is manual: there is nothing to run",
            hint="Paste the token from `token show --reveal` into SOE's Admin Settings > SCIM, or set "
            "token.delivery to command or file.",
        )
