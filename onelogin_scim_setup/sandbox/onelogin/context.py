"""What every OneLogin API handler needs: the tenant, the options and the provisioner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onelogin_scim_setup.sandbox.http.wire import ApiError
from onelogin_scim_setup.sandbox.onelogin.state import Tenant
from onelogin_scim_setup.sandbox.options import SandboxOptions
from onelogin_scim_setup.sandbox.push.provisioning import Provisioner
from onelogin_scim_setup.sandbox.quirks import Quirks


@dataclass
class ApiContext:
    tenant: Tenant
    options: SandboxOptions
    provisioner: Provisioner

    @property
    def quirks(self) -> Quirks:
        return self.options.quirks


def optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ApiError(422, f"Validation failed: {key} must be a string")
    return value


def required_str(body: dict[str, Any], key: str) -> str:
    value = optional_str(body, key)
    if not value:
        raise ApiError(422, f"Validation failed: {key} is required")
    return value


def optional_bool(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise ApiError(422, f"Validation failed: {key} must be true or false")
    return value


def id_list(value: Any, key: str) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    ):
        raise ApiError(422, f"Validation failed: {key} must be an array of ids")
    return list(value)
