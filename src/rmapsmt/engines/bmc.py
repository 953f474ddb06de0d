"""Incremental bounded model checking with a completeness check.

One solver; the transition relation is added one step at a time and each
query (a property's `bad` at the last step, a cover, "can anything still
move?") sits in a push/pop frame. Depths are visited in order, so the first
counterexample found for a property is a shortest one.

When no transition is enabled in any state reachable in exactly k steps, no
execution is longer than k: everything reachable has been checked and the
result covers every execution ("complete").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import z3

from .. import ir
from ..result import (
    Result,
    Stats,
    Trace,
)
from ..smt.encode import Encoder, disjunction
from .outcome import conclude
from .sanity import checked_steps, dead_step_warnings

Progress = Callable[[int], None]


@dataclass
class _Run:
    system: ir.System
    deadline: float | None
    enc: Encoder = field(init=False)
    solver: z3.Solver = field(init=False)
    calls: int = 0
    why: str = ""

    def __post_init__(self) -> None:
        self.enc = Encoder(self.system)
        # The QF_BV solver bit-blasts to a SAT core: on the flagship it is ~20x faster
        # than the default combined solver at equal answers (bench/solver_choice.py).
        self.solver = z3.SolverFor("QF_BV", ctx=self.enc.ctx)
        self.solver.set("random_seed", 0)

    def check(self, *extra: z3.ExprRef) -> z3.CheckSatResult:
        """One query in its own push/pop frame; `why` says why an answer was unknown."""
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.why = "timed out"
                return z3.unknown
            self.solver.set("timeout", max(1, int(left * 1000)))
        self.calls += 1
        self.solver.push()
        try:
            for e in extra:
                self.solver.add(e)
            r = self.solver.check()
            self.model = self.solver.model() if r == z3.sat else None
            if r == z3.unknown:
                said = self.solver.reason_unknown()
                self.why = ("timed out" if "timeout" in said or "canceled" in said
                            else "ran out of memory" if "memory" in said
                            else f"solver returned unknown ({said})")
            return r
        finally:
            self.solver.pop()

    def trace(self, k: int) -> Trace:
        assert self.model is not None
        states, steps = self.enc.read_trace(self.model, k)
        return Trace(states, steps)


DEFAULT_MAX_MEMORY_MB = 8192


def bmc(system: ir.System, depth: int, timeout: float | None = None,
        progress: Progress | None = None,
        max_memory_mb: int = DEFAULT_MAX_MEMORY_MB) -> Result:
    start = time.monotonic()
    run = _Run(system, None if timeout is None else start + timeout)
    enc, solver = run.enc, run.solver
    solver.set("max_memory", max_memory_mb)  # past it z3 answers unknown, not a crash
    solver.add(*enc.init())

    props = {p.name: p for p in system.properties}
    found: dict[str, Trace] = {}
    open_props = list(props)
    reached: dict[str, Trace] = {}
    complete = False
    bound = -1
    reason = ""
    unknown = False

    live_unseen = [t.index for t in checked_steps(system)]
    enabled_steps: set[int] = set()

    r0 = run.check()
    if r0 != z3.sat:
        return conclude(system, "bmc", initial=r0 == z3.unknown, found={}, reached={},
                        bound=-1, complete=False,
                        unknown=f"{run.why} on the initial states" if r0 == z3.unknown
                        else None, stats=Stats(time.monotonic() - start, run.calls, -1),
                        warnings=tautologies(system))

    for k in range(depth + 1):
        if progress:
            progress(k)
        # properties: find every property violated at depth k (shortest traces)
        while open_props:
            bads = [enc.expr(props[n].bad, k) for n in open_props]
            r = run.check(disjunction(bads, enc.ctx))
            if r == z3.unknown:
                unknown = True
                break
            if r == z3.unsat:
                solver.add(*(z3.Not(b) for b in bads))  # a true fact that helps later depths
                break
            tr = run.trace(k)
            assert run.model is not None
            hit = [n for n, b in zip(open_props, bads, strict=True)
                   if z3.is_true(run.model.eval(b, model_completion=True))]
            for n in hit:
                found[n] = tr
            open_props = [n for n in open_props if n not in hit]
        if unknown:
            reason = f"{run.why} at depth {k}"
            break
        # dead steps: which written steps can be enabled at depth k?
        while live_unseen:
            guards = [enc.enabled(system.transitions[i], k) for i in live_unseen]
            r = run.check(disjunction(guards, enc.ctx))
            if r != z3.sat:
                break
            assert run.model is not None
            on = {i for i, g in zip(live_unseen, guards, strict=True)
                  if z3.is_true(run.model.eval(g, model_completion=True))}
            enabled_steps |= on
            live_unseen = [i for i in live_unseen if i not in on]
        # covers
        for c in system.covers:
            if c.name in reached:
                continue
            r = run.check(enc.expr(c.expr, k))
            if r == z3.sat:
                reached[c.name] = run.trace(k)
            elif r == z3.unknown:
                unknown = True
        if unknown:
            reason = f"{run.why} at depth {k}"
            break
        bound = k
        # completeness: can any execution take a (k+1)-th step?
        r = run.check(enc.any_enabled(k))
        if r == z3.unsat:
            complete = True
            break
        if r == z3.unknown:
            reason = f"{run.why} checking for executions longer than {k} steps"
            unknown = True
            break
        if k == depth:
            break
        solver.add(*enc.trans(k))
        solver.add(*enc.domain(k + 1))

    warnings = dead_step_warnings(system, enabled_steps, complete, bound) + tautologies(system)
    return conclude(system, "bmc", initial=True, found=found, reached=reached, bound=bound,
                    complete=complete, unknown=reason if unknown else None,
                    stats=Stats(time.monotonic() - start, run.calls, bound), warnings=warnings)


def tautologies(system: ir.System) -> tuple[str, ...]:
    """Invariants that no state of the declared types can violate: they check nothing."""
    enc = Encoder(system)
    solver = z3.SolverFor("QF_BV", ctx=enc.ctx)
    solver.add(*enc.domain(0))
    out = []
    for p in system.properties:
        if p.kind == "invariant":
            solver.push()
            solver.add(enc.expr(p.bad, 0))
            if solver.check() == z3.unsat:
                out.append(f"invariant {p.name} (line {p.span.line}) cannot fail in any state "
                           "of the declared types: it checks nothing")
            solver.pop()
    return tuple(out)
