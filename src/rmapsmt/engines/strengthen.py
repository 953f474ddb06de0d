"""An inductive invariant from facts true in every reachable state, once all of them are known.

Where the exploration finished (houdini.explore: `complete`), every candidate
fact the reachable states do not refute is an invariant already: none needs
dropping, as Houdini would. Their conjunction I need not be inductive, though,
and pdr would spend its frames finding what is missing. Here the reachable set
R answers that directly. A counterexample to induction (a state s in I with a
step to a state outside I) lies outside R, since R is closed under steps and
inside I. So s is blocked by a clause: a cube around s that holds no state of R
(literals of s dropped while none enters) is false in every reachable state,
and its negation one more invariant. Each clause excludes its counterexample:
the loop ends, with I inductive and strong enough for the goals.

Nothing here is trusted: pdr's `certify` checks the result in a fresh solver, and
a state of R showing up as a counterexample (the interpreter and the encoding
disagree) stops the run as the bug it is.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import z3

from .. import ir
from ..budget import Budget, OutOfBudget
from ..interp import State
from ..smt.encode import conjunction, disjunction
from ..smt.session import SAT, UNKNOWN, Session
from .cubes import Cube, Lit, Reached, lit_expr
from .houdini import Fact

ORDERS = 16  # shuffled orders each counterexample's cube is also generalised in


def strengthen(system: ir.System, reached: Sequence[State], facts: Sequence[Fact],
               lemmas: Sequence[ir.Expr], goals: Sequence[ir.Expr], budget: Budget
               ) -> tuple[list[Cube], int]:
    """Cubes whose negations, with the facts (`lemmas`: their expressions), make an
    inductive invariant that excludes `goals`; and the solver calls it took. `reached`
    must be every reachable state, and every fact true in each. OutOfBudget if time runs
    out first."""
    with Session(system, budget) as s:
        return _Strengthening(s, reached, facts, lemmas, budget).run(goals)


class _Strengthening:
    def __init__(self, session: Session, reached: Sequence[State], facts: Sequence[Fact],
                 lemmas: Sequence[ir.Expr], budget: Budget) -> None:
        system = session.enc.system
        self.s, self.budget = session, budget
        self.reached = Reached(system, reached)
        self.members = set(reached)
        # program counters are dropped first: a clause about the data holds at more points;
        # then the data in name order, and in ORDERS shuffled orders: the shortest cube wins
        self.pcs = sorted(v.name for v in system.vars if v.kind is ir.VarKind.PC)
        self.data = sorted(v.name for v in system.vars if v.kind is not ir.VarKind.PC)
        self.order = self.pcs + self.data
        self.names = [v.name for v in system.vars]
        self.cubes: list[Cube] = []
        # each part of the invariant (the facts, then the clauses learned), false after a step
        self.broken: list[z3.ExprRef] = []
        self.writes = [{v for v, _ in t.updates} for t in system.transitions]
        self.unchecked: list[list[int]] = [[] for _ in system.transitions]
        self.pending: dict[int, None] = {}  # steps with parts unchecked, in order
        enc = session.enc
        self.s.add(*enc.domain(0), *enc.domain(1))
        self.steps = [enc.step(t) for t in system.transitions]
        self.s.add(conjunction([enc.expr(e, 0) for e in lemmas], enc.ctx))
        for f, e in zip(facts, lemmas, strict=True):
            self._add(e, {f.var, *(n for n, _ in f.when)}, assumed=True)

    def run(self, goals: Sequence[ir.Expr]) -> tuple[list[Cube], int]:
        bad = self.s.enc.expr(ir.disj(goals), 0)
        while self._ask(bad):
            self._block()
        while self.pending:
            t = next(iter(self.pending))
            del self.pending[t]
            while self.unchecked[t]:
                goal = disjunction([self.broken[i] for i in self.unchecked[t]], self.s.enc.ctx)
                if not self._ask(goal, *self.steps[t]):
                    self.unchecked[t] = []
                else:
                    self._block()
        return self.cubes, self.s.calls

    def _ask(self, *query: z3.ExprRef) -> bool:
        self.budget.check("strengthening the invariant")
        r = self.s.ask(*query)
        if r == UNKNOWN:
            raise OutOfBudget("strengthening the invariant", self.s.why)
        return bool(r == SAT)

    def _add(self, part: ir.Expr, reads: set[str], assumed: bool = False) -> None:
        """`part` (true in every reachable state; it reads `reads`) joins the invariant:
        assumed before a step (unless it is already), to be shown kept after each step
        that writes what it reads."""
        enc, i = self.s.enc, len(self.broken)
        if not assumed:
            self.s.add(enc.expr(part, 0))
        self.broken.append(z3.Not(enc.expr(part, 1)))
        for t, written in enumerate(self.writes):
            if reads & written:
                self.unchecked[t].append(i)
                self.pending[t] = None

    def _drop(self, lits: list[Lit]) -> list[Lit]:
        """The cube of `lits` (no state of R in it) with each literal dropped in turn while
        no state of R enters. One pass: a literal may go if the ones kept so far and the
        ones still to decide meet no state (`after[i]`: the states all of lits[i:] allow)."""
        masks = [self.reached.mask(lit) for lit in lits]
        after = [-1] * (len(lits) + 1)
        for i in range(len(lits) - 1, -1, -1):
            after[i] = after[i + 1] & masks[i]
        kept, out = -1, list[Lit]()
        for i, lit in enumerate(lits):
            if (out or i + 1 < len(lits)) and not kept & after[i + 1]:
                continue
            kept &= masks[i]
            out.append(lit)
        return out

    def _block(self) -> None:
        """Exclude the state the last model starts from, by a clause true in R."""
        assert self.s.model is not None
        state = self.s.enc.read_state(self.s.model, 0)
        if state in self.members:
            raise AssertionError("strengthen: a reachable state breaks an invariant that "
                                 "holds in every reachable state: the interpreter and the "
                                 "encoding disagree")
        value = dict(zip(self.names, state, strict=True))
        rng = random.Random(len(self.cubes))
        cube = self._drop([(n, "=", value[n]) for n in self.order])
        for _ in range(ORDERS):
            data = [(n, "=", value[n]) for n in self.data]
            rng.shuffle(data)
            other = self._drop([(n, "=", value[n]) for n in self.pcs] + data)
            cube = other if len(other) < len(cube) else cube
        self.cubes.append(frozenset(cube))
        self._add(ir.not_(ir.conj(lit_expr(lit) for lit in cube)), {n for n, _, _ in cube})
        self.budget.report("pdr", f"strengthening: {len(self.cubes)} clauses learned")
