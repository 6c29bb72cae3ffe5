"""Mutation testing of the safety-path modules, one module at a time with only its own tests.

Usage (after `pip install -e '.[test,mutation]'`):

    python benchmarks/mutation.py                 # every target, one after the other
    python benchmarks/mutation.py redact logs     # only the named targets
    python benchmarks/mutation.py --list          # the targets and their test files
    python benchmarks/mutation.py --show redact   # diffs of the survivors of the last run
    python benchmarks/mutation.py --recheck redact  # after new tests: rerun only those survivors

Each target runs mutmut in its own scratch copy of the repository under `.mutation/<target>/`
(mutmut reads its settings from the pyproject.toml in the working directory, so a copy per target
is how one module gets mutated against only the test files that exercise it). The copy is kept:
`cd .mutation/<target> && mutmut show <mutant>` prints a surviving mutant's diff.
Prints killed/survived/timeout per target and the score (killed + timeout) / (all - skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutation"
PACKAGE = "onelogin_scim_setup"
# Files the tests read relative to the repository root; mutmut runs the tests inside `mutants/`.
ALSO_COPY = ["templates", "README.md", "docs", "ARCHITECTURE.md"]

# target name -> (source modules to mutate, test files that exercise them)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "redact": (["secrets/redact.py"], ["tests/test_redact.py", "tests/test_logs.py"]),
    "logs": (["render/logs.py"], ["tests/test_logs.py"]),
    "diff": (
        ["plan/diff.py", "plan/changes.py"],
        ["tests/test_diff.py", "tests/test_engine_plan.py"],
    ),
    "desired": (["plan/desired.py"], ["tests/test_desired.py"]),
    "read": (
        [
            "onelogin/read.py",
            "onelogin/apps.py",
            "onelogin/mappings.py",
            "onelogin/vocabulary.py",
            "model/snapshot.py",
        ],
        [
            "tests/test_read.py",
            "tests/test_apply.py",
            "tests/test_onelogin_apps.py",
            "tests/test_onelogin_mappings.py",
            "tests/test_onelogin_vocabulary.py",
        ],
    ),
    "transport": (
        [
            "onelogin/wire.py",
            "onelogin/auth.py",
            "onelogin/answers.py",
            "onelogin/client.py",
        ],
        [
            "tests/test_onelogin_transport.py",
            "tests/test_onelogin_client.py",
            "tests/test_onelogin_retry.py",
            "tests/test_onelogin_wire.py",
            "tests/test_onelogin_answers.py",
            "tests/test_onelogin_api.py",
            "tests/test_onelogin_auth.py",
        ],
    ),
    "config": (["config/urls.py"], ["tests/test_urls.py", "tests/test_config.py"]),
    "cli": (["errors.py", "cli/__init__.py"], ["tests/test_cli.py", "tests/test_errors.py"]),
    "token": (
        ["secrets/token.py", "secrets/sources.py"],
        ["tests/test_secrets_token.py", "tests/test_secrets_sources.py"],
    ),
}

# One process prints every survivor's diff; `mutmut show` would start one per mutant.
SHOW_DIFFS = """
import sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
for name in sys.argv[1:]:
    print("## " + name)
    print(get_diff_for_mutant(name))
"""
# Where a module is large, only its safety-path functions are mutated (mutmut name patterns); the
# rest of it is wording of messages, measured only when time allows. The OneLogin wire: all of
# wire.py (the retry policy and its waits, the rate budget, the places on the wire, the mounted
# policies) and auth.py (the token cache); in client.py the token request, the 401 renewal, the
# POST rule, DELETE's 404, error mapping, the redaction of a request's sensitive values and the
# duplicate-safe create and its waits; in answers.py whether a failed POST may have been processed.
_ONELOGIN = f"{PACKAGE}.onelogin"
MUTANTS: dict[str, list[str]] = {
    "transport": [
        f"{_ONELOGIN}.wire.*__mutmut_*",
        f"{_ONELOGIN}.auth.*__mutmut_*",
        f"{_ONELOGIN}.answers.x_maybe_processed__mutmut_*",
    ]
    + [
        f"{_ONELOGIN}.client.xǁOneLoginClientǁ{method}__mutmut_*"
        for method in [
            "__init__",
            "_request_token",
            "_exchange",
            "post",
            "put_once",
            "delete",
            "create",
            "_error",
            "_cleaner",
        ]
    ],
}
RESULT_LINE = re.compile(r"^\s+(\S+): (.+)$")
MUTMUT_SETTINGS = """
[tool.mutmut]
source_paths = ["{package}"]
only_mutate = {only}
pytest_add_cli_args_test_selection = {tests}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]
also_copy = {also}
"""


def _quoted(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def prepare(name: str, modules: list[str], tests: list[str]) -> Path:
    """A fresh copy of the package, tests and data files, with mutmut settings for one target."""
    work = SCRATCH / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in [PACKAGE, "tests", "templates", "docs"]:
        shutil.copytree(ROOT / folder, work / folder, ignore=skip)
    for file in ["README.md", "ARCHITECTURE.md"]:
        if (ROOT / file).exists():
            shutil.copy2(ROOT / file, work / file)
    existing = [test for test in tests if (ROOT / test).exists()]
    settings = MUTMUT_SETTINGS.format(
        package=PACKAGE,
        only=_quoted([f"{PACKAGE}/{module}" for module in modules]),
        tests=_quoted(existing),
        also=_quoted(ALSO_COPY),
    )
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(pyproject + settings, encoding="utf-8")
    return work


def _statuses(work: Path) -> dict[str, str]:
    """Every mutant of the last run in `work` and its status (killed, survived, timeout, ...)."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return dict(match.groups() for match in map(RESULT_LINE.match, listing.splitlines()) if match)


def _previous(work: Path) -> dict[str, str]:
    """The statuses of the last completed run in `work`: its statuses.json, or its survivors."""
    saved = work / "statuses.json"
    if saved.exists():
        return dict(json.loads(saved.read_text(encoding="utf-8")))
    lines = (work / "survivors.txt").read_text(encoding="utf-8").splitlines()
    return {
        m: status for status, m in (line.strip().split(": ", 1) for line in lines if line.strip())
    }


def run(name: str, timeout: int, *, recheck: bool = False) -> Counter[str]:
    """Mutate the target's modules and run its tests against each mutant.

    With `recheck`, only the mutants the previous run did not kill are run again (after new tests
    were written); the others keep their status, since adding tests cannot revive a killed mutant.
    """
    previous: dict[str, str] = {}
    if recheck:
        previous = _previous(SCRATCH / name)
    modules, tests = TARGETS[name]
    work = prepare(name, modules, tests)
    again = [mutant for mutant, status in previous.items() if status != "killed"]
    selected = MUTANTS.get(name, [])
    with (work / "mutmut-run.log").open("w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", "1", *(again or selected)],
            cwd=work,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    fresh = {
        mutant: status
        for mutant, status in _statuses(work).items()
        if not selected or any(fnmatch(mutant, pattern) for pattern in selected)
    }
    if recheck:
        # A mutant the last run did not list as a survivor was killed by it.
        statuses = {m: previous.get(m, "killed") for m in fresh}
        statuses.update({m: fresh[m] for m in again})
    else:
        statuses = fresh
    (work / "statuses.json").write_text(json.dumps(statuses, indent=1), encoding="utf-8")
    survivors = [f"    {status}: {m}" for m, status in statuses.items() if status != "killed"]
    (work / "survivors.txt").write_text("\n".join(survivors) + "\n", encoding="utf-8")
    return Counter(statuses.values())


def show(name: str) -> None:
    """Print the diff of every mutant a finished run of `name` did not kill."""
    work = SCRATCH / name
    lines = (work / "survivors.txt").read_text(encoding="utf-8").split()
    mutants = [word for word in lines if "__mutmut_" in word]
    subprocess.run([sys.executable, "-c", SHOW_DIFFS, *mutants], cwd=work, check=False)


def score(counts: Counter[str]) -> float:
    tested = sum(counts.values()) - counts["skipped"]
    return 100.0 * (counts["killed"] + counts["timeout"]) / tested if tested else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(TARGETS))
    parser.add_argument("--list", action="store_true", help="print the targets and exit")
    parser.add_argument(
        "--show", action="store_true", help="print the survivors' diffs of the last run, no new run"
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="run again only the mutants the last run of each target did not kill",
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per target")
    args = parser.parse_args()
    if args.list:
        for name, (modules, tests) in TARGETS.items():
            print(f"{name}: {', '.join(modules)} <- {', '.join(tests)}")
        return 0
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    if args.show:
        for name in args.targets or list(TARGETS):
            show(name)
        return 0
    header = (
        f"{'target':<10} {'killed':>6} {'survived':>8} {'timeout':>7} {'other':>5} {'score':>7}"
    )
    rows = [header]
    for name in args.targets or list(TARGETS):
        counts = run(name, args.timeout, recheck=args.recheck)
        other = sum(counts.values()) - counts["killed"] - counts["survived"] - counts["timeout"]
        row = f"{name:<10} {counts['killed']:>6} {counts['survived']:>8} {counts['timeout']:>7} {other:>5} {score(counts):>6.1f}%"
        print(row, flush=True)
        rows.append(row)
    print("\n".join(rows))
    print(f"survivors: {SCRATCH}/<target>/survivors.txt; diff: cd there && mutmut show <name>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
