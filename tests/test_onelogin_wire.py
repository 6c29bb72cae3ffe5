"""onelogin.wire: the places on the wire survive an interruption at any point."""

from __future__ import annotations

import threading

import pytest

from onelogin_scim_setup.onelogin.wire import Request, WireSlots


class InterruptedAcquire:
    """A semaphore whose `acquire` is interrupted (Ctrl-C) the `nth` time it is called."""

    def __init__(self, size: int, nth: int) -> None:
        self.inner = threading.BoundedSemaphore(size)
        self.calls = 0
        self.nth = nth

    def acquire(self) -> bool:
        self.calls += 1
        if self.calls == self.nth:
            raise KeyboardInterrupt
        return self.inner.acquire()

    def release(self) -> None:
        self.inner.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def test_an_interruption_while_taking_the_place_back_frees_no_place_twice() -> None:
    slots = WireSlots(1)
    semaphore = InterruptedAcquire(1, nth=2)  # 1: held() takes the place; 2: lent() takes it back
    slots._free = semaphore  # type: ignore[assignment]
    request = Request()
    with pytest.raises(KeyboardInterrupt), slots.held(request), slots.lent(request):
        pass  # asking something else, then Ctrl-C while taking the place back
    # Exactly the one place is free again (releasing it twice would have raised ValueError).
    assert semaphore.inner.acquire(blocking=False)
    assert not semaphore.inner.acquire(blocking=False)
