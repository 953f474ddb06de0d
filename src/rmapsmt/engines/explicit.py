"""Explicit-state engine: breadth-first search in the interpreter, no solver.

For the small state spaces of these models it is exhaustive in milliseconds;
its answers are also the oracle of the differential tests against BMC.
"""

from __future__ import annotations

import time

from .. import ir
from ..interp import Interpreter, TooManyStates, explore
from ..result import (
    HOLDS,
    UNKNOWN,
    VACUOUS,
    VIOLATED,
    CoverResult,
    PropertyResult,
    Result,
    Stats,
    Trace,
)
from .sanity import dead_step_warnings


def explicit(system: ir.System, depth: int, max_states: int = 2_000_000) -> Result:
    start = time.monotonic()
    interp = Interpreter(system)
    try:
        ex = explore(interp, depth, max_states)
    except TooManyStates as err:
        return Result(system.name, "explicit", UNKNOWN, -1, False,
                      tuple(PropertyResult(p.name, p.kind, p.description, p.span.line, UNKNOWN)
                            for p in system.properties),
                      (), Stats(time.monotonic() - start, 0, -1), system.options, str(err))
    found = {n: Trace(*t) for n, t in ex.violations.items()}
    reached = {n: Trace(*t) for n, t in ex.covers.items()}
    reason = ""
    if ex.initial == 0:
        verdict = VACUOUS
        reason = ("no initial state satisfies the declarations and 'assume's: every property "
                  "would hold vacuously")
    elif found:
        verdict = VIOLATED
    elif len(reached) < len(system.covers):
        verdict = VACUOUS
        missing = ", ".join(c.name for c in system.covers if c.name not in reached)
        reason = (f"unreachable cover(s): {missing}" if ex.exhausted
                  else f"cover(s) not reached within {ex.depth} steps: {missing}")
    else:
        verdict = HOLDS
    props = tuple(
        PropertyResult(p.name, p.kind, p.description, p.span.line,
                       VIOLATED if p.name in found else HOLDS, found.get(p.name))
        for p in system.properties
    )
    covers = tuple(CoverResult(c.name, c.span.line, c.name in reached, reached.get(c.name))
                   for c in system.covers)
    stats = Stats(time.monotonic() - start, 0, ex.depth, ex.states)
    warnings = dead_step_warnings(system, ex.fired, ex.exhausted, ex.depth)
    return Result(system.name, "explicit", verdict, ex.depth, ex.exhausted, props, covers, stats,
                  system.options, reason, warnings)
