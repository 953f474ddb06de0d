"""Explicit-state engine: breadth-first search in the interpreter, no solver.

For the small state spaces of these models it is exhaustive in milliseconds;
its answers are also the oracle of the differential tests against the
symbolic engines. Traces are rebuilt from parent links, so each is a
shortest one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .. import ir
from ..budget import Budget, OutOfBudget, Ticker
from ..interp import Fn, Interpreter, State, TooManyStates
from ..result import Proof, Result, Stats, Trace
from .outcome import conclude


@dataclass
class Exploration:
    """What breadth-first search established: shortest violations, covers, completeness."""

    violations: dict[str, Trace]
    covers: dict[str, Trace]
    depth: int  # every state at distance <= depth was visited
    exhausted: bool  # no unvisited state is reachable at all
    states: int
    initial: int
    fired: set[int]  # transitions enabled in some visited state within `depth`
    stopped: str | None = None  # why the search stopped early (budget), if it did


def explore(interp: Interpreter, depth: int, budget: Budget) -> Exploration:
    """Breadth-first search from every initial state, to `depth` steps or until exhausted."""
    parent: dict[State, tuple[State, int] | None] = {}
    frontier: list[State] = []
    for s in interp.initial_states(budget):
        if s not in parent:
            parent[s] = None
            frontier.append(s)
    ex = Exploration({}, {}, 0, False, 0, len(frontier), set())

    def path(s: State) -> Trace:
        return Trace.back_from(s, parent)

    system = interp.system
    # Deadlock needs no step enabled, so only a state without successors is tested for it
    # (`stuck`, as the search expands it); every other property and cover is tested by
    # one compiled test for those still open (`pending`): most states are neither, and
    # one call, sharing subterms, beats one per goal.
    deadlock = [p for p in system.properties if p.kind is ir.PropKind.DEADLOCK]
    others = [p for p in system.properties if p.kind is not ir.PropKind.DEADLOCK]

    def still_open() -> Fn:
        return interp.any_of([p.bad for p in others if p.name not in ex.violations]
                             + [c.expr for c in system.covers if c.name not in ex.covers])

    pending = still_open()

    def visit(level: list[State]) -> None:
        nonlocal pending
        for s in level:
            if not pending(s):
                continue
            for p in others:
                if p.name not in ex.violations and interp.bad(p)(s):
                    ex.violations[p.name] = path(s)
            for c in interp.covered(s):
                if c.name not in ex.covers:
                    ex.covers[c.name] = path(s)
            pending = still_open()

    def stuck(level: list[State]) -> None:
        """Deadlock in the states of `level` that have no successor."""
        for p in deadlock:
            if p.name not in ex.violations:
                bad = interp.bad(p)
                hit = next((s for s in level if bad(s)), None)
                if hit is not None:
                    ex.violations[p.name] = path(hit)

    ticker = Ticker(budget, f"exploring depth {ex.depth + 1}", every=128)
    visit(frontier)
    steps = interp.steps
    try:
        while frontier and ex.depth < depth:
            ticker.stage = f"exploring depth {ex.depth + 1}"
            budget.report("explicit", f"depth {ex.depth + 1}, {len(parent)} states")
            nxt: list[State] = []
            ends: list[State] = []
            for s in frontier:
                ticker.tick()
                moved = False
                for c in interp.candidates(s):
                    succ = c.succ(s)
                    if succ is None:
                        continue
                    moved = True
                    ex.fired.add(c.t.index)
                    if succ not in parent:
                        parent[succ] = (s, c.t.index)
                        nxt.append(succ)
                if not moved:
                    ends.append(s)
                if len(parent) > budget.max_states:
                    raise TooManyStates(f"more than {budget.max_states} reachable states")
            stuck(ends)
            ex.depth += 1
            visit(nxt)
            frontier = nxt
    except (OutOfBudget, TooManyStates) as err:
        ex.stopped = (f"{err.why} exploring depth {ex.depth + 1}" if isinstance(err, OutOfBudget)
                      else f"{err} (at depth {ex.depth + 1}; raise --max-states)")
        ex.states = len(parent)
        return ex
    if frontier:  # the last level, not expanded: its deadlocks are within the bound
        stuck(frontier)
    ex.exhausted = not frontier or not any(
        (n := c.succ(s)) is not None and n not in parent for s in frontier for c in steps)
    if ex.depth >= depth:  # steps enabled at the last level are enabled within the bound too
        ex.fired |= {c.t.index for s in frontier for c in steps if c.guard(s)}
    ex.states = len(parent)
    return ex


def explicit(system: ir.System, budget: Budget) -> Result:
    start = time.monotonic()
    depth = system.depth if budget.depth is None else budget.depth
    try:
        ex = explore(Interpreter(system, budget), depth, budget)
    except (OutOfBudget, TooManyStates) as err:
        why = f"{err.why} while {err.stage}" if isinstance(err, OutOfBudget) else str(err)
        return conclude(system, "explicit", initial=True, found={}, reached={}, bound=-1,
                        proof=Proof.NONE, unknown=why, stats=Stats(time.monotonic() - start, 0,
                                                                  -1))
    bound = ex.depth - 1 if ex.stopped else ex.depth
    stats = Stats(time.monotonic() - start, 0, bound, ex.states)
    return conclude(system, "explicit", initial=ex.initial > 0, found=ex.violations,
                    reached=ex.covers, bound=bound,
                    proof=Proof.EXHAUSTIVE if ex.exhausted else Proof.BOUNDED,
                    unknown=ex.stopped, stats=stats,
                    fired=frozenset(ex.fired) if ex.initial and bound >= 0 else None)
