"""The transition system every engine, exporter and the interpreter consume.

State is a finite set of scalar variables (arrays and records are flattened to
one variable per element: the encoding facts in
`../shared/design/architecture.md` show that is what Z3 likes). Expressions are
quantifier-free DAGs over those variables; constructors fold constants so
that option-dependent code disappears before any engine sees it. Every walker
over expressions is iterative: a long atomic block or an unrolled loop can
make an expression thousands of levels deep.

The vocabulary is typed (`Op`, `VarKind`, `PropKind`, `CheckKind`): a walker
that forgets a case fails type-checking (`assert_never`), not silently.
Nothing here knows about the AST or about Z3.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

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


class Op(StrEnum):
    NOT = "not"
    AND = "and"
    OR = "or"
    ITE = "ite"
    EQ = "eq"
    LT = "lt"
    LE = "le"
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    NEG = "neg"
    DIV = "div"  # truncates toward zero (C); x / 0 is 0 (a `div` check guards every use)
    MOD = "mod"  # remainder of DIV, sign of the dividend (C); x % 0 is 0


BOOL_OPS = frozenset({Op.NOT, Op.AND, Op.OR, Op.EQ, Op.LT, Op.LE})
ARITH_OPS = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD})


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


@dataclass(frozen=True, slots=True, eq=False)
class App:
    """An operator applied to arguments. Hash cached; equality structural (identity first)."""

    op: Op
    args: tuple[Expr, ...]
    _hash: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.op, self.args)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, App) or self._hash != other._hash or self.op != other.op:
            return False
        return self.args == other.args


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
    if isinstance(a, App) and a.op is Op.NOT:
        return a.args[0]
    return App(Op.NOT, (a,))


def _junction(op: Op, unit: Const, zero: Const, args: Iterable[Expr]) -> Expr:
    """n-ary and/or: flattened, without units or repeats; `zero` absorbs everything."""
    flat: dict[Expr, None] = {}  # an ordered set: linear, however many operands
    for a in args:
        if a == zero:
            return zero
        if a == unit:
            continue
        if isinstance(a, App) and a.op is op:
            flat.update(dict.fromkeys(a.args))
        else:
            flat[a] = None
    if not flat:
        return unit
    items = tuple(flat)
    return items[0] if len(items) == 1 else App(op, items)


def and_(*args: Expr) -> Expr:
    return _junction(Op.AND, TRUE, FALSE, args)


def or_(*args: Expr) -> Expr:
    return _junction(Op.OR, FALSE, TRUE, args)


def conj(args: Iterable[Expr]) -> Expr:
    return _junction(Op.AND, TRUE, FALSE, args)


def disj(args: Iterable[Expr]) -> Expr:
    return _junction(Op.OR, FALSE, TRUE, args)


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
    return App(Op.ITE, (c, t, e))


def eq(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value == b.value)
    if a == b:
        return TRUE
    return App(Op.EQ, (a, b))


def lt(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value < b.value)
    return App(Op.LT, (a, b))


def le(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(a.value <= b.value)
    return App(Op.LE, (a, b))


def c_div(x: int, y: int) -> int:
    """C division: truncation toward zero; 0 for a zero divisor (guarded by a check)."""
    if y == 0:
        return 0
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def c_mod(x: int, y: int) -> int:
    return 0 if y == 0 else x - y * c_div(x, y)


def arith(op: Op, a: Expr, b: Expr) -> Expr:
    if isinstance(a, Const) and isinstance(b, Const):
        x, y = int(a.value), int(b.value)
        match op:
            case Op.ADD:
                return Const(x + y)
            case Op.SUB:
                return Const(x - y)
            case Op.MUL:
                return Const(x * y)
            case Op.DIV:
                return Const(c_div(x, y))
            case Op.MOD:
                return Const(c_mod(x, y))
        raise ValueError(f"{op} is not binary arithmetic")
    if op in (Op.ADD, Op.SUB) and isinstance(b, Const) and b.value == 0:
        return a
    return App(op, (a, b))


def neg(a: Expr) -> Expr:
    return Const(-int(a.value)) if isinstance(a, Const) else App(Op.NEG, (a,))


def postorder(roots: Iterable[Expr]) -> Iterator[Expr]:
    """Every distinct subexpression once, children before parents (iterative)."""
    seen: set[Expr] = set()
    for root in roots:
        if root in seen:
            continue
        stack: list[tuple[Expr, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                yield node
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            if isinstance(node, App):
                stack.extend((a, False) for a in reversed(node.args) if a not in seen)


def variables(e: Expr, out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    for x in postorder((e,)):
        if isinstance(x, Var):
            out.add(x.name)
    return out


def _div_bounds(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    m = max(abs(a[0]), abs(a[1]))
    return (-m, m) if a[0] < 0 or b[0] < 0 else (0, m)


def _mod_bounds(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    m = max(abs(b[0]), abs(b[1]), 1) - 1
    lo = -m if a[0] < 0 else 0
    hi = m if a[1] > 0 else 0
    return lo, hi


def interval(e: Expr, ranges: Mapping[str, tuple[int, int]],
             memo: dict[Expr, tuple[int, int]] | None = None) -> tuple[int, int]:
    """Bounds of an integer expression, given bounds of its variables (bools are 0..1)."""
    memo = {} if memo is None else memo
    for x in postorder((e,)):
        if x in memo:
            continue
        match x:
            case Const(v):
                memo[x] = (int(v), int(v))
            case Var(name):
                memo[x] = ranges[name]
            case App(op, args):
                if op in BOOL_OPS:
                    memo[x] = (0, 1)
                    continue
                a = [memo[y] for y in args]
                match op:
                    case Op.ADD:
                        memo[x] = (a[0][0] + a[1][0], a[0][1] + a[1][1])
                    case Op.SUB:
                        memo[x] = (a[0][0] - a[1][1], a[0][1] - a[1][0])
                    case Op.NEG:
                        memo[x] = (-a[0][1], -a[0][0])
                    case Op.MUL:
                        ps = [p * q for p in a[0] for q in a[1]]
                        memo[x] = (min(ps), max(ps))
                    case Op.DIV:
                        memo[x] = _div_bounds(a[0], a[1])
                    case Op.MOD:
                        memo[x] = _mod_bounds(a[0], a[1])
                    case Op.ITE:
                        memo[x] = (min(a[1][0], a[2][0]), max(a[1][1], a[2][1]))
    return memo[e]


def size(e: Expr) -> int:
    """Distinct subexpressions: the cost of encoding or compiling e once."""
    return sum(1 for _ in postorder((e,)))


# --------------------------------------------------------- transition system


class VarKind(StrEnum):
    VAR = "var"
    LOCAL = "local"
    PARAM = "param"
    PC = "pc"
    LOCK = "lock"


class CheckKind(StrEnum):
    ASSERT = "assert"
    RANGE = "range"
    INDEX = "index"
    DIV = "div"
    LOCK = "lock"


class PropKind(StrEnum):
    INVARIANT = "invariant"
    LEMMA = "lemma"
    ASSERT = "assert"
    RANGE = "range"
    INDEX = "index"
    DIV = "div"
    LOCK = "lock"
    DEADLOCK = "deadlock"


@dataclass(frozen=True, slots=True)
class StateVar:
    name: str
    sort: Sort
    span: Span
    kind: VarKind = VarKind.VAR


@dataclass(frozen=True, slots=True)
class Check:
    """A run-time check: `kind` and the property `name` it belongs to."""

    kind: CheckKind
    name: str
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Frame:
    """One procedure call on a step's call stack: `rmap_walk(mode=remove, p=p)`."""

    procedure: str
    args: tuple[tuple[str, str], ...]  # parameter, argument (a value or a variable name)
    span: Span


@dataclass(frozen=True, slots=True)
class Decision:
    """A branch condition a step evaluates; `when` says on which path inside the step."""

    span: Span
    cond: Expr
    when: Expr


@dataclass(frozen=True, slots=True)
class Transition:
    """One atomic step of one process: if `guard` holds, `updates` happen at once.

    A crash transition (`crash` set) is the step a process takes when the check
    `crash` fails: it only moves the process to `done`, as an oops ends a task.
    """

    index: int
    process: str  # instance name, e.g. "migrate[1]"
    label: str  # "" for an unlabelled statement (shown as L<line>)
    span: Span
    guard: Expr
    updates: tuple[tuple[str, Expr], ...]
    pc_var: str
    pc_from: int
    pc_to: int
    crash: Check | None = None
    calls: tuple[Frame, ...] = ()
    decisions: tuple[Decision, ...] = ()

    @property
    def name(self) -> str:
        return self.label or f"L{self.span.line}"


@dataclass(frozen=True, slots=True)
class Process:
    name: str
    pc_var: str
    done: int
    pc_names: tuple[str, ...]
    decl: str  # the declaration a replicated instance comes from
    parked: Expr = FALSE  # the process waits on an `assume` that fails: pruned, not stuck


@dataclass(frozen=True, slots=True)
class Site:
    """A step the spec writes (reachable in the control flow), for dead-step warnings."""

    process: str  # the declaration's name, not an instance
    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class Property:
    """A safety property as a `bad` state predicate."""

    name: str
    kind: PropKind
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
    """`expect VERDICT [up to K] [for PROPERTY]` whose `when` holds for this run's options."""

    verdict: str  # holds | violated
    prop: str | None  # None: the overall verdict
    span: Span
    bound: int | None = None  # `expect holds up to K`: a bounded result is enough


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
    sites: tuple[Site, ...] = ()
    file: str = ""

    def var(self, name: str) -> StateVar:
        return next(v for v in self.vars if v.name == name)

    def ranges(self) -> dict[str, tuple[int, int]]:
        return {
            v.name: (v.sort.lo, v.sort.hi) if isinstance(v.sort, IntSort) else (0, 1)
            for v in self.vars
        }


def deadlock_bad(processes: Iterable[Process], transitions: Iterable[Transition]) -> Expr:
    """Some process unfinished, none can move, and no process is parked on an `assume`."""
    ps = tuple(processes)
    unfinished = disj(not_(eq(Var(p.pc_var), Const(p.done))) for p in ps)
    none_enabled = conj(not_(t.guard) for t in transitions)
    parked = disj(p.parked for p in ps)
    return and_(unfinished, none_enabled, not_(parked))


def footprint(t: Transition) -> tuple[frozenset[str], frozenset[str]]:
    """Variables a step may read and may write (over-approximated from its expressions).

    Two steps of different processes commute when neither writes what the other
    touches: the independence relation behind canonical traces and step merging.
    """
    reads: set[str] = set()
    variables(t.guard, reads)
    for _, e in t.updates:
        variables(e, reads)
    return frozenset(reads), frozenset(v for v, _ in t.updates)


def independent(a: tuple[frozenset[str], frozenset[str]],
                b: tuple[frozenset[str], frozenset[str]]) -> bool:
    (ra, wa), (rb, wb) = a, b
    return not (wa & (rb | wb) or wb & ra)
