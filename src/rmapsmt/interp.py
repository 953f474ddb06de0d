"""An explicit-state interpreter of the IR, independent of the SMT encoding.

It executes transitions concretely: enumerate initial states, list enabled
steps, compute successors. On top of it: breadth-first search (an engine of
its own, and the oracle of the differential tests), random simulation, and
the replay that every counterexample goes through before it is shown.

IR expressions are compiled once to Python functions over a state tuple.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import ir

State = tuple[int | bool, ...]
Fn = Callable[[State], int | bool]

MAX_INITIAL_STATES = 1_000_000


class TooManyStates(Exception):
    pass


def _py(e: ir.Expr, index: dict[str, int]) -> str:
    match e:
        case ir.Const(v):
            return repr(v)
        case ir.Var(name):
            return f"s[{index[name]}]"
        case ir.App(op, args):
            a = [_py(x, index) for x in args]
            match op:
                case "not":
                    return f"(not {a[0]})"
                case "and":
                    return "(" + " and ".join(a) + ")"
                case "or":
                    return "(" + " or ".join(a) + ")"
                case "ite":
                    return f"({a[1]} if {a[0]} else {a[2]})"
                case "eq":
                    return f"({a[0]} == {a[1]})"
                case "lt":
                    return f"({a[0]} < {a[1]})"
                case "le":
                    return f"({a[0]} <= {a[1]})"
                case "add":
                    return f"({a[0]} + {a[1]})"
                case "sub":
                    return f"({a[0]} - {a[1]})"
                case "mul":
                    return f"({a[0]} * {a[1]})"
                case "neg":
                    return f"(-{a[0]})"
    raise ValueError(f"cannot interpret {e!r}")


def _tree(e: ir.Expr, index: dict[str, int]) -> Fn:
    """Closure-based evaluator: the fallback for expressions too deep to compile."""
    match e:
        case ir.Const(v):
            return lambda s: v
        case ir.Var(name):
            i = index[name]
            return lambda s: s[i]
        case ir.App(op, args):
            f = [_tree(x, index) for x in args]
            ops: dict[str, Fn] = {
                "not": lambda s: not f[0](s),
                "and": lambda s: all(g(s) for g in f),
                "or": lambda s: any(g(s) for g in f),
                "ite": lambda s: f[1](s) if f[0](s) else f[2](s),
                "eq": lambda s: f[0](s) == f[1](s),
                "lt": lambda s: f[0](s) < f[1](s),
                "le": lambda s: f[0](s) <= f[1](s),
                "add": lambda s: f[0](s) + f[1](s),
                "sub": lambda s: f[0](s) - f[1](s),
                "mul": lambda s: f[0](s) * f[1](s),
                "neg": lambda s: -f[0](s),
            }
            return ops[op]
    raise ValueError(f"cannot interpret {e!r}")


def compile_expr(e: ir.Expr, index: dict[str, int]) -> Fn:
    try:
        code = compile(f"lambda s: {_py(e, index)}", "<rmapsmt-ir>", "eval")
        return eval(code, {"__builtins__": {}})  # type: ignore[no-any-return]  # noqa: S307
    except (RecursionError, SyntaxError, MemoryError):
        return _tree(e, index)


@dataclass(frozen=True, slots=True)
class _Compiled:
    t: ir.Transition
    guard: Fn
    updates: tuple[tuple[int, Fn], ...]


class Interpreter:
    def __init__(self, system: ir.System) -> None:
        self.system = system
        self.index = {v.name: i for i, v in enumerate(system.vars)}
        def c(e: ir.Expr) -> Fn:
            return compile_expr(e, self.index)

        self.steps = tuple(
            _Compiled(t, c(t.guard), tuple((self.index[v], c(e)) for v, e in t.updates))
            for t in system.transitions
        )
        self.bad = tuple((p, c(p.bad)) for p in system.properties)
        self.covers = tuple((cv, c(cv.expr)) for cv in system.covers)
        self.init_fns = tuple(c(e) for e in system.init)
        self.domains = tuple(v.sort.values() for v in system.vars)

    # ------------------------------------------------------------ basics
    def initial_states(self) -> Iterator[State]:
        fixed: dict[int, int | bool] = {}
        for e in self.system.init:
            if isinstance(e, ir.App) and e.op == "eq":
                a, b = e.args
                if isinstance(a, ir.Var) and isinstance(b, ir.Const):
                    fixed[self.index[a.name]] = b.value
        free = [i for i in range(len(self.domains)) if i not in fixed]
        count = 1
        for i in free:
            count *= len(self.domains[i])
            if count > MAX_INITIAL_STATES:
                raise TooManyStates(f"more than {MAX_INITIAL_STATES} initial states")
        base: list[int | bool] = [fixed.get(i, d[0]) for i, d in enumerate(self.domains)]
        for combo in itertools.product(*(self.domains[i] for i in free)):
            for i, v in zip(free, combo, strict=True):
                base[i] = v
            s = tuple(base)
            if all(f(s) for f in self.init_fns) and self.in_domain(s):
                yield s

    def in_domain(self, s: State) -> bool:
        return all(v in d for v, d in zip(s, self.domains, strict=True))

    def finished(self, s: State) -> bool:
        return all(s[self.index[p.pc_var]] == p.done for p in self.system.processes)

    def enabled(self, s: State) -> list[ir.Transition]:
        return [c.t for c in self.steps if c.guard(s)]

    def successors(self, s: State) -> Iterator[tuple[ir.Transition, State]]:
        for c in self.steps:
            if c.guard(s):
                yield c.t, self._apply(c, s)

    def step(self, s: State, t: ir.Transition) -> State:
        return self._apply(self.steps[t.index], s)

    @staticmethod
    def _apply(c: _Compiled, s: State) -> State:
        new = list(s)
        for i, f in c.updates:
            new[i] = f(s)
        return tuple(new)

    def violated(self, s: State) -> list[ir.Property]:
        return [p for p, f in self.bad if f(s)]

    def covered(self, s: State) -> list[ir.Cover]:
        return [cv for cv, f in self.covers if f(s)]

    # ------------------------------------------------------- simulation
    def simulate(self, steps: int, seed: int) -> tuple[State, list[tuple[ir.Transition, State]]]:
        rng = random.Random(seed)
        inits = list(itertools.islice(self.initial_states(), 10_000))
        if not inits:
            raise TooManyStates("no initial state satisfies the spec's init and assumptions")
        s = rng.choice(inits)
        first = s
        run: list[tuple[ir.Transition, State]] = []
        for _ in range(steps):
            if self.violated(s):
                break
            succ = list(self.successors(s))
            if not succ:
                break
            t, s = rng.choice(succ)
            run.append((t, s))
        return first, run

    # ----------------------------------------------------------- replay
    def replay(self, states: tuple[State, ...], steps: tuple[int, ...], *,
               prop: str | None = None, cover: str | None = None) -> None:
        """Re-execute a solver trace concretely; raise `ReplayError` on any disagreement."""
        if len(states) != len(steps) + 1:
            raise ReplayError(f"trace has {len(states)} states for {len(steps)} steps")
        s0 = states[0]
        if not self.in_domain(s0) or not all(f(s0) for f in self.init_fns):
            raise ReplayError("the trace's first state is not an initial state")
        for i, (s, t_index) in enumerate(zip(states, steps, strict=False)):
            if not 0 <= t_index < len(self.steps):
                raise ReplayError(f"step {i + 1}: no transition number {t_index}")
            c = self.steps[t_index]
            if not c.guard(s):
                raise ReplayError(f"step {i + 1}: {c.t.process} {c.t.label} (line "
                                  f"{c.t.span.line}) is not enabled in the solver's state")
            nxt = self._apply(c, s)
            if nxt != states[i + 1]:
                diff = [v.name for v, a, b in zip(self.system.vars, nxt, states[i + 1],
                                                  strict=True) if a != b]
                raise ReplayError(f"step {i + 1}: {c.t.process} {c.t.label} gives a different "
                                  f"state than the solver's (differs in {', '.join(diff)})")
        last = states[-1]
        if prop is not None and prop not in {p.name for p in self.violated(last)}:
            raise ReplayError(f"property {prop} is not violated at the end of the trace")
        if cover is not None and cover not in {c.name for c in self.covered(last)}:
            raise ReplayError(f"cover {cover} is not reached at the end of the trace")

    def failing_steps(self, s: State, prop: str) -> list[ir.Transition]:
        """Enabled steps whose run-time check of `prop` fails in state s (e.g. a BUG_ON)."""
        out = []
        for c in self.steps:
            for chk in c.t.checks:
                if chk.prop == prop and not compile_expr(chk.ok, self.index)(s):
                    out.append(c.t)
                    break
        return out


class ReplayError(Exception):
    """The solver's trace does not replay: a bug in rmapsmt, never in the user's spec."""


@dataclass
class Exploration:
    """What breadth-first search established: shortest violations, covers, completeness."""

    violations: dict[str, tuple[tuple[State, ...], tuple[int, ...]]]
    covers: dict[str, tuple[tuple[State, ...], tuple[int, ...]]]
    depth: int  # every state at distance <= depth was visited
    exhausted: bool  # no unvisited state is reachable at all
    states: int
    initial: int
    fired: set[int]  # transitions taken at least once


def explore(interp: Interpreter, depth: int, max_states: int = 2_000_000) -> Exploration:
    """Breadth-first search from every initial state, to `depth` steps or until exhausted.

    Traces are rebuilt from parent links, so each is a shortest one.
    """
    parent: dict[State, tuple[State, int] | None] = {}
    frontier: list[State] = []
    for s in interp.initial_states():
        if s not in parent:
            parent[s] = None
            frontier.append(s)
    n_init = len(frontier)
    violations: dict[str, tuple[tuple[State, ...], tuple[int, ...]]] = {}
    covers: dict[str, tuple[tuple[State, ...], tuple[int, ...]]] = {}

    def path(s: State) -> tuple[tuple[State, ...], tuple[int, ...]]:
        states, steps = [s], []
        link = parent[s]
        while link is not None:
            prev, t = link
            states.append(prev)
            steps.append(t)
            link = parent[prev]
        return tuple(reversed(states)), tuple(reversed(steps))

    def visit(level: list[State]) -> None:
        for s in level:
            for p in interp.violated(s):
                violations.setdefault(p.name, path(s))
            for c in interp.covered(s):
                covers.setdefault(c.name, path(s))

    fired: set[int] = set()
    visit(frontier)
    k = 0
    while frontier and k < depth:
        nxt: list[State] = []
        for s in frontier:
            for c in interp.steps:
                if c.guard(s):
                    fired.add(c.t.index)
                    succ = interp._apply(c, s)
                    if succ not in parent:
                        parent[succ] = (s, c.t.index)
                        nxt.append(succ)
            if len(parent) > max_states:
                raise TooManyStates(f"more than {max_states} reachable states")
        k += 1
        visit(nxt)
        frontier = nxt
    exhausted = not frontier or not any(
        c.guard(s) and interp._apply(c, s) not in parent for s in frontier for c in interp.steps
    )
    if k >= depth:  # steps enabled at the last level also count as enabled within the bound
        fired |= {c.t.index for s in frontier for c in interp.steps if c.guard(s)}
    return Exploration(violations, covers, k, exhausted, len(parent), n_init, fired)
