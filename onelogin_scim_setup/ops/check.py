"""A check's outcome: what verify (and the demo) report, each with a fix hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

# The push-evidence check's name (ops.push_evidence), here so that rendering a check's outcome does not
# load the HTTP clients (`validate` stays offline and light).
PUSH_EVIDENCE_CHECK = "OneLogin -> SOE: recent changes reached SOE"

Status = Literal["pass", "fail", "warn", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    hint: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def passed(checks: list[Check]) -> bool:
    return all(check.status in ("pass", "warn", "skip") for check in checks)
