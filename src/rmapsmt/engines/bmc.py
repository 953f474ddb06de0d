"""Incremental bounded model checking with a completeness check.

One solver; the transition relation is added one step at a time and each
query (a property's `bad` at the last step, a cover, "can anything still
move?") sits in a push/pop frame. Depths are visited in order, so the first
counterexample found for a property is a shortest one.

When no transition is enabled in any state reachable in exactly k steps, no
execution is longer than k: everything reachable has been checked and the
result covers every execution (`Proof.TERMINATES`). k-induction uses the same
unrolling (`BmcRun`) for its base case.
"""

from __future__ import annotations

import itertools
import time

import z3

from .. import ir
from ..budget import Budget, OutOfBudget
from ..result import Proof, Result, Stats, Trace
from ..smt.encode import disjunction
from ..smt.session import SAT, UNKNOWN, UNSAT, Session
from .outcome import conclude


class BmcRun:
    """The unrolling from the initial states, one depth at a time."""

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
            raise OutOfBudget("solving", self.session.why)
        return r

    def start(self) -> bool:
        """Constrain state 0 to the initial states; False when there is none."""
        self.session.add(*self.enc.init())
        return bool(self.ask() == SAT)

    def properties(self, k: int) -> None:
        """Every property violated at depth k, each with a shortest trace."""
        while self.open:
            bads = [self.enc.expr(self.props[n].bad, k) for n in self.open]
            if self.ask(disjunction(bads, self.enc.ctx)) == UNSAT:
                self.session.add(*(z3.Not(b) for b in bads))  # true facts that help later
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

    def terminated(self, k: int) -> bool:
        """No execution takes a (k+1)-th step."""
        return bool(self.ask(self.enc.any_enabled(k)) == UNSAT)

    def extend(self, k: int) -> None:
        self.session.add(*self.enc.trans(k), *self.enc.domain(k + 1))


def bmc(system: ir.System, budget: Budget, *, logic: str | None = "QF_BV") -> Result:
    """`logic=None` uses z3's default combined solver (for the solver-choice benchmark)."""
    start = time.monotonic()
    depth = system.depth if budget.depth is None else budget.depth
    with Session(system, budget, logic) as session:
        b = BmcRun(system, session)
        proof, bound, unknown = Proof.BOUNDED, -1, None

        def stats() -> Stats:
            return Stats(time.monotonic() - start, session.calls, bound)

        try:
            if not b.start():
                return conclude(system, "bmc", initial=False, found={}, reached={}, bound=-1,
                                proof=Proof.NONE, unknown=None, stats=stats())
        except OutOfBudget as err:
            return conclude(system, "bmc", initial=True, found={}, reached={}, bound=-1,
                            proof=Proof.NONE, unknown=f"{err.why} on the initial states",
                            stats=stats())
        for k in range(depth + 1):
            budget.report("bmc", f"depth {k}")
            try:
                b.properties(k)
                b.steps_enabled(k)
                b.covers(k)
                bound = k
                if b.terminated(k):
                    proof = Proof.TERMINATES
                    break
                if k < depth:
                    b.extend(k)
            except OutOfBudget as err:
                unknown = (f"{err.why} at depth {bound + 1}" if bound < k else
                           f"{err.why} checking for executions longer than {k} steps")
                break
        return conclude(system, "bmc", initial=True, found=b.found, reached=b.reached,
                        bound=bound, proof=proof, unknown=unknown, stats=stats(),
                        fired=frozenset(b.fired) if bound >= 0 else None)


def shortest(system: ir.System, budget: Budget, hit: dict[str, Trace], known: set[str]
             ) -> tuple[dict[str, Trace], dict[str, Trace]]:
    """Shortest traces for the goals known reachable (`hit`: violated properties by name,
    covers as "cover:NAME"): BMC until each is found, except the goals in `known`
    (their traces are shortest already). Out of time, the trace in `hit` is kept (valid,
    maybe longer). Returns the properties' traces and the covers'."""
    best = dict(hit)
    wanted = set(hit) - known
    if not wanted:
        return split_goals(best)
    try:
        with Session(system, budget) as s:
            b = BmcRun(system, s)
            b.open = [g for g in b.open if g in wanted]
            covers = [c for c in system.covers if f"cover:{c.name}" in wanted]
            b.start()
            for k in itertools.count():
                b.properties(k)
                for c in covers:
                    if c.name not in b.reached and b.ask(b.enc.expr(c.expr, k)) == SAT:
                        b.reached[c.name] = s.trace(k)
                best.update(b.found)
                best.update({f"cover:{n}": t for n, t in b.reached.items()})
                if not b.open and len(b.reached) == len(covers):
                    break
                b.extend(k)
    except OutOfBudget:
        pass
    return split_goals(best)


def split_goals(traces: dict[str, Trace]) -> tuple[dict[str, Trace], dict[str, Trace]]:
    """Traces by goal ("cover:NAME" for a cover) as the properties' and the covers'."""
    return ({g: t for g, t in traces.items() if not g.startswith("cover:")},
            {g.removeprefix("cover:"): t for g, t in traces.items() if g.startswith("cover:")})
