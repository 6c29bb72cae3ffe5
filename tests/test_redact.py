"""The one redaction module: secrets cut out of any text, masked values recognised."""

from __future__ import annotations

import pytest

from onelogin_scim_setup.secrets.redact import REDACTED, Redactor, is_masked, redact

SECRET = "tok-9b1c77e0d2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Bearer {SECRET}", f"Bearer {REDACTED}"),
        (f"{SECRET}{SECRET}", REDACTED * 2),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_cuts_every_occurrence(text: str, expected: str) -> None:
    assert redact(text, SECRET) == expected


def test_a_secret_with_surrounding_whitespace_is_cut_in_both_forms() -> None:
    assert redact(f"a {SECRET} b", f"  {SECRET}\n") == f"a {REDACTED} b"


def test_longer_secret_containing_a_shorter_one_is_cut_whole() -> None:
    redactor = Redactor([SECRET, SECRET + "-extended"])
    assert redactor.redact(f"x {SECRET}-extended y") == f"x {REDACTED} y"


@pytest.mark.parametrize(
    ("value", "masked"),
    [("****", True), ("", False), (None, False), ("a*", False), ("X**", False), ("*X*", False)],
)
def test_is_masked(value: object, masked: bool) -> None:
    assert is_masked(value) is masked


def test_a_secret_is_also_cut_exactly_as_given_whitespace_included() -> None:
    assert redact(f"key=\t{SECRET}\n;", f"\t{SECRET}\n") == f"key={REDACTED};"


def test_a_secret_contained_in_a_lexically_smaller_one_does_not_split_it() -> None:
    # "zz..." sorts after "aa-zz...": only the length order cuts the longer one whole.
    redactor = Redactor(["zzzz-9b1c77", "aaaa-zzzz-9b1c77"])
    assert redactor.redact("x aaaa-zzzz-9b1c77 y") == f"x {REDACTED} y"


@pytest.mark.parametrize(("secret", "cut"), [("abcd", True), ("abc", False)])
def test_secrets_from_the_minimum_length_up_are_cut(secret: str, cut: bool) -> None:
    assert (redact(f"v={secret}", secret) == f"v={REDACTED}") is cut


def test_missing_or_empty_secrets_register_nothing() -> None:
    redactor = Redactor()
    redactor.add(None, "", "   ")
    text = "XXXX None null ****"
    assert redactor.redact(text) == text
