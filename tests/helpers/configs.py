"""Configs for tests: a valid base and the table of broken ones, shared by the config and CLI tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from onelogin_scim_setup.config.models import Config
from tests.conftest import MINIMAL_CONFIG

ROOT = Path(__file__).resolve().parents[2]  # the repository


def with_change(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL_CONFIG)
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(part, str) else target[part]
    target[path[-1]] = value
    return data


BAD_CONFIGS = [
    ("bad yaml", "onelogin: [unclosed\n", "config.yaml:2", "invalid YAML"),
    ("not a mapping", "- a\n- b\n", ":1", "mapping"),
    ("empty", "", "config.yaml", "empty"),
    (
        "unknown key",
        with_change(("onelogin", "subdomian"), "x"),
        "onelogin.subdomian",
        "did you mean 'subdomain'",
    ),
    ("unknown top key", with_change(("promotion",), {}), "promotion", "did you mean 'promotions'"),
    (
        "wrong type",
        with_change(("onelogin", "max_retries"), "many"),
        "onelogin.max_retries",
        "integer",
    ),
    (
        "bad url",
        with_change(("onelogin", "base_url"), "not-a-url"),
        "onelogin.base_url",
        "not an http",
    ),
    (
        "non-loopback http",
        with_change(("soe", "scim_base_url"), "http://example.com/api/scim/v2"),
        "soe.scim_base_url",
        "plain http",
    ),
    (
        "bad userType",
        with_change(("promotions", "roles", 0, "user_type"), "moderator"),
        "promotions.roles.0.user_type",
        "'moderator'",
    ),
    (
        "admin while off",
        with_change(("promotions", "roles", 0, "user_type"), "Admin"),
        "promotions.roles.0.user_type",
        "allow_admin_promotion is false",
    ),
    (
        "moderator while off",
        with_change(("soe", "allow_moderator_promotion"), False),
        "promotions.roles.0.user_type",
        "allow_moderator_promotion is false",
    ),
    (
        "no onelogin host",
        with_change(("onelogin",), {"timeout": 5}),
        "onelogin",
        "onelogin.subdomain",
    ),
    ("missing soe", {"onelogin": {"subdomain": "acme"}}, "soe", "Field required"),
    (
        "bad subdomain",
        with_change(("onelogin", "subdomain"), "Acme Corp"),
        "onelogin.subdomain",
        "lower-case letters, digits and hyphens",
    ),
    (
        "soe.site given the site's URL",
        with_change(("soe", "site"), "https://acme.stackenterprise.co/"),
        "soe.site",
        "write soe.site: acme, or set soe.scim_base_url to the full URL instead",
    ),
    (
        "onelogin.subdomain given a host name",
        with_change(("onelogin", "subdomain"), "acme.onelogin.com"),
        "onelogin.subdomain",
        "write onelogin.subdomain: acme, or set onelogin.base_url",
    ),
    (
        "bad shortname",
        with_change(("fields", "user_type", "shortname"), "user type"),
        "fields.user_type.shortname",
        "pattern",
    ),
    ("bad syntax", with_change(("template", "syntax"), "jinja"), "template.syntax", "'jinja'"),
    (
        "file source without file",
        with_change(("token", "source"), "file"),
        "token",
        "token.file must be set",
    ),
    ("duplicate role", with_change(("app", "roles"), ["A", "A"]), "app.roles.1", "appears twice"),
    (
        "bad email",
        with_change(("promotions", "users"), [{"email": "nobody"}]),
        "promotions.users.0.email",
        "'nobody' is not an email address",
    ),
    (
        "department not enabled",
        with_change(("promotions", "users"), [{"email": "a@b.c", "department": "X"}]),
        "promotions.users.0.department",
        "fields.department.enabled is false",
    ),
    ("version", with_change(("version",), 2), "version", "1"),
]


def config_with(**sections: Any) -> Config:
    """MINIMAL_CONFIG with whole sections merged in, as a validated Config."""
    data = copy.deepcopy(MINIMAL_CONFIG)
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value}
    return Config.model_validate(data)
