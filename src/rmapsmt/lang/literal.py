"""Which values follow from the spec's text alone (the line between static and run-time errors)."""

from __future__ import annotations

from . import ast as A
from .scope import Scope
from .symbols import Symbols
from .types import IntT
from .values import Scalar


def from_text(symbols: Symbols, e: A.Expr, scope: Scope) -> bool:
    """Does the value of e follow from the text alone (no state read, no function)?

    Only such a value is a static error when it is out of range: a value that
    folds to a constant on one path of a step (after `choose i in 0..3`, say) is
    checked at run time, like any other (folding never changes a verdict)."""
    stack = [e]
    while stack:
        x = stack.pop()
        match x:
            case A.NameRef(name):
                b = scope.bound.get(name)
                if b is None:
                    if name in symbols.vars:
                        return False
                elif not (isinstance(b, Scalar) and isinstance(b.type, IntT)
                          and b.type.lo == b.type.hi):
                    return False  # a def's parameter, an alias: a value of this run
            case A.CallExpr():
                return False
            case A.Quant(_, _, _, body):
                stack.append(body)
            case _:
                stack += subexprs(x)
    return True


def subexprs(e: object) -> list[A.Expr]:
    """The direct subexpressions of an AST expression."""
    match e:
        case A.Index(base, index):
            return [base, index]
        case A.FieldAccess(base, _):
            return [base]
        case A.Unary(_, arg):
            return [arg]
        case A.Binary(_, left, right):
            return [left, right]
        case A.Ite(c, t, f):
            return [c, t, f]
        case A.Member(elem, _):
            return [elem]
        case A.RecordLit(fields):
            return [v for _, v in fields]
    return []


def names(e: A.Expr) -> set[str]:
    """Every name an expression mentions."""
    out: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.NameRef):
            out.add(x.name)
        elif isinstance(x, A.Quant):
            stack.append(x.body)
        stack += subexprs(x)
    return out
