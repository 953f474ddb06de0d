"""Run an engine on a system and vouch for its traces: the one way every command checks."""

from __future__ import annotations

from dataclasses import replace

from . import ir
from .engines.bmc import DEFAULT_MAX_MEMORY_MB, bmc
from .engines.explicit import explicit
from .interp import Interpreter
from .result import Result, Trace
from .trace import canonical_order

ENGINES = ("bmc", "explicit")


def check(system: ir.System, engine: str = "bmc", depth: int | None = None,
          timeout: float | None = None, max_memory_mb: int = DEFAULT_MAX_MEMORY_MB) -> Result:
    """Run `engine`; every trace in the answer has been replayed (ReplayError otherwise)."""
    k = system.depth if depth is None else depth
    result = (bmc(system, k, timeout, max_memory_mb=max_memory_mb) if engine == "bmc"
              else explicit(system, k))
    return verify(system, result)


def verify(system: ir.System, result: Result) -> Result:
    """Replay every trace in the interpreter, then present it in canonical order.

    The engine's own trace is replayed first (for BMC that is the check of the
    encoding); the reordered one is rebuilt by the interpreter and replayed too.
    """
    interp = Interpreter(system)

    def settle(trace: Trace, **goal: str) -> Trace:
        interp.replay(trace.states, trace.steps, **goal)
        steps = canonical_order(system, trace.steps)
        states = [trace.states[0]]
        for t in steps:
            states.append(interp.step(states[-1], system.transitions[t]))
        canon = Trace(tuple(states), steps)
        interp.replay(canon.states, canon.steps, **goal)
        return canon

    props = tuple(replace(p, trace=settle(p.trace, prop=p.name)) if p.trace else p
                  for p in result.properties)
    covers = tuple(replace(c, trace=settle(c.trace, cover=c.name)) if c.trace else c
                   for c in result.covers)
    return replace(result, properties=props, covers=covers)


def failing_steps(system: ir.System, result: Result) -> dict[str, list[ir.Transition]]:
    """For each violated check property, the steps that would fail at the end of its trace."""
    interp = Interpreter(system)
    return {p.name: interp.failing_steps(p.trace.states[-1], p.name)
            for p in result.properties if p.trace is not None}
