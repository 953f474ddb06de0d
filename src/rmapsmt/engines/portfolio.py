"""`auto`, the default engine: the engines race, and the first decisive answer wins.

The explicit engine starts at once, in this process: it answers most specs in
milliseconds with no process to start, and exhausts state spaces of up to
millions of states. If it has not decided within QUICK_S, the other engines
join the race in forked worker processes (one engine per core in all, at least
two, in the order below): `pdr` proves with an invariant, `kind` finds shortest
counterexamples (its base case is BMC) and proves by induction; both merge steps
(engines/merge.py), the explicit engine here does not. The first
result that decides every property — a complete proof, or every property
violated — wins; the others are stopped. Out of time, or on Ctrl-C, what the
engines established is merged: every violation found stands (a shortest
trace each), the rest is unknown, bounded by the best bound reached.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Connection, wait
from typing import Any

from .. import ir
from ..budget import Budget
from ..interp import ReplayError
from ..result import Proof, Result, Stats, Trace, Verdict
from .outcome import conclude

QUICK_S = 0.25  # seconds the explicit engine runs alone before the others join
RACE = ("explicit", "pdr", "kind")  # in order of priority: the first N race on N cores
# how long stopped workers get to send what they established: well inside the 1 s the
# command's backstop (cli.prove, `signals.abrupt(grace=1.0)`) allows past the deadline,
# or the backstop stops the run and what this process found is lost
GRACE_S = 0.5


def racers() -> tuple[str, ...]:
    """One engine per core, at least two: on a 2-core machine a third worker only takes
    time from the others (measured: the explicit worker 1.6x slower beside pdr and kind)."""
    return RACE[:max(2, min(len(RACE), os.cpu_count() or 1))]


def auto(system: ir.System, budget: Budget, merge: bool | None = None) -> Result:
    from . import get

    start = time.monotonic()
    results = _race(system, budget, functools.partial(get, merge=merge))
    mine = results[RACE[0]]
    if mine.verdict is Verdict.VACUOUS:
        return _as_auto(mine, RACE[0], start)
    for name in racers():  # the first decisive answer, in priority order
        r = results.get(name)
        if r is not None and r.complete:
            return _as_auto(r, name, start)
    return _merge(system, list(results.values()), start, budget)


def _as_auto(r: Result, name: str, start: float) -> Result:
    return replace(r, engine="auto", decided_by=name,
                   stats=replace(r.stats, seconds=time.monotonic() - start))


def _race(system: ir.System, budget: Budget, get: Any) -> dict[str, Result]:
    """The explicit engine in this process at once; the others join in worker processes
    if it has not decided within QUICK_S. Until one decides, or time runs out.

    The explicit engine stays here: most specs need no worker at all, its interpreter
    is compiled already, and a worker would pay a fork and send back what it found."""
    here = replace(budget, cancel=threading.Event(), hooks=[])  # stopped by the monitor
    results: dict[str, Result] = {}
    race = _Race(results, budget, here)
    monitor = threading.Thread(target=race.monitor, args=(system, get), daemon=True)
    monitor.start()
    try:
        # unmerged: merging costs solver queries up front, and most specs need none
        mine = results[RACE[0]] = get(RACE[0], merge=False)(system, here)
        if mine.complete or mine.verdict is Verdict.VACUOUS:
            race.done.set()
        monitor.join()  # undecided here (too many states): the workers may still decide
    finally:
        race.done.set()
        monitor.join()
        race.stop_workers()
    if race.failed:
        raise race.failed[0]
    return results


class _Race:
    """The worker processes of one race, and the thread that watches them."""

    def __init__(self, results: dict[str, Result], budget: Budget, here: Budget) -> None:
        self.results = results
        self.budget = budget  # the command's
        self.here = here  # the explicit engine's: its own stop flag
        self.done = threading.Event()  # decided in this process: the monitor may go
        self.failed: list[ReplayError] = []
        self.ctx = multiprocessing.get_context("fork")
        self.stop = SharedFlag(self.ctx)
        self.conns: dict[Connection, str] = {}
        self.procs: list[Any] = []

    def monitor(self, system: ir.System, get: Any) -> None:
        """Start the workers unless this process decides within QUICK_S; collect their
        results; stop the engine here when one decides, when the command is out of time
        or interrupted, or when a worker's proof turns out to be a bug."""
        if self.done.wait(QUICK_S):
            return
        for name in racers()[1:]:
            mine, theirs = self.ctx.Pipe(duplex=False)
            p = self.ctx.Process(target=_work, daemon=True,
                                 args=(get, name, system, self.budget, self.stop, theirs))
            p.start()
            theirs.close()
            self.conns[mine] = name
            self.procs.append(p)
        stopping_at: float | None = None
        while self.conns and not self.done.is_set():
            why = self.budget.exhausted()
            if stopping_at is None and why is not None:
                self.stop.set()  # the workers stop themselves and send what they have
                if why == "interrupted":  # out of time, the engine here stops by itself
                    self.here.cancel.set()
                stopping_at = time.monotonic() + GRACE_S
            left = 0.2 if stopping_at is None else stopping_at - time.monotonic()
            if left <= 0 or self._receive(min(0.2, left)):
                return

    def _receive(self, timeout: float) -> bool:
        """Read what the workers sent; True once the race is over."""
        for ready in wait(list(self.conns), timeout=timeout):
            assert isinstance(ready, Connection)
            name = self.conns.pop(ready)
            try:
                what, payload = ready.recv()
            except EOFError:
                continue  # the worker died (out of memory, killed): it decides nothing
            if what == "progress":
                self.conns[ready] = name  # still running
                self.budget.report(name, str(payload))
            elif what == "error":
                assert isinstance(payload, str)
                if payload.startswith(("CertificateError", "ReplayError")):
                    self.failed.append(ReplayError(f"{name}: {payload}"))
                    self.here.cancel.set()
                    return True
            else:
                assert isinstance(payload, Result)
                self.results[name] = payload
                if payload.complete:
                    self.here.cancel.set()
                    return True
        return False

    def stop_workers(self) -> None:
        self.stop.set()
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=1)
            if p.is_alive():
                p.kill()


class SharedFlag:
    """A stop flag the workers poll without a lock (a `multiprocessing.Event` takes one
    on every look, and a worker that exits holding it would freeze the others)."""

    def __init__(self, ctx: Any) -> None:
        self._v = ctx.RawValue("b", 0)

    def is_set(self) -> bool:
        return bool(self._v.value)

    def set(self) -> None:
        self._v.value = 1

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.05)
        return True


def _work(get: Any, name: str, system: ir.System, budget: Budget, stop: SharedFlag,
          conn: Connection) -> None:
    """A worker: its own budget (same deadline), stopped through `stop` by the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.set_wakeup_fd(-1)
    if os.environ.get("RMAPSMT_DEBUG_WORKERS"):
        import faulthandler
        faulthandler.dump_traceback_later(float(os.environ["RMAPSMT_DEBUG_WORKERS"]), exit=True)
    mine = replace(budget, cancel=stop, hooks=[],  # type: ignore[arg-type]
                   progress=_progress_to(conn) if budget.progress else None)

    def watch() -> None:
        stop.wait()
        mine.interrupt()

    threading.Thread(target=watch, daemon=True).start()
    try:
        conn.send(("result", get(name)(system, mine)))
    except BaseException as err:  # report it; the parent decides what it means
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers or z3 finalisers of the parent's objects


def _progress_to(conn: Connection) -> Any:
    last = [0.0]

    def send(engine: str, doing: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2:  # a terminal needs no more
            last[0] = now
            conn.send(("progress", doing))

    return send


def _merge(system: ir.System, results: list[Result], start: float, budget: Budget) -> Result:
    """No engine decided: every violation found stands, everything else is unknown."""
    found: dict[str, Trace] = {}
    reached: dict[str, Trace] = {}
    for r in results:
        for p in r.properties:
            if p.trace is not None and (p.name not in found or
                                        p.trace.length < found[p.name].length):
                found[p.name] = p.trace
        for c in r.covers:
            if c.trace is not None and (c.name not in reached or
                                        c.trace.length < reached[c.name].length):
                reached[c.name] = c.trace
    bound = max((r.bound for r in results), default=-1)
    why = budget.exhausted() or "no engine decided"
    reasons = "; ".join(f"{r.engine}: {r.reason}" for r in results if r.reason)
    unknown = f"{why} (bounds reached: " + ", ".join(
        f"{r.engine} {r.bound}" for r in results) + ")" + (f"; {reasons}" if reasons else "")
    return conclude(system, "auto", initial=True, found=found, reached=reached, bound=bound,
                    proof=Proof.BOUNDED, unknown=unknown,
                    stats=Stats(time.monotonic() - start, sum(r.stats.solver_calls
                                                              for r in results), bound))
