"""The HTTP layer both emulators share: the loopback server, request/response types, v2 list
paging and filters, and seeded fault injection. Knows nothing of either product."""
