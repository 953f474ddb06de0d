"""Differential tests: Z3 BMC against breadth-first search in the interpreter.

The two engines share only the IR: BMC encodes it into bit-vector formulas
(`smt/encode`), the explicit engine executes it (`interp`). On every spec in
the repository, and on small random specs generated here, they must agree on
the verdict of every property, the length of each shortest counterexample,
which covers are reached and how deep, and whether the result is complete.
Every BMC trace must also replay in the interpreter.

Two generators of random specs: `small_specs` (scalar variables, the basic
statements) and `full_specs` (the whole language: arrays and checks in branch
conditions, def contracts, procedures, atomic steps with await/assert/assume/
break, / and %, locks, replicated processes, endless loops; see `FullSpec`).
Both random tests are `slow`. Set RMAPSMT_DIFF_EXAMPLES to run more random specs
per generator (e.g. 2000 for a campaign).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from functools import cache
from typing import TypeVar

import pytest
from conftest import FLAGSHIP, ROOT, bmc, explicit, run_engine
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from rmapsmt import ir, run
from rmapsmt.diagnostics import Source, SpecError
from rmapsmt.interp import Interpreter
from rmapsmt.pipeline import load, load_source
from rmapsmt.result import Result

State = tuple[int | bool, ...]

# ------------------------------------------------------------- comparison


def summary(r: Result) -> dict[str, object]:
    """What both engines must agree on (not `bound`: BMC's is the longest execution it
    checked, the explicit engine's the BFS level it stopped at)."""
    return {
        "verdict": r.verdict,
        "complete": r.complete,
        "properties": {p.name: p.verdict for p in r.properties},
        "violated": sorted(p.name for p in r.properties if p.verdict == "violated"),
        "cex_length": {p.name: p.trace.length for p in r.properties if p.trace},
        "covers": {c.name: (c.reached, c.trace.length if c.trace else None) for c in r.covers},
    }


def assert_agree(system: ir.System, depth: int) -> tuple[Result, Result]:
    b = bmc(system, depth)
    e = explicit(system, depth)
    assert summary(b) == summary(e)
    # every violated property has a trace in both, of the same (shortest) length
    for pb, pe in zip(b.properties, e.properties, strict=True):
        assert pb.name == pe.name
        assert (pb.trace is None) == (pe.trace is None) == (pb.verdict != "violated")
    # both engines' traces replay in the interpreter (raises ReplayError otherwise)
    run.verify(system, b)
    run.verify(system, e)
    return b, e


# ------------------------------------------------------- repository specs

SPECS = sorted((ROOT / "specs").glob("*.rmap")) + sorted((ROOT / "examples").glob("*.rmap"))
CASES = [pytest.param(p, {}, id=f"{p.parent.name}/{p.stem}") for p in SPECS] + [
    pytest.param(FLAGSHIP, {"fix": fix}, id=f"specs/{FLAGSHIP.stem}[fix={fix}]")
    for fix in ("none", "gup_pin")
]


def test_every_spec_file_is_covered() -> None:
    names = {p.name for p in SPECS}
    assert {"shift_arg_pages.rmap", "peterson.rmap", "broken_mutex.rmap"} <= names
    assert len(SPECS) >= 7


@pytest.mark.parametrize(("path", "overrides"), CASES)
def test_spec_files_bmc_and_explicit_agree(path: object, overrides: dict[str, str]) -> None:
    system = load(str(path), overrides).system
    b, e = assert_agree(system, system.depth)
    # the repository's specs are all small enough to finish within their own depth
    assert b.complete and e.complete
    assert b.verdict in ("holds", "violated")
    if overrides == {"fix": "none"}:  # the unfixed kernel: both bugs, at the same depths
        lengths = {p.name: p.trace.length for p in b.properties if p.trace}
        assert lengths == {"no_orphaned_migration_entry": 7,
                           "bug_on_migration_entry_to_page": 11}


# --------------------------------------------------- random small specs


@dataclass(frozen=True)
class V:
    name: str
    lo: int | None  # None: bool
    hi: int | None

    @property
    def is_bool(self) -> bool:
        return self.lo is None


def _int_expr(draw: st.DrawFn, ints: list[V], lo: int, hi: int) -> str:
    """An integer expression (+/- over variables and constants) that can fit lo..hi.

    Only expressions whose interval meets lo..hi are offered: one that can never
    fit is a type error, while one that only sometimes fits is a run-time
    `range:..` check, which both engines must report alike.
    """
    cands: list[tuple[str, int, int]] = [(str(c), c, c) for c in range(lo, hi + 1)]
    for y in ints:
        assert y.lo is not None and y.hi is not None
        cands.append((y.name, y.lo, y.hi))
        for c in (1, 2):
            cands.append((f"{y.name} + {c}", y.lo + c, y.hi + c))
            cands.append((f"{y.name} - {c}", y.lo - c, y.hi - c))
        for z in ints:
            assert z.lo is not None and z.hi is not None
            if z is not y:
                cands.append((f"{y.name} + {z.name}", y.lo + z.lo, y.hi + z.hi))
                cands.append((f"{y.name} - {z.name}", y.lo - z.hi, y.hi - z.lo))
    fits = [text for text, a, b in cands if a <= hi and b >= lo]
    return str(draw(st.sampled_from(fits)))


def _bool_expr(draw: st.DrawFn, vs: list[V], depth: int = 0) -> str:
    bools = [v for v in vs if v.is_bool]
    ints = [v for v in vs if not v.is_bool]
    kinds = []
    if bools:
        kinds += ["var", "not"]
    if ints:
        kinds += ["cmp_const", "cmp_var"]
    if depth < 1:
        kinds += ["and", "or"]
    kind = draw(st.sampled_from(kinds))
    if kind == "var":
        return draw(st.sampled_from(bools)).name
    if kind == "not":
        return "!" + draw(st.sampled_from(bools)).name
    if kind in ("and", "or"):
        a = _bool_expr(draw, vs, depth + 1)
        b = _bool_expr(draw, vs, depth + 1)
        return f"({a} {'&&' if kind == 'and' else '||'} {b})"
    x = draw(st.sampled_from(ints))
    op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
    if kind == "cmp_const":
        return f"{x.name} {op} {draw(st.integers(x.lo, x.hi))}"
    y = draw(st.sampled_from(ints))
    return f"{x.name} {op} {y.name}"


def _assign(draw: st.DrawFn, vs: list[V]) -> str:
    x = draw(st.sampled_from(vs))
    assert isinstance(x, V)
    if x.is_bool:
        rhs = draw(st.sampled_from(["true", "false", "!" + x.name, _bool_expr(draw, vs)]))
    else:
        assert x.lo is not None and x.hi is not None
        rhs = _int_expr(draw, [v for v in vs if not v.is_bool], x.lo, x.hi)
    return f"{x.name} := {rhs}"


def _block(draw: st.DrawFn, vs: list[V], depth: int, in_with: bool) -> str:
    n = draw(st.integers(1, 2))
    return "{ " + "; ".join(_stmt(draw, vs, depth + 1, in_with) for _ in range(n)) + " }"


def _stmt(draw: st.DrawFn, vs: list[V], depth: int, in_with: bool = False) -> str:
    simple = ["assign", "assign", "assign", "await", "skip", "assert"]
    compound = ["if", "if_else", "either", "atomic"] + ([] if in_with else ["with"])
    kind = draw(st.sampled_from(simple + (compound if depth < 2 else [])))
    match kind:
        case "assign":
            return _assign(draw, vs)
        case "await":
            return "await " + _bool_expr(draw, vs)
        case "skip":
            return "skip"
        case "assert":
            return "assert " + _bool_expr(draw, vs)
        case "if":
            return f"if {_bool_expr(draw, vs)} {_block(draw, vs, depth, in_with)}"
        case "if_else":
            return (f"if {_bool_expr(draw, vs)} {_block(draw, vs, depth, in_with)} "
                    f"else {_block(draw, vs, depth, in_with)}")
        case "either":
            return (f"either {_block(draw, vs, depth, in_with)} "
                    f"or {_block(draw, vs, depth, in_with)}")
        case "atomic":
            return f"atomic {_block(draw, vs, depth, in_with)}"
        case _:
            return f"with m {_block(draw, vs, depth, True)}"


@st.composite
def small_specs(draw: st.DrawFn) -> str:
    """The text of a small, well-typed spec: 1-3 variables, 1-3 processes of <= 4 statements."""
    vs: list[V] = []
    decls = []
    for i in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            v = V(f"v{i}", None, None)
            init = draw(st.sampled_from(["true", "false", "any"]))
            decls.append(f"var {v.name}: bool = {init}")
        else:
            lo = draw(st.sampled_from([0, 0, -1]))
            hi = draw(st.integers(1, 3))
            v = V(f"v{i}", lo, hi)
            init = draw(st.sampled_from([*map(str, range(lo, hi + 1)), "any"]))
            decls.append(f"var {v.name}: {lo}..{hi} = {init}")
        vs.append(v)
    lines = ["spec random", *decls, "lock m"]
    for p in range(draw(st.integers(1, 3))):
        body = [_stmt(draw, vs, 0) for _ in range(draw(st.integers(1, 4)))]
        lines.append(f"process p{p} {{")
        lines += [f"  {s}" for s in body]
        lines.append("}")
    lines.append(f"invariant inv: {_bool_expr(draw, vs)}")
    if draw(st.booleans()):
        lines.append(f"cover cov: {_bool_expr(draw, vs)}")
    if draw(st.booleans()):
        lines.append("allow deadlock")
    return "\n".join(lines) + "\n"


DEPTH = 8
EXAMPLES = int(os.environ.get("RMAPSMT_DIFF_EXAMPLES", "60"))


def longest_execution(system: ir.System) -> float:
    """The number of steps of the longest execution, from the full reachable graph
    (an independent oracle for BMC's completeness; inf if there is a cycle)."""
    interp = Interpreter(system)
    memo: dict[State, float] = {}
    for root in interp.initial_states():
        if root in memo:
            continue
        # iterative depth-first search: (state, successors left, longest so far)
        stack: list[tuple[State, list[State], float]] = [(root, successors(interp, root), 0.0)]
        on_path = {root}
        while stack:
            s, todo, best = stack[-1]
            if todo:
                n = todo.pop()
                if n in memo or n in on_path:
                    stack[-1] = (s, todo, max(best, (1 + memo[n]) if n in memo else math.inf))
                else:
                    on_path.add(n)
                    stack.append((n, successors(interp, n), 0.0))
                continue
            stack.pop()
            on_path.discard(s)
            memo[s] = best
            if stack:
                p, ptodo, pbest = stack[-1]
                stack[-1] = (p, ptodo, max(pbest, 1 + best))
    return max((memo[s] for s in interp.initial_states()), default=0.0)


def successors(interp: Interpreter, s: State) -> list[State]:
    return [n for _, n in interp.successors(s)]


def reachable_states(system: ir.System, cap: int) -> int | None:
    """How many states are reachable (None: more than `cap`)."""
    interp = Interpreter(system)
    seen = set(interp.initial_states())
    frontier = list(seen)
    while frontier and len(seen) <= cap:
        nxt = []
        for s in frontier:
            for n in successors(interp, s):
                if n not in seen:
                    seen.add(n)
                    nxt.append(n)
        frontier = nxt
    return len(seen) if len(seen) <= cap else None


def radius(system: ir.System) -> int:
    """The largest shortest distance of a reachable state from an initial state."""
    interp = Interpreter(system)
    level = set(interp.initial_states())
    seen = set(level)
    r = 0
    while True:
        nxt = {n for s in level for _, n in interp.successors(s)} - seen
        if not nxt:
            return r
        seen |= nxt
        level = nxt
        r += 1


def agree_on_random(system: ir.System, text: str, depth: int) -> None:
    """Both engines, to `depth`: the same verdicts, counterexample lengths and covers;
    each engine's completeness exact; every trace replays."""
    b = bmc(system, depth)
    e = explicit(system, depth)
    sb, se = summary(b), summary(e)
    sb.pop("complete")
    se.pop("complete")
    assert sb == se, text
    # Completeness. BMC's is "no execution is longer than the bound"; the explicit
    # engine's is "every reachable state was visited". BMC-complete implies
    # explicit-complete; the converse fails when some state is reachable by paths of
    # different lengths (e.g. `either { skip } or { skip; skip }`): every state is
    # seen at depth d while an execution still takes step d+1. Check both against
    # the reachable graph, so that each engine's claim is exact. (With no initial state at
    # all -- a top-level `assume` -- both say "vacuous" and the same completeness.)
    if not any(True for _ in Interpreter(system).initial_states()):
        assert b.verdict == e.verdict == "vacuous" and b.complete == e.complete, text
        return
    assert b.complete == (longest_execution(system) <= depth), text
    assert e.complete == (radius(system) <= depth), text
    assert not b.complete or e.complete, text
    run.verify(system, b)  # every BMC trace replays (ReplayError otherwise)
    run.verify(system, e)


def sound_against_explicit(system: ir.System, text: str, depth: int, engine: str) -> None:
    """An unbounded engine (kind, pdr) never contradicts the explicit engine's search to
    `depth`: each violation it reports is one the search finds, at the same (shortest)
    length, unless longer than the search went; each property it proves for every
    execution the search finds no violation of; where both are complete they agree."""
    e = explicit(system, depth)
    r = run_engine(engine, system, depth)
    run.verify(system, r)  # its traces replay (ReplayError otherwise)
    truth = {p.name: p for p in e.properties}
    for p in r.properties:
        t = truth[p.name]
        if p.verdict == "violated":
            assert p.trace is not None, text
            if p.trace.length <= e.bound:
                assert t.verdict == "violated", (engine, p.name, text)
                assert t.trace is not None and t.trace.length == p.trace.length, (engine, text)
        elif p.verdict == "holds" and r.complete:
            assert t.verdict != "violated", (engine, p.name, "proved but violated", text)
    if r.complete and e.complete:
        assert summary(r) == summary(e), (engine, text)


@cache
def _check_random(text: str) -> None:
    system = load_source(Source("random.rmap", text)).system  # well-typed by construction
    agree_on_random(system, text, DEPTH)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(small_specs())
def test_random_specs_bmc_and_explicit_agree(text: str) -> None:
    _check_random(text)


# pdr strengthens what it explored on specs this small: ic3 is its frames search
UNBOUNDED_ENGINES = pytest.mark.parametrize("engine", ["kind", "pdr", "ic3"])
UNBOUNDED_SETTINGS = settings(
    max_examples=int(os.environ.get("RMAPSMT_DIFF_EXAMPLES", "40")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture])


@pytest.mark.slow
@UNBOUNDED_ENGINES
@UNBOUNDED_SETTINGS
@given(text=small_specs())
def test_random_specs_unbounded_engines_are_sound(engine: str, text: str) -> None:
    system = load_source(Source("random.rmap", text)).system
    sound_against_explicit(system, text, DEPTH, engine)


# ================================================ random specs over the whole language
#
# `small_specs` above covers assignments, await, assert, if, either, atomic and `with`
# over scalar variables. The audit of 0.2 found soundness bugs in what it could not
# produce; `full_specs` below produces those constructs too:
#
# - `if` / `while` conditions (not atomic) that read arrays at variable indices that may
#   be out of range, constant arrays, `/` and `%` with divisors that may be zero;
# - `def` functions with narrow parameter and result types called with arguments that
#   sometimes fit and sometimes do not (run-time range checks at the calling step);
# - procedures with parameters (a constant by value, or a variable name: an alias),
#   initialised and uninitialised locals (fresh / arbitrary at every call), `return`,
#   called more than once;
# - `assert` before and after `await` in `atomic`, `assume` in processes (sometimes
#   literal false), `break` in `for` and `while` (also in atomic `for`), `choose`,
#   `either`, locks (`with`, `acquire`, `release`), replicated processes with `self`,
#   process locals, loops that never end (`while true`).
#
# Every text must be a valid spec (the front end accepts it: exit 0 or 1, never 2).
# The generator mirrors the front end's static rules and never produces what they
# reject: a value whose type can never fit its place (assignment, `def` argument or
# result, procedure argument), a constant index out of range, a divisor that is
# constantly 0, a loop that can go round without taking a step, an alias argument of
# another type. `Facts` is what the front end knows of an expression: its type's
# interval (which decides "can never fit") and the interval of its IR (constants
# folded; this decides whether an index or divisor is a constant).

Ivl = tuple[int, int]
T_ = TypeVar("T_")

# The front end also rejects some VALID specs (findings of this generator, reported to
# the lead, see the xfail tests below): a variable that holds a constant inside a step
# -- assigned a constant earlier in the same atomic step, or a procedure local on its
# call's first step -- is folded, and then an out-of-range index or a zero divisor on
# one path is reported as a static error although other paths are fine; and `return`
# inside `atomic` is rejected. While this holds, the generator keeps such variables out
# of indices and divisors and puts no `return` in `atomic`. Set to False to look for
# these rejections (the test then fails on them).
AVOID_KNOWN_REJECTIONS = False  # fixed; kept to show what the generator used to avoid
# BMC crashes (z3 sort mismatch, exit 70) on a division whose operand's bit-vector term is
# wider than its values need: a product, a nested division, `v - 9` with v: 8..11
# (finding, see the xfail test below). None are generated while this holds.
AVOID_KNOWN_CRASHES = False  # fixed


class Static(Exception):
    """The front end rejects this here (or would, see AVOID_KNOWN_REJECTIONS)."""


@dataclass(frozen=True)
class Facts:
    ty: Ivl | None  # the interval of its static type (None: bool)
    ir: Ivl | None  # the interval of its IR: exact for a constant
    const: bool  # its IR is certainly a constant (value ir[0])
    may_const: bool  # it may be folded to a constant inside the current step
    width: int = 0  # the width of its bit-vector term in the BMC encoding (AVOID_KNOWN_CRASHES)

    @property
    def wide(self) -> bool:
        """Its term is wider than its interval needs (the operand of a division that crashes)."""
        return self.ir is not None and self.width > _width(self.ir) + 1


def _width(r: Ivl) -> int:
    """Bits of a signed bit-vector for the values r, as the BMC encoding counts them."""
    return max(2, max(r[0].bit_length(), r[1].bit_length()) + 1)


def _var(r: Ivl | None, hot: bool = False) -> Facts:
    """A variable; `hot`: its value in this step may be a constant or any expression."""
    return Facts(r, r, False, hot, UNKNOWN_WIDTH if hot else _width(r) if r else 0)


def _const(v: int) -> Facts:
    return Facts((v, v), (v, v), True, True, _width((v, v)))


UNKNOWN_WIDTH = 99


BOOL_CONST = Facts(None, None, True, True)


@dataclass(frozen=True)
class Bind:
    """What a name denotes in one environment (one instance, call site or iteration)."""

    facts: Facts  # of the value (of an element, for an array)
    writable: bool = False
    alias: str = ""  # the state variable written through the name
    size: int = 0  # an array indexed 0..size-1


Env = dict[str, Bind]


@dataclass(frozen=True)
class X:
    """A generated expression."""

    op: str
    args: tuple[X, ...] = ()
    name: str = ""
    value: int = 0

    def __str__(self) -> str:
        match self.op:
            case "lit":
                return str(self.value)
            case "true" | "false":
                return self.op
            case "name":
                return self.name
            case "idx":
                return f"{self.name}[{self.args[0]}]"
            case "call":
                return f"{self.name}({', '.join(map(str, self.args))})"
            case "!":
                return f"!{_operand(self.args[0])}"
        a, b = self.args
        return f"{_operand(a)} {self.op} {_operand(b)}"


def _operand(x: X) -> str:
    atomic = x.op in ("true", "false", "name", "idx", "call") or (x.op == "lit" and x.value >= 0)
    return str(x) if atomic else f"({x})"


def _lit(v: int) -> X:
    return X("lit", value=v)


def _name(n: str) -> X:
    return X("name", name=n)


def _meets(a: Ivl, b: Ivl) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _c_div(x: int, y: int) -> int:
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def _interval(op: str, a: Ivl, b: Ivl) -> Ivl:
    """Bounds of `a op b`, as the front end computes them (for types and IR alike)."""
    match op:
        case "+":
            return a[0] + b[0], a[1] + b[1]
        case "-":
            return a[0] - b[1], a[1] - b[0]
        case "*":
            ps = [p * q for p in a for q in b]
            return min(ps), max(ps)
        case "/":
            m = max(abs(a[0]), abs(a[1]))
            return (-m, m) if a[0] < 0 or b[0] < 0 else (0, m)
    m = max(abs(b[0]), abs(b[1]), 1) - 1
    return (-m if a[0] < 0 else 0), (m if a[1] > 0 else 0)


def _fold(op: str, x: int, y: int) -> int:
    match op:
        case "+":
            return x + y
        case "-":
            return x - y
        case "*":
            return x * y
        case "/":
            return _c_div(x, y)
    return x - y * _c_div(x, y)


@dataclass(frozen=True)
class Def:
    params: tuple[tuple[str, Ivl | None], ...]
    result: Ivl | None
    body: X


@dataclass(frozen=True)
class Proc:
    name: str
    bindings: tuple[tuple[str, ...], ...]  # the argument texts of each call site
    silent: bool  # a call may complete without taking a step


@dataclass(frozen=True)
class Where:
    """Where a statement is generated."""

    depth: int = 0
    atomic: bool = False
    loop: bool = False
    proc: bool = False
    cold: frozenset[str] = frozenset()  # in `atomic`: names only assigned non-constants
    labels: list[str] | None = None  # a process's or procedure's labels (None: no labels)
    callees: int | None = None  # procedures[:callees] may be called (no recursion)


@dataclass(frozen=True)
class S:
    """A generated statement and its silent paths (no step taken on the way)."""

    text: str
    fs: bool = False  # some path falls through to the next statement silently
    rs: bool = False  # some path reaches a `return` silently
    bs: bool = False  # some path reaches a `break` silently


def _seq(ss: list[S], sep: str = "; ") -> S:
    fs, rs, bs = True, False, False
    for s in ss:
        if fs:
            rs, bs, fs = rs or s.rs, bs or s.bs, s.fs
    return S(sep.join(s.text for s in ss), fs, rs, bs)


class FullSpec:
    """One random spec over the whole language (see the comment above)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.defs: dict[str, Def] = {}
        self.carrays: dict[str, tuple[int, ...]] = {}
        self.procs: list[Proc] = []
        self.globals: Env = {}
        self.lines: list[str] = ["spec random_full"]
        self.locks: list[str] = ["m"]
        self.l0: Ivl | None = None  # the type of every process's local `l0`, if declared
        self.inits: dict[str, X] = {}  # initial values of the initialised scalar globals

    # ----------------------------------------------------------------- drawing
    def pick(self, xs: list[T_]) -> T_:
        return self.draw(st.sampled_from(xs))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < p * 100

    def n(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    # ------------------------------------------------------------------- facts
    def facts(self, x: X, env: Env) -> Facts:
        f = self._facts(x, env)
        if f.ty is not None and not f.const:
            assert f.ir is not None
            if f.ir[0] == f.ir[1] or f.ty[0] == f.ty[1]:
                raise Static("a non-constant with one possible value")  # no folding games
        return f

    def _int(self, x: X, env: Env) -> Facts:
        f = self.facts(x, env)
        if f.ty is None:
            raise Static("not an integer")
        return f

    def _bool(self, x: X, env: Env) -> Facts:
        f = self.facts(x, env)
        if f.ty is not None:
            raise Static("not a bool")
        return f

    def index(self, x: X, size: int, env: Env) -> Facts:
        f = self._int(x, env)
        assert f.ir is not None
        if f.const and not 0 <= f.ir[0] < size:
            raise Static("constant index out of range")
        if AVOID_KNOWN_REJECTIONS and f.may_const and not f.const:
            raise Static("known rejection: a value folded inside a step as an index")
        return f

    def _facts(self, x: X, env: Env) -> Facts:
        match x.op:
            case "lit":
                return _const(x.value)
            case "true" | "false":
                return BOOL_CONST
            case "name":
                if env[x.name].size:
                    raise Static("an array as a value")
                return env[x.name].facts
            case "idx" if x.name in self.carrays:
                vals = self.carrays[x.name]
                i = self.index(x.args[0], len(vals), env)
                if i.const:
                    assert i.ir is not None
                    return _const(vals[i.ir[0]])
                hull = (min(vals), max(vals))
                return Facts(hull, hull, False, False, max(_width((v, v)) for v in vals))
            case "idx":
                arr = env[x.name]
                assert arr.size
                self.index(x.args[0], arr.size, env)
                return replace(arr.facts, const=False)
            case "call":
                return self._call(x, env)
            case "!":
                return self._bool(x.args[0], env)
            case "&&" | "||":
                a, b = (self._bool(y, env) for y in x.args)
                return Facts(None, None, a.const and b.const, a.may_const and b.may_const)
            case "==" | "!=":
                a, b = (self.facts(y, env) for y in x.args)
                if (a.ty is None) != (b.ty is None):
                    raise Static("comparing a bool with an integer")
                return Facts(None, None, a.const and b.const, a.may_const and b.may_const)
            case "<" | "<=" | ">" | ">=":
                a, b = (self._int(y, env) for y in x.args)
                return Facts(None, None, a.const and b.const, a.may_const and b.may_const)
        a, b = (self._int(y, env) for y in x.args)
        assert a.ty is not None and b.ty is not None and a.ir is not None and b.ir is not None
        if x.op in ("/", "%"):
            if b.ir == (0, 0) or b.ty == (0, 0):
                raise Static("division by the constant 0")
            if AVOID_KNOWN_REJECTIONS and b.may_const and not b.const:
                raise Static("known rejection: a value folded inside a step as a divisor")
        ty = _interval(x.op, a.ty, b.ty)
        if a.const and b.const:
            v = _fold(x.op, a.ir[0], b.ir[0])
            return Facts(ty, (v, v), True, True, _width((v, v)))
        ir = _interval(x.op, a.ir, b.ir)
        # the width of the term as smt/encode builds it (its operands are sign-extended
        # to a common width, at least the one it computes from the intervals)
        width = max(a.width, b.width, _width(ir) + 1)
        if x.op == "*":
            width = max(width, _width(a.ir) + _width(b.ir))
        if x.op in ("/", "%"):
            w = max(_width(a.ir), _width(b.ir)) + 1
            if AVOID_KNOWN_CRASHES and max(a.width, b.width) > w:
                raise Static("known crash: a division with an operand wider than it counts")
            width = max(w, a.width, b.width)
        return Facts(ty, ir, False, a.may_const and b.may_const, width)

    def _call(self, x: X, env: Env) -> Facts:
        d = self.defs[x.name]
        inner = dict(self.globals_in(env))
        for (p, pt), arg in zip(d.params, x.args, strict=True):
            a = self.facts(arg, env)
            if (a.ty is None) != (pt is None):
                raise Static("argument of the wrong kind")
            if a.ty is not None and pt is not None and not _meets(a.ty, pt):
                raise Static("an argument that can never fit its parameter")
            inner[p] = Bind(Facts(pt, a.ir, a.const, a.may_const, a.width))
        body = self.facts(d.body, inner)
        if body.ty is not None and d.result is not None and not _meets(body.ty, d.result):
            raise Static("a result that can never fit (with these arguments)")
        return Facts(d.result, body.ir, body.const, body.may_const, body.width)

    def globals_in(self, env: Env) -> Env:
        """What a function body sees: the globals (as they are in this step)."""
        return {k: env.get(k, b) for k, b in self.globals.items()}

    def valid(self, x: X, ctx: list[Env]) -> list[Facts] | None:
        try:
            return [self.facts(x, env) for env in ctx]
        except Static:
            return None

    # ------------------------------------------------------------- expressions
    def names(self, env: Env, kind: str) -> list[str]:
        """Scalar names of a kind: 'int', 'bool', 'int[]', 'bool[]'."""
        out = []
        for k, b in env.items():
            is_int = b.facts.ty is not None
            arr = b.size > 0
            if kind == ("int" if is_int else "bool") + ("[]" if arr else ""):
                out.append(k)
        return out

    def index_expr(self, env: Env, size: int) -> X:
        ints = self.names(env, "int")
        opts: list[X] = [_lit(k) for k in range(size)]
        for v in ints:
            opts += [_name(v), _name(v), X("+", (_name(v), _lit(1))),
                     X("-", (_name(v), _lit(1)))]
        return self.pick(opts)

    def int_atom(self, env: Env, lit: float = 0.1) -> X:
        ints = self.names(env, "int")
        kinds = ["name"] * 4 if ints else ["lit"]
        if self.names(env, "int[]"):
            kinds += ["arr"] * 3
        if self.carrays:
            kinds += ["carr"] * 2
        if any(d.result is not None for d in self.defs.values()):
            kinds += ["call"] * 3
        kind = "lit" if self.chance(lit) else self.pick(kinds)
        if kind == "name":
            return _name(self.pick(ints))
        if kind == "arr":
            a = self.pick(self.names(env, "int[]"))
            return X("idx", (self.index_expr(env, env[a].size),), name=a)
        if kind == "carr":
            w = self.pick(sorted(self.carrays))
            return X("idx", (self.index_expr(env, len(self.carrays[w])),), name=w)
        if kind == "call":
            f = self.pick([k for k, d in sorted(self.defs.items()) if d.result is not None])
            return self.call(f, env)
        return _lit(self.n(-1, 3))

    def call(self, f: str, env: Env) -> X:
        args = []
        for _, pt in self.defs[f].params:
            if pt is None:
                args.append(self.bool_expr(env, 1))
            else:
                a = self.int_atom(env) if self.chance(0.7) else _lit(self.n(pt[0], pt[1]))
                if self.chance(0.2):
                    a = X(self.pick(["+", "-"]), (a, _lit(1)))
                args.append(a)
        return X("call", tuple(args), name=f)

    def int_shape(self, env: Env, depth: int = 0) -> X:
        a = self.int_shape(env, 1) if depth == 0 and self.chance(0.2) else self.int_atom(env)
        op: str = self.pick(["", "", "+", "-", "+", "-", "/", "%", "*"])
        if not op:
            return a
        if op == "*":
            return X("*", (a, _lit(self.pick([2, -1]))))
        b = self.int_atom(env, lit=0.4)
        far = env[a.name].facts.ir if a.op == "name" else None
        if op in ("+", "-") and far is not None and (far[0] > 3 or far[1] < -3):
            op, b = "-", _lit(self.n(*far))  # back near 0: `u - 9`
        elif op in ("/", "%") and self.chance(0.3):
            a, b = _lit(self.n(-3, 3)), a
        return X(op, (a, b))

    def int_expr(self, ctx: list[Env], want: list[Ivl | None] | None = None,
                 cold: bool = False) -> X | None:
        """An integer expression valid in every environment of `ctx` whose type meets
        `want` there (one that can never fit is a static error) and, if `cold` (see
        `atomic`), that cannot be folded to a constant; None if none was found."""
        wants = want or [None] * len(ctx)
        for _ in range(25):
            x = self.int_shape(ctx[0])
            fs = self.valid(x, ctx)
            if fs is None:
                continue
            if not all(f.ty is not None and (t is None or _meets(f.ty, t))
                       for f, t in zip(fs, wants, strict=True)):
                continue
            if cold and any(f.may_const for f in fs):
                continue
            return x
        if cold:
            return None
        return _lit(0)  # every integer place generated here has 0 in its range

    def bool_shape(self, env: Env, depth: int) -> X:
        kinds = ["cmp", "cmp", "cmp"]
        if self.names(env, "bool"):
            kinds += ["name", "name", "not"]
        if self.names(env, "bool[]"):
            kinds += ["arr"] * 4
        if any(d.result is None for d in self.defs.values()):
            kinds += ["call"] * 3
        if depth < 1:
            kinds += ["and", "or"]
        kind = self.pick(kinds)
        match kind:
            case "name":
                return _name(self.pick(self.names(env, "bool")))
            case "not":
                return X("!", (_name(self.pick(self.names(env, "bool"))),))
            case "arr":
                a = self.pick(self.names(env, "bool[]"))
                x = X("idx", (self.index_expr(env, env[a].size),), name=a)
                return X("!", (x,)) if self.chance(0.3) else x
            case "call":
                f = self.pick([k for k, d in sorted(self.defs.items()) if d.result is None])
                return self.call(f, env)
            case "and" | "or":
                op = "&&" if kind == "and" else "||"
                return X(op, (self.bool_shape(env, depth + 1), self.bool_shape(env, depth + 1)))
        left = self.int_shape(env)
        op = self.pick(["==", "!=", "<", "<=", ">", ">="])
        right = self.int_atom(env, lit=0.5)
        return X(op, (left, right))

    def bool_expr(self, env_or_ctx: Env | list[Env], depth: int = 0) -> X:
        ctx = env_or_ctx if isinstance(env_or_ctx, list) else [env_or_ctx]
        for _ in range(25):
            x = self.bool_shape(ctx[0], depth)
            if self.valid(x, ctx) is not None:
                return x
        return X(self.pick(["true", "false"]))

    def risky(self, ctx: list[Env], p: float = 1.0) -> X:
        """With probability p, a condition with a run-time check in it: an array read at a
        variable index, a division, a call of a def (contracts); often behind && or ||."""
        env = ctx[0]
        kinds = []
        if self.names(env, "bool[]"):
            kinds += ["bool[]"] * 2
        if self.names(env, "int[]") or self.carrays:
            kinds += ["int[]"] * 2
        if self.names(env, "int"):
            kinds += ["div"]
        if self.defs:
            kinds += ["def"] * 2
        if not kinds or not self.chance(p):
            return self.bool_expr(ctx)
        for _ in range(25):
            match self.pick(kinds):
                case "bool[]":
                    a = self.pick(self.names(env, "bool[]"))
                    x = X("idx", (self.index_expr(env, env[a].size),), name=a)
                case "int[]":
                    a = self.pick(self.names(env, "int[]") + sorted(self.carrays))
                    size = env[a].size if a in env else len(self.carrays[a])
                    x = X(self.pick(["==", "!=", "<", ">"]),
                          (X("idx", (self.index_expr(env, size),), name=a),
                           self.int_atom(env, lit=0.5)))
                case "div":
                    q = X(self.pick(["/", "%"]), (self.int_atom(env), self.int_atom(env, lit=0.2)))
                    x = X(self.pick(["==", "!=", "<", ">"]), (q, _lit(self.n(0, 2))))
                case _:
                    f = self.pick(sorted(self.defs))
                    x = self.call(f, env)
                    if self.defs[f].result is not None:
                        x = X(self.pick(["==", "!=", "<", ">"]), (x, self.int_atom(env, lit=0.5)))
            if self.chance(0.3):  # a guard first: the check only counts where it is reached
                x = X(self.pick(["&&", "||"]), (self.bool_shape(env, 1), x))
            if self.valid(x, ctx) is not None:
                return x
        return self.bool_expr(ctx)

    # -------------------------------------------------------------- statements
    def writable(self, env: Env, ints_only: bool = False) -> list[str]:
        return [k for k, b in env.items()
                if b.writable and (b.facts.ty is not None or not ints_only)]

    def stmt(self, ctx: list[Env], w: Where) -> S:
        kinds = ["assign", "assign", "assign", "await", "assert", "assert", "skip", "assume",
                 "choose", "lock", "dead"]
        if w.depth < 2:
            kinds += ["if", "if", "if_else", "either", "for"]
            if not w.atomic:
                kinds += ["while", "atomic", "atomic", "atomic", "with"]
        if w.loop:
            kinds += ["break", "if_break", "if_break", "if_break"]
        if w.atomic and w.depth < 2:
            kinds += ["for", "for"]
        if w.proc and not w.atomic:  # `return` inside `atomic` is an error (control flow)
            kinds += ["return", "if_return", "if_return"]
        calls = [p for p in self.procs[:w.callees] if self.callable(p, ctx)]
        if calls and not w.atomic:
            kinds += ["call", "call", "call"]
        if w.atomic and w.depth < 2 and self.chance(0.2):
            kinds += ["with"]
        s = self._stmt(self.pick(kinds), ctx, w, calls)
        if w.labels is not None and not w.atomic and self.chance(0.15):
            label = f"s{len(w.labels)}"
            w.labels.append(label)
            return replace(s, text=f"{label}: {s.text}")
        return s

    def block(self, ctx: list[Env], w: Where, lo: int = 1, hi: int = 2) -> S:
        inner = replace(w, depth=w.depth + 1)
        return _seq([self.stmt(ctx, inner) for _ in range(self.n(lo, hi))])

    def _stmt(self, kind: str, ctx: list[Env], w: Where, calls: list[Proc]) -> S:
        match kind:
            case "assign":
                return self.assign(ctx, w) or S("skip")
            case "await":
                return S("await " + ("false" if self.chance(0.05) else str(self.risky(ctx, 0.3))))
            case "assume":
                return S("assume " + ("false" if self.chance(0.3) else str(self.risky(ctx, 0.3))))
            case "assert":
                cond = self.risky(ctx, 0.3)
                if self.chance(0.4):
                    name = self.pick(["A0", "A0", "A1"])
                    return S(f"assert {name}: {cond}")
                return S(f"assert {cond}")
            case "skip":
                return S("skip")
            case "dead":  # never run: type-checked, but no value errors (semantics)
                return S(f"if {self.pick(['false', '1 > 2'])} {{ {self.dead(ctx)} }}", True)
            case "choose":
                return self.choose(ctx, w) or S("skip")
            case "lock":
                return S(f"{self.pick(['acquire', 'release'])} {self.pick(self.locks)}")
            case "if" | "if_else":
                cond = self.risky(ctx, 0.6)
                then = self.block(ctx, w)
                if kind == "if":
                    return S(f"if {cond} {{ {then.text} }}", True, then.rs, then.bs)
                if self.chance(0.25):  # else if
                    other = self._stmt("if_else", ctx, w, calls)
                    return S(f"if {cond} {{ {then.text} }} else {other.text}",
                             then.fs or other.fs, then.rs or other.rs, then.bs or other.bs)
                other = self.block(ctx, w)
                return S(f"if {cond} {{ {then.text} }} else {{ {other.text} }}",
                         then.fs or other.fs, then.rs or other.rs, then.bs or other.bs)
            case "either":
                bs = [self.block(ctx, w) for _ in range(self.pick([2, 2, 3]))]
                return S("either " + " or ".join(f"{{ {b.text} }}" for b in bs),
                         any(b.fs for b in bs), any(b.rs for b in bs), any(b.bs for b in bs))
            case "while":
                test = "true" if self.chance(0.35) else str(self.risky(ctx, 0.6))
                body = self.block(ctx, replace(w, loop=True))
                if body.fs:  # a loop that can go round without a step is an error
                    body = _seq([body, S("skip")])
                return S(f"while {test} {{ {body.text} }}", True, body.rs)
            case "for":
                var = f"k{w.depth}"
                hi = self.pick([1, 2])
                inner = [{**env, var: Bind(_const(c))} for env in ctx for c in range(hi + 1)]
                body = self.block(inner, replace(w, loop=True))
                if w.atomic and self.chance(0.5):  # `break` in an atomic `for`
                    body = _seq([self._stmt("if_break", inner, w, calls), body])
                return S(f"for {var} in 0..{hi} {{ {body.text} }}", body.fs or body.bs, body.rs)
            case "atomic":
                return self.atomic(ctx, w)
            case "with":
                body = self.block(ctx, w)
                return S(f"with {self.pick(self.locks)} {{ {body.text} }}")
            case "break":
                return S("break", bs=True)
            case "if_break":
                return S(f"if {self.risky(ctx, 0.5)} {{ break }}", True, bs=True)
            case "return":
                return S("return", rs=True)
            case "if_return":
                return S(f"if {self.risky(ctx, 0.5)} {{ return }}", True, rs=True)
            case "call":
                p = self.pick(calls)
                args = self.pick([b for b in p.bindings if self.binding_ok(b, ctx)])
                return S(f"call {p.name}({', '.join(args)})", p.silent)
        raise AssertionError(kind)

    def atomic(self, ctx: list[Env], w: Where) -> S:
        """`atomic { ... }`: only the integer names in `written` are assigned in the block.
        Those in `hot` may get any value; the others ("cold") only values that cannot be
        folded to a constant, so they may be indices (AVOID_KNOWN_REJECTIONS). Inside the
        step, a written name's value is an expression whose bit-vector term may be wider
        than its values need: no written name is in a division (AVOID_KNOWN_CRASHES)."""
        ints = self.writable(ctx[0], ints_only=True)
        written = {k for k in ints if self.chance(0.6)}
        hot = {k for k in written if self.chance(0.5)}
        inner_ctx = []
        for env in ctx:
            hot_vars = {env[k].alias for k in hot}
            written_vars = {env[k].alias for k in written}
            inner: Env = {}
            for k, b in env.items():
                if b.alias in hot_vars:
                    b = replace(b, facts=replace(b.facts, may_const=True, width=UNKNOWN_WIDTH))
                elif b.alias in written_vars:
                    b = replace(b, facts=replace(b.facts, width=UNKNOWN_WIDTH))
                inner[k] = replace(b, writable=False) if k in ints and k not in written else b
            inner_ctx.append(inner)
        where = replace(w, atomic=True, cold=frozenset(written - hot), labels=None)
        if self.chance(0.4):  # assert next to await, in either order
            cond, guard = self.bool_expr(inner_ctx), self.bool_expr(inner_ctx)
            parts = [f"assert {cond}", f"await {guard}"]
            if self.chance(0.5):
                parts.reverse()
            rest = self.block(inner_ctx, where, 0, 1).text
            body = "; ".join(parts + ([rest] if rest else []))
        else:
            body = self.block(inner_ctx, where, 1, 3).text
        return S(f"atomic {{ {body} }}")

    def dead(self, ctx: list[Env]) -> str:
        """A statement with value errors that would be static errors if it could run."""
        env = ctx[0]
        ints = [k for k in self.writable(env, ints_only=True) if not env[k].size]
        arrays = [k for k, b in env.items() if b.size]
        opts = ["assert 1 / 0 == 0"]
        if ints:
            opts += [f"{self.pick(ints)} := 9", f"{self.pick(ints)} := 1 % 0"]
        if arrays:
            a = self.pick(arrays)
            opts.append(f"{a}[5] := {a}[7]")
        return str(self.pick(opts))

    def assign(self, ctx: list[Env], w: Where) -> S | None:
        names = self.writable(ctx[0])
        if not names:
            return None
        x = self.pick(names)
        b = ctx[0][x]
        lhs = x
        if b.size:
            idx = self.index_expr(ctx[0], b.size)
            try:
                for env in ctx:
                    self.index(idx, b.size, env)
            except Static:
                idx = _lit(0)
            lhs = f"{x}[{idx}]"
        if b.facts.ty is None:
            return S(f"{lhs} := {self.pick(['true', 'false', str(self.bool_expr(ctx))])}")
        wants = [env[x].facts.ty for env in ctx]
        rhs = self.int_expr(ctx, wants, cold=w.atomic and x in w.cold)
        return None if rhs is None else S(f"{lhs} := {rhs}")

    def choose(self, ctx: list[Env], w: Where) -> S | None:
        names = [k for k in self.writable(ctx[0]) if not ctx[0][k].size
                 and not (w.atomic and k in w.cold)]
        if not names:
            return None
        x = self.pick(names)
        if ctx[0][x].facts.ty is None:
            return S(f"choose {x} in {{true, false}}")
        lo = max(env[x].facts.ty[0] for env in ctx)  # type: ignore[index]
        hi = min(env[x].facts.ty[1] for env in ctx)  # type: ignore[index]
        if self.chance(0.5):
            return S(f"choose {x} in {lo}..{min(hi, lo + 1)}")
        vals = sorted({self.n(lo, hi) for _ in range(self.n(1, 3))})
        return S(f"choose {x} in {{{', '.join(map(str, vals))}}}")

    # ------------------------------------------------------------ declarations
    def build(self) -> str:
        self.declare_globals()
        for j in range(self.pick([0, 0, 1, 1, 2])):
            self.define(j)
        self.l0 = (0, 2) if self.chance(0.4) else None
        for j in range(self.pick([0, 1, 1, 2])):
            self.procedure(j)
        n_procs = self.pick([1, 2, 2, 3])
        replicated = self.pick([-1, -1, 0, n_procs - 1])
        for j in range(n_procs):
            self.process(j, 2 if j == replicated else 0)
        g = [dict(self.globals)]
        inv = self.bool_expr(g)
        if self.inits and self.chance(0.6):  # true initially: counterexamples need steps
            inv = X("||", (self.initially(True), self.bool_expr(g, 1)))
        elif self.chance(0.5):
            inv = X("||", (inv, self.bool_expr(g, 1)))
        self.lines.append(f"invariant inv: {inv}")
        if self.chance(0.1):  # initial states (none, sometimes: both must say vacuous)
            self.lines.append(f"assume {self.bool_expr(g)}")
        for c in range(self.pick([0, 1, 1, 2])):
            cov = self.initially(False) if self.inits and self.chance(0.6) else self.bool_expr(g)
            self.lines.append(f"cover cov{c}: {cov}")
        if self.chance(0.5):
            self.lines.append("allow deadlock")
        return "\n".join(self.lines) + "\n"

    def initially(self, value: bool) -> X:
        """A condition that is `value` in the initial state (over initialised globals)."""
        v = self.pick(sorted(self.inits))
        init = self.inits[v]
        if init.op != "lit":  # a bool
            return _name(v) if (init.op == "true") == value else X("!", (_name(v),))
        ty = self.globals[v].facts.ty
        assert ty is not None
        others = [c for c in range(ty[0], ty[1] + 1) if c != init.value]
        return X("!=" if value else "==", (_name(v), _lit(self.pick(others))))

    def declare_globals(self) -> None:
        for j in range(self.n(1, 3)):
            if self.chance(0.4):
                init = self.pick(["true", "false", "any"])
                self.lines.append(f"var v{j}: bool = {init}")
                self.globals[f"v{j}"] = Bind(_var(None), True, f"v{j}")
                if init != "any":
                    self.inits[f"v{j}"] = X(init)
            else:
                lo, hi = self.pick([0, 0, -1]), self.n(1, 3)
                if self.chance(0.15):  # bit-vector widths at their boundaries
                    lo, hi = self.pick([(0, 7), (-8, 7), (0, 8), (-9, 3)])
                init = self.pick([str(lo), str(hi), "0", "1", "any"])
                self.lines.append(f"var v{j}: {lo}..{hi} = {init}")
                self.globals[f"v{j}"] = Bind(_var((lo, hi)), True, f"v{j}")
                if init != "any":
                    self.inits[f"v{j}"] = _lit(int(init))
        if self.chance(0.25):  # symbolic, fixed for a run; far from 0 (widths again)
            lo, hi = self.pick([(8, 11), (-12, -9), (5, 6)])
            self.lines.append(f"param u: {lo}..{hi}")
            self.globals["u"] = Bind(_var((lo, hi)), False, "u")
        size = self.pick([2, 3])
        if self.chance(0.5):
            name, elem = self.pick([("a", None), ("a", None), ("b", (0, 2))])
            t = "bool" if elem is None else "0..2"
            vals = ["true", "false"] if elem is None else ["0", "1", "2"]
            init = self.pick([self.pick(vals), "any",
                              "[" + ", ".join(self.pick(vals) for _ in range(size)) + "]"])
            self.lines.append(f"var {name}: [0..{size - 1}] {t} = {init}")
            self.globals[name] = Bind(_var(elem), True, name, size)
        if self.chance(0.4):
            vals_w = [self.n(-1, 3) for _ in range(size)]
            if len(set(vals_w)) == 1:
                vals_w[0] = vals_w[0] + 1
            self.carrays["W"] = tuple(vals_w)
            self.lines.append(f"const W = [{', '.join(map(str, vals_w))}]")
        if (len(self.globals) > len([k for k in self.globals if k.startswith("v")])
                or self.carrays) and self.chance(0.8):
            lo, hi = self.pick([(0, size), (0, size), (-1, size - 1)])
            self.lines.append(f"var i: {lo}..{hi} = {self.pick(['0', 'any'])}")
            self.globals["i"] = Bind(_var((lo, hi)), True, "i")
        self.locks = ["m"] if self.chance(0.6) else ["m", "n"]
        self.lines.append(f"lock {', '.join(self.locks)}")

    def define(self, j: int) -> None:
        """`def fJ(...)`: narrow parameter and result types (contracts)."""
        params: list[tuple[str, Ivl | None]] = [("fx", self.pick([(0, 1), (1, 2), (0, 2)]))]
        if self.chance(0.3):
            params.append(("fy", self.pick([(0, 1), (1, 2), (-1, 1)])))
        env = dict(self.globals) | {p: Bind(_var(t)) for p, t in params}
        boolean = self.chance(0.3)
        for _ in range(25):
            # only the parameters and the globals defined so far; no calls of itself
            body = self.bool_shape(env, 0) if boolean else self.int_shape(env)
            try:
                f = self.facts(body, env)
            except Static:
                continue
            if (f.ty is None) == boolean and any(p in str(body) for p, _ in params):
                break
        else:
            body = X("<", (_name("fx"), _lit(1))) if boolean else X("+", (_name("fx"), _lit(1)))
            f = self.facts(body, env)
        result: Ivl | None = None
        if f.ty is not None:
            # a result type that meets the body's (else a static error), often narrower
            lo = self.n(max(f.ty[0], -2), min(f.ty[1], 3)) if f.ty[0] <= 3 and f.ty[1] >= -2 \
                else f.ty[0]
            result = (lo, lo + self.n(0, 2))
        self.defs[f"f{j}"] = Def(tuple(params), result, body)
        ps = ", ".join(f"{p}: {t[0]}..{t[1]}" for p, t in params if t is not None)
        rt = "bool" if result is None else f"{result[0]}..{result[1]}"
        self.lines.append(f"def f{j}({ps}): {rt} = {body}")

    def vars_within(self, t: Ivl | None) -> list[str]:
        """Variables an alias parameter of type t may name (same type, or a narrower range)."""
        pool = {k: b.facts.ty for k, b in self.globals.items() if not b.size and b.writable}
        if self.l0 is not None:
            pool["l0"] = self.l0
        if t is None:
            return sorted(k for k, r in pool.items() if r is None)
        return sorted(k for k, r in pool.items() if r is not None and t[0] <= r[0] and r[1] <= t[1])

    def procedure(self, j: int) -> None:
        """`procedure prJ(o, [k])`: `o` is always an alias (the body writes it), `k` a
        constant or an alias; locals initialised or not; called with fixed bindings."""
        name = f"pr{j}"
        pool = [k for k, b in self.globals.items() if not b.size and b.writable]
        base = self.pick(pool + (["l0"] if self.l0 is not None else []))
        bt = self.l0 if base == "l0" else self.globals[base].facts.ty
        ot = bt if bt is None or self.chance(0.6) else (bt[0], bt[1] + 1)
        params = [("o", ot)]
        if self.chance(0.6):
            params.append(("k", self.pick([(0, 1), (0, 2), (1, 2)])))
        choices: list[list[str]] = []
        for p, t in params:
            opts = self.vars_within(t)
            if p == "k":
                assert t is not None
                opts += [str(c) for c in range(t[0], t[1] + 1)] * 2
            choices.append(opts)
        bindings = sorted({tuple(self.pick(opts) for opts in choices)
                           for _ in range(self.n(1, 3))})
        locals_: list[tuple[str, Ivl | None, str]] = []
        for lname in ("c", "e"):  # at most one uninitialised (they multiply the states)
            if self.chance(0.5):
                t = self.pick([(0, 1), (0, 2), None])
                init = " = " + ("1" if t else "false")
                if t != (0, 2) and all(i for _, _, i in locals_) and self.chance(0.6):
                    init = ""
                locals_.append((lname, t, init))
        ctx = []
        for binding in bindings:
            env = dict(self.globals)
            for (p, _), arg in zip(params, binding, strict=True):
                if arg.lstrip("-").isdigit():
                    env[p] = Bind(_const(int(arg)))
                else:
                    ty = self.l0 if arg == "l0" else self.globals[arg].facts.ty
                    env[p] = Bind(_var(ty), p == "o", arg)
            for lname, t, _ in locals_:  # fresh at each call: a constant on its first step
                env[lname] = Bind(_var(t, hot=AVOID_KNOWN_REJECTIONS), True, f"{name}.{lname}")
            ctx.append(env)
        body = self.block(ctx, Where(depth=0, proc=True, labels=[], callees=j), 1, 3)
        decls = [f"var {n}: {'bool' if t is None else f'{t[0]}..{t[1]}'}{i}"
                 for n, t, i in locals_]
        ps = ", ".join(f"{p}: {'bool' if t is None else f'{t[0]}..{t[1]}'}" for p, t in params)
        self.lines.append(f"procedure {name}({ps}) {{")
        self.lines += [f"  {d}" for d in decls] + [f"  {body.text}", "}"]
        self.procs.append(Proc(name, tuple(bindings), body.fs or body.rs))

    def callable(self, p: Proc, ctx: list[Env]) -> bool:
        return any(self.binding_ok(b, ctx) for b in p.bindings)

    def binding_ok(self, b: tuple[str, ...], ctx: list[Env]) -> bool:
        return all(a.lstrip("-").isdigit() or a in ctx[0] for a in b)

    def process(self, j: int, count: int) -> None:
        env = dict(self.globals)
        decls = []
        if self.l0 is not None:
            init = self.pick(["0", "2"] if count else ["0", "any", ""])
            decls.append(f"var l0: 0..2{' = ' + init if init else ''}")
            env["l0"] = Bind(_var(self.l0), True, f"p{j}.l0")
        ctx = [env] if not count else [{**env, "self": Bind(_const(s))} for s in range(count)]
        w = Where(labels=[])
        body = [self.stmt(ctx, w) for _ in range(self.n(1, 4))]
        calls = [p for p in self.procs if self.callable(p, ctx)]
        for _ in range(self.pick([0, 1, 2] if calls else [0])):  # often called twice or more
            body.insert(self.n(0, len(body)), self._stmt("call", ctx, w, calls))
        self.lines.append(f"process p{j}{f'[{count}]' if count else ''} {{")
        self.lines += [f"  {d}" for d in decls] + [f"  {s.text}" for s in body] + ["}"]


@st.composite
def full_specs(draw: st.DrawFn) -> str:
    """The text of a small valid spec over the whole language (see FullSpec)."""
    return FullSpec(draw).build()


FULL_DEPTH = 10
FULL_EXAMPLES = int(os.environ.get("RMAPSMT_DIFF_EXAMPLES", "250"))
FULL_MAX_STATES = 20_000  # the oracles walk the whole reachable graph


@cache
def _full_system(text: str) -> ir.System:
    try:
        system = load_source(Source("random_full.rmap", text)).system
    except SpecError as err:  # exit 2 on a spec that is valid by construction
        if "transitions here" in err.message:
            # a size limit, not a wrong answer: each path of control flow between two
            # steps is a transition, so (found by this test) nine consecutive calls of a
            # five-way branching procedure without a step pass MAX_TRANSITIONS
            reject()
        raise AssertionError(f"the front end rejects a valid spec: {err}\n{text}") from err
    if reachable_states(system, FULL_MAX_STATES) is None:
        reject()  # rare (uninitialised locals, `any`): too big for the oracles, not wrong
    return system


def _check_full(text: str) -> None:
    agree_on_random(_full_system(text), text, FULL_DEPTH)


@pytest.mark.slow
@settings(max_examples=FULL_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(full_specs())
def test_random_full_specs_bmc_and_explicit_agree(text: str) -> None:
    _check_full(text)


@pytest.mark.slow
@UNBOUNDED_ENGINES
@UNBOUNDED_SETTINGS
@given(text=full_specs())
def test_random_full_specs_unbounded_engines_are_sound(engine: str, text: str) -> None:
    sound_against_explicit(_full_system(text), text, FULL_DEPTH, engine)


ATOMIC_FORK = """\
spec atomic_fork
var x: 0..2 = 1
process p {
  atomic { either { x := 0 } or { skip }; x := x - 1 }
}
"""


# Regression: lower._assign used to apply the "can never fit" type check to the value
# on one symbolic path of an atomic step (x = 0 after the `either` branch), rejecting
# this well-typed spec with "value -1 can never fit 'x' (0..2)" although the `or`
# path runs x := 1 - 1. Found by the random specs below.
def test_value_that_fits_on_another_path_is_accepted() -> None:
    system = load_source(Source("atomic_fork.rmap", ATOMIC_FORK)).system
    b, e = assert_agree(system, 4)
    # the `either` branch makes x := 0 - 1 fail (found in the initial state);
    # the `or` branch runs x := 1 - 1
    assert {p.name: p.verdict for p in b.properties} == {"range:x@p": "violated",
                                                        "deadlock": "holds"}
    assert summary(b)["cex_length"] == {"range:x@p": 0}


def test_value_that_fits_when_not_atomic_is_a_run_time_check() -> None:
    """Control for the bug above: the same statements as separate steps load and are
    checked at run time, alike in both engines."""
    text = ATOMIC_FORK.replace("atomic { either { x := 0 } or { skip }; x := x - 1 }",
                               "either { x := 0 } or { skip }\n  x := x - 1")
    system = load_source(Source("steps.rmap", text)).system
    b, _ = assert_agree(system, 4)
    assert summary(b)["cex_length"] == {"range:x@p": 1}
    assert b.complete


NO_INITIAL_STATE = """\
spec no_initial_state
var x: 0..3 = 0
assume x == 1
process p {
  x := x + 1
}
invariant small: x <= 2
"""


def test_no_initial_state_same_verdict() -> None:
    system = load_source(Source("none.rmap", NO_INITIAL_STATE)).system
    b, e = bmc(system, 5), explicit(system, 5)
    assert b.verdict == e.verdict == "vacuous"
    assert b.reason == e.reason
    assert all(p.trace is None for p in (*b.properties, *e.properties))


# Regression: with no initial state, BMC used to report every property 'unknown' with
# complete=false, the explicit engine 'holds' with complete=true and a dead-step warning
# for every step.
def test_no_initial_state_engines_report_alike() -> None:
    system = load_source(Source("none.rmap", NO_INITIAL_STATE)).system
    b, e = bmc(system, 5), explicit(system, 5)
    assert summary(b) == summary(e)
    assert b.warnings == e.warnings
    assert {p.verdict for p in b.properties} != {"holds"}  # nothing was checked: not a pass


# ------------------------------------------------- findings of the random generator
#
# Found by the generators above, minimised, fixed: each test states what the semantics
# requires, and the generator now produces these constructs freely.


def _prove_both(text: str, depth: int = 6) -> Result:
    system = load_source(Source("finding.rmap", text)).system
    b, _ = assert_agree(system, depth)
    return b


def _verdicts(r: Result) -> dict[str, tuple[str, int | None]]:
    return {p.name: (p.verdict, p.trace.length if p.trace else None) for p in r.properties}


def test_finding_index_constant_on_one_path_is_a_run_time_check() -> None:
    r = _prove_both("spec f\nvar a: [0..2] bool = false\nvar i: 0..3 = 0\nvar y: bool = true\n"
                    "process p {\n  atomic { choose i in 0..3; y := a[i] }\n}\n"
                    "cover read: !y\n")
    assert _verdicts(r)["index:a@p"] == ("violated", 0)  # i = 3; i = 0..2 read a[i]
    assert summary(r)["covers"] == {"read": (True, 1)}


def test_finding_uninitialised_local_as_divisor_is_a_run_time_check() -> None:
    r = _prove_both("spec f\nvar y: 0..3 = 0\nprocedure f() {\n  var c: 0..2\n"
                    "  r: y := 2 / c\n}\nprocess p {\n  call f()\n}\ncover two: y == 2\n")
    assert [v for v in _verdicts(r).values() if v[0] == "violated"] == [("violated", 0)]
    assert summary(r)["covers"] == {"two": (True, 1)}  # c = 1


def test_finding_return_inside_atomic_is_a_positioned_error() -> None:
    """`return` is control flow between steps: inside `atomic` it is rejected, clearly."""
    text = ("spec f\nvar x: 0..3 = 0\nprocedure f() {\n  atomic { x := 1; return }\n"
            "  x := 2\n}\nprocess p {\n  call f()\n}\ninvariant never2: x != 2\n")
    with pytest.raises(SpecError) as err:
        load_source(Source("finding.rmap", text))
    assert err.value.span is not None and (err.value.span.line, err.value.span.col) == (4, 20)
    assert "'return' inside 'atomic'" in err.value.message


def test_finding_division_by_a_product() -> None:
    r = _prove_both("spec f\nvar v: 0..1 = 0\nvar y: 0..3 = 0\nprocess p {\n"
                    "  y := 2 / (v * 2)\n}\n")
    assert _verdicts(r)["div@p"] == ("violated", 0)


def test_finding_break_in_atomic_leaves_the_enclosing_loop() -> None:
    r = _prove_both("spec f\nvar x: 0..3 = 0\nprocess p {\n  while true {\n"
                    "    atomic { x := x + 1; break }\n  }\n  done_: x := 3\n}\n"
                    "cover three: x == 3\n")
    assert all(p.verdict == "holds" for p in r.properties)  # x := 1, break, x := 3
    assert summary(r)["covers"] == {"three": (True, 2)} and r.complete


def test_finding_unnamed_asserts_are_separate_properties() -> None:
    r = _prove_both("spec f\nvar x: 0..1 = 0\nprocess p {\n  x := 1\n  assert x == 1\n"
                    "  assert x == 0\n}\n")
    asserts = sorted((p.verdict, p.line) for p in r.properties if p.kind == "assert")
    assert asserts == [("holds", 5), ("violated", 6)]
