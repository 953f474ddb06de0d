"""Candidate invariants from a bounded exploration, kept only where proved inductive (Houdini).

A cheap, sound strengthening for the proof engines. A bounded part of the
state space is explored (breadth-first from the initial states, then random
runs to the end), and every fact of the form "whenever x = c, y is one of the
values seen with it" (x and y state variables, program counters included) is
offered as a candidate. A solver then keeps the largest subset that holds in
every initial state and is preserved by every step: the Houdini fixpoint, an
inductive invariant whatever the exploration missed. Only proved facts are
ever used; the exploration only guesses.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import z3

from .. import ir
from ..budget import Budget, OutOfBudget, Ticker
from ..interp import Interpreter, State, TooManyStates
from ..smt.session import SAT, UNKNOWN, Session

EXPLORE_STATES = 4_000  # breadth-first part of the exploration
RUNS = 48  # random runs to the end, for the deep states breadth-first does not reach
MAX_CANDIDATES = 20_000


@dataclass(frozen=True, slots=True)
class Fact:
    """`when` implies `var` in `values` (`when` None: always)."""

    when: tuple[str, int | bool] | None
    var: str
    values: frozenset[int | bool]

    def expr(self, system: ir.System) -> ir.Expr:
        sort = system.var(self.var).sort
        v = ir.Var(self.var)
        if isinstance(sort, ir.IntSort) and len(self.values) > 2:
            lo, hi = min(int(x) for x in self.values), max(int(x) for x in self.values)
            if hi - lo + 1 == len(self.values):
                inside = ir.and_(ir.le(ir.Const(lo), v), ir.le(v, ir.Const(hi)))
            else:
                inside = ir.disj(ir.eq(v, ir.Const(x)) for x in sorted(self.values, key=int))
        else:
            inside = ir.disj(ir.eq(v, ir.Const(x)) for x in sorted(self.values, key=int))
        if self.when is None:
            return inside
        name, value = self.when
        return ir.implies(ir.eq(ir.Var(name), ir.Const(value)), inside)


def explore(system: ir.System, budget: Budget, seed: int = 0) -> list[State]:
    """Some reachable states: a bounded breadth-first search, then random runs to the end."""
    interp = Interpreter(system, budget)
    ticker = Ticker(budget, "exploring for candidate invariants")
    seen: dict[State, None] = {}
    try:
        frontier = list(itertools.islice(interp.initial_states(budget), EXPLORE_STATES))
    except TooManyStates:
        return []
    seen.update(dict.fromkeys(frontier))
    while frontier and len(seen) < EXPLORE_STATES:
        nxt = []
        for s in frontier:
            ticker.tick()
            for _, n in interp.successors(s):
                if n not in seen:
                    seen[n] = None
                    nxt.append(n)
        frontier = nxt
    if not seen:
        return []
    rng = random.Random(seed)
    starts = list(seen)[: max(1, len(seen) // 8)]
    for _ in range(RUNS):
        s = rng.choice(starts)
        for _ in range(10_000):
            ticker.tick()
            succ = list(interp.successors(s))
            if not succ or interp.violated(s):
                break
            s = rng.choice(succ)[1]
            seen[s] = None
    return list(seen)


def candidates(system: ir.System, states: Sequence[State]) -> list[Fact]:
    """Every "x = c implies y in S" that the explored states do not refute, S a strict subset."""
    names = [v.name for v in system.vars]
    domain = [len(v.sort.values()) for v in system.vars]
    seen_values: list[set[int | bool]] = [set() for _ in names]
    together: dict[tuple[int, int | bool], list[set[int | bool]]] = defaultdict(
        lambda: [set() for _ in names])
    for s in states:
        for i, x in enumerate(s):
            seen_values[i].add(x)
            row = together[(i, x)]
            for j, y in enumerate(s):
                row[j].add(y)
    out = [Fact(None, names[j], frozenset(vals)) for j, vals in enumerate(seen_values)
           if len(vals) < domain[j]]
    for (i, x), row in together.items():
        if len(seen_values[i]) < 2:
            continue  # x never changes: its facts are the unconditional ones
        for j, vals in enumerate(row):
            if j != i and len(vals) < len(seen_values[j]):
                out.append(Fact((names[i], x), names[j], frozenset(vals)))
                if len(out) >= MAX_CANDIDATES:
                    return out
    return out


def houdini(system: ir.System, facts: Sequence[Fact], budget: Budget,
            assumed: Sequence[ir.Expr] = ()) -> list[Fact]:
    """The largest subset of `facts` that holds initially and is preserved by every step.

    `assumed` are proved invariants, used as hypotheses in both states. Stops
    (keeping nothing) when the budget runs out: an unfinished fixpoint proves nothing.
    """
    if not facts:
        return []
    try:
        with Session(system, budget) as s:
            enc = s.enc
            exprs = [f.expr(system) for f in facts]
            now = [enc.expr(e, 0) for e in exprs]
            flags = [z3.Bool(f"cand{i}", enc.ctx) for i in range(len(facts))]
            s.add(*enc.domain(0), *(enc.expr(a, 0) for a in assumed))
            s.add(*(z3.Implies(f, c) for f, c in zip(flags, now, strict=True)))
            live = _initially(s, now, list(range(len(facts))))
            # consecution: the live facts in one state imply them in every successor
            s.add(*enc.trans(0), *enc.domain(1), *(enc.expr(a, 1) for a in assumed))
            after = [enc.expr(e, 1) for e in exprs]
            while live:
                budget.check("proving candidate invariants")
                goal = z3.Or(*(z3.Not(after[i]) for i in live))
                r = s.ask(goal, *(flags[i] for i in live))
                if r == UNKNOWN:
                    return []
                if r != SAT:
                    break
                assert s.model is not None
                m = s.model
                live = [i for i in live if z3.is_true(m.eval(after[i], model_completion=True))]
            return [facts[i] for i in live]
    except OutOfBudget:
        return []


def _initially(s: Session, now: list[z3.ExprRef], live: list[int]) -> list[int]:
    """The facts that hold in every initial state."""
    s.solver.push()
    try:
        s.add(*s.enc.init())
        while live:
            r = s.ask(z3.Or(*(z3.Not(now[i]) for i in live)))
            if r != SAT:
                return live if r != UNKNOWN else []
            assert s.model is not None
            m = s.model
            live = [i for i in live if z3.is_true(m.eval(now[i], model_completion=True))]
        return live
    finally:
        s.solver.pop()
