"""The config file: schema (models), loading with file:line errors (load, yaml_source), where each attribute lives (attributes), and the API credential (credentials)."""

# Here rather than in `models`, so the CLI can name it without importing pydantic.
DEFAULT_CONFIG_FILE = "onelogin-scim-setup.yaml"
