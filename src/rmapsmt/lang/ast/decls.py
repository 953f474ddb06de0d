"""Declarations and the whole spec."""

from __future__ import annotations

from dataclasses import dataclass

from ...diagnostics import Span
from .exprs import Expr, TypeExpr
from .span import span_field as _span
from .stmts import Init, ListInit, Stmt

# --------------------------------------------------------------- declarations

OptionValue = str | int | bool


@dataclass(frozen=True, slots=True)
class OptionDecl:
    name: str
    default: OptionValue
    values: tuple[OptionValue, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ParamDecl:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ConstDecl:
    name: str
    value: Expr | ListInit  # a list makes a constant array indexed 0..n-1
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TypeDecl:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EnumDecl:
    name: str
    members: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldDecl:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordDecl:
    name: str
    fields: tuple[FieldDecl, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class VarDecl:
    name: str
    type: TypeExpr
    init: Init | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LockDecl:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DefDecl:
    name: str
    params: tuple[Param, ...]
    result: TypeExpr
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ProcedureDecl:
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ProcessDecl:
    name: str
    count: Expr | None
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InvariantDecl:
    name: str
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LemmaDecl:
    """`lemma NAME: expr`: an auxiliary invariant, proved, then used to strengthen induction."""

    name: str
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CoverDecl:
    name: str
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AssumeDecl:
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DepthDecl:
    depth: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DeadlockDecl:
    """`allow deadlock`: turn off the built-in deadlock-freedom property."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectDecl:
    """`expect holds|violated [up to K] [for PROPERTY] [when COND]`: the author's belief.

    `up to K` declares that a bounded check (holds for executions of at most K
    steps) is all the author claims; without it, `holds` demands a complete result.
    """

    verdict: str
    prop: str | None
    when: Expr | None
    bound: int | None = None
    span: Span = _span()


Decl = (
    OptionDecl | ParamDecl | ConstDecl | TypeDecl | EnumDecl | RecordDecl | VarDecl
    | LockDecl | DefDecl | ProcedureDecl | ProcessDecl | InvariantDecl | LemmaDecl | CoverDecl
    | AssumeDecl | DepthDecl | DeadlockDecl | ExpectDecl
)


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    decls: tuple[Decl, ...]
    span: Span = _span()


__all__ = [
    "AssumeDecl",
    "ConstDecl",
    "CoverDecl",
    "DeadlockDecl",
    "Decl",
    "DefDecl",
    "DepthDecl",
    "EnumDecl",
    "ExpectDecl",
    "FieldDecl",
    "InvariantDecl",
    "LemmaDecl",
    "LockDecl",
    "OptionDecl",
    "OptionValue",
    "Param",
    "ParamDecl",
    "ProcedureDecl",
    "ProcessDecl",
    "RecordDecl",
    "Spec",
    "TypeDecl",
    "VarDecl",
]
