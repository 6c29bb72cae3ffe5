"""One operations module per command: the I/O (lock, read, apply, verify, rotate, audit, import)."""
