"""Step merging: a Lipton reduction, checked by Z3, that joins a step to the step after it.

A step t of process p (from control point l1 to l2) is merged when

1. it is a *right mover*: for every step u of every other process, running t then
   u from any state of the declared types can also be done as u then t, to the
   same state (checked by one solver query per pair whose footprints overlap);
2. it is *invisible*: from a state where no property is violated (no cover
   reached, no deadlock), t does not make one so (one query per property);
3. p can always go on: after t some step of p at l2 is enabled (so t never leads
   into a deadlock), l2 is neither l1 nor p's end, and at most MAX_FANOUT steps
   leave l2.

Then each t is replaced by the compositions t;u for every step u leaving l2. Why
nothing is lost: in an execution that reaches a bad state, move every merged t
right, past other processes' steps (1), until it meets p's next step, with
which it forms a t;u, or the end of the execution, where it is dropped: the
state before it was already bad (2). So the merged system violates exactly the
properties the original does, reaches the same covers, and deadlocks where the
original does (3 keeps a process from being stuck between t and u). Conditions
are checked over every state of the declared types, not only reachable ones:
weaker than it could be, never unsound. The reduction is Lipton's ("Reduction:
a method of proving properties of parallel programs", CACM 1975), as used for
atomic blocks by Flanagan and Qadeer.

Engines run on the merged system; `Reduction.expand` turns their traces back
into steps of the original one (the interpreter recomputes each intermediate
state) before `run.verify` replays them in the unreduced interpreter. Bounds
stay sound: an execution of the original of n steps has a merged counterpart
of at most n steps, so "holds up to k" of the merged system implies it of the
original.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import z3

from .. import ir
from ..budget import Budget
from ..interp import Interpreter
from ..result import Result, Stats, Trace
from ..smt.session import UNSAT, Session
from . import Engine, bmc, explicit

# a step is merged only where at most this many steps can follow it: each becomes a
# joined step, and merging must not multiply a system's steps
MAX_FANOUT = 8
# a merged run's trace that took a merged step is made shortest again by breadth-first
# search of the original system up to this many states, beyond by BMC
SHORTEST_STATES = 50_000


@dataclass(frozen=True)
class Reduction:
    original: ir.System
    system: ir.System  # what the engines run on
    parts: tuple[tuple[int, ...], ...]  # each step of `system`: the original steps it runs
    merged: tuple[str, ...]  # the merged steps, for the report: "exec mprotect_fixup (line 90)"
    solver_calls: int = 0  # the questions the conditions took

    def expand(self, result: Result, start: float, budget: Budget) -> Result:
        """`result`, whose traces are over `system`, in steps of the original system, each
        a shortest one (unless time runs out); the time since `start` and the solver calls
        counted for reduction and engine together."""
        def stats() -> Stats:
            return replace(result.stats, seconds=time.monotonic() - start,
                           solver_calls=result.stats.solver_calls + self.solver_calls)

        if not self.merged:
            return replace(result, stats=stats())
        interp, merged = Interpreter(self.original), Interpreter(self.system)

        def back(trace: Trace, initial: bool = True) -> Trace:
            """The trace in original steps; first replayed as the engine gave it (an
            encoding bug is reported where the engine's states go wrong, as unmerged)."""
            if initial:
                merged.replay(trace.states, trace.steps)
            states, steps = [trace.states[0]], []
            for r in trace.steps:
                for t in self.parts[r]:
                    states.append(interp.step(states[-1], self.original.transitions[t]))
                    steps.append(t)
            return Trace(tuple(states), tuple(steps))

        # A shortest trace of the merged system need not be one of the original: a merged
        # step counts once and runs two or more steps. Where none was taken, the trace is
        # shortest: every execution of the original has a merged counterpart with at most
        # as many steps. Where one was, `_shortest` looks again in the original.
        goals = {**{p.name: p.trace for p in result.properties if p.trace is not None},
                 **{f"cover:{c.name}": c.trace for c in result.covers if c.trace is not None}}
        hit = {g: back(t) for g, t in goals.items()}
        known = {g for g, t in goals.items() if len(hit[g].steps) == len(t.steps)}
        found, reached = self._shortest(hit, known, budget)
        return replace(
            result,
            properties=tuple(replace(p, trace=found.get(p.name)) for p in result.properties),
            covers=tuple(replace(c, trace=reached.get(c.name)) for c in result.covers),
            # a counterexample to induction: from anywhere
            cti=None if result.cti is None else back(result.cti, initial=False),
            fired=None if result.fired is None else frozenset(
                t for r in result.fired for t in self.parts[r]),
            merged=self.merged, stats=stats())

    def _shortest(self, hit: dict[str, Trace], known: set[str], budget: Budget
                  ) -> tuple[dict[str, Trace], dict[str, Trace]]:
        """Shortest traces of the original system for the goals in `hit` (properties by
        name, covers as "cover:NAME"; the properties' and the covers' returned apart).
        Those in `known` are shortest already; each other goal is reached at its trace's
        length, so breadth-first search of the original to one step less finds any
        shorter trace, and usually costs less than the engine did. Past SHORTEST_STATES
        states BMC searches instead (bmc.shortest; out of time, the trace in `hit` is
        kept)."""
        wanted = set(hit) - known
        if not wanted:
            return bmc.split_goals(hit)
        depth = max(len(hit[g].steps) for g in wanted) - 1
        ex = explicit.explore(Interpreter(self.original, budget), depth,
                              replace(budget, max_states=SHORTEST_STATES))
        if ex.stopped:
            return bmc.shortest(self.original, budget, hit, known)
        shorter = {**ex.violations, **{f"cover:{c}": t for c, t in ex.covers.items()}}
        return bmc.split_goals({g: shorter[g] if g in wanted and g in shorter else t
                                for g, t in hit.items()})


def merging(engine: Engine) -> Engine:
    """`engine` run on the merged system, its answer in steps of the original one."""
    def run(system: ir.System, budget: Budget) -> Result:
        stage = budget.stage  # the engine's, named by the caller
        budget.enter("merging steps")
        start = time.monotonic()
        reduction = reduce(system, budget)
        budget.mark(stage)
        result = engine(reduction.system, budget)
        return reduction.expand(result, start, budget)
    return run


def reduce(system: ir.System, budget: Budget) -> Reduction:
    """The merged system: every step that satisfies the conditions above, joined to each
    step that can follow it."""
    unchanged = Reduction(system, system, tuple((t.index,) for t in system.transitions), ())
    leaving: dict[tuple[str, int], list[ir.Transition]] = defaultdict(list)
    for t in system.transitions:
        leaving[t.process, t.pc_from].append(t)
    ends = {p.name: p.done for p in system.processes}
    shapes = [t for t in system.transitions
              if t.crash is None and t.pc_to not in (t.pc_from, ends[t.process])
              and 0 < len(leaving[t.process, t.pc_to]) <= MAX_FANOUT]
    if not shapes:
        return unchanged
    with _Oracle(system, budget) as oracle:
        movers = [t for t in shapes if oracle.mergeable(t, leaving[t.process, t.pc_to])]
        calls = oracle.session.calls
    if not movers:
        return replace(unchanged, solver_calls=calls)
    merged = {t.index for t in movers}
    steps: list[ir.Transition] = []
    parts: list[tuple[int, ...]] = []
    for t in system.transitions:
        if t.index not in merged:
            steps.append(replace(t, index=len(steps)))
            parts.append((t.index,))
            continue
        for u in leaving[t.process, t.pc_to]:
            joined = _compose(t, u, len(steps))
            if not ir.is_false(joined.guard):
                steps.append(joined)
                parts.append((t.index, u.index))
    reduced = replace(system, transitions=tuple(steps))
    # one name per statement: a procedure called twice is merged at both calls
    names = dict.fromkeys(f"{t.process} {t.name} (line {t.span.line})" for t in movers)
    return Reduction(system, reduced, tuple(parts), tuple(names), calls)


def _compose(t: ir.Transition, u: ir.Transition, index: int) -> ir.Transition:
    """t then u as one step of the same process (u's crash, if u is a crash step)."""
    after = _After(t)
    updates = dict(t.updates)
    updates.update((v, after(e)) for v, e in u.updates)
    return ir.Transition(index, t.process, f"{t.name}+{u.name}", t.span,
                         ir.and_(t.guard, after(u.guard)), tuple(updates.items()), t.pc_var,
                         t.pc_from, u.pc_to, u.crash, t.calls, ())


class _After:
    """Expressions over the state after step t, as expressions over the state before it."""

    def __init__(self, t: ir.Transition) -> None:
        self.values = dict(t.updates)
        self.memo: dict[ir.Expr, ir.Expr] = {}

    def __call__(self, e: ir.Expr) -> ir.Expr:
        return ir.substitute(e, self.values, self.memo)


class _Oracle:
    """The solver questions behind the three conditions, over one state (step 0)."""

    def __init__(self, system: ir.System, budget: Budget) -> None:
        self.system = system
        self.session = Session(system, budget)
        self.session.add(*self.session.enc.domain(0))
        self.footprints = [ir.footprint(t) for t in system.transitions]
        # what a merged step must not make true, with the variables each reads. Not the
        # deadlock property: after a step that can always go on (asked first), some step
        # is enabled, so no deadlock; its formula names every step, and substituting it
        # for every candidate made merging quadratic in the number of steps
        observed = [p.bad for p in system.properties if p.kind is not ir.PropKind.DEADLOCK]
        observed += [c.expr for c in system.covers]
        self.observed = [(e, ir.variables(e)) for e in observed]

    def __enter__(self) -> _Oracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def valid(self, claim: ir.Expr) -> bool:
        """Does `claim` hold in every state of the declared types? (unknown: no)"""
        if ir.is_true(claim):
            return True
        answer = self.session.ask(z3.Not(self.session.enc.expr(claim, 0)), want_model=False)
        return bool(answer == UNSAT)

    def mergeable(self, t: ir.Transition, successors: Sequence[ir.Transition]) -> bool:
        after = _After(t)
        written = self.footprints[t.index][1]
        goes_on = ir.implies(t.guard, ir.disj(after(u.guard) for u in successors))
        return (self.valid(goes_on)
                and all(self.valid(ir.implies(ir.and_(t.guard, ir.not_(bad)),
                                              ir.not_(after(bad))))
                        for bad, reads in self.observed if reads & written)
                and all(self._moves_right(t, after, u) for u in self.system.transitions
                        if u.process != t.process
                        and not ir.independent(self.footprints[t.index],
                                               self.footprints[u.index])))

    def _moves_right(self, t: ir.Transition, after_t: _After, u: ir.Transition) -> bool:
        """t then u (from any state where both run) is also u then t, to the same state."""
        after_u = _After(u)
        wt, wu = dict(t.updates), dict(u.updates)
        t_u = {v: after_t(wu[v]) if v in wu else wt[v] for v in wt.keys() | wu.keys()}
        u_t = {v: after_u(wt[v]) if v in wt else wu[v] for v in wt.keys() | wu.keys()}
        return self.valid(ir.implies(
            ir.and_(t.guard, after_t(u.guard)),
            ir.and_(u.guard, after_u(t.guard), *(ir.eq(t_u[v], u_t[v]) for v in sorted(t_u)))))


__all__ = ["Reduction", "merging", "reduce"]
