"""k-induction: bounded model checking for counterexamples, induction for proofs.

For k = 0, 1, ...: the base case is BMC at depth k (so a counterexample found
is a shortest one); the step case asks whether k+1 consecutive states can
satisfy every open property in the first k+1 and violate one in the last,
starting anywhere. If not, the open properties hold in every reachable state
("proved by k-induction"). The step case assumes, in every state, the
invariants Houdini proved from candidates (engines/houdini.py), and every
open property jointly (sound, because the base case covers depth k); a
property whose hypothesis lets the step fail is retried without it. Covers
are goals too: one proved unreachable makes the result vacuous. States in
the step case are kept pairwise distinct, lazily (simple paths).

When the step case still fails at the bound, the last counterexample to
induction (CTI) is reported: k+1 states from a state the invariants allow
but that may be unreachable; it shows which lemma is missing.
"""

from __future__ import annotations

import time
from dataclasses import replace

import z3

from .. import ir
from ..budget import Budget, OutOfBudget
from ..interp import State
from ..result import Proof, Result, Stats, Trace
from ..smt.session import UNKNOWN, UNSAT, Session
from .bmc import BmcRun
from .houdini import candidates, enabled_in, explore, houdini, may_fire
from .outcome import conclude


class _Step:
    """The step-case solver: states 0..k+1 from anywhere, goals assumed under literals."""

    def __init__(self, system: ir.System, budget: Budget, goals: dict[str, ir.Expr],
                 lemmas: list[ir.Expr]) -> None:
        self.system = system
        self.session = Session(system, budget)
        self.enc = self.session.enc
        self.goals = goals  # name -> bad predicate
        self.lemmas = lemmas
        self.flag = {g: z3.Bool(f"assume:{g}", self.enc.ctx) for g in goals}
        self.k = -1
        self.cti: Trace | None = None
        self._state(0)

    def _state(self, i: int) -> None:
        enc = self.enc
        self.session.add(*enc.domain(i), *(enc.expr(lem, i) for lem in self.lemmas))

    def extend(self) -> None:
        """From k to k+1: one more step, and the goals assumed in the (new) state k."""
        self.k += 1
        k, enc = self.k, self.enc
        self.session.add(*(z3.Implies(self.flag[g], z3.Not(enc.expr(bad, k)))
                           for g, bad in self.goals.items()))
        self.session.add(*enc.trans(k))
        self._state(k + 1)

    def prove(self, open_goals: list[str]) -> list[str]:
        """The largest subset of `open_goals` that is k-inductive (with the others dropped)."""
        trying = list(open_goals)
        enc = self.enc
        while trying:
            goal = z3.Or(*(enc.expr(self.goals[g], self.k + 1) for g in trying))
            r = self.session.ask(goal, *(self.flag[g] for g in trying))
            if r == UNSAT:
                return trying
            if r == UNKNOWN:
                raise OutOfBudget("the induction step", self.session.why)
            tr = self.session.trace(self.k + 1)
            dup = _repeated(tr)
            if dup is not None:  # not a simple path: forbid it, ask again
                i, j = dup
                si, sj = enc.state(i), enc.state(j)
                self.session.add(z3.Or(*(si[v.name] != sj[v.name] for v in self.system.vars)))
                continue
            self.cti = tr
            failed = [g for g in trying
                      if self.session.holds_in_model(enc.expr(self.goals[g], self.k + 1))]
            trying = [g for g in trying if g not in failed]
        return []


def _repeated(tr: Trace) -> tuple[int, int] | None:
    seen: dict[tuple[int | bool, ...], int] = {}
    for j, s in enumerate(tr.states):
        if s in seen:
            return seen[s], j
        seen[s] = j
    return None


def kind(system: ir.System, budget: Budget, *, mine: bool = True) -> Result:
    start = time.monotonic()
    depth = system.depth if budget.depth is None else budget.depth
    lemmas: list[ir.Expr] = []
    mined = proved = 0
    seen: list[State] = []
    if mine:
        budget.mark("looking for invariants")
        seen = explore(system, budget).states
        facts = candidates(system, seen)
        kept = houdini(system, facts, budget)
        mined, proved = len(facts), len(kept)
        lemmas = [f.expr(system) for f in kept]
    goals = {p.name: p.bad for p in system.properties}
    goals.update({f"cover:{c.name}": c.expr for c in system.covers})
    with Session(system, budget) as base_session:
        base = BmcRun(system, base_session)
        step = _Step(system, budget, goals, lemmas)
        try:
            result = _loop(system, depth, base, step, start, mined, proved)
        finally:
            step.session.close()
    if result.proof.complete:  # steps never enabled in any state the invariants allow
        fired = may_fire(system, budget, lemmas, set(base.fired) | enabled_in(system, seen))
        return replace(result, fired=fired, fired_all=True)
    return result


def _loop(system: ir.System, depth: int, base: BmcRun, step: _Step, start: float,
          mined: int, proved: int) -> Result:
    open_goals = list(step.goals)
    bound, unknown, proof = -1, None, Proof.BOUNDED

    def stats() -> Stats:
        return Stats(time.monotonic() - start, base.session.calls + step.session.calls, bound)

    try:
        if not base.start():
            return conclude(system, "kind", initial=False, found={}, reached={}, bound=-1,
                            proof=Proof.NONE, unknown=None, stats=stats())
        for k in range(depth + 1):
            step.session.budget.report("kind", f"k = {k}, {len(open_goals)} goals open")
            base.properties(k)
            base.steps_enabled(k)
            base.covers(k)
            open_goals = [g for g in open_goals if g not in base.found
                          and g.removeprefix("cover:") not in base.reached]
            bound = k
            step.extend()
            if not open_goals:
                proof = Proof.DECIDED
                break
            done = step.prove(open_goals)
            open_goals = [g for g in open_goals if g not in done]
            if not open_goals:
                proof = Proof.INDUCTIVE
                break
            if k < depth:
                base.extend(k)
    except OutOfBudget as err:
        unknown = f"{err.why} at depth {bound + 1}"
    evidence = (f"{bound}-induction; {proved} of {mined} candidate invariants proved by "
                "Houdini and assumed" if mined else f"{bound}-induction")
    result = conclude(system, "kind", initial=True, found=base.found, reached=base.reached,
                      bound=bound, proof=proof, unknown=unknown, stats=stats(),
                      evidence=evidence, fired=frozenset(base.fired) if bound >= 0 else None,
                      fired_all=False)
    if proof is Proof.BOUNDED and unknown is None and step.cti is not None:
        return replace(result, cti=step.cti, evidence=evidence +
                       f"; the step case still fails at k = {bound}")
    return result
