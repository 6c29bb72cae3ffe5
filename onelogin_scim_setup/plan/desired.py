"""Config -> the desired `Tenant`, in OneLogin's vocabulary. Pure: no I/O."""

from __future__ import annotations

from onelogin_scim_setup.config.attributes import custom_fields
from onelogin_scim_setup.config.models import Config, ProfileField
from onelogin_scim_setup.errors import SecretError
from onelogin_scim_setup.model.tenant import (
    App,
    CustomField,
    Parameter,
    RoleAssignment,
    Tenant,
    UserMapping,
    UserValues,
)

# Before mapping names carried the app, every config shared this prefix, so two configs for two apps
# in one tenant deleted each other's mappings. Mappings named with it are adopted (`adopted_names`).
SHARED_MAPPING_PREFIX = "onelogin-scim-setup"


def mapping_prefix(config: Config) -> str:
    """`app.mapping_prefix`, or by default one per app: "onelogin-scim-setup/<app name>". The "/"
    keeps these names out of the old shared prefix's "onelogin-scim-setup: " form."""
    return config.app.mapping_prefix or f"{SHARED_MAPPING_PREFIX}/{config.app.name}"


def mapping_name(config: Config, role: str, prefix: str | None = None) -> str:
    """The tool owns user mappings by this name (`onelogin.mappings.owned_mapping_name` parses it);
    any other mapping is never touched."""
    owner = prefix or mapping_prefix(config)
    return f"{owner}: {config.fields.user_type.shortname} for role {role}"


def adopted_names(config: Config) -> dict[str, str]:
    """Old name -> new name of the mappings made under the old shared default prefix, for the roles
    this config promotes. Apply renames them in place (never deletes them). A config that sets
    `app.mapping_prefix` keeps exactly the names it had, so it adopts nothing."""
    if config.app.mapping_prefix is not None:
        return {}
    # A promotion that names its mapping (`import`) owns it by that exact name: nothing to rename.
    return {
        mapping_name(config, p.role, SHARED_MAPPING_PREFIX): mapping_name(config, p.role)
        for p in config.promotions.roles
        if p.mapping is None
    }


def user_attribute(config: Config, attribute: str) -> str:
    """Where a per-user value lives on a OneLogin user: a built-in attribute or a custom one."""
    if attribute == "user_type":
        return f"custom_attributes.{config.fields.user_type.shortname}"
    profile: ProfileField = getattr(config.fields, attribute)
    if profile.source == "custom":
        return f"custom_attributes.{profile.shortname or attribute}"
    return attribute


def parameter_source(config: Config, attribute: str) -> str:
    """The app parameter's `user_attribute_mappings` value (docs/onelogin-api.md Op 3, parameters)."""
    where = user_attribute(config, attribute)
    return where.replace("custom_attributes.", "custom_attribute_", 1)


def build(config: Config, *, template: str, token_fingerprint: str | None) -> Tenant:
    keys = config.app.configuration_keys
    configuration: list[tuple[str, str]] = []
    if keys.base_url:
        configuration.append((keys.base_url, config.soe.scim_url))
    if keys.bearer_token:
        if token_fingerprint is None:
            raise SecretError(
                "app.configuration_keys.bearer_token is set, so the SCIM token is needed to plan",
                hint=f"Provide it through token.source ({config.token.source}).",
            )
        configuration.append((keys.bearer_token, token_fingerprint))
    if keys.json_template:
        configuration.append((keys.json_template, template))
    return Tenant(
        custom_fields={
            shortname: CustomField(
                shortname, name, configured_action=configured_actions(config).get(shortname)
            )
            for shortname, name in custom_fields(config)
        },
        app=App(config.app.name, config.app.connector, tuple(configuration)),
        provisioning=config.app.provisioning,
        parameters=_parameters(config),
        roles=_roles(config),
        mappings=_mappings(config),
        users=_users(config),
    )


def configured_actions(config: Config) -> dict[str, str]:
    """Shortname -> the mapping action value the config names (fields.user_type.mapping_action)."""
    user_type = config.fields.user_type
    if user_type.enabled and user_type.mapping_action:
        return {user_type.shortname: user_type.mapping_action}
    return {}


def _parameters(config: Config) -> dict[str, Parameter]:
    parameters: dict[str, Parameter] = {}
    if config.fields.user_type.enabled:
        name = config.fields.user_type.shortname
        parameters[name] = Parameter(name, parameter_source(config, "user_type"), True)
    for attribute in ("department", "title"):
        if getattr(config.fields, attribute).enabled:
            # The SCIM v2 Enterprise connector already has `department` and `title` parameters
            # (docs/onelogin-api.md Op 3, KB0013904); the tool only points them at the right source
            # and leaves their flags as the connector has them (None: not managed).
            parameters[attribute] = Parameter(attribute, parameter_source(config, attribute), None)
    return parameters


def _roles(config: Config) -> dict[str, RoleAssignment]:
    roles = {name: RoleAssignment(name, has_app=True) for name in config.app.roles}
    for promotion in config.promotions.roles:
        roles.setdefault(promotion.role, RoleAssignment(promotion.role, has_app=False))
    return roles


def _mappings(config: Config) -> dict[str, UserMapping]:
    field = config.fields.user_type.shortname
    mappings = [
        UserMapping(p.mapping or mapping_name(config, p.role), True, p.role, field, p.user_type)
        for p in config.promotions.roles
    ]
    return {mapping.name: mapping for mapping in mappings}


def _users(config: Config) -> dict[str, UserValues]:
    # Lean at k = 50,000 entries: each user is one slotted `UserValues` holding the config's own
    # email string (lower-cased only when it is not already), and users wanting the same values
    # share one `values` tuple (a department or title is shared by thousands of users).
    attributes = [
        (name, user_attribute(config, name)) for name in ("user_type", "department", "title")
    ]
    shared: dict[tuple[str | None, ...], tuple[tuple[str, str | None], ...]] = {}
    users: dict[str, UserValues] = {}
    for user in config.promotions.users:
        wanted = (user.user_type, user.department, user.title)
        values = shared.get(wanted)
        if values is None:
            values = shared[wanted] = tuple(
                (where, value)
                for (_, where), value in zip(attributes, wanted, strict=True)
                if value is not None
            )
        lowered = user.email.lower()
        email = user.email if lowered == user.email else lowered
        users[email] = UserValues(email, values)
    return users
