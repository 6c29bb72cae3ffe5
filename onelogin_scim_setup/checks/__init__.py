"""The checks: verify (both sides, with fix hints), the --e2e round trip, and token rotation."""
