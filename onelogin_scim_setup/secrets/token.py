"""The shared SCIM bearer token: generate it and fingerprint it. The token is only ever shown as its fingerprint."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 48  # 384 bits; token_urlsafe gives 64 characters from [A-Za-z0-9_-]


MIN_LENGTH = 32


def generate_token() -> str:
    """A new random token: 384 bits from `secrets`, URL-safe so it survives copy and paste."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def fingerprint(token: str) -> str:
    """`sha256:` + the first 8 hex digits of the token's SHA-256: enough to compare, useless to attack."""
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:8]


def check_token_strength(token: str) -> list[str]:
    """Warnings about a token chosen by hand (SOE accepts any string, docs/soe-scim.md §1.1)."""
    warnings: list[str] = []
    if len(token) < MIN_LENGTH:
        warnings.append(f"the token is {len(token)} characters long; use at least {MIN_LENGTH}")
    if any(char.isspace() for char in token):
        warnings.append("the token contains whitespace, which is easily lost when pasting")
    if any(not char.isprintable() or not char.isascii() for char in token if not char.isspace()):
        warnings.append("the token contains non-ASCII or non-printable characters")
    return warnings
