"""One model, two kinds of callers: questions go before the next batch of an index build."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

ANSWER_GRACE_S = 0.1  # after a question's vector, leave the CPU to its answer this long
MAX_YIELD_S = 0.25  # but never hold a build batch back longer than this


class PriorityGate:
    """Lets one caller use the model at a time, questions first.

    A build encodes in small batches and takes the gate per batch (``urgent=False``). A question
    (``urgent=True``) goes before any waiting batch, and the next batch then waits until the
    question has had ``grace`` seconds to be answered, so a rebuild slows questions little. A
    batch never waits longer than ``max_wait`` for questions, so a build under a steady stream of
    questions still advances.
    """

    def __init__(self, grace: float = ANSWER_GRACE_S, max_wait: float = MAX_YIELD_S) -> None:
        self._cv = threading.Condition()
        self._busy = False
        self._urgent_waiting = 0
        self._overdue = 0  # build batches that have waited max_wait: they go next
        self._last_urgent = float("-inf")
        self.grace, self.max_wait = grace, max_wait

    @contextmanager
    def hold(self, urgent: bool) -> Iterator[None]:
        """Hold the model; ``urgent`` (a question) overtakes callers that are not."""
        with self._cv:
            self._wait_turn(urgent)
            self._busy = True
        try:
            yield
        finally:
            with self._cv:
                self._busy = False
                if urgent:
                    self._last_urgent = time.monotonic()
                self._cv.notify_all()

    def _wait_turn(self, urgent: bool) -> None:
        if urgent:
            self._urgent_waiting += 1
            try:
                while self._busy or self._overdue:
                    self._cv.wait()
            finally:
                self._urgent_waiting -= 1
            return
        deadline = time.monotonic() + self.max_wait
        overdue = False
        try:
            while True:
                now = time.monotonic()
                if now >= deadline and not overdue:
                    overdue, self._overdue = True, self._overdue + 1
                yielding = not overdue and (self._urgent_waiting or now - self._last_urgent < self.grace)
                if not self._busy and not yielding:
                    return
                wake = min(deadline, self._last_urgent + self.grace) if yielding else None
                self._cv.wait(None if wake is None or wake <= now else wake - now)
        finally:
            if overdue:
                self._overdue -= 1
