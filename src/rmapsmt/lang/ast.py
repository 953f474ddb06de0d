"""The abstract syntax of a spec: frozen values, each carrying its source span.

Spans are excluded from equality so that two parses of the same text compare
equal whatever their layout (mypyvy does the same).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


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
