"""`auto`, the default engine: the engines race, and the first decisive answer wins.

Small state spaces first, in this process: the explicit engine, capped at a
few thousand states, answers most specs in milliseconds with no process to
start. Past the cap the engines race in worker processes (forked; one engine per
core, at least two, in the order below): `explicit` exhausts state spaces of up to
millions of states, `pdr` proves with an invariant, `kind` finds shortest
counterexamples (its base case is BMC) and proves by induction. The first
result that decides every property — a complete proof, or every property
violated — wins; the others are stopped. Out of time, or on Ctrl-C, what the
engines established is merged: every violation found stands (a shortest
trace each), the rest is unknown, bounded by the best bound reached.
"""

from __future__ import annotations

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

QUICK_STATES = 5_000  # the in-process explicit attempt
RACE = ("explicit", "pdr", "kind")  # in order of priority: the first N race on N cores
GRACE_S = 1.5  # how long stopped workers get to send what they established


def racers() -> tuple[str, ...]:
    """One engine per core, at least two: on a 2-core machine a third worker only takes
    time from the others (measured: the explicit worker 1.6x slower beside pdr and kind)."""
    return RACE[:max(2, min(len(RACE), os.cpu_count() or 1))]


def auto(system: ir.System, budget: Budget) -> Result:
    from . import get

    start = time.monotonic()
    quick = get("explicit")(system, replace(budget, max_states=QUICK_STATES))
    if quick.complete or quick.verdict is Verdict.VACUOUS or budget.exhausted():
        return _as_auto(quick, "explicit", start)
    results = _race(system, budget, get)
    for name in racers():  # the first decisive answer, in priority order
        r = results.get(name)
        if r is not None and r.complete:
            return _as_auto(r, name, start)
    return _merge(system, [quick, *results.values()], start, budget)


def _as_auto(r: Result, name: str, start: float) -> Result:
    return replace(r, engine="auto", decided_by=name,
                   stats=replace(r.stats, seconds=time.monotonic() - start))


def _race(system: ir.System, budget: Budget, get: Any) -> dict[str, Result]:
    """Run the engines in worker processes until one decides (or time runs out)."""
    ctx = multiprocessing.get_context("fork")
    stop = SharedFlag(ctx)
    conns: dict[Connection, str] = {}
    procs = []
    for name in racers():
        mine, theirs = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_work, args=(get, name, system, budget, stop, theirs),
                        daemon=True)
        p.start()
        theirs.close()
        conns[mine] = name
        procs.append(p)
    results: dict[str, Result] = {}
    stopping_at: float | None = None
    try:
        while conns:
            if stopping_at is None and budget.exhausted():
                stop.set()  # the workers stop themselves and send what they have
                stopping_at = time.monotonic() + GRACE_S
            left = 0.2 if stopping_at is None else stopping_at - time.monotonic()
            if left <= 0:
                break
            for ready in wait(list(conns), timeout=min(0.2, left)):
                assert isinstance(ready, Connection)
                name = conns.pop(ready)
                try:
                    what, payload = ready.recv()
                except EOFError:
                    continue  # the worker died (out of memory, killed): it decides nothing
                if what == "progress":
                    conns[ready] = name  # still running
                    budget.report(name, str(payload))
                    continue
                if what == "error":
                    assert isinstance(payload, str)
                    if payload.startswith(("CertificateError", "ReplayError")):
                        raise ReplayError(f"{name}: {payload}")
                    continue
                assert isinstance(payload, Result)
                results[name] = payload
                if payload.complete:
                    return results
    finally:
        stop.set()
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=1)
            if p.is_alive():
                p.kill()
    return results


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
