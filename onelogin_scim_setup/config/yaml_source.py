"""Safe YAML reading that remembers where every key stands, so config errors can say file:line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from onelogin_scim_setup.errors import ConfigError

KeyPath = tuple[str | int, ...]
MAX_NODES = 100_000
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    """The parsed data plus the 1-based line of every mapping key and sequence item."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key_path: Sequence[str | int]) -> int | None:
        """The line of the deepest part of `key_path` that exists in the file."""
        parts = tuple(key_path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return None

    def where(self, key_path: Sequence[str | int]) -> str:
        line = self.line_of(key_path)
        return f"{self.path}:{line}" if line else str(self.path)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse `path`; any failure is a ConfigError naming the file (and line when known)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found",
            hint="Create one with `onelogin-scim-setup init`, or point -c/--config "
            "(or ONELOGIN_SCIM_CONFIG) at yours.",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {error}") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> YamlDocument:
    # One parse: compose the node tree (its marks give the lines), then build the data from it.
    # libyaml's loader (when PyYAML was built with it) composes with marks too, many times faster.
    loader = LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = error.problem or "invalid YAML"
        raise ConfigError(f"{path}{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from None
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    duplicates: list[str] = []
    if node is not None:
        budget = [MAX_NODES]
        _record_lines(node, (), lines, duplicates, path, budget)
    if duplicates:
        raise ConfigError(
            f"{path}: duplicate keys (the later one would silently win)", problems=duplicates
        )
    return YamlDocument(path=path, data=data, lines=lines)


def _record_lines(
    node: yaml.Node,
    prefix: KeyPath,
    lines: dict[KeyPath, int],
    duplicates: list[str],
    path: Path,
    budget: list[int],
) -> None:
    # Aliases make the walk exponential ("billion laughs"); a real config has a few hundred nodes.
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigError(
            f"{path}: too many nodes once YAML aliases are expanded (over {MAX_NODES})"
        )
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            key_path = (*prefix, key)
            if key in seen:
                dotted = ".".join(str(part) for part in key_path)
                duplicates.append(f"{path}:{key_node.start_mark.line + 1}: {dotted}")
            seen.add(key)
            lines[key_path] = key_node.start_mark.line + 1
            _record_lines(value_node, key_path, lines, duplicates, path, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_path = (*prefix, index)
            lines[item_path] = item.start_mark.line + 1
            _record_lines(item, item_path, lines, duplicates, path, budget)
