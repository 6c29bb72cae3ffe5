"""The OneLogin admin API emulator: service (auth, scope, rate limit), one module per resource,
the mapping engine, the `/_sandbox/` control endpoints, and the in-memory tenant."""
