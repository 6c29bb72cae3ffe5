"""Secrets: the SCIM token (token), its sources and deliveries (sources), and the one redaction module (redact)."""
