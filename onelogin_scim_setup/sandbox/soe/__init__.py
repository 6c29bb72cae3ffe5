"""The Stack Overflow for Teams Enterprise emulator: the site's SCIM settings and users, and its
`/api/scim/v2/Users` endpoint."""
