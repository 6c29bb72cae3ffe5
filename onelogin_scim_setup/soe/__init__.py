"""Stack Overflow for Teams Enterprise: its SCIM endpoint (client) and what a SCIM user record says (users)."""
