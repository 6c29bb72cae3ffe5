"""Every OneLogin request of a full run, checked against OneLogin's OpenAPI spec.

A full run is apply on a fresh tenant, the admin's manual steps, the converged plan, verify and
verify --e2e. The sandbox logs each request's method, path, query parameter names and the dotted
keys of its JSON body (never values); each is checked against tests/fixtures/onelogin-openapi.yaml
(provenance in tests/fixtures/README.md): the path (templated), the method, every query parameter
name and every body key. What the tool sends on purpose and the spec does not describe is in the
allow-lists below, each with its reason; anything else fails the test.

Not covered: values (the log holds none, so e.g. `position: null` on a disabled mapping, which
docs/onelogin-api.md Op 5 requires and the spec's integer type does not allow, is invisible here)
and keys inside arrays (the log does not enter them: mapping conditions and actions).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from onelogin_scim_setup.sandbox.seed.drift import DRIFT_SCIM_TOKEN
from onelogin_scim_setup.secrets.sources import deliver_to_file
from tests.sandbox_world import World, world

SPEC_FILE = Path(__file__).parent / "fixtures" / "onelogin-openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch")

# Requests the spec has no operation for at all.
ALLOWED_OPERATIONS = {
    # Custom attribute definitions exist only in v1 in the spec; the v2 endpoints are documented
    # on D:2/users/list-custom-attributes and create-custom-attribute (docs/onelogin-api.md Op 4).
    ("GET", "/api/2/users/custom_attributes"),
    ("POST", "/api/2/users/custom_attributes"),
}

# Query parameters the spec omits, per operation (fnmatch patterns).
ALLOWED_QUERY = {
    # The spec's listApps has no query parameters; D:2/apps/list-apps documents `name`
    # (exact, or partial with `*`), `connector_id` and paging (docs/onelogin-api.md Op 3).
    ("GET", "/api/2/apps"): {"name", "connector_id", "limit", "page", "cursor"},
    # The spec lists only `name` for connectors; paging is documented for every v2 list (§1.5).
    ("GET", "/api/2/connectors"): {"limit", "page", "cursor"},
    # D:2/roles/list-roles documents `name`; the spec says `role_name`; the tool sends both
    # (docs/onelogin-api.md Op 6) and matches names itself.
    ("GET", "/api/2/roles"): {"name"},
    # Paging of an app's users: GOSDK GetAppUsersWithPagination sends limit, page and cursor
    # (docs/onelogin-api.md Op 3, "Other app endpoints"); the spec lists none (`audit` reads it).
    ("GET", "/api/2/apps/{app_id}/users"): {"limit", "page", "cursor"},
    # Paging of a role's apps (docs/onelogin-api.md §1.5); the spec lists none here.
    ("GET", "/api/2/roles/{role_id}/apps"): {"limit", "page", "cursor"},
}

# Maps keyed by a name: the key after the prefix is free, and the spec's schema of the prefix
# describes each value. `parameters` is keyed by the parameter's API name (docs/onelogin-api.md
# Op 3, D:2/apps/create-app); the spec gives the one parameter's properties directly under it.
BODY_MAPS = {
    ("POST", "/api/2/apps"): {"parameters"},
    ("PUT", "/api/2/apps/{app_id}"): {"parameters"},
}

# Body keys the spec's schema does not describe, per operation (fnmatch patterns on dotted keys).
ALLOWED_BODY = {
    # The spec's user has no `custom_attributes`; D:2/users/update-user documents it, a map of
    # shortname -> value (docs/onelogin-api.md Op 7).
    ("PUT", "/api/2/users/{user_id}"): {"custom_attributes", "custom_attributes.*"},
}

# The spec gives PUT /api/2/mappings/{id} a bare object, with the mapping schema only as an
# example: its body is checked against the mapping schema instead.
BODY_SCHEMA_OF = {("PUT", "/api/2/mappings/{mapping_id}"): ("POST", "/api/2/mappings")}


class _SpecLoader(yaml.SafeLoader):
    """The spec has an `=` example that PyYAML reads as the `value` tag: take it as a scalar."""


_SpecLoader.add_constructor(
    "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node)
)


@cache
def spec() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = yaml.load(stream, Loader=_SpecLoader)  # noqa: S506 (SafeLoader)
    return loaded


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    query: frozenset[str]
    body: Any  # the resolved request body schema, or None


def operations() -> list[Operation]:
    found = []
    for template, item in spec()["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = [resolve(p) for p in shared + operation.get("parameters", [])]
            query = frozenset(p["name"] for p in parameters if p.get("in") == "query")
            content = (resolve(operation.get("requestBody")) or {}).get("content", {})
            body = resolve(content.get("application/json", {}).get("schema"))
            found.append(Operation(template, method.upper(), query, body))
    return found


def template_regex(template: str) -> re.Pattern[str]:
    # Ids are numbers: `/api/2/users/custom_attributes` must not pass for `/api/2/users/{user_id}`.
    def part(segment: str) -> str:
        if segment.startswith("{") and segment.endswith("}"):
            return r"\d+" if segment.endswith("_id}") else r"[^/]+"
        return re.escape(segment)

    return re.compile("/".join(part(s) for s in template.split("/")) + "$")


def find_operation(method: str, path: str) -> tuple[str, Operation | None]:
    """(the spec's path template or the literal path, the operation or None)."""
    for operation in operations():
        if operation.method == method and template_regex(operation.template).match(path):
            return operation.template, operation
    return path, None


def schema_knows(schema: Any, dotted: str, maps: set[str]) -> bool:
    node, walked = resolve(schema), ""
    for key in dotted.split("."):
        if walked in maps:
            walked = f"{walked}.*"  # a map's key: the value has the map's own schema
            continue
        node = child(node, key)
        if node is None:
            return False
        walked = f"{walked}.{key}" if walked else key
    return True


def child(schema: Any, key: str) -> Any:
    schema = resolve(schema)
    if not isinstance(schema, dict):
        return None
    for combined in ("allOf", "oneOf", "anyOf"):
        for option in schema.get(combined, []):
            found = child(option, key)
            if found is not None:
                return found
    properties = schema.get("properties") or {}
    if key in properties:
        return resolve(properties[key])
    extra = schema.get("additionalProperties")
    return resolve(extra) if isinstance(extra, dict) else None


def allowed(patterns: set[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def problems_of(entry: dict[str, Any]) -> list[str]:
    method, path = str(entry["method"]), str(entry["path"])
    template, operation = find_operation(method, path)
    key = (method, template)
    if operation is None:
        return [] if key in ALLOWED_OPERATIONS else [f"{method} {path}: no such operation"]
    found = []
    for name in entry.get("query") or {}:
        # `custom_attributes.{attribute_name}` in the spec is a family of names.
        spec_names = {q.replace("{attribute_name}", "*") for q in operation.query}
        if not allowed(spec_names | ALLOWED_QUERY.get(key, set()), name):
            found.append(f"{method} {template}: query parameter {name!r} not in the spec")
    body_schema = operation.body
    if key in BODY_SCHEMA_OF:
        _, other = find_operation(*BODY_SCHEMA_OF[key])
        body_schema = other.body if other else None
    for name in entry.get("body_keys") or []:
        if allowed(ALLOWED_BODY.get(key, set()), name):
            continue
        if body_schema is None or not schema_knows(body_schema, name, BODY_MAPS.get(key, set())):
            found.append(f"{method} {template}: body key {name!r} not in the spec")
    return found


def full_run(running: World) -> list[dict[str, Any]]:
    applied = running.cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    running.play_admin(template=running.cli("render").stdout)
    planned = running.cli("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    e2e = ("--e2e", "--test-user", "alice@example.com", "--timeout", "3", "--interval", "0.1")
    verified = running.cli("verify", *e2e)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    audited = running.cli("audit", "--detailed-exitcode")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    return running.requests_log()


@pytest.mark.e2e
def test_every_request_of_a_full_run_is_in_the_spec_or_allow_listed(
    tmp_path: Path, quirks_profile: str
) -> None:
    with world(tmp_path, quirks_profile) as running:
        log = full_run(running)
    assert len(log) > 20  # the run really happened
    problems = [problem for entry in log for problem in problems_of(entry)]
    assert problems == []


@pytest.mark.e2e
def test_every_request_of_audit_fix_is_in_the_spec_or_allow_listed(
    tmp_path: Path, quirks_profile: str
) -> None:
    """The drift scenario (docs/sandbox.md) gives audit --fix a mapping to re-run."""
    with world(tmp_path, quirks_profile, scenario="drift") as running:
        deliver_to_file(running.token_file, DRIFT_SCIM_TOKEN)
        running.write_config(promotions={"users": []})
        fixed = running.cli("audit", "--fix", "--auto-approve")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        log = running.requests_log()
    assert ("PUT", "/api/2/users") in {(e["method"], e["path"].rsplit("/", 1)[0]) for e in log}
    problems = [problem for entry in log for problem in problems_of(entry)]
    assert problems == []


@pytest.mark.one_profile("checks the checker on made-up log entries; no sandbox runs")
@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"method": "GET", "path": "/api/2/roles", "query": {"bogus": "1"}}, "query parameter"),
        ({"method": "PATCH", "path": "/api/2/apps/5"}, "no such operation"),
        ({"method": "POST", "path": "/api/2/roles", "body_keys": ["colour"]}, "body key"),
        (
            {"method": "PUT", "path": "/api/2/apps/5", "body_keys": ["parameters.x.colour"]},
            "body key",
        ),
    ],
)
def test_the_check_catches_what_the_spec_does_not_have(
    entry: dict[str, Any], expected: str
) -> None:
    (problem,) = problems_of(entry)
    assert expected in problem
