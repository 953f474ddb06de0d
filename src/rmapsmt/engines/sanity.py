"""Warnings that do not depend on the engine: steps that never run, invariants that check nothing.

Both are computed once per run, whichever engine answered (`run.check`):
dead steps from the steps the engine saw enabled within its bound, and
tautologies by one solver query per invariant, inside the budget (skipped,
and nothing said, when time is out).
"""

from __future__ import annotations

from .. import ir
from ..budget import Budget, OutOfBudget
from ..result import Result
from ..smt.session import UNSAT, Session


def step_key(process: str, label: str, line: int) -> tuple[str, str, int]:
    """Replicated instances, forks and the crash variants of one statement are one step."""
    return (process, label, line)


def dead_step_warnings(system: ir.System, result: Result) -> tuple[str, ...]:
    if result.fired is None or result.bound < 0:
        return ()
    decl = {p.name: p.decl for p in system.processes}
    seen = {step_key(decl[t.process], t.label, t.span.line)
            for t in (system.transitions[i] for i in result.fired)}
    out = []
    for s in system.sites:
        if step_key(s.process, s.label, s.span.line) not in seen:
            where = ("in any execution" if result.fired_all
                     else f"within {result.bound} steps")
            label = s.label or f"L{s.span.line}"
            out.append(f"dead step: {s.process} {label} (line {s.span.line}) is never "
                       f"enabled {where}; usually a modelling mistake")
    return tuple(out)


def tautologies(system: ir.System, budget: Budget) -> tuple[str, ...]:
    """Invariants that no state of the declared types can violate: they check nothing."""
    invariants = [p for p in system.properties if p.kind is ir.PropKind.INVARIANT]
    if not invariants or budget.exhausted():
        return ()
    out = []
    try:
        with Session(system, budget) as s:
            s.add(*s.enc.domain(0))
            for p in invariants:
                if s.ask(s.enc.expr(p.bad, 0)) == UNSAT:
                    out.append(f"invariant {p.name} (line {p.span.line}) cannot fail in any "
                               "state of the declared types: it checks nothing")
    except OutOfBudget:
        pass
    return tuple(out)
