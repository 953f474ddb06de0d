"""Statements."""

from __future__ import annotations

from dataclasses import dataclass

from ...diagnostics import Span
from .exprs import Domain, Expr, TypeExpr
from .span import span_field as _span

# ----------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class AnyInit:
    """`= any`: every value of the type is a possible initial value."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListInit:
    elems: tuple[Expr, ...]
    span: Span = _span()


Init = Expr | AnyInit | ListInit


@dataclass(frozen=True, slots=True)
class Assign:
    target: Expr
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Await:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AssumeStmt:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assert:
    cond: Expr
    name: str | None = None  # `assert NAME: cond` names the property it checks
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Skip:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class While:
    cond: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class For:
    var: str
    lo: Expr
    hi: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Either:
    branches: tuple[tuple[Stmt, ...], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Choose:
    target: Expr
    domain: Domain
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class With:
    lock: str
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Acquire:
    lock: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Release:
    lock: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Atomic:
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CallStmt:
    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Return:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Break:
    """Leave the innermost `while` or `for`."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class LocalVar:
    name: str
    type: TypeExpr
    init: Init | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Labelled:
    label: str
    body: Stmt
    span: Span = _span()


Stmt = (
    Assign | Await | AssumeStmt | Assert | Skip | If | While | For | Either | Choose | With
    | Acquire | Release | Atomic | CallStmt | Return | Break | LocalVar | Labelled
)


__all__ = [
    "Acquire",
    "AnyInit",
    "Assert",
    "Assign",
    "AssumeStmt",
    "Atomic",
    "Await",
    "Break",
    "CallStmt",
    "Choose",
    "Either",
    "For",
    "If",
    "Init",
    "Labelled",
    "ListInit",
    "LocalVar",
    "Release",
    "Return",
    "Skip",
    "Stmt",
    "While",
    "With",
]
