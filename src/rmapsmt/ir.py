"""The transition system every engine and the interpreter consume.

State is a finite set of scalar variables (arrays and records are flattened to
one variable per element: the encoding facts in
`../shared/design/architecture.md` show that is what Z3 likes). Expressions are
quantifier-free trees over those variables; constructors fold constants so
that option-dependent code disappears before any engine sees it.
Nothing here knows about the AST or about Z3.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .diagnostics import Span

# ----------------------------------------------------------------------- sorts


@dataclass(frozen=True, slots=True)
class BoolSort:
    def values(self) -> tuple[bool, ...]:
        return (False, True)

    def show(self, v: int | bool) -> str:
        return "true" if v else "false"


@dataclass(frozen=True, slots=True)
class IntSort:
    """Integers lo..hi; enums are IntSorts with member names for display."""

    lo: int
    hi: int
    names: tuple[str, ...] | None = None

    def values(self) -> tuple[int, ...]:
        return tuple(range(self.lo, self.hi + 1))

    def show(self, v: int | bool) -> str:
        if self.names is not None and 0 <= int(v) < len(self.names):
            return self.names[int(v)]
        return str(int(v))


Sort = BoolSort | IntSort

# ----------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Const:
    value: int | bool
    # Python has True == 1; the sort tag keeps Const(True) and Const(1) apart as keys
    is_bool: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_bool", isinstance(self.value, bool))


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class App:
    """An operator applied to arguments: not and or ite eq lt le add sub mul neg."""

    op: str
    args: tuple[Expr, ...]
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.op, self.args)))

    def __hash__(self) -> int:
        return self._hash


Expr = Const | Var | App

TRUE = Const(True)
FALSE = Const(False)


def is_true(e: Expr) -> bool:
    return isinstance(e, Const) and e.value is True


def is_false(e: Expr) -> bool:
    return isinstance(e, Const) and e.value is False


def not_(a: Expr) -> Expr:
    if isinstance(a, Const):
        return Const(not a.value)
    if isinstance(a, App) and a.op == "not":
        return a.args[0]
    return App("not", (a,))


def _junction(op: str, unit: Const, zero: Const, args: tuple[Expr, ...]) -> Expr:
    """n-ary and/or: flattened, without units or repeats; `zero` absorbs everything."""
    flat: list[Expr] = []
    for a in args:
        if a == zero:
            return zero
        if a == unit:
            continue
        if isinstance(a, App) and a.op == op:
            flat.extend(a.args)
        elif a not in flat:
            flat.append(a)
    if not flat:
        return unit
    return flat[0] if len(flat) == 1 else App(op, tuple(flat))


def and_(*args: Expr) -> Expr:
    return _junction("and", TRUE, FALSE, args)


def or_(*args: Expr) -> Expr:
    return _junction("or", FALSE, TRUE, args)


def implies(a: Expr, b: Expr) -> Expr:
    return or_(not_(a), b)


def ite(c: Expr, t: Expr, e: Expr) -> Expr:
    if isinstance(c, Const):
        return t if c.value else e
    if t == e:
        return t
    if is_true(t) and is_false(e):
        return c
    if is_false(t) and is_true(e):
        return not_(c)
    return App("ite", (c, t, e))


def eq(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value == b.value)
    if a == b:
        return TRUE
    return App("eq", (a, b))


def lt(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value < b.value)
    return App("lt", (a, b))


def le(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value <= b.value)
    return App("le", (a, b))


def arith(op: str, a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        x, y = int(a.value), int(b.value)
        return Const(x + y if op == "add" else x - y if op == "sub" else x * y)
    if op in ("add", "sub") and isinstance(b, Const) and b.value == 0:
        return a
    return App(op, (a, b))


def neg(a: Expr) -> Expr:
    return Const(-int(a.value)) if isinstance(a, Const) else App("neg", (a,))


def variables(e: Expr, out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Var):
            out.add(x.name)
        elif isinstance(x, App):
            stack.extend(x.args)
    return out


def interval(e: Expr, ranges: Mapping[str, tuple[int, int]]) -> tuple[int, int]:
    """Bounds of an integer expression, given bounds of its variables."""
    if isinstance(e, Const):
        return int(e.value), int(e.value)
    if isinstance(e, Var):
        return ranges[e.name]
    a = [interval(x, ranges) for x in e.args if e.op != "ite"] if e.op != "ite" else []
    match e.op:
        case "add":
            return a[0][0] + a[1][0], a[0][1] + a[1][1]
        case "sub":
            return a[0][0] - a[1][1], a[0][1] - a[1][0]
        case "neg":
            return -a[0][1], -a[0][0]
        case "mul":
            ps = [x * y for x in a[0] for y in a[1]]
            return min(ps), max(ps)
        case "ite":
            t, f = interval(e.args[1], ranges), interval(e.args[2], ranges)
            return min(t[0], f[0]), max(t[1], f[1])
    raise ValueError(f"interval of non-integer operator {e.op}")


# --------------------------------------------------------- transition system


@dataclass(frozen=True, slots=True)
class StateVar:
    name: str
    sort: Sort
    span: Span
    kind: str = "var"  # var | local | param | pc | lock | ghost


@dataclass(frozen=True, slots=True)
class Check:
    """A run-time check of one step: the step is a violation if `ok` is false."""

    prop: str
    ok: Expr
    span: Span


CRASH = " (fails)"  # label suffix of the step a process takes when one of its checks fails


@dataclass(frozen=True, slots=True)
class Transition:
    index: int
    process: str  # instance name, e.g. "migrate[1]"
    label: str
    span: Span
    guard: Expr  # base && assume: the step may run iff guard holds
    base: Expr  # pc == from, branch conditions, awaits, free locks
    assume: Expr  # from `assume`: false means "this execution is pruned", not "blocked"
    updates: tuple[tuple[str, Expr], ...]
    checks: tuple[Check, ...]
    pc_var: str
    pc_from: int
    pc_to: int


@dataclass(frozen=True, slots=True)
class Process:
    name: str
    pc_var: str
    done: int
    pc_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Property:
    """A safety property as a `bad` state predicate."""

    name: str
    kind: str  # invariant | assert | range | index | lock | deadlock
    bad: Expr
    span: Span
    description: str


@dataclass(frozen=True, slots=True)
class Cover:
    name: str
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Expectation:
    """`expect VERDICT [for PROPERTY]` whose `when` holds for this run's options."""

    verdict: str  # holds | violated
    prop: str | None  # None: the overall verdict
    line: int


@dataclass(frozen=True, slots=True)
class System:
    name: str
    vars: tuple[StateVar, ...]
    init: tuple[Expr, ...]  # conjunction over the state at step 0
    transitions: tuple[Transition, ...]
    processes: tuple[Process, ...]
    properties: tuple[Property, ...]
    covers: tuple[Cover, ...]
    depth: int
    options: tuple[tuple[str, str], ...]
    expectations: tuple[Expectation, ...] = ()

    def var(self, name: str) -> StateVar:
        return self._by_name()[name]

    def _by_name(self) -> dict[str, StateVar]:
        return {v.name: v for v in self.vars}

    def ranges(self) -> dict[str, tuple[int, int]]:
        return {
            v.name: (v.sort.lo, v.sort.hi) if isinstance(v.sort, IntSort) else (0, 1)
            for v in self.vars
        }


def deadlock_bad(processes: Iterable[Process], transitions: Iterable[Transition]) -> Expr:
    """Some process unfinished, none can move, and no process is parked on an `assume`."""
    ts = tuple(transitions)
    unfinished = or_(*(not_(eq(Var(p.pc_var), Const(p.done))) for p in processes))
    none_enabled = and_(*(not_(t.guard) for t in ts))
    pruned = or_(*(and_(t.base, not_(t.assume)) for t in ts if not is_true(t.assume)))
    return and_(unfinished, none_enabled, not_(pruned))
