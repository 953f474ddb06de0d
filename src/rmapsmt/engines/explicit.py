"""Explicit-state engine: breadth-first search in the interpreter, no solver.

For the small state spaces of these models it is exhaustive in milliseconds;
its answers are also the oracle of the differential tests against BMC.
"""

from __future__ import annotations

import time

from .. import ir
from ..interp import Interpreter, TooManyStates, explore
from ..result import Result, Stats, Trace
from .outcome import conclude
from .sanity import dead_step_warnings


def explicit(system: ir.System, depth: int, max_states: int = 2_000_000) -> Result:
    start = time.monotonic()
    interp = Interpreter(system)
    try:
        ex = explore(interp, depth, max_states)
    except TooManyStates as err:
        return conclude(system, "explicit", initial=True, found={}, reached={}, bound=-1,
                        complete=False, unknown=str(err),
                        stats=Stats(time.monotonic() - start, 0, -1))
    stats = Stats(time.monotonic() - start, 0, ex.depth, ex.states)
    warnings = (dead_step_warnings(system, ex.fired, ex.exhausted, ex.depth)
                if ex.initial else ())
    return conclude(system, "explicit", initial=ex.initial > 0,
                    found={n: Trace(*t) for n, t in ex.violations.items()},
                    reached={n: Trace(*t) for n, t in ex.covers.items()},
                    bound=ex.depth, complete=ex.exhausted, unknown=None, stats=stats,
                    warnings=warnings)
