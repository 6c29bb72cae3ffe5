"""config/load.py and config/models.py: valid configs load, every bad one is a ConfigError that names
file, line and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from onelogin_scim_setup.config.load import load
from onelogin_scim_setup.config.models import check_url
from onelogin_scim_setup.errors import ConfigError
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.configs import BAD_CONFIGS, ROOT, with_change


def test_example_config_is_valid() -> None:
    loaded = load(ROOT / "templates" / "config.example.yaml")
    assert loaded.config.app.name == "SCIM SOE"
    assert loaded.warnings == ()


def test_minimal_config_takes_documented_defaults(write_config: Callable[..., Path]) -> None:
    config = load(write_config(MINIMAL_CONFIG)).config
    assert config.onelogin.api_url == "https://acme.onelogin.com"
    assert config.soe.scim_url == "https://acme.stackenterprise.co/api/scim/v2"
    assert config.app.connector == "SCIM Provisioner with SAML (SCIM v2 Enterprise)"
    assert config.template.syntax == "onelogin"
    assert config.token.env == "SOE_SCIM_TOKEN"


def test_base_url_overrides_subdomain(write_config: Callable[..., Path]) -> None:
    data = with_change(("onelogin", "base_url"), "https://api.eu.onelogin.com/")
    assert load(write_config(data)).config.onelogin.api_url == "https://api.eu.onelogin.com"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://acme.onelogin.com", True),
        ("http://127.0.0.1:8080", True),
        ("http://127.9.9.9", True),
        ("http://localhost:1", True),
        ("http://[::1]:9000", True),
        ("http://10.0.0.1", False),
        ("http://acme.onelogin.com", False),
        ("ftp://127.0.0.1", False),
        ("acme.onelogin.com", False),
    ],
)
def test_http_only_for_loopback(url: str, ok: bool) -> None:
    if ok:
        assert check_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ValueError, match="http"):
            check_url(url)


@pytest.mark.parametrize(
    ("case", "data", "where", "says"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS]
)
def test_bad_config_names_the_place(
    write_config: Callable[..., Path], case: str, data: Any, where: str, says: str
) -> None:
    path = write_config(data)
    with pytest.raises(ConfigError) as caught:
        load(path)
    text = str(caught.value)
    assert str(path) in text
    assert where in text
    assert says in text


def test_error_carries_the_line_of_the_key(write_config: Callable[..., Path]) -> None:
    path = write_config("onelogin:\n  subdomain: acme\nsoe:\n  site: acme\n  colour: blue\n")
    with pytest.raises(ConfigError, match=r"config.yaml:5: soe.colour: unknown key 'colour'"):
        load(path)


def test_duplicate_keys_are_errors(write_config: Callable[..., Path]) -> None:
    path = write_config("onelogin:\n  subdomain: a\n  subdomain: b\nsoe:\n  site: s\n")
    with pytest.raises(ConfigError, match=r"config.yaml:3: onelogin.subdomain"):
        load(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load(tmp_path / "nope.yaml")


def test_inline_secret_warns(write_config: Callable[..., Path]) -> None:
    data = with_change(("onelogin", "client_secret"), "s3cr3t-inline-value")
    loaded = load(write_config(data))
    assert any("onelogin.client_secret is written inline" in w for w in loaded.warnings)
    assert all("s3cr3t-inline-value" not in w for w in loaded.warnings)


def test_promoted_role_without_the_app_warns(write_config: Callable[..., Path]) -> None:
    data = with_change(("app", "roles"), ["Engineering"])
    loaded = load(write_config(data))
    assert any("'SOE Moderators' gets a userType mapping" in w for w in loaded.warnings)


def test_relative_paths_are_relative_to_the_config(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    data = with_change(("template", "path"), "my.json.j2")
    assert load(write_config(data)).config.template.path == tmp_path / "my.json.j2"


def test_alias_bomb_is_refused_quickly(write_config: Callable[..., Path]) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(ConfigError, match="too many nodes"):
        load(write_config("\n".join(lines) + "\n"))


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://acme.onelogin.com/", "https://acme.onelogin.com"),
        ("https://eu.example.com/SCIM/X", "https://eu.example.com/SCIM/X"),
    ],
)
def test_only_trailing_slashes_are_cut_from_a_url(url: str, kept: str) -> None:
    assert check_url(url) == kept


def test_the_config_is_read_with_libyaml() -> None:
    """Start-up and large configs: libyaml (PyYAML's wheels include it) is far faster than the
    pure-Python parser, which stays the fallback where it is missing."""
    import yaml

    from onelogin_scim_setup.config import yaml_source

    assert yaml.__with_libyaml__
    assert yaml_source._Loader is yaml.CSafeLoader
