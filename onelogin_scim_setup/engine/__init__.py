"""The engine: offline preparation, desired and current state (tenant, desired), the pure diff (diff, plan), manual steps, apply, and the entry points that tie them together (run)."""
