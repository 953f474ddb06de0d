"""Ctrl-C and the deadline stop a run at once, even deep inside the front end or the solver.

Python runs signal handlers only between bytecodes, so a plain handler would
wait for a long z3 query to end. The C-level handler also writes the signal
number to a wake-up socket; a watchdog thread reads it and interrupts the
solver through the budget's hooks, and the query returns "unknown" at once.
The first Ctrl-C stops the run and what was established is reported; a
second one aborts.

Front-end stages (parsing, checking, lowering) keep no state worth saving, so
there a Ctrl-C or the deadline (an interval timer) raises `OutOfBudget`
straight away, wherever the code is; the engines check the budget themselves.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from .budget import Budget, OutOfBudget


class Signals:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.presses = 0
        self.abrupt_ok = False  # set while an abrupt stop is safe

    def _on_int(self, signum: int, frame: FrameType | None) -> None:
        self.presses += 1
        self.budget.cancel.set()
        if self.presses > 1:
            raise KeyboardInterrupt
        if self.abrupt_ok:
            raise OutOfBudget(self.budget.stage, "interrupted")

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        raise OutOfBudget(self.budget.stage, "timed out")

    @contextmanager
    def installed(self) -> Iterator[Signals]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        reader, writer = socket.socketpair()
        writer.setblocking(False)

        def watch() -> None:
            while True:
                try:
                    data = reader.recv(64)
                except OSError:
                    return
                if not data:
                    return
                if signal.SIGINT in data:
                    self.budget.interrupt()

        previous = signal.signal(signal.SIGINT, self._on_int)
        previous_alarm = signal.signal(signal.SIGALRM, self._on_alarm)
        previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        watchdog = threading.Thread(target=watch, name="rmapsmt-signals", daemon=True)
        watchdog.start()
        try:
            yield self
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.set_wakeup_fd(previous_fd)
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGALRM, previous_alarm)
            writer.close()
            watchdog.join(timeout=1)
            reader.close()

    @contextmanager
    def abrupt(self, grace: float = 0.0) -> Iterator[None]:
        """Within this block the deadline (plus `grace`) or a Ctrl-C raises `OutOfBudget` at
        once, naming the stage the budget was last told about (`Budget.enter`).

        With a grace period it is a backstop: the engines stop on their own at the
        deadline, with their partial results; this catches a stage that does not.
        """
        self.budget.check(self.budget.stage)
        left = self.budget.left()
        main = threading.current_thread() is threading.main_thread()
        self.abrupt_ok = grace == 0.0
        if left is not None and main:
            signal.setitimer(signal.ITIMER_REAL, max(left + grace, 0.001))
        try:
            yield
        finally:
            self.abrupt_ok = False
            if main:
                signal.setitimer(signal.ITIMER_REAL, 0)
