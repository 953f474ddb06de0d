"""Expressions and type expressions."""

from __future__ import annotations

from dataclasses import dataclass

from ...diagnostics import Span
from .span import span_field as _span

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class IntLit:
    value: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NameRef:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SelfRef:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CallExpr:
    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    base: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldAccess:
    base: Expr
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "!" or "-"
    arg: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * == != < <= > >= && || -> <->
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ite:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RangeDomain:
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetDomain:
    elems: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TypeDomain:
    name: str
    span: Span = _span()


Domain = RangeDomain | SetDomain | TypeDomain


@dataclass(frozen=True, slots=True)
class Quant:
    kind: str  # "forall" | "exists"
    var: str
    domain: Domain
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Member:
    elem: Expr
    domain: Domain
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordLit:
    fields: tuple[tuple[str, Expr], ...]
    span: Span = _span()


Expr = (
    IntLit | BoolLit | NameRef | SelfRef | CallExpr | Index | FieldAccess | Unary | Binary
    | Ite | Quant | Member | RecordLit
)

# ---------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class BoolTypeExpr:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IntTypeExpr:
    """Unbounded `int`: only for `def` parameters and results, which are inlined."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RangeTypeExpr:
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NamedTypeExpr:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ArrayTypeExpr:
    index: TypeExpr
    elem: TypeExpr
    span: Span = _span()


TypeExpr = BoolTypeExpr | IntTypeExpr | RangeTypeExpr | NamedTypeExpr | ArrayTypeExpr


__all__ = [
    "ArrayTypeExpr",
    "Binary",
    "BoolLit",
    "BoolTypeExpr",
    "CallExpr",
    "Domain",
    "Expr",
    "FieldAccess",
    "Index",
    "IntLit",
    "IntTypeExpr",
    "Ite",
    "Member",
    "NameRef",
    "NamedTypeExpr",
    "Quant",
    "RangeDomain",
    "RangeTypeExpr",
    "RecordLit",
    "SelfRef",
    "SetDomain",
    "TypeDomain",
    "TypeExpr",
    "Unary",
]
