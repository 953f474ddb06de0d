"""Ctrl-C stops a run, even while the solver is deep in a query.

Python runs signal handlers only between bytecodes, so a plain handler would
wait for a long z3 query to end. The C-level handler also writes the signal
number to a wake-up socket; a watchdog thread reads it and interrupts the
solver through the budget's hooks, and the query returns "unknown" at once.
The first Ctrl-C stops the run and what was established is reported; a
second one aborts.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .budget import Budget


@contextmanager
def ctrl_c_stops(budget: Budget) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    presses = 0

    def handler(signum: int, frame: object) -> None:
        nonlocal presses
        presses += 1
        budget.cancel.set()
        if presses > 1:
            raise KeyboardInterrupt

    def watch() -> None:
        while True:
            try:
                data = reader.recv(64)
            except OSError:
                return
            if not data:
                return
            if signal.SIGINT in data:
                budget.interrupt()

    previous = signal.signal(signal.SIGINT, handler)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    watchdog = threading.Thread(target=watch, name="rmapsmt-ctrl-c", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGINT, previous)
        writer.close()
        watchdog.join(timeout=1)
        reader.close()
