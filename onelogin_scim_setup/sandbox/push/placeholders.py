"""The SCIM JSON template, filled per user as OneLogin's provisioner does (docs/template-placeholders.md).

Written independently of the core's template code on purpose: a shared bug would hide in both.

- `{$user.<field>}`: firstname, lastname, email, username, display_name ("firstname lastname"),
  department, title, company, id, active ("true"/"false", status 1 is active).
- `{$user.custom_fields.<shortname>}`: case-sensitive, as OneLogin documents.
- `{$parameters.<name>}`: the app parameter's value for the user, from its
  `user_attribute_mappings` (`email`, `department`, `custom_attribute_<shortname>`, ...), else
  its `default_values` when that is a string. Macros (`_macro_`) are not evaluated: they give "".
- Values are JSON-string escaped; a null becomes "". UNCERTAIN: an unknown field, custom field
  (e.g. wrong case) or parameter renders as "" here; text in other namespaces stays literal.
- `${...}` (the SOE guide's spelling) is substituted only with `substitute_dollar_brace=True`;
  by default it reaches SOE literally, the silent failure docs/template-placeholders.md warns about.
"""

from __future__ import annotations

import json
import re

from onelogin_scim_setup.sandbox.onelogin.state import ACTIVE, App, User

_CURLY_DOLLAR = re.compile(r"\{\$([A-Za-z0-9_.\-]+)\}")
_DOLLAR_CURLY = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")
USER_FIELDS = ("firstname", "lastname", "email", "username", "department", "title", "company")
CUSTOM_PREFIX = "custom_attribute_"


def render(template: str, user: User, app: App, *, dollar_brace: bool) -> str:
    def substitute(match: re.Match[str]) -> str:
        known, value = resolve(match.group(1), user, app)
        if not known:
            return match.group(0)
        return json.dumps(value or "")[1:-1]

    rendered = _CURLY_DOLLAR.sub(substitute, template)
    if dollar_brace:
        rendered = _DOLLAR_CURLY.sub(substitute, rendered)
    return rendered


def resolve(name: str, user: User, app: App) -> tuple[bool, str | None]:
    """(is this a OneLogin placeholder at all, its value for the user)."""
    namespace, _, rest = name.partition(".")
    if namespace == "user":
        if rest.startswith("custom_fields."):
            return True, user.custom_attributes.get(rest.removeprefix("custom_fields."))
        return True, user_field(user, rest)
    if namespace == "parameters":
        parameter = app.parameters.get(rest)
        if parameter is None:
            return True, None
        value = attribute_value(user, parameter.get("user_attribute_mappings"))
        default = parameter.get("default_values")
        return True, value if value is not None or not isinstance(default, str) else default
    return False, None


def user_field(user: User, name: str) -> str | None:
    if name == "display_name":
        return user.display_name
    if name == "active":
        return "true" if user.status == ACTIVE else "false"
    if name == "id":
        return str(user.id)
    if name in USER_FIELDS:
        value: str | None = getattr(user, name)
        return value
    return None


def attribute_value(user: User, source: object) -> str | None:
    """A user's value for a parameter's `user_attribute_mappings` source."""
    if not isinstance(source, str):
        return None
    if source.startswith(CUSTOM_PREFIX):
        return user.custom_attributes.get(source.removeprefix(CUSTOM_PREFIX))
    return user_field(user, source)
