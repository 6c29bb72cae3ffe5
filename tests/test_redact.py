"""The one redaction module: secrets cut out of any text, masked values recognised."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from onelogin_scim_setup.secrets.redact import (
    REDACTED,
    Redactor,
    basic_credentials,
    is_masked,
    redact,
    shorten,
)

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
    [
        ("****", True),
        ("\u2022\u2022\u2022\u2022", True),
        ("\u25cf\u25cf\u25cf", True),
        ("****1234", True),
        ("", False),
        (None, False),
        ("a*", False),
        ("X**", False),
        ("*X*", False),
        ("*1234", False),
        ("****12345", False),
    ],
)
def test_is_masked(value: object, masked: bool) -> None:
    assert is_masked(value) is masked


ODD_SECRET = 's3cr+t/with=odd&chars"\\-' + "z" * 20


def _b64(text: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(text.encode()).decode()


@pytest.mark.parametrize(
    "form",
    [
        ODD_SECRET,
        quote(ODD_SECRET, safe=""),
        quote_plus(ODD_SECRET),
        _b64(ODD_SECRET),
        _b64(ODD_SECRET).rstrip("="),
        _b64(ODD_SECRET, urlsafe=True),
        _b64(ODD_SECRET, urlsafe=True).rstrip("="),
    ],
    ids=["raw", "quote", "quote_plus", "base64", "base64 unpadded", "urlsafe", "urlsafe unpadded"],
)
def test_each_form_of_a_secret_is_redacted(form: str) -> None:
    redactor = Redactor([ODD_SECRET])
    assert redactor.redact(f"before {form} after") == f"before {REDACTED} after"


def test_the_basic_header_of_a_client_pair_is_redacted() -> None:
    redactor = Redactor()
    redactor.add_basic("client-id", ODD_SECRET)
    header = "Authorization: Basic " + basic_credentials("client-id", ODD_SECRET)
    assert redactor.redact(header) == f"Authorization: Basic {REDACTED}"


def test_the_json_escaped_form_is_redacted() -> None:
    text = json.dumps({"message": f"echo {ODD_SECRET}"})
    assert ODD_SECRET not in json.loads(Redactor([ODD_SECRET]).redact(text))["message"]
    assert "odd&chars" not in Redactor([ODD_SECRET]).redact(text)


def test_redacting_before_shortening_leaves_no_head() -> None:
    text = "x" * 95 + ODD_SECRET
    assert ODD_SECRET[:5] not in shorten(redact(text, ODD_SECRET), 100)
    assert ODD_SECRET[:5] in shorten(text, 100)  # the opposite order would leak it


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


# A secret that every encoding spells differently: space, slash, quote, non-ASCII, padding.
ODD = 'p@ss "wörd"/9f3b'
ODD_RAW = ODD.encode()


@pytest.mark.parametrize(
    "form",
    [
        quote(ODD, safe=""),
        quote_plus(ODD),
        json.dumps(ODD)[1:-1],
        json.dumps(ODD, ensure_ascii=False)[1:-1],
        base64.b64encode(ODD_RAW).decode(),
        base64.b64encode(ODD_RAW).decode().rstrip("="),
        base64.urlsafe_b64encode(ODD_RAW).decode(),
        base64.urlsafe_b64encode(ODD_RAW).decode().rstrip("="),
    ],
    ids=[
        "url",
        "url-plus",
        "json",
        "json-utf8",
        "b64",
        "b64-unpadded",
        "b64url",
        "b64url-unpadded",
    ],
)
def test_a_secret_is_cut_in_every_spelling_it_travels_in(form: str) -> None:
    assert redact(f"<{form}>", ODD) == f"<{REDACTED}>"


def test_adding_a_secret_keeps_the_ones_added_before() -> None:
    redactor = Redactor(["first-secret-1"])
    redactor.add("second-secret-2")
    assert redactor.redact("first-secret-1 second-secret-2") == f"{REDACTED} {REDACTED}"


@pytest.mark.parametrize(
    "text",
    [SECRET, base64.b64encode(f"client-id-7:{SECRET}".encode()).decode()],
    ids=["secret", "basic header"],
)
def test_add_basic_cuts_the_secret_and_its_basic_header(text: str) -> None:
    redactor = Redactor()
    redactor.add_basic("client-id-7", SECRET)
    assert redactor.redact(f"Authorization: {text}") == f"Authorization: {REDACTED}"


@pytest.mark.parametrize(("text", "short"), [("abcd", "abcd"), ("abcde", "abcd…")])
def test_shorten_cuts_only_text_longer_than_the_size(text: str, short: str) -> None:
    assert shorten(text, 4) == short


# Secrets whose standard and URL-safe base64 differ ("+" and "/" against "-" and "_"): a redactor
# without the URL-safe form must fail here. The 4-character one is too short for the 8-character
# windows, so only the exact URL-safe form can catch it.
URLSAFE_SECRETS = ["~~~?", "~~~???>>>~~~client-secret"]


@pytest.mark.parametrize("secret", URLSAFE_SECRETS, ids=["short", "long"])
@pytest.mark.parametrize("padded", [True, False], ids=["padded", "unpadded"])
def test_the_urlsafe_base64_form_is_redacted_where_it_differs(secret: str, padded: bool) -> None:
    standard = base64.b64encode(secret.encode()).decode()
    urlsafe = base64.urlsafe_b64encode(secret.encode()).decode()
    assert urlsafe != standard
    form = urlsafe if padded else urlsafe.rstrip("=")
    assert Redactor([secret]).redact(f"echo {form} end") == f"echo {REDACTED} end"


@pytest.mark.parametrize(
    "echo",
    [
        "client-secret-9f3b1c-xyz"[:-4],
        "CLIENT-SECRET-9F3B1C-XYZ",
        "client-secret-9f3b1c-xyz"[::-1],
        b"client-secret-9f3b1c-xyz".hex(),
        b"client-secret-9f3b1c-xyz".hex().upper(),
        # The characters that hold bits of the secret only (not of the bytes around it).
        base64.b64encode(b"x" + b"client-secret-9f3b1c-xyz").decode()[2 : 25 * 8 // 6],
        base64.b64encode(b"xy" + b"client-secret-9f3b1c-xyz").decode()[3 : 26 * 8 // 6],
    ],
    ids=["less last 4", "upper", "reversed", "hex", "hex upper", "base64 at 1", "base64 at 2"],
)
def test_partial_and_transformed_echoes_are_redacted(echo: str) -> None:
    text = Redactor(["client-secret-9f3b1c-xyz"]).redact(f"400: bad '{echo}'")
    assert text == f"400: bad '{REDACTED}'"
