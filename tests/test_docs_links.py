"""The repository is self-contained: relative Markdown links resolve, and nothing cites local paths.

`broken_links` checks one Markdown text: every relative link `[text](path)`, `[text](path#anchor)`
or `[text](#anchor)` must name an existing file or folder, and an anchor must match a heading of the
target as GitHub slugs it. External URLs are ignored, and so are links inside code.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
# .mutation/ and mutants/ hold scratch copies of the repository made by benchmarks/mutation.py.
SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "build", "dist", ".mutation", "mutants"}

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(].*?[\"')])?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+[\"'(].*[\"')])?\s*$")
_HTML_ANCHOR = re.compile(r"<a\s[^>]*?(?:id|name)=[\"']([^\"']+)[\"']", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: the rendered text, lower-cased, punctuation dropped
    (letters, digits, `_`, `-` and spaces stay), each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link renders as its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags render as nothing
    text = text.strip().lower()
    kept = "".join(
        char for char in text if char in "-_ " or unicodedata.category(char)[0] in ("L", "N", "M")
    )
    return kept.replace(" ", "-")


def _lines_outside_code(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for every line outside fenced and indented code blocks."""
    fence: str | None = None
    indented_code = False
    previous, context = "", ""  # the line before, and the last non-blank line before that
    for number, line in enumerate(text.splitlines(), start=1):
        indented = line.startswith(("    ", "\t")) and bool(line.strip())
        opening = _FENCE.match(line)
        if fence is not None:
            closing = line.strip()
            if closing.startswith(fence) and not closing.strip(fence[0]):
                fence = None
        elif opening:
            fence, indented_code = opening.group(1), False
        elif indented and (indented_code or _starts_indented_code(previous, context)):
            indented_code = True
        else:
            indented_code = indented_code and not line.strip()
            yield number, line
        if line.strip():
            context = line
        previous = line


def _starts_indented_code(previous: str, context: str) -> bool:
    """An indented code block starts after a blank line, and not inside a list."""
    if previous.strip():
        return False  # an indented line right after text continues that text
    return not (context.startswith((" ", "\t")) or _LIST_ITEM.match(context))


def anchors(text: str) -> set[str]:
    """Every anchor a Markdown text defines: heading slugs (GitHub's `-1`, `-2` for repeats) and
    explicit `<a id=...>` / `<a name=...>`."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _lines_outside_code(text):
        found.update(_HTML_ANCHOR.findall(_INLINE_CODE.sub("", line)))
        heading = _HEADING.match(line)
        if not heading:
            continue
        slug = github_slug(heading.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def _targets(line: str) -> list[str]:
    line = _INLINE_CODE.sub("", line)
    reference = _REFERENCE.match(line)
    return [reference.group(1)] if reference else _LINK.findall(line)


def broken_links(
    text: str,
    source: Path,
    root: Path,
    read: Callable[[Path], str] = lambda path: path.read_text(encoding="utf-8"),
) -> list[str]:
    """Every broken relative link in `text`, the Markdown content of `source` (inside `root`), as
    `"<line>: <target>: <reason>"`. A leading `/` is relative to `root`, as on GitHub."""
    problems: list[str] = []
    for number, line in _lines_outside_code(text):
        for target in _targets(line):
            if not target or _SCHEME.match(target) or target.startswith("//"):
                continue  # external (http:, https:, mailto:, ...) or empty
            path_part, _, anchor = target.partition("#")
            path_part = unquote(path_part.split("?", 1)[0])
            if path_part:
                base = root if path_part.startswith("/") else source.parent
                resolved = (base / path_part.lstrip("/")).resolve()
            else:
                resolved = source.resolve()
            if not resolved.exists():
                problems.append(f"{number}: {target}: no such file")
                continue
            if not anchor or resolved.is_dir() or resolved.suffix.lower() != ".md":
                continue
            content = text if resolved == source.resolve() else read(resolved)
            if unquote(anchor).lower() not in anchors(content):
                problems.append(f"{number}: {target}: no heading with anchor #{anchor}")
    return problems


def markdown_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*.md")
        if not SKIPPED_DIRS.intersection(path.relative_to(root).parts)
    )


# --- the checker's own tests -----------------------------------------------------------------

TARGET = "# Title\n\n## 1.5 Pagination\n\n### Op 3: Apps\n\n## Op `code` word\n\n## Repeat\n\n## Repeat\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("[ok](target.md)", [], id="good file link"),
        pytest.param("[ok](target.md#15-pagination)", [], id="good anchor"),
        pytest.param("[ok](target.md#op-3-apps)", [], id="good anchor with colon"),
        pytest.param("[ok](target.md#repeat-1)", [], id="repeated heading suffix"),
        pytest.param("[ok](./sub/../target.md)", [], id="dot segments"),
        pytest.param("[ok](/target.md#title)", [], id="root-relative link"),
        pytest.param("[ok](#local-heading)\n\n## Local heading", [], id="same-file anchor"),
        pytest.param("![img](target.md)", [], id="image link"),
        pytest.param('[ok](target.md "a title")', [], id="link with a title"),
        pytest.param("[ref]: target.md#op-3-apps", [], id="good reference definition"),
        pytest.param("[x](missing.md)", ["1: missing.md: no such file"], id="missing file"),
        pytest.param(
            "[x](target.md#op-9)",
            ["1: target.md#op-9: no heading with anchor #op-9"],
            id="missing anchor",
        ),
        pytest.param(
            "text\n[x](#nowhere)",
            ["2: #nowhere: no heading with anchor #nowhere"],
            id="missing local",
        ),
        pytest.param("[ref]: gone.md", ["1: gone.md: no such file"], id="broken reference"),
        pytest.param("[x](https://example.com/missing.md#nope)", [], id="external URL ignored"),
        pytest.param("[x](mailto:someone@example.com)", [], id="mailto ignored"),
        pytest.param("<https://example.com/a.md>", [], id="autolink ignored"),
        pytest.param("```\n[x](missing.md)\n```", [], id="fenced code block ignored"),
        pytest.param("~~~md\n[x](missing.md)\n~~~", [], id="tilde fence ignored"),
        pytest.param("see `[x](missing.md)` here", [], id="inline code ignored"),
        pytest.param("    [x](missing.md)", [], id="indented code block ignored"),
        pytest.param("text\n\n    code\n    [x](missing.md)", [], id="indented code, 2nd line"),
        pytest.param(
            "    code\n\n[x](missing.md)", ["3: missing.md: no such file"], id="after indented code"
        ),
        pytest.param(
            "- item\n\n    [x](missing.md)",
            ["3: missing.md: no such file"],
            id="indented list continuation checked",
        ),
        pytest.param("[ok](target.md#op-code-word)", [], id="anchor of a heading with code"),
    ],
)
def test_broken_links(tmp_path: Path, source: str, expected: list[str]) -> None:
    (tmp_path / "target.md").write_text(TARGET, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    page = tmp_path / "page.md"
    page.write_text(source, encoding="utf-8")
    assert broken_links(source, page, tmp_path) == expected


def test_headings_in_code_blocks_are_not_anchors() -> None:
    assert "fake" not in anchors("```\n# Fake\n```\n")
    assert "real" in anchors("# Real\n")


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Op 3: Apps", "op-3-apps"),
        ("1.5 Pagination", "15-pagination"),
        ("4.2 provisioning.enabled not sticking", "42-provisioningenabled-not-sticking"),
        ("Item 7: user custom_attributes", "item-7-user-custom_attributes"),
        ("1. What SOE's SCIM endpoint supports", "1-what-soes-scim-endpoint-supports"),
        ("`{$...}` or `${...}`", "-or-"),
        ("A [linked](https://example.com) heading", "a-linked-heading"),
        ("Provisioning (Suspend vs Delete)", "provisioning-suspend-vs-delete"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


# --- the repository ----------------------------------------------------------------------------


def test_there_is_markdown_to_check() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in markdown_files(ROOT)}
    assert {"README.md", "docs/README.md", "docs/onelogin-api.md"} <= names


@pytest.mark.parametrize(
    "path", markdown_files(ROOT), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_markdown_links_resolve(path: Path) -> None:
    assert broken_links(path.read_text(encoding="utf-8"), path, ROOT) == []


FORBIDDEN = ("shared/reference", "../shared", "/work/")
TRACKED_PATTERNS = ("*.py", "*.md", "*.yaml", "*.toml")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *TRACKED_PATTERNS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    this_file = Path(__file__).resolve()
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name) != this_file]


def test_tracked_files_are_listed() -> None:
    assert ROOT / "pyproject.toml" in tracked_files()


def test_no_tracked_file_cites_local_paths() -> None:
    """Facts are cited from docs/ or public sources, never from a path only one machine has."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in tracked_files()
        if path.is_file()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(word in line for word in FORBIDDEN)
    ]
    assert offenders == []
