"""The config file: schema (models), loading with file:line errors (load, yaml_source), where each attribute lives (attributes), the API credential (credentials), and how a problem reads (problems)."""

# Here rather than in `models`, so the CLI can name them without importing pydantic.
DEFAULT_CONFIG_FILE = "onelogin-scim-setup.yaml"
CONFIG_ENV = "ONELOGIN_SCIM_CONFIG"  # the config file when -c is not given
DEFAULT_APP_NAME = "SCIM SOE"
DEFAULT_CONNECTOR = "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
