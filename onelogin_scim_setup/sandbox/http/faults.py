"""Seeded fault injection shared by both emulators.

Every request to a public API draws exactly five numbers from one `random.Random(seed)`, whatever
the outcome, so a fixed seed and a fixed request sequence give the same faults on every run.
Precedence when several faults are drawn for one request: drop before processing, then 429, then
500; a slow draw delays any of them; a drop after processing loses the answer of a request that
was processed (the write happened). A targeted lost answer (`FaultSpec.lose_answers`) draws
nothing: it counts the requests that match it and drops the answer of the ones it names, after
processing them, whatever the draws said (it is the one fault a test asked for).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from onelogin_scim_setup.sandbox.options import FaultSpec


@dataclass(frozen=True)
class FaultDecision:
    delay: float = 0.0
    drop_before: bool = False
    rate_limited: bool = False
    error: bool = False
    drop_after: bool = False
    retry_after: int = 0


class FaultInjector:
    """Holds the current `FaultSpec` and its random generator; safe to share between threads."""

    def __init__(self, spec: FaultSpec) -> None:
        self._lock = threading.Lock()
        self._spec = spec
        self._random = random.Random(spec.seed)
        self._matched = [0] * len(spec.lose_answers)  # requests each targeted fault has seen

    @property
    def spec(self) -> FaultSpec:
        with self._lock:
            return self._spec

    def replace(self, spec: FaultSpec) -> None:
        """Swap the spec at run time (`PUT /_sandbox/faults`); the generator restarts from its seed."""
        with self._lock:
            self._spec = spec
            self._random = random.Random(spec.seed)
            self._matched = [0] * len(spec.lose_answers)

    def decide(self, path: str, method: str = "") -> FaultDecision:
        with self._lock:
            rates = self._spec.rates_for(path)
            u_drop, u_half, u_limit, u_error, u_slow = (self._random.random() for _ in range(5))
            targeted = self._targeted(method, path)
        if targeted:
            delay = rates["latency"]
            return FaultDecision(delay=delay, drop_after=True)
        dropped = u_drop < rates["drop_rate"]
        delay = rates["latency"] + (rates["slow_seconds"] if u_slow < rates["slow_rate"] else 0.0)
        return FaultDecision(
            delay=delay,
            drop_before=dropped and u_half < 0.5,
            rate_limited=u_limit < rates["rate_limit_rate"],
            error=u_error < rates["error_rate"],
            drop_after=dropped and u_half >= 0.5,
            retry_after=int(rates["retry_after"]),
        )

    def _targeted(self, method: str, path: str) -> bool:
        """Whether a targeted fault loses this request's answer (under the lock)."""
        lost = False
        for index, rule in enumerate(self._spec.lose_answers):
            if rule.matches(method, path):
                self._matched[index] += 1
                lost = lost or rule.loses(self._matched[index])
        return lost
