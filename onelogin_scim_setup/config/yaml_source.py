"""Safe YAML reading that remembers where every key stands, so config errors can say file:line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from onelogin_scim_setup.config import CONFIG_ENV
from onelogin_scim_setup.config.problems import Problem
from onelogin_scim_setup.errors import ConfigError
from onelogin_scim_setup.files import InputFileError, read_text_input

KeyPath = tuple[str | int, ...]
MAX_NODES = 100_000
MAX_DEPTH = 32  # a real config nests 4 levels; PyYAML's composer recurses once per level
MAX_CONFIG_BYTES = 1024 * 1024
# libyaml when present: the pure-Python parser takes seconds per MiB. Both are the safe loaders.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        text = read_text_input(path, MAX_CONFIG_BYTES)
    except InputFileError as error:
        raise ConfigError(f"{path}: the config file {error}") from None
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found",
            hint="Create one with `onelogin-scim-setup init`, or point -c/--config "
            f"(or {CONFIG_ENV}) at yours.",
        ) from None
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot read the config file: {error.strerror or error}"
        ) from None
    return parse_yaml(text, path)


def load_limited(text: str, name: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data of a YAML text, with its nesting depth checked first.

    The check reads parser events (no recursion, stopping at the first level too deep), so a
    document nested thousands deep is refused in milliseconds instead of crashing the composer.
    Raises ValueError naming `name` and the line.
    """
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else "?"
                    raise ValueError(f"{name}:{line}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            _check_expanded_size(node, name)  # its ValueError names the limit itself
            try:
                data = None if node is None else loader.construct_document(node)
            except ValueError as error:  # e.g. an integer of more than 4,300 digits
                raise ValueError(f"{name}: a value cannot be read: {error}") from None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f":{mark.line + 1}" if mark else ""
        problem = error.problem or "invalid YAML"
        raise ValueError(f"{name}{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{name}: invalid YAML: {error}") from None
    except (RecursionError, OverflowError) as error:
        raise ValueError(f"{name}: YAML too complex to read ({type(error).__name__})") from None
    return node, data


def _check_expanded_size(node: yaml.Node | None, name: str) -> None:
    """Refuse a document of more than MAX_NODES nodes once its aliases are expanded ("billion
    laughs"): whoever walks the data later (the config's line marks, a sample's checks, the
    template) would walk every copy. Iterative, and it stops at the first node over the limit."""
    stack, budget = [node] if node is not None else [], MAX_NODES
    while stack:
        current = stack.pop()
        budget -= 1
        if budget < 0:
            raise ValueError(
                f"{name}: too many nodes once YAML aliases are expanded (over {MAX_NODES})"
            )
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                stack += [key_node, value_node]
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def parse_yaml(text: str, path: Path) -> YamlDocument:
    try:
        node, data = load_limited(text, str(path))
    except ValueError as error:
        raise ConfigError(str(error)) from None
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
                line = key_node.start_mark.line + 1
                duplicates.append(
                    Problem(
                        path,
                        line,
                        dotted,
                        "duplicate key (the later one would silently win)",
                        text=f"{path}:{line}: {dotted}",
                    )
                )
            seen.add(key)
            lines[key_path] = key_node.start_mark.line + 1
            _record_lines(value_node, key_path, lines, duplicates, path, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            item_path = (*prefix, index)
            lines[item_path] = item.start_mark.line + 1
            _record_lines(item, item_path, lines, duplicates, path, budget)
