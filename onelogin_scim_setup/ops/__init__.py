"""One operations module per command: the I/O (lock, read, apply, verify, rotate, audit, import)."""

# The defaults of waits the command line shows: here rather than in the modules that use them, so the
# CLI can name them without importing those (start-up time).
LOCK_TIMEOUT = 300.0  # seconds a writer waits for another's lock on the tenant and app (ops.lock)
SOE_WAIT = 120.0  # seconds to wait for SOE to show a change (verify --e2e, token rotate)
SOE_POLL_INTERVAL = 3.0  # seconds between two looks at SOE while waiting
