"""Incremental bounded model checking with a completeness check.

One solver; the transition relation is added one step at a time and each
query (a property's `bad` at the last step, a cover, "can anything still
move?") sits in a push/pop frame. Depths are visited in order, so the first
counterexample found for a property is a shortest one.

When no transition is enabled in any state reachable in exactly k steps, no
execution is longer than k: everything reachable has been checked and the
result covers every execution (`Proof.TERMINATES`).
"""

from __future__ import annotations

import time

import z3

from .. import ir
from ..budget import Budget, OutOfBudget
from ..result import Proof, Result, Stats, Trace
from ..smt.encode import disjunction
from ..smt.session import SAT, UNKNOWN, UNSAT, Session
from .outcome import conclude


class _Unknown(Exception):
    pass


class _Bmc:
    def __init__(self, system: ir.System, session: Session) -> None:
        self.system = system
        self.session = session
        self.enc = session.enc
        self.props = {p.name: p for p in system.properties}
        self.open = list(self.props)
        self.found: dict[str, Trace] = {}
        self.reached: dict[str, Trace] = {}
        self.unseen = [t.index for t in system.transitions]
        self.fired: set[int] = set()

    def ask(self, *extra: z3.ExprRef) -> z3.CheckSatResult:
        r = self.session.ask(*extra)
        if r == UNKNOWN:
            raise _Unknown(self.session.why)
        return r

    def properties(self, k: int) -> None:
        """Every property violated at depth k, each with a shortest trace."""
        while self.open:
            bads = [self.enc.expr(self.props[n].bad, k) for n in self.open]
            if self.ask(disjunction(bads, self.enc.ctx)) == UNSAT:
                self.session.add(*(z3.Not(b) for b in bads))  # a true fact that helps later depths
                return
            tr = self.session.trace(k)
            hit = [n for n, b in zip(self.open, bads, strict=True)
                   if self.session.holds_in_model(b)]
            self.found.update(dict.fromkeys(hit, tr))
            self.open = [n for n in self.open if n not in hit]

    def steps_enabled(self, k: int) -> None:
        """Which steps can be enabled at depth k (for dead-step warnings)."""
        while self.unseen:
            guards = [self.enc.enabled(self.system.transitions[i], k) for i in self.unseen]
            if self.ask(disjunction(guards, self.enc.ctx)) != SAT:
                return
            on = {i for i, g in zip(self.unseen, guards, strict=True)
                  if self.session.holds_in_model(g)}
            self.fired |= on
            self.unseen = [i for i in self.unseen if i not in on]

    def covers(self, k: int) -> None:
        for c in self.system.covers:
            if c.name not in self.reached and self.ask(self.enc.expr(c.expr, k)) == SAT:
                self.reached[c.name] = self.session.trace(k)


def bmc(system: ir.System, budget: Budget, *, logic: str | None = "QF_BV") -> Result:
    """`logic=None` uses z3's default combined solver (for the solver-choice benchmark)."""
    start = time.monotonic()
    depth = system.depth if budget.depth is None else budget.depth
    with Session(system, budget, logic) as session:
        b = _Bmc(system, session)
        proof, bound, unknown = Proof.BOUNDED, -1, None

        def stats() -> Stats:
            return Stats(time.monotonic() - start, session.calls, bound)

        try:
            session.add(*b.enc.init())
            r0 = session.ask()
        except OutOfBudget as err:
            r0, session.why = UNKNOWN, err.why
        if r0 != SAT:
            return conclude(system, "bmc", initial=r0 == UNKNOWN, found={}, reached={},
                            bound=-1, proof=Proof.NONE,
                            unknown=f"{session.why} on the initial states" if r0 == UNKNOWN
                            else None, stats=stats())
        for k in range(depth + 1):
            try:
                b.properties(k)
                b.steps_enabled(k)
                b.covers(k)
                bound = k
                # completeness: can any execution take a (k+1)-th step?
                if b.ask(b.enc.any_enabled(k)) == UNSAT:
                    proof = Proof.TERMINATES
                    break
                if k < depth:
                    session.add(*b.enc.trans(k), *b.enc.domain(k + 1))
            except _Unknown as why:
                unknown = (f"{why} at depth {k}" if bound < k
                           else f"{why} checking for executions longer than {k} steps")
                break
            except OutOfBudget as err:  # while encoding: depth `bound` was fully checked
                unknown = f"{err.why} at depth {bound + 1}"
                break
        return conclude(system, "bmc", initial=True, found=b.found, reached=b.reached,
                        bound=bound, proof=proof, unknown=unknown, stats=stats(),
                        fired=frozenset(b.fired) if bound >= 0 else None)
