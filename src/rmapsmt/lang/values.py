"""Typed values of the spec language, as trees of scalar IR expressions.

Composite values (arrays, records) are kept as trees of scalars, so everything
below the elaborator sees only scalar IR expressions; a state variable of a
composite type is flattened into one scalar per element (`flat_names`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import ir
from .types import AnyIntT, ArrayT, BoolT, EnumT, IntT, RecordT, Type, domain_values


@dataclass(frozen=True, slots=True)
class Scalar:
    type: BoolT | IntT | AnyIntT | EnumT
    expr: ir.Expr


@dataclass(frozen=True, slots=True)
class ArrayV:
    type: ArrayT
    elems: tuple[Val, ...]


@dataclass(frozen=True, slots=True)
class RecordV:
    type: RecordT
    fields: tuple[Val, ...]


Val = Scalar | ArrayV | RecordV


@dataclass(frozen=True, slots=True)
class StateRef:
    """A name bound to state: a global, a process-local or a procedure-local variable."""

    prefix: str
    type: Type


def key_name(index: Type, k: int | bool) -> str:
    if isinstance(index, EnumT):
        return index.members[int(k)]
    if isinstance(index, BoolT):
        return "true" if k else "false"
    return str(k)


def flat_names(prefix: str, t: Type) -> list[tuple[str, Type]]:
    """The scalar state variables a variable of type t is flattened into."""
    match t:
        case ArrayT(index, elem):
            out: list[tuple[str, Type]] = []
            for k in domain_values(index) or ():
                out += flat_names(f"{prefix}[{key_name(index, k)}]", elem)
            return out
        case RecordT(_, fields):
            return [x for f, ft in fields for x in flat_names(f"{prefix}.{f}", ft)]
    return [(prefix, t)]


def state_value(prefix: str, t: Type, read: Callable[[str], ir.Expr]) -> Val:
    match t:
        case ArrayT(index, elem):
            keys = domain_values(index) or ()
            return ArrayV(t, tuple(state_value(f"{prefix}[{key_name(index, k)}]", elem, read)
                                   for k in keys))
        case RecordT(_, fields):
            return RecordV(t, tuple(state_value(f"{prefix}.{f}", ft, read) for f, ft in fields))
        case BoolT() | IntT() | EnumT():
            return Scalar(t, read(prefix))
    raise TypeError(t)


def typed_scalars(v: Val) -> list[tuple[Type, ir.Expr]]:
    """The scalars of a value with their static types (in `flat_names` order)."""
    match v:
        case Scalar(t, e):
            return [(t, e)]
        case ArrayV(_, elems):
            return [x for el in elems for x in typed_scalars(el)]
        case RecordV(_, fs):
            return [x for f in fs for x in typed_scalars(f)]


def scalars(v: Val) -> list[ir.Expr]:
    return [e for _, e in typed_scalars(v)]


def hull(a: Type, b: Type) -> BoolT | IntT | AnyIntT | EnumT:
    if isinstance(a, IntT) and isinstance(b, IntT):
        return IntT(min(a.lo, b.lo), max(a.hi, b.hi))
    if isinstance(a, AnyIntT | IntT) and isinstance(b, AnyIntT | IntT):
        return AnyIntT()
    assert isinstance(a, BoolT | EnumT)
    return a


def merge(c: ir.Expr, a: Val, b: Val) -> Val:
    """The value `if c then a else b`, element-wise for composites."""
    match a, b:
        case Scalar(ta, ea), Scalar(tb, eb):
            return Scalar(hull(ta, tb), ir.ite(c, ea, eb))
        case ArrayV(t, xs), ArrayV(_, ys):
            return ArrayV(t, tuple(merge(c, x, y) for x, y in zip(xs, ys, strict=True)))
        case RecordV(t, xs), RecordV(_, ys):
            return RecordV(t, tuple(merge(c, x, y) for x, y in zip(xs, ys, strict=True)))
    raise TypeError("merge of values of different shapes")


def select(keys: tuple[int | bool, ...], elems: tuple[Val, ...], index: ir.Expr) -> Val:
    """The element at a symbolic index: a balanced decision tree (depth log n).

    Out of range the result is some element; a run-time `index` check guards every use.
    """
    if len(elems) == 1:
        return elems[0]
    mid = len(elems) // 2
    low = select(keys[:mid], elems[:mid], index)
    high = select(keys[mid:], elems[mid:], index)
    k = keys[mid]
    cond = ir.lt(index, ir.Const(int(k))) if not isinstance(k, bool) else ir.not_(index)
    return merge(cond, low, high)


def values_equal(a: Val, b: Val) -> ir.Expr:
    return ir.conj(ir.eq(x, y) for x, y in zip(scalars(a), scalars(b), strict=True))


def const_of(t: Type, value: int | bool) -> Scalar:
    if isinstance(t, IntT | AnyIntT):
        return Scalar(IntT(int(value), int(value)), ir.Const(int(value)))
    assert isinstance(t, BoolT | EnumT)
    return Scalar(t, ir.Const(value))


def dead(ctx: ir.Expr) -> bool:
    """Code under a constantly false condition: type-checked, never checked for values."""
    return ir.is_false(ctx)


def show_interval(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}..{hi}"
