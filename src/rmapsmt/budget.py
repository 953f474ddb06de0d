"""What a run may spend: depth, time, memory, states; and how every stage stops in time.

A `Budget` is made once per command, before the spec is read, so `--timeout`
bounds the whole command. Long loops in every stage (lowering, encoding,
search, replay) call `budget.check(stage)`, which raises `OutOfBudget` once the
deadline has passed or the user pressed Ctrl-C; solver queries get the time
that is left as their own timeout, and are interrupted on Ctrl-C through the
hooks registered here. The stage that ran out is named in the result.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

DEFAULT_MAX_MEMORY_MB = 8192
MAX_MEMORY_MB = 1 << 20  # 1 TiB: z3 keeps the cap in a 32-bit count of megabytes
MAX_TIMEOUT_S = 1e7  # about four months: beyond it a deadline is a typo
DEFAULT_MAX_STATES = 2_000_000


class OutOfBudget(Exception):
    """A stage stopped because time ran out or the user interrupted the run."""

    def __init__(self, stage: str, why: str) -> None:
        super().__init__(f"{why} while {stage}")
        self.stage = stage
        self.why = why  # "timed out" | "interrupted"


@dataclass(frozen=True)
class Budget:
    depth: int | None = None  # None: the spec's `depth`
    timeout: float | None = None  # seconds for the whole command
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    max_states: int = DEFAULT_MAX_STATES
    deadline: float | None = None  # time.monotonic() at which the command must stop
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)
    hooks: list[Callable[[], None]] = field(default_factory=list, compare=False, repr=False)
    _stage: list[str] = field(default_factory=lambda: ["starting"], compare=False, repr=False)
    progress: Callable[[str, str], None] | None = field(default=None, compare=False, repr=False)

    @staticmethod
    def start(timeout: float | None = None, **kw: int | None) -> Budget:
        """A budget whose clock starts now."""
        if timeout is not None and not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT_S):
            raise ValueError(f"timeout must be a number of seconds in (0, {MAX_TIMEOUT_S:g}]")
        deadline = None if timeout is None else time.monotonic() + timeout
        return Budget(timeout=timeout, deadline=deadline, **kw)  # type: ignore[arg-type]

    def with_depth(self, depth: int | None) -> Budget:
        return replace(self, depth=depth)

    def left(self) -> float | None:
        """Seconds left, or None without a deadline (never negative)."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def exhausted(self) -> str | None:
        if self.cancel.is_set():
            return "interrupted"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "timed out"
        return None

    def check(self, stage: str) -> None:
        why = self.exhausted()
        if why is not None:
            raise OutOfBudget(stage, why)

    def enter(self, stage: str) -> None:
        """Start a stage: check the budget, and remember the stage for an abrupt stop."""
        self.mark(stage)
        self.check(stage)

    def report(self, engine: str, doing: str) -> None:
        """Tell whoever watches (a terminal's progress display) what an engine is doing."""
        if self.progress is not None:
            self.progress(engine, doing)

    def mark(self, stage: str) -> None:
        """Name the stage under way, for the message of an abrupt stop; no check."""
        self._stage[0] = stage

    @property
    def stage(self) -> str:
        return self._stage[0]

    def interrupt(self) -> None:
        """Stop the run: set the flag and interrupt any solver query under way."""
        self.cancel.set()
        for hook in list(self.hooks):
            hook()

    def on_interrupt(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call `hook` on interrupt (e.g. a z3 context's interrupt); returns an unregister."""
        self.hooks.append(hook)

        def remove() -> None:
            if hook in self.hooks:
                self.hooks.remove(hook)

        return remove


class Ticker:
    """Cheap periodic budget checks for hot loops: look at the clock every `every` calls."""

    __slots__ = ("budget", "stage", "every", "_n")

    def __init__(self, budget: Budget | None, stage: str, every: int = 256) -> None:
        self.budget = budget
        self.stage = stage
        self.every = every
        self._n = 0

    def tick(self) -> None:
        if self.budget is None:
            return
        self._n += 1
        if self._n >= self.every:
            self._n = 0
            self.budget.check(self.stage)
