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
from ..interp import Fn, Interpreter, State, TooManyStates, compile_expr
from ..smt.encode import disjunction
from ..smt.session import SAT, UNKNOWN, UNSAT, Session

EXPLORE_STATES = 4_000  # breadth-first part of the exploration
RUNS = 48  # random runs to the end, for the deep states breadth-first does not reach
MAX_CANDIDATES = 20_000


@dataclass(frozen=True, slots=True)
class Fact:
    """The conditions `when` (each `x = c`; none: always) imply `var` in `values`."""

    when: tuple[tuple[str, int | bool], ...]
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
        cond = ir.conj(ir.eq(ir.Var(n), ir.Const(v)) for n, v in self.when)
        return ir.implies(cond, inside)


def enabled_in(system: ir.System, states: Sequence[State]) -> set[int]:
    interp = Interpreter(system)
    return {t.index for s in states for t in interp.enabled(s)}


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
    """Facts the explored states do not refute, S always a strict subset of what is possible:

    - `y in S` (the values y takes at all);
    - `x = c implies y in S`, for every pair of variables;
    - `x = c and z = d implies y in S`, for x, z control variables (program counters,
      locals, locks), where it says more than the two pairs it combines.
    """
    names = [v.name for v in system.vars]
    control = [i for i, v in enumerate(system.vars)
               if v.kind in (ir.VarKind.PC, ir.VarKind.LOCAL, ir.VarKind.LOCK)]
    domain = [len(v.sort.values()) for v in system.vars]
    seen_values: list[set[int | bool]] = [set() for _ in names]
    pair: dict[tuple[int, int | bool], list[set[int | bool]]] = defaultdict(
        lambda: [set() for _ in names])
    triple: dict[tuple[int, int | bool, int, int | bool], list[set[int | bool]]] = defaultdict(
        lambda: [set() for _ in names])
    for s in states:
        for i, x in enumerate(s):
            seen_values[i].add(x)
            row = pair[(i, x)]
            for j, y in enumerate(s):
                row[j].add(y)
        for a, b in itertools.combinations(control, 2):
            row = triple[(a, s[a], b, s[b])]
            for j, y in enumerate(s):
                row[j].add(y)
    out = [Fact((), names[j], frozenset(vals)) for j, vals in enumerate(seen_values)
           if len(vals) < domain[j]]
    for (i, x), row in pair.items():
        if len(seen_values[i]) < 2:
            continue  # x never changes: its facts are the unconditional ones
        for j, vals in enumerate(row):
            if j != i and len(vals) < len(seen_values[j]):
                out.append(Fact(((names[i], x),), names[j], frozenset(vals)))
    for (a, x, b, z), row in triple.items():
        for j, vals in enumerate(row):
            if j not in (a, b) and vals < pair[(a, x)][j] & pair[(b, z)][j]:
                out.append(Fact(((names[a], x), (names[b], z)), names[j], frozenset(vals)))
    return out[:MAX_CANDIDATES]


def houdini(system: ir.System, facts: Sequence[Fact], budget: Budget,
            assumed: Sequence[ir.Expr] = ()) -> list[Fact]:
    """The largest subset of `facts` that holds initially and is preserved by every step.

    `assumed` are proved invariants, used as hypotheses in both states. Stops
    (keeping nothing) when the budget runs out: an unfinished fixpoint proves nothing.
    """
    if not facts:
        return []
    index = {v.name: i for i, v in enumerate(system.vars)}
    exprs = [f.expr(system) for f in facts]
    test = [compile_expr(e, index) for e in exprs]  # facts judged on the model's states
    try:
        with Session(system, budget) as s:
            enc = s.enc
            now = [enc.expr(e, 0) for e in exprs]
            flags = [z3.Bool(f"cand{i}", enc.ctx) for i in range(len(facts))]
            s.add(*enc.domain(0), *(enc.expr(a, 0) for a in assumed))
            s.add(*(z3.Implies(f, c) for f, c in zip(flags, now, strict=True)))
            live = _survivors(s, [z3.Not(c) for c in now], test, list(range(len(facts))), 0,
                              s.enc.init(), budget)
            # consecution: the live facts in one state imply them in every successor
            s.add(*enc.trans(0), *enc.domain(1), *(enc.expr(a, 1) for a in assumed))
            fails = [z3.Not(enc.expr(e, 1)) for e in exprs]
            live = _survivors(s, fails, test, live, 1, [], budget, flags,
                              Interpreter(system, budget))
            return [facts[i] for i in live]
    except OutOfBudget:
        return []


def _survivors(s: Session, fails: list[z3.ExprRef], test: list[Fn], live: list[int],
               at: int, extra: list[z3.ExprRef], budget: Budget,
               flags: list[z3.BoolRef] | None = None,
               interp: Interpreter | None = None) -> list[int]:
    """Drop the live facts a model shows false at state `at`, until no model is left.

    With an interpreter, a model's first state s (which satisfies every live fact)
    also drops the facts false in any successor of s, and of every successor that
    still satisfies them all: many facts go per solver call."""
    while live:
        budget.check("proving candidate invariants")
        goal = disjunction([fails[i] for i in live], s.enc.ctx)
        r = s.ask(goal, *extra, assume=[flags[i] for i in live] if flags else [])
        if r == UNKNOWN:
            raise OutOfBudget("proving candidate invariants", s.why)
        if r != SAT:
            return live
        assert s.model is not None
        state = s.enc.read_state(s.model, at)
        live = [i for i in live if test[i](state)]
        if interp is not None:
            live = _drop_along(interp, s.enc.read_state(s.model, 0), test, live)
    return live


def _drop_along(interp: Interpreter, start: State, test: list[Fn], live: list[int],
                limit: int = 256) -> list[int]:
    """Facts falsified by the successors of states that satisfy all live facts."""
    frontier, seen = [start], {start}
    while frontier and len(seen) < limit:
        nxt = []
        for x in frontier:
            for _, y in interp.successors(x):
                if y in seen:
                    continue
                seen.add(y)
                kept = [i for i in live if test[i](y)]
                if len(kept) == len(live):
                    nxt.append(y)  # a state all live facts allow: its successors count too
                else:
                    live = kept
        frontier = nxt
    return live


def may_fire(system: ir.System, budget: Budget, invariant: Sequence[ir.Expr],
             seen: set[int]) -> frozenset[int]:
    """The transitions that may be enabled in some state the invariant allows.

    `seen` were enabled in reachable states already. Any other one whose guard
    contradicts the (proved) invariant is never enabled in any execution; one
    the solver cannot rule out counts as possibly enabled (no dead-step claim).
    """
    out = set(seen)
    rest = [t for t in system.transitions if t.index not in seen]
    if not rest:
        return frozenset(out)
    try:
        with Session(system, budget) as s:
            s.add(*s.enc.domain(0), *(s.enc.expr(e, 0) for e in invariant))
            for t in rest:
                if s.ask(s.enc.expr(t.guard, 0)) != UNSAT:
                    out.add(t.index)
    except OutOfBudget:
        out |= {t.index for t in rest}
    return frozenset(out)
