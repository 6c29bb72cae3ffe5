"""The config file: schema (models), loading with file:line errors (load, yaml_source), where each attribute lives (attributes), and the API credential (credentials)."""

# Here rather than in `models`, so the CLI can name them without importing pydantic.
DEFAULT_CONFIG_FILE = "onelogin-scim-setup.yaml"
DEFAULT_CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
