"""Run an engine on a system and vouch for its answer: the one way every command checks.

The engine's traces are replayed in the interpreter (which shares no code with
the SMT encoding), put in canonical order and replayed again; then the
engine-independent warnings are added. A trace that does not replay is a bug
in rmapsmt: `ReplayError`, never a result.
"""

from __future__ import annotations

from dataclasses import replace

from . import engines, ir
from .budget import Budget, OutOfBudget
from .engines.sanity import dead_step_warnings, tautologies
from .interp import Interpreter
from .result import Result, Trace
from .trace import canonical_order


def prove(system: ir.System, engine: str, budget: Budget) -> Result:
    """Run `engine`; every trace in the answer has been replayed (ReplayError otherwise)."""
    budget.enter(f"running the {engine} engine")
    result = engines.get(engine)(system, budget)
    # from here on an answer exists: replay it (cheap: only the steps it takes), and
    # add the warnings only while time is left; running out now never loses the answer
    budget.mark("replaying counterexamples")
    result = verify(system, result)
    budget.mark("looking for tautologies")
    warnings = dead_step_warnings(system, result) + tautologies(system, budget)
    return replace(result, warnings=result.warnings + warnings)


def verify(system: ir.System, result: Result) -> Result:
    """Replay every trace in the interpreter, then present it in canonical order.

    The engine's own trace is replayed first (for a solver that is the check of
    the encoding); the reordered one is rebuilt by the interpreter and replayed too.
    """
    if not any(p.trace for p in result.properties) and not any(c.trace for c in result.covers):
        return result
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


__all__ = ["OutOfBudget", "failing_steps", "prove", "verify"]
