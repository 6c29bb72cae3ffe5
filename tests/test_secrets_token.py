"""secrets/token.py: the generated SCIM token, its fingerprint and the strength check."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from onelogin_scim_setup.secrets.token import check_token_strength, fingerprint, generate_token

SECRET = "s3cret-token-VALUE-" + "x" * 30


def test_generated_token_holds_at_least_256_random_bits() -> None:
    token = generate_token()
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert len(raw) * 8 >= 256


def test_generated_token_is_url_safe() -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", generate_token())


def test_generated_tokens_are_unique() -> None:
    assert len({generate_token() for _ in range(500)}) == 500


def test_generated_token_passes_the_strength_check() -> None:
    assert check_token_strength(generate_token()) == []


def test_fingerprint_is_sha256_prefix_and_8_hex() -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{8}", fingerprint(SECRET))


def test_fingerprint_is_the_start_of_the_sha256_digest() -> None:
    assert (
        fingerprint("abc")
        == "sha256:" + hashlib.sha256(b"abc").hexdigest()[:8]
        == "sha256:ba7816bf"
    )


def test_fingerprint_is_stable_and_tells_tokens_apart() -> None:
    assert fingerprint(SECRET) == fingerprint(SECRET)
    assert fingerprint(SECRET) != fingerprint(SECRET + "y")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("short", ["5 characters long"]),
        ("a" * 40 + " b", ["whitespace"]),
        ("a" * 40 + "\u00e9", ["non-ASCII"]),
        ("tiny tok", ["8 characters long", "whitespace"]),
        ("a" * 32, []),
    ],
)
def test_strength_warnings(token: str, expected: list[str]) -> None:
    warnings = check_token_strength(token)
    assert len(warnings) == len(expected)
    for warning, fragment in zip(warnings, expected, strict=True):
        assert fragment in warning


def test_strength_warnings_are_whole_sentences() -> None:
    assert check_token_strength("a" * 40 + " \u00e9") == [
        "the token contains whitespace, which is easily lost when pasting",
        "the token contains non-ASCII or non-printable characters",
    ]


def test_generated_token_is_64_characters() -> None:
    # 48 random bytes in URL-safe base64, as `token generate` documents.
    assert len(generate_token()) == 64
