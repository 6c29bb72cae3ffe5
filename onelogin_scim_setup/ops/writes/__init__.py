"""The per-resource writers `ops.apply` runs: each turns a plan's change (the app's changes
together) into OneLogin API calls, reading back only what the answers do not prove."""
