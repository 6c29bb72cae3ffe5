"""onelogin-scim-setup: SCIM 2.0 provisioning from OneLogin to Stack Overflow for Teams Enterprise, as code."""

__version__ = "0.2.0"
