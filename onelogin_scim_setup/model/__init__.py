"""The one state type shared by every layer: `Tenant`, `Snapshot`, `Ids`."""
