"""An explicit-state interpreter of the IR, independent of the SMT encoding.

It executes transitions concretely: enumerate initial states, list enabled
steps, compute successors. On top of it: random simulation, and the replay
that every counterexample goes through before it is shown (breadth-first
search is an engine: `engines/explicit.py`).

IR expressions are compiled once to Python functions over a state tuple.
Subexpressions shared in the DAG (and every few dozen levels of a deep one)
become local variables, so compiling is linear in the DAG and never recursive.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from . import ir
from .budget import Budget, Ticker

State = tuple[int | bool, ...]
Fn = Callable[[State], Any]
Succ = Callable[[State], State | None]

MAX_INITIAL_STATES = 1_000_000
_INLINE_DEPTH = 40  # deeper inline code is split into temporaries (Python's parser nests ~200)


class TooManyStates(Exception):
    pass


def _code(x: ir.Expr, a: list[str], index: dict[str, int]) -> str:
    match x:
        case ir.Const(v):
            return repr(v)
        case ir.Var(name):
            return f"s[{index[name]}]"
        case ir.App(op, _):
            match op:
                case ir.Op.NOT:
                    return f"(not {a[0]})"
                case ir.Op.AND:
                    return "(" + " and ".join(a) + ")"
                case ir.Op.OR:
                    return "(" + " or ".join(a) + ")"
                case ir.Op.ITE:
                    return f"({a[1]} if {a[0]} else {a[2]})"
                case ir.Op.EQ:
                    return f"({a[0]} == {a[1]})"
                case ir.Op.LT:
                    return f"({a[0]} < {a[1]})"
                case ir.Op.LE:
                    return f"({a[0]} <= {a[1]})"
                case ir.Op.ADD:
                    return f"({a[0]} + {a[1]})"
                case ir.Op.SUB:
                    return f"({a[0]} - {a[1]})"
                case ir.Op.MUL:
                    return f"({a[0]} * {a[1]})"
                case ir.Op.NEG:
                    return f"(-{a[0]})"
                case ir.Op.DIV:
                    return f"_div({a[0]}, {a[1]})"
                case ir.Op.MOD:
                    return f"_mod({a[0]}, {a[1]})"
                case _:
                    assert_never(op)
    raise ValueError(f"cannot interpret {x!r}")


class _Codegen:
    """Python code for IR DAGs: shared or deep subterms become temporaries `t0, t1, ...`.

    Temporaries persist across `emit` calls, so a step's updates reuse what its
    guard computed, and are computed only once the guard has passed.
    """

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.names: dict[ir.Expr, str] = {}
        self.lines = 0

    def emit(self, roots: Sequence[ir.Expr]) -> tuple[list[str], list[str]]:
        order = self._postorder(roots)
        parents: Counter[ir.Expr] = Counter()
        for x in order:
            if isinstance(x, ir.App):
                parents.update(x.args)
        code: dict[ir.Expr, str] = dict(self.names)
        depth: dict[ir.Expr, int] = dict.fromkeys(self.names, 0)
        lines: list[str] = []
        for x in order:
            args = list(x.args) if isinstance(x, ir.App) else []
            text = _code(x, [code[y] for y in args], self.index)
            d = 1 + max((depth[y] for y in args), default=0)
            if isinstance(x, ir.App) and (parents[x] > 1 or d > _INLINE_DEPTH):
                name = f"t{self.lines}"
                self.lines += 1
                lines.append(f"    {name} = {text}")
                self.names[x] = name
                code[x], depth[x] = name, 0
            else:
                code[x], depth[x] = text, d
        return lines, [code[r] for r in roots]

    def _postorder(self, roots: Sequence[ir.Expr]) -> list[ir.Expr]:
        out: list[ir.Expr] = []
        seen: set[ir.Expr] = set(self.names)
        for root in roots:
            stack: list[tuple[ir.Expr, bool]] = [(root, False)]
            while stack:
                node, expanded = stack.pop()
                if expanded:
                    out.append(node)
                elif node not in seen:
                    seen.add(node)
                    stack.append((node, True))
                    if isinstance(node, ir.App):
                        stack.extend((a, False) for a in reversed(node.args) if a not in seen)
        return out


_GLOBALS = {"__builtins__": {}, "_div": ir.c_div, "_mod": ir.c_mod, "list": list,
            "tuple": tuple}


def _define(src: str) -> Any:
    scope: dict[str, Any] = {}
    exec(compile(src, "<rmapsmt-ir>", "exec"), dict(_GLOBALS), scope)  # noqa: S102
    return scope["f"]


def compile_expr(e: ir.Expr, index: dict[str, int]) -> Fn:
    lines, (out,) = _Codegen(index).emit((e,))
    return _define("def f(s):\n" + "\n".join([*lines, f"    return {out}"]) + "\n")  # type: ignore[no-any-return]


def compile_step(t: ir.Transition, index: dict[str, int]) -> Succ:
    """`f(s)`: the successor of s under t, or None where t is not enabled."""
    gen = _Codegen(index)
    glines, (guard,) = gen.emit((t.guard,))
    ulines, values = gen.emit([e for _, e in t.updates])
    sets = [f"    n[{index[v]}] = {code}" for (v, _), code in zip(t.updates, values, strict=True)]
    src = "\n".join(["def f(s):", *glines, f"    if not {guard}:", "        return None",
                     *ulines, "    n = list(s)", *sets, "    return tuple(n)"]) + "\n"
    return _define(src)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _Compiled:
    t: ir.Transition
    guard: Fn
    succ: Succ


def _index(c: _Compiled) -> int:
    return c.t.index


def _by_control_point(steps: Sequence[_Compiled], index: dict[str, int]
                      ) -> tuple[list[tuple[int, dict[int | bool, list[_Compiled]]]],
                                 list[_Compiled]]:
    """Steps by the control point their guard requires (`pc == from` as a conjunct, as
    lowering builds every guard); the rest, in case, to be tried in every state."""
    at: dict[int, dict[int | bool, list[_Compiled]]] = {}
    anywhere = []
    for c in steps:
        t = c.t
        if _control_point(t.guard, {t.pc_var}) == (t.pc_var, t.pc_from):
            at.setdefault(index[t.pc_var], {}).setdefault(t.pc_from, []).append(c)
        else:
            anywhere.append(c)
    return list(at.items()), anywhere


def _control_point(e: ir.Expr, pcs: set[str]) -> tuple[str, int | bool] | None:
    """The control point `e` requires (`pc == v`, alone or as a conjunct), if any."""
    for c in (e.args if isinstance(e, ir.App) and e.op is ir.Op.AND else (e,)):
        if (isinstance(c, ir.App) and c.op is ir.Op.EQ and isinstance(c.args[0], ir.Var)
                and c.args[0].name in pcs and isinstance(c.args[1], ir.Const)):
            return c.args[0].name, c.args[1].value
    return None


def _in_order(at: list[tuple[int, dict[int | bool, list[_Compiled]]]]) -> bool:
    """Are all steps of each process numbered before those of the next (as lowering
    numbers them), so that concatenating the processes' candidates keeps index order?"""
    spans = [(min(c.t.index for cs in table.values() for c in cs),
              max(c.t.index for cs in table.values() for c in cs)) for _, table in at]
    return all(a[1] < b[0] for a, b in itertools.pairwise(spans))


class Interpreter:
    """Compiles lazily: replaying a trace compiles only the steps it takes."""

    def __init__(self, system: ir.System, budget: Budget | None = None) -> None:
        self.system = system
        self.index = {v.name: i for i, v in enumerate(system.vars)}
        self._ticker = Ticker(budget, "compiling the interpreter", every=16)
        self._steps: list[_Compiled | None] = [None] * len(system.transitions)
        self._all: tuple[_Compiled, ...] | None = None
        self._at: list[tuple[int, dict[int | bool, list[_Compiled]]]] | None = None
        self._anywhere: list[_Compiled] = []
        self._in_order = False  # the processes' steps have consecutive indices: no sort
        self._bad: dict[str, Fn] = {}
        self._covers: dict[str, Fn] = {}
        self._tests: dict[ir.Expr, Fn] = {}
        # `var == constant` initialisers are read directly; only the rest is compiled
        self.fixed: dict[int, int | bool] = {}
        rest: list[ir.Expr] = []
        for e in system.init:
            if (isinstance(e, ir.App) and e.op is ir.Op.EQ and isinstance(e.args[0], ir.Var)
                    and isinstance(e.args[1], ir.Const)
                    and self.index[e.args[0].name] not in self.fixed):
                self.fixed[self.index[e.args[0].name]] = e.args[1].value
            else:
                rest.append(e)
        self.init_fns = tuple(compile_expr(e, self.index) for e in rest)
        self.domains = tuple(frozenset(v.sort.values()) for v in system.vars)
        self._values = tuple(v.sort.values() for v in system.vars)

    def compiled(self, i: int) -> _Compiled:
        c = self._steps[i]
        if c is None:
            self._ticker.tick()
            t = self.system.transitions[i]
            c = _Compiled(t, compile_expr(t.guard, self.index), compile_step(t, self.index))
            self._steps[i] = c
        return c

    @property
    def steps(self) -> tuple[_Compiled, ...]:
        if self._all is None:
            self._all = tuple(self.compiled(i) for i in range(len(self._steps)))
        return self._all

    def candidates(self, s: State) -> list[_Compiled]:
        """The steps that may be enabled in s, in index order: a step whose guard requires
        its process at one control point is tried only there (a few steps per state
        instead of every step of every process)."""
        if self._at is None:
            self._at, self._anywhere = _by_control_point(self.steps, self.index)
            self._in_order = not self._anywhere and _in_order(self._at)
        out = list(self._anywhere)
        for pc, table in self._at:
            out += table.get(s[pc], ())
        if not self._in_order:
            out.sort(key=_index)
        return out

    def bad(self, p: ir.Property) -> Fn:
        if p.name not in self._bad:
            self._ticker.tick()
            self._bad[p.name] = compile_expr(p.bad, self.index)
        return self._bad[p.name]

    def cover(self, c: ir.Cover) -> Fn:
        if c.name not in self._covers:
            self._covers[c.name] = compile_expr(c.expr, self.index)
        return self._covers[c.name]

    # ------------------------------------------------------------ basics
    def is_initial(self, s: State) -> bool:
        return (self.in_domain(s) and all(s[i] == v for i, v in self.fixed.items())
                and all(f(s) for f in self.init_fns))

    def initial_states(self, budget: Budget | None = None) -> Iterator[State]:
        fixed = self.fixed
        free = [i for i in range(len(self._values)) if i not in fixed]
        count = 1
        for i in free:
            count *= len(self._values[i])
            if count > MAX_INITIAL_STATES:
                raise TooManyStates(f"more than {MAX_INITIAL_STATES} initial states")
        ticker = Ticker(budget, "enumerating initial states")
        base: list[int | bool] = [fixed.get(i, d[0]) for i, d in enumerate(self._values)]
        for combo in itertools.product(*(self._values[i] for i in free)):
            ticker.tick()
            for i, v in zip(free, combo, strict=True):
                base[i] = v
            s = tuple(base)
            if all(f(s) for f in self.init_fns) and self.in_domain(s):
                yield s  # the fixed values are in `base` already

    def in_domain(self, s: State) -> bool:
        return len(s) == len(self.domains) and all(
            v in d and isinstance(v, bool) == isinstance(next(iter(d)), bool)
            for v, d in zip(s, self.domains, strict=True))

    def finished(self, s: State) -> bool:
        return all(s[self.index[p.pc_var]] == p.done for p in self.system.processes)

    def enabled(self, s: State) -> list[ir.Transition]:
        return [c.t for c in self.candidates(s) if c.guard(s)]

    def successors(self, s: State) -> Iterator[tuple[ir.Transition, State]]:
        for c in self.candidates(s):
            n = c.succ(s)
            if n is not None:
                yield c.t, n

    def step(self, s: State, t: ir.Transition) -> State:
        n = self.compiled(t.index).succ(s)
        if n is None:
            raise ReplayError(f"{t.process} {t.name} (line {t.span.line}) is not enabled")
        return n

    def _test(self, e: ir.Expr) -> Fn:
        """`e` compiled, once: the explicit engine asks for the open goals' test again
        each time one is found, and most of its parts are unchanged."""
        f = self._tests.get(e)
        if f is None:
            f = self._tests[e] = compile_expr(e, self.index)
        return f

    def any_of(self, exprs: Sequence[ir.Expr]) -> Fn:
        """One test: does any of `exprs` hold in a state? A disjunct that requires a process
        at one control point (`pc == v` as a conjunct, as lowering builds the run-time
        checks) is tried only in states where the process is there: a table lookup per
        process instead of every check of every step, in every state."""
        pcs = {p.pc_var for p in self.system.processes}
        anywhere: list[ir.Expr] = []
        at: dict[str, dict[int | bool, list[ir.Expr]]] = {}
        for e in exprs:
            for d in (e.args if isinstance(e, ir.App) and e.op is ir.Op.OR else (e,)):
                point = _control_point(d, pcs)
                if point is None:
                    anywhere.append(d)
                else:
                    at.setdefault(point[0], {}).setdefault(point[1], []).append(d)
        rest = self._test(ir.disj(anywhere))
        if not at:
            return rest
        tables = [(self.index[pc], {v: self._test(ir.disj(ds)) for v, ds in by_value.items()})
                  for pc, by_value in at.items()]

        def test(s: State) -> bool:
            if rest(s):
                return True
            for i, table in tables:
                f = table.get(s[i])
                if f is not None and f(s):
                    return True
            return False
        return test

    def violated(self, s: State) -> list[ir.Property]:
        return [p for p in self.system.properties if self.bad(p)(s)]

    def covered(self, s: State) -> list[ir.Cover]:
        return [cv for cv in self.system.covers if self.cover(cv)(s)]

    def is_violated(self, s: State, prop: str) -> bool:
        return any(self.bad(p)(s) for p in self.system.properties if p.name == prop)

    def is_covered(self, s: State, cover: str) -> bool:
        return any(self.cover(c)(s) for c in self.system.covers if c.name == cover)

    def failing_steps(self, s: State, prop: str) -> list[ir.Transition]:
        """Enabled crash steps of `prop` in state s: what would fail next (e.g. a BUG_ON)."""
        return [t for t in self.system.transitions
                if t.crash is not None and t.crash.name == prop and self.compiled(t.index).guard(s)]

    # ------------------------------------------------------- simulation
    def simulate(self, steps: int, seed: int,
                 budget: Budget | None = None) -> tuple[State, list[tuple[ir.Transition, State]]]:
        rng = random.Random(seed)
        inits = list(itertools.islice(self.initial_states(budget), 10_000))
        if not inits:
            raise TooManyStates("no initial state satisfies the spec's init and assumptions")
        s = rng.choice(inits)
        first = s
        run: list[tuple[ir.Transition, State]] = []
        ticker = Ticker(budget, "simulating")
        for _ in range(steps):
            ticker.tick()
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
        """Re-execute an engine's trace concretely; raise `ReplayError` on any disagreement."""
        if len(states) != len(steps) + 1:
            raise ReplayError(f"trace has {len(states)} states for {len(steps)} steps")
        if not self.is_initial(states[0]):
            raise ReplayError("the trace's first state is not an initial state")
        for i, (s, t_index) in enumerate(zip(states, steps, strict=False)):
            if not 0 <= t_index < len(self._steps):
                raise ReplayError(f"step {i + 1}: no transition number {t_index}")
            c = self.compiled(t_index)
            nxt = c.succ(s)
            if nxt is None:
                raise ReplayError(f"step {i + 1}: {c.t.process} {c.t.name} (line "
                                  f"{c.t.span.line}) is not enabled in the engine's state")
            if nxt != states[i + 1]:
                diff = [v.name for v, a, b in zip(self.system.vars, nxt, states[i + 1],
                                                  strict=True) if a != b]
                raise ReplayError(f"step {i + 1}: {c.t.process} {c.t.name} gives a different "
                                  f"state than the engine's (differs in {', '.join(diff)})")
        last = states[-1]
        if prop is not None and not self.is_violated(last, prop):
            raise ReplayError(f"property {prop} is not violated at the end of the trace")
        if cover is not None and not self.is_covered(last, cover):
            raise ReplayError(f"cover {cover} is not reached at the end of the trace")


class ReplayError(Exception):
    """An engine's trace does not replay: a bug in rmapsmt, never in the user's spec."""
