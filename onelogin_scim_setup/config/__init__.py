"""The config file: schema (models), loading with file:line errors (load, yaml_source), where each attribute lives (attributes), and the API credential (credentials)."""
