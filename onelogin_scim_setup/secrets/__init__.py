"""Secrets: the SCIM token (token), its sources and deliveries (sources, delivery), and the one redaction module (redact)."""
