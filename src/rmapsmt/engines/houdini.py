"""Candidate invariants from a bounded exploration, kept only where proved inductive (Houdini).

A cheap, sound strengthening for the proof engines. A bounded part of the
state space is explored (breadth-first from the initial states, then random
runs to the end; or all of it, where breadth-first search finishes within
COMPLETE_STATES), and every fact of the form "whenever x = c, y is one of the
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
from collections.abc import Sequence, Set
from dataclasses import dataclass

import z3

from .. import ir
from ..budget import Budget, OutOfBudget, Ticker
from ..interp import Interpreter, State, TooManyStates
from ..result import Trace
from ..smt.encode import disjunction
from ..smt.session import SAT, UNKNOWN, UNSAT, Session
from .cubes import Reached

EXPLORE_STATES = 4_000  # breadth-first part of the exploration
COMPLETE_STATES = 20_000  # breadth-first search goes on this far, in case it finishes
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


@dataclass(frozen=True)
class Explored:
    """States an exploration reached, each with the step that first reached it."""

    parent: dict[State, tuple[State, int] | None]  # None: an initial state
    breadth_first: frozenset[State] = frozenset()  # reached by whole BFS levels: shortest
    complete: bool = False  # every reachable state is here: breadth-first search finished

    @property
    def states(self) -> list[State]:
        return list(self.parent)

    def trace(self, s: State) -> Trace:
        """A way to `s` (a shortest one if breadth-first search reached it)."""
        return Trace.back_from(s, self.parent)


def explore(system: ir.System, budget: Budget, seed: int = 0) -> Explored:
    """Some reachable states: a bounded breadth-first search, then random runs to the end.
    All of them (`complete`) where the search finishes within COMPLETE_STATES; if it does
    not, only its levels up to EXPLORE_STATES are kept (more states than that cost the
    candidates more time than they save Houdini)."""
    interp = Interpreter(system, budget)
    ticker = Ticker(budget, "exploring for candidate invariants")
    seen: dict[State, tuple[State, int] | None] = {}
    try:
        frontier = list(itertools.islice(interp.initial_states(budget), COMPLETE_STATES))
    except TooManyStates:
        return Explored({})
    seen.update(dict.fromkeys(frontier))
    kept = EXPLORE_STATES if len(seen) >= EXPLORE_STATES else 0  # kept if unfinished
    while frontier and len(seen) < COMPLETE_STATES:
        nxt = []
        for s in frontier:
            ticker.tick()
            for t, n in interp.successors(s):
                if n not in seen:
                    seen[n] = (s, t.index)
                    nxt.append(n)
        frontier = nxt
        kept = kept or (len(seen) if len(seen) >= EXPLORE_STATES else 0)
    if not seen:
        return Explored({})
    if not frontier:
        return Explored(seen, frozenset(seen), complete=True)
    seen = dict(itertools.islice(seen.items(), kept))
    levels = frozenset(seen)  # each BFS level was expanded whole: these traces are shortest
    rng = random.Random(seed)
    starts = list(seen)[: max(1, len(seen) // 8)]
    for _ in range(RUNS):
        s = rng.choice(starts)
        for _ in range(10_000):
            ticker.tick()
            succ = list(interp.successors(s))
            if not succ or interp.violated(s):
                break
            t, n = rng.choice(succ)
            seen.setdefault(n, (s, t.index))
            s = n
    return Explored(seen, levels)


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
    unique = list(dict.fromkeys(states))
    # per variable, per value, the states that have it (bit j: state j): a group of
    # states is a bitmask, and the values a variable takes in it a few big-integer ands
    index = Reached(system, unique)
    by_value = [index.by_value(n) for n in names]
    seen_values = [set(bv) for bv in by_value]

    def values_in(group: int) -> list[set[int | bool]]:
        return [{v for v, m in bv.items() if m & group} for bv in by_value]

    def first(group: int) -> int:  # the first state in the group: facts in scan order
        return (group & -group).bit_length()

    groups = sorted(((first(m), i, x, m) for i, bv in enumerate(by_value) for x, m in bv.items()),
                    key=lambda g: g[:2])
    pair = {(i, x): values_in(m) for _, i, x, m in groups}
    both = sorted(((first(ma & mb), k, (a, x, b, z), ma & mb)
                   for k, (a, b) in enumerate(itertools.combinations(control, 2))
                   for x, ma in by_value[a].items() for z, mb in by_value[b].items()
                   if ma & mb), key=lambda g: g[:2])
    triple = {key: values_in(m) for _, _, key, m in both}
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


# a fact as the refuter reads it: its number, its conditions past the first (variable
# index, value), the index of the variable it constrains, the values allowed
_Entry = tuple[int, tuple[tuple[int, int | bool], ...], int, frozenset[int | bool]]


class Refuter:
    """The facts a state falsifies, looking only at those whose conditions it meets: the
    states Houdini learns from are judged against thousands of facts each."""

    def __init__(self, system: ir.System, facts: Sequence[Fact]) -> None:
        index = {v.name: i for i, v in enumerate(system.vars)}
        self.always: list[_Entry] = []
        self.keyed: dict[tuple[int, int | bool], list[_Entry]] = defaultdict(list)
        for k, f in enumerate(facts):
            when = tuple((index[n], v) for n, v in f.when)
            entry = (k, when[1:], index[f.var], f.values)
            if when:
                self.keyed[when[0]].append(entry)
            else:
                self.always.append(entry)

    def __call__(self, s: State) -> set[int]:
        out = {k for k, _, j, vals in self.always if s[j] not in vals}
        for key in enumerate(s):
            for k, rest, j, vals in self.keyed.get(key, ()):
                if s[j] not in vals and all(s[a] == v for a, v in rest):
                    out.add(k)
        return out


def houdini(system: ir.System, facts: Sequence[Fact], budget: Budget,
            assumed: Sequence[ir.Expr] = ()) -> list[Fact]:
    """The largest subset of `facts` that holds initially and is preserved by every step.

    `assumed` are proved invariants, used as hypotheses in both states. Stops
    (keeping nothing) when the budget runs out: an unfinished fixpoint proves nothing.
    """
    if not facts:
        return []
    exprs = [f.expr(system) for f in facts]
    refuted = Refuter(system, facts)  # facts judged on the model's states
    try:
        with Session(system, budget) as s:
            enc = s.enc
            now = [enc.expr(e, 0) for e in exprs]
            flags = [z3.Bool(f"cand{i}", enc.ctx) for i in range(len(facts))]
            s.add(*enc.domain(0), *(enc.expr(a, 0) for a in assumed))
            s.add(*(z3.Implies(f, c) for f, c in zip(flags, now, strict=True)))
            live = _survivors(s, [z3.Not(c) for c in now], refuted, list(range(len(facts))), 0,
                              s.enc.init(), budget)
            live = _consecution(s, exprs, refuted, live, flags, assumed, budget)
            return [facts[i] for i in live]
    except OutOfBudget:
        return []


def _survivors(s: Session, fails: list[z3.ExprRef], refuted: Refuter, live: list[int],
               at: int, extra: list[z3.ExprRef], budget: Budget) -> list[int]:
    """Drop the live facts a model shows false at state `at`, until no model is left."""
    while live:
        budget.check("proving candidate invariants")
        goal = disjunction([fails[i] for i in live], s.enc.ctx)
        r = s.ask(goal, *extra)
        if r == UNKNOWN:
            raise OutOfBudget("proving candidate invariants", s.why)
        if r != SAT:
            return live
        assert s.model is not None
        state = s.enc.read_state(s.model, at)
        out = refuted(state)
        live = [i for i in live if i not in out]
    return live


def _consecution(s: Session, exprs: list[ir.Expr], refuted: Refuter, live: list[int],
                 flags: list[z3.BoolRef], assumed: Sequence[ir.Expr],
                 budget: Budget) -> list[int]:
    """Drop the facts some step breaks, step by step, until every step keeps them all.

    A step is asked only about the facts that read a variable it writes (the others
    keep their values), and its query holds that one step, not the whole relation's
    if-then-else chains: many small queries instead of a few that carry every
    candidate and every step. A model's first state s satisfies every live fact, so
    the facts false in any state reached from s through states that satisfy them all
    go too. A step whose last query was unsat is asked again only when a fact its
    unsat core used is dropped: with fewer facts to keep and the same ones assumed,
    the answer cannot change."""
    system, enc = s.enc.system, s.enc
    interp = Interpreter(system, budget)
    reads = [ir.variables(e) for e in exprs]
    flag_of = {f.get_id(): i for i, f in enumerate(flags)}
    s.add(*enc.domain(1), *(enc.expr(a, 1) for a in assumed))
    fails = [z3.Not(enc.expr(e, 1)) for e in exprs]
    alive = dict.fromkeys(live)
    pending = dict.fromkeys(range(len(system.transitions)))  # steps to ask (again), in order
    needs: dict[int, set[int]] = {}  # a step that kept the facts: the facts it used
    while pending:
        t = system.transitions[next(iter(pending))]
        del pending[t.index]
        written = {v for v, _ in t.updates}
        mine = [i for i in alive if reads[i] & written]
        while mine:
            budget.check("proving candidate invariants")
            goal = disjunction([fails[i] for i in mine], enc.ctx)
            r = s.ask(goal, *enc.step(t), assume=[flags[i] for i in alive])
            if r == UNKNOWN:
                raise OutOfBudget("proving candidate invariants", s.why)
            if r != SAT:
                needs[t.index] = {flag_of[c] for c in s.core if c in flag_of}
                break
            assert s.model is not None
            after = enc.read_state(s.model, 1)
            broken = refuted(after) & set(mine)
            if not broken:  # the encoding and the facts' own reading disagree: a bug
                raise AssertionError(f"houdini: {t.process} {t.name} breaks a fact in "
                                     "the solver's model but not in the state read back")
            kept = _drop_along(interp, enc.read_state(s.model, 0), refuted,
                               [i for i in alive if i not in broken])
            dropped = set(alive).difference(kept)
            alive = dict.fromkeys(kept)
            mine = [i for i in mine if i in alive]
            for u in [u for u, used in needs.items() if used & dropped]:
                del needs[u]
                pending[u] = None
    return list(alive)


def _drop_along(interp: Interpreter, start: State, refuted: Refuter, live: list[int],
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
                out = refuted(y)
                if out.isdisjoint(live):
                    nxt.append(y)  # a state all live facts allow: its successors count too
                else:
                    live = [i for i in live if i not in out]
        frontier = nxt
    return live


def may_fire(system: ir.System, budget: Budget, invariant: Sequence[ir.Expr],
             seen: set[int]) -> frozenset[int]:
    """The transitions that may be enabled in some state the invariant allows.

    `seen` were enabled in reachable states already. Any other one whose guard
    contradicts the (proved) invariant is never enabled in any execution; one
    the solver cannot rule out counts as possibly enabled (no dead-step claim).
    """
    if all(t.index in seen for t in system.transitions):
        return frozenset(seen)
    try:
        with Session(system, budget) as s:
            s.add(*s.enc.domain(0), *(s.enc.expr(e, 0) for e in invariant))
            return firing(s, seen)
    except OutOfBudget:
        return frozenset(t.index for t in system.transitions)


def firing(s: Session, seen: Set[int]) -> frozenset[int]:
    """`may_fire` in a session whose state 0 the (proved) invariant already constrains."""
    out = set(seen)
    for t in s.enc.system.transitions:
        if t.index not in out and s.ask(s.enc.expr(t.guard, 0)) != UNSAT:
            out.add(t.index)
    return frozenset(out)
