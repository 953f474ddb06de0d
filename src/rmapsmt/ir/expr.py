"""IR expressions: sorts, typed operators, folding constructors, iterative walkers.

Expressions are quantifier-free DAGs over scalar state variables. The
constructors fold constants, so option-dependent code disappears before any
engine sees it. Every walker is iterative (`postorder`): a long atomic block or
an unrolled loop can make an expression thousands of levels deep.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import assert_never

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


def apply(op: Op, args: Sequence[Expr]) -> Expr:
    """`op` applied to `args` through the folding constructors above."""
    match op:
        case Op.NOT:
            return not_(args[0])
        case Op.AND:
            return conj(args)
        case Op.OR:
            return disj(args)
        case Op.ITE:
            return ite(args[0], args[1], args[2])
        case Op.EQ:
            return eq(args[0], args[1])
        case Op.LT:
            return lt(args[0], args[1])
        case Op.LE:
            return le(args[0], args[1])
        case Op.NEG:
            return neg(args[0])
        case Op.ADD | Op.SUB | Op.MUL | Op.DIV | Op.MOD:
            return arith(op, args[0], args[1])
        case _:
            assert_never(op)


def substitute(e: Expr, values: Mapping[str, Expr], memo: dict[Expr, Expr]) -> Expr:
    """`e` with each variable named in `values` replaced (iterative; `memo` is per mapping,
    so one step's updates are substituted into many expressions at the cost of one)."""
    for x in postorder((e,)):
        if x in memo:
            continue
        match x:
            case Var(name):
                memo[x] = values.get(name, x)
            case Const():
                memo[x] = x
            case App(op, args):
                memo[x] = apply(op, [memo[a] for a in args])
    return memo[e]


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
    """The variables `e` reads (a plain walk: no order to keep, unlike postorder)."""
    out = set() if out is None else out
    seen: set[Expr] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, App):
            for a in x.args:
                if a not in seen:
                    seen.add(a)
                    stack.append(a)
        elif isinstance(x, Var):
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
                a = [memo[y] for y in args]
                match op:
                    case Op.NOT | Op.AND | Op.OR | Op.EQ | Op.LT | Op.LE:
                        memo[x] = (0, 1)
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
                    case _:
                        assert_never(op)
    return memo[e]


def size(e: Expr) -> int:
    """Distinct subexpressions: the cost of encoding or compiling e once."""
    return sum(1 for _ in postorder((e,)))




__all__ = [
    "ARITH_OPS", "BOOL_OPS", "FALSE", "TRUE", "App", "BoolSort", "Const", "Expr", "IntSort",
    "Op", "Sort", "Var", "and_", "apply", "arith", "c_div", "c_mod", "conj", "disj", "eq",
    "implies", "interval", "is_false", "is_true", "ite", "le", "lt", "neg", "not_", "or_",
    "postorder", "size", "substitute", "variables",
]
