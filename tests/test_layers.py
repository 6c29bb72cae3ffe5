"""The layers of ARCHITECTURE.md hold: every import of every module (at the top or inside a
function, since commands import what they need when they run) points down, never up or sideways;
the pure layers do no I/O; the sandbox and the core share no code, in either direction."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "onelogin_scim_setup"
ROOT = "onelogin_scim_setup"

# Top to bottom. A module may import its own package and any package of a LOWER layer; never one of
# its own layer (two clients do not know each other) nor one above.
LAYERS: list[tuple[str, ...]] = [
    ("cli",),
    ("render",),
    ("ops",),
    ("plan", "audit"),
    ("onelogin", "soe"),
    ("model",),
    ("secrets", "template"),
    ("config",),
    ("bounds", "files"),
    ("errors", "templates", "__init__"),
]
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
# Layers that compute and decide only: no network, files, processes, threads, clock or signals.
PURE = ("plan", "audit", "model")
IO_MODULES = frozenset(
    {
        "requests",
        "urllib3",
        "socket",
        "subprocess",
        "http",
        "urllib",
        "os",
        "sys",
        "io",
        "pathlib",
        "shutil",
        "tempfile",
        "fcntl",
        "signal",
        "threading",
        "concurrent",
        "time",
        "logging",
    }
)


def package_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else path.stem


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the file, wherever it stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.level:
                raise AssertionError(f"{path}: relative import; the package imports absolutely")
            found.append((node.lineno, node.module))
            # `from onelogin_scim_setup import x`: x is the module imported.
            if node.module == ROOT:
                found += [
                    (node.lineno, f"{ROOT}.{alias.name}")
                    for alias in node.names
                    if (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").exists()
                ]
    return found


def core_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "sandbox" not in path.relative_to(PACKAGE).parts and path.name != "__main__.py"
    )


def sandbox_files() -> list[Path]:
    return sorted((PACKAGE / "sandbox").rglob("*.py"))


def upward_imports(path: Path) -> list[str]:
    package = package_of(path)
    wrong = []
    for line, module in imports(path):
        parts = module.split(".")
        if parts[0] != ROOT or len(parts) < 2 or parts[1] == "sandbox":
            continue
        target = parts[1]
        if target == package:
            continue
        if RANK[target] <= RANK[package]:
            wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    return wrong


def test_every_package_has_a_layer() -> None:
    packages = {package_of(path) for path in core_files()}
    assert packages - set(RANK) == set()


def test_imports_point_only_down() -> None:
    assert [bad for path in core_files() for bad in upward_imports(path)] == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    """The check itself: an import from a lower layer up to a higher one is reported."""
    fake = PACKAGE / "plan" / "_layer_probe.py"
    fake.write_text("from onelogin_scim_setup.ops.apply import apply_plan\n", encoding="utf-8")
    try:
        assert upward_imports(fake) == [
            "plan/_layer_probe.py:1 imports onelogin_scim_setup.ops.apply"
        ]
    finally:
        fake.unlink()


@pytest.mark.parametrize(
    "path",
    [path for path in core_files() if package_of(path) in PURE],
    ids=lambda path: path.relative_to(PACKAGE).as_posix(),
)
def test_pure_layers_do_no_io(path: Path) -> None:
    used = sorted(
        {
            module
            for _, module in imports(path)
            if module.split(".")[0] in IO_MODULES
            or (module.startswith(f"{ROOT}.") and module.split(".")[1] in ("onelogin", "soe"))
        }
    )
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = sorted(
        {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("open", "print", "input", "exec", "eval")
        }
    )
    assert (used, calls) == ([], [])


@pytest.mark.parametrize(
    "path", sandbox_files(), ids=lambda path: path.relative_to(PACKAGE).as_posix()
)
def test_the_sandbox_imports_nothing_of_the_core(path: Path) -> None:
    """The emulator stands apart, so a wrong belief shared by both cannot hide a bug."""
    outside = [
        module
        for _, module in imports(path)
        if (module.startswith(f"{ROOT}.") and not module.startswith(f"{ROOT}.sandbox"))
        or module == ROOT
    ]
    assert outside == []


@pytest.mark.parametrize(
    "path", core_files(), ids=lambda path: path.relative_to(PACKAGE).as_posix()
)
def test_only_the_cli_starts_the_sandbox(path: Path) -> None:
    """The core imports the emulator only in `cli/` (the `sandbox` and `demo` commands)."""
    reaches = [module for _, module in imports(path) if module.startswith(f"{ROOT}.sandbox")]
    assert reaches == [] or package_of(path) == "cli"
