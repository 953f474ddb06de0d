"""IC3 over the bit-vector encoding, with z3 as its oracle: the machinery of `pdr`.

Frames F_1 ⊇ F_2 ... over-approximate the states reachable in at most i
steps; each is a conjunction of clauses (negated cubes). A cube is a set of
literals `var = v`, `var >= v`, `var <= v` over state variables, program
counters included: learned clauses read as facts of the spec ("while exec is
at move_ptes, pte[7] is not a migration entry"). One incremental solver holds
every frame behind activation literals (frame i's clauses sit at the highest
level they are known for: F_i is every level >= i), the transition relation
behind its own literal, the domains and proved lemmas permanently.

Predecessors are generalised with an unsat core over the step they take (every
state of the cube takes that step into the successor cube), bad states with
one over the properties, and blocked cubes by dropping literals while the
cube stays relatively inductive and outside the initial states (MIC). A learned
clause's images under swapping two instances of one process (`swaps`) are
offered too, each kept only where it is itself relatively inductive: replicated
processes (two migrations) need the same fact for each instance, and one query
replaces a whole blocking round.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import z3

from .. import ir
from ..budget import OutOfBudget
from ..interp import Interpreter, State, TooManyStates
from ..smt.encode import conjunction, disjunction
from ..smt.session import SAT, UNKNOWN, Session
from .cubes import Cube, Lit, Reached, holds, lit_expr

MIC_ATTEMPTS = 3  # failed literal drops before a cube is taken as it is


def swaps(system: ir.System) -> list[dict[str, str]]:
    """Renamings that exchange two instances of one process declaration: their program
    counters and locals. Only candidates: nothing assumes the system is symmetric."""
    names = {v.name for v in system.vars}
    out = []
    for a, b in itertools.combinations(system.processes, 2):
        if a.decl != b.decl or a.pc_names != b.pc_names:
            continue
        ren = {a.pc_var: b.pc_var, b.pc_var: a.pc_var}
        for x, y in ((a.name, b.name), (b.name, a.name)):
            for n in names:
                if n.startswith(x + "."):
                    ren[n] = y + n[len(x):]
        if all(n in names for n in ren.values()):
            out.append(ren)
    return out


@dataclass(order=True)
class Obligation:
    """Block `cube` at `level`; its states reach the bad states through `parent`."""

    level: int
    order: int
    cube: Cube = field(compare=False)
    parent: Obligation | None = field(compare=False, default=None)
    step: int = field(compare=False, default=-1)  # the transition into the parent's cube
    state: State | None = field(compare=False, default=None)  # concrete, at level 0


class Ic3:
    def __init__(self, system: ir.System, session: Session, lemmas: Sequence[ir.Expr],
                 reached: Sequence[State] = ()) -> None:
        self.system = system
        self.reached = Reached(system, reached)  # no learned clause may exclude one
        self.s = session
        self.enc = session.enc
        self.interp = Interpreter(system)
        self.names = [v.name for v in system.vars]
        self.position = {n: i for i, n in enumerate(self.names)}
        self.wide = {v.name for v in system.vars
                     if isinstance(v.sort, ir.IntSort) and v.sort.hi - v.sort.lo > 1}
        ctx = self.enc.ctx
        self.trans = z3.Bool("T", ctx)
        session.add(*self.enc.domain(0), *self.enc.domain(1))
        session.add(*(self.enc.expr(lem, k) for lem in lemmas for k in (0, 1)))
        session.add(z3.Implies(self.trans, z3.And(*self.enc.trans(0))))
        self.act = [z3.Bool("F0", ctx)]
        session.add(z3.Implies(self.act[0], z3.And(*self.enc.init())))
        self.delta: list[list[Cube]] = [[]]
        self._labels: dict[tuple[Lit, int], z3.BoolRef] = {}
        self._lits: dict[Lit, tuple[z3.ExprRef, z3.ExprRef]] = {}  # the literal, its negation
        self.inits: list[State] | None  # None: too many to list, the solver answers
        try:
            self.inits = list(itertools.islice(self.interp.initial_states(), 65))
        except TooManyStates:
            self.inits = None
        self.counter = itertools.count()
        self.calls = 0
        self.swaps = swaps(system)

    # ------------------------------------------------------------ the solver
    @property
    def k(self) -> int:
        return len(self.act) - 1

    def frame(self, i: int) -> list[z3.BoolRef]:
        return self.act[i:] if i > 0 else [self.act[0]]

    def _lit0(self, lit: Lit) -> tuple[z3.ExprRef, z3.ExprRef]:
        hit = self._lits.get(lit)
        if hit is None:
            term = self.enc.expr(lit_expr(lit), 0)
            hit = self._lits[lit] = (term, z3.Not(term))
        return hit

    def cube0(self, c: Cube) -> z3.ExprRef:
        """The cube over state 0, built from cached literals in one call (not through the
        IR and z3py: IC3 makes a new cube for almost every query)."""
        return conjunction([self._lit0(lit)[0] for lit in sorted(c)], self.enc.ctx)

    def clause0(self, c: Cube) -> z3.ExprRef:
        """¬c over state 0."""
        return disjunction([self._lit0(lit)[1] for lit in sorted(c)], self.enc.ctx)

    def label(self, lit: Lit, at: int) -> z3.BoolRef:
        """An assumption literal standing for `lit` at state `at` (for unsat cores)."""
        key = (lit, at)
        lab = self._labels.get(key)
        if lab is None:
            lab = z3.Bool(f"l{len(self._labels)}", self.enc.ctx)
            self.s.add(z3.Implies(lab, self.enc.expr(lit_expr(lit), at)))
            self._labels[key] = lab
        return lab

    def ask(self, *extra: z3.ExprRef, assume: Sequence[z3.ExprRef] = (),
            want_model: bool = True) -> bool:
        self.calls += 1
        r = self.s.ask(*extra, assume=assume, want_model=want_model)
        if r == UNKNOWN:
            raise OutOfBudget("searching for an inductive invariant", self.s.why)
        return bool(r == SAT)

    def state0(self) -> State:
        assert self.s.model is not None
        return self.enc.read_state(self.s.model, 0)

    def cube_of(self, state: State) -> Cube:
        return frozenset((n, "=", v) for n, v in zip(self.names, state, strict=True))

    def new_frame(self) -> None:
        self.act.append(z3.Bool(f"F{len(self.act)}", self.enc.ctx))
        self.delta.append([])

    # ------------------------------------------------------------- queries
    def has_initial_state(self) -> bool:
        if self.inits is not None:
            return bool(self.inits)
        return self.ask(assume=self.frame(0), want_model=False)

    def meets_init(self, c: Cube) -> bool:
        return self.init_in(c) is not None

    def init_in(self, c: Cube) -> State | None:
        """An initial state inside the cube, if there is one."""
        if self.inits is not None and len(self.inits) <= 64:
            return next((s for s in self.inits
                         if all(holds(lit, s[self.position[lit[0]]]) for lit in c)), None)
        if self.ask(self.cube0(c), assume=self.frame(0)):
            return self.state0()
        return None

    def meets_reached(self, c: Cube) -> bool:
        """Does the cube contain a state known reachable? Then ¬c holds only up to some
        depth: a clause IC3 would have to learn again and again, frame after frame."""
        return self.reached.meet(c)

    def relind(self, i: int, c: Cube, want_model: bool = False) -> Cube | None:
        """Is ¬c inductive relative to F_(i-1)? The core of c (a smaller cube) if so; if
        not, with `want_model`, `predecessor` reads the state that leaves ¬c."""
        lits = sorted(c, key=str)
        labs = [self.label(lit, 1) for lit in lits]
        if self.ask(self.clause0(c), assume=[*self.frame(i - 1), self.trans, *labs],
                    want_model=want_model):
            return None
        core = frozenset(lit for lit, lab in zip(lits, labs, strict=True) if self.s.in_core(lab))
        return core if core and not self.meets_init(core) and not self.meets_reached(core) else c

    def predecessor(self) -> tuple[State, int]:
        assert self.s.model is not None
        return self.state0(), self.enc.read_choice(self.s.model, 0)

    def lift(self, state: State, t: ir.Transition, succ: Cube) -> Cube:
        """A sub-cube of `state` all of whose states take step t into `succ`."""
        writes = dict(t.updates)
        goal = ir.and_(t.guard, *(lit_expr(lit, writes.get(lit[0])) for lit in sorted(succ)))
        return self._core_of(state, ir.not_(goal))

    def generalise_bad(self, state: State, bad: ir.Expr) -> Cube:
        return self._core_of(state, ir.not_(bad))

    def _core_of(self, state: State, contradiction: ir.Expr) -> Cube:
        """The literals of `state` that make `contradiction` unsatisfiable."""
        lits = sorted(self.cube_of(state), key=str)
        labs = [self.label(lit, 0) for lit in lits]
        if self.ask(self.enc.expr(contradiction, 0), assume=labs, want_model=False):
            return frozenset(lits)  # cannot happen: the state itself refutes it
        return frozenset(lit for lit, lab in zip(lits, labs, strict=True) if self.s.in_core(lab))

    # ------------------------------------------------------------ blocking
    def split(self, c: Cube) -> Cube:
        """`x = v` as `x >= v` and `x <= v` for wide integers: MIC can then keep a range."""
        out: set[Lit] = set()
        for var, op, v in c:
            if op == "=" and var in self.wide:
                out |= {(var, ">=", v), (var, "<=", v)}
            else:
                out.add((var, op, v))
        return frozenset(out)

    def mic(self, i: int, c: Cube) -> Cube:
        c = self.split(c)
        fails = 0
        for lit in sorted(c, key=str):
            if lit not in c:
                continue
            cand = c - {lit}
            if not cand or self.meets_init(cand) or self.meets_reached(cand):
                continue
            core = self.relind(i, cand)
            if core is not None:
                c = core
            else:
                fails += 1
                if fails >= MIC_ATTEMPTS:
                    break
        return c

    def add_clause(self, c: Cube, level: int) -> None:
        for j in range(1, level + 1):
            self.delta[j] = [d for d in self.delta[j] if not c <= d]
        self.delta[level].append(c)
        self.s.add(z3.Implies(self.act[level], self.clause0(c)))

    def learn_images(self, c: Cube, level: int) -> None:
        """Add the images of a clause learned at `level` under the instance swaps, where
        they are relatively inductive there (and exclude no initial or reached state)."""
        for ren in self.swaps:
            image = frozenset((ren.get(var, var), op, v) for var, op, v in c)
            if (image == c or self.meets_init(image) or self.meets_reached(image)
                    or any(image in self.delta[j] for j in range(level, self.k + 1))):
                continue
            core = self.relind(level, image)
            if core is not None:
                self.add_clause(core, self.push_up(level, core))

    def push_up(self, i: int, c: Cube) -> int:
        while i < self.k and self.relind(i + 1, c) is not None:
            i += 1
        return i

    def block(self, bad: Cube, state: State) -> Obligation | None:
        """Block a bad cube at the frontier; the level-0 obligation of a counterexample if not."""
        queue = [Obligation(self.k, next(self.counter), bad, state=state)]
        while queue:
            ob = heapq.heappop(queue)
            if ob.level == 0:
                return ob
            start = self.init_in(ob.cube)
            if start is not None:  # an initial state already reaches the bad states
                return Obligation(0, next(self.counter), ob.cube, ob.parent, ob.step, start)
            if not self.ask(self.cube0(ob.cube), assume=self.frame(ob.level),
                            want_model=False):
                if ob.level < self.k:  # already blocked here: keep it blocked further up
                    heapq.heappush(queue, Obligation(ob.level + 1, next(self.counter), ob.cube,
                                                     ob.parent, ob.step, ob.state))
                continue
            core = self.relind(ob.level, ob.cube, want_model=True)
            if core is None:
                pred, t = self.predecessor()
                cube = (self.cube_of(pred) if ob.level == 1
                        else self.lift(pred, self.system.transitions[t], ob.cube))
                heapq.heappush(queue, ob)
                heapq.heappush(queue, Obligation(ob.level - 1, next(self.counter), cube, ob, t,
                                                 pred))
                continue
            g = self.mic(ob.level, core)
            j = self.push_up(ob.level, g)
            self.add_clause(g, j)
            self.learn_images(g, ob.level)
            if j < self.k:
                heapq.heappush(queue, Obligation(j + 1, next(self.counter), ob.cube, ob.parent,
                                                 ob.step, ob.state))
        return None

    def propagate(self) -> list[Cube] | None:
        """Push clauses forward; the inductive invariant when two frames become equal."""
        for i in range(1, self.k):
            for c in list(self.delta[i]):
                if c not in self.delta[i]:
                    continue  # subsumed meanwhile by a clause pushed up
                core = self.relind(i + 1, c)
                if core is not None:
                    self.delta[i].remove(c)
                    self.add_clause(core, i + 1)
            if not self.delta[i]:
                return [c for j in range(i + 1, self.k + 1) for c in self.delta[j]]
        return None

    def path(self, ob: Obligation) -> tuple[tuple[State, ...], tuple[int, ...]]:
        """The counterexample of a level-0 obligation, rebuilt forward in the interpreter."""
        assert ob.state is not None
        states, steps = [ob.state], []
        while ob.parent is not None:
            steps.append(ob.step)
            states.append(self.interp.step(states[-1], self.system.transitions[ob.step]))
            ob = ob.parent
        return tuple(states), tuple(steps)
