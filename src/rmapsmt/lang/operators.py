"""Typing of the binary operators: boolean chains, comparisons, arithmetic, division.

Chains of one operator family (`a + b - c`, `p && q && r`) are elaborated
iteratively, however they are parenthesised: sums become balanced IR trees
of signed terms, so neither a 10,000-term sum nor its encoding goes deep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from . import ast as A
from .literal import from_text
from .nesting import chain_operands
from .scope import RuntimeCheck, Scope
from .types import AnyIntT, BoolT, IntT
from .values import Scalar, Val, values_equal

if TYPE_CHECKING:
    from .elab import Elaborator


def binary(el: Elaborator, e: A.Expr, op: str, left: A.Expr, right: A.Expr, scope: Scope,
            ctx: ir.Expr) -> Val:
    if op in ("&&", "||"):
        assert isinstance(e, A.Binary)
        parts: list[ir.Expr] = []
        for x in chain_operands(e):
            guard = ir.conj(parts) if op == "&&" else ir.conj(ir.not_(p) for p in parts)
            parts.append(el.boolean(x, scope, ir.and_(ctx, guard)))
        return Scalar(BoolT(), ir.conj(parts) if op == "&&" else ir.disj(parts))
    if op in ("->", "<->"):
        p = el.boolean(left, scope, ctx)
        q = el.boolean(right, scope, ir.and_(ctx, p) if op == "->" else ctx)
        return Scalar(BoolT(), ir.implies(p, q) if op == "->" else ir.eq(p, q))
    if op in ("==", "!="):
        la, ra = pair(el, left, right, scope, ctx)
        el.same(e.span, la, ra)
        r = values_equal(la, ra)
        return Scalar(BoolT(), r if op == "==" else ir.not_(r))
    if op in ("+", "-"):
        assert isinstance(e, A.Binary)
        return chain_sum(el, e, scope, ctx)
    a = el.integer(left, scope, ctx)
    b = el.integer(right, scope, ctx)
    if op in ("<", "<=", ">", ">="):
        r = {"<": ir.lt(a.expr, b.expr), "<=": ir.le(a.expr, b.expr),
             ">": ir.lt(b.expr, a.expr), ">=": ir.le(b.expr, a.expr)}[op]
        return Scalar(BoolT(), r)
    if op in ("/", "%"):
        assert isinstance(e, A.Binary)
        return division(el, e, op, a, b, scope, ctx)
    return arith(el, ir.Op.MUL, a, b)


def arith(el: Elaborator, op: ir.Op, a: Scalar, b: Scalar) -> Scalar:
    t: IntT | AnyIntT = AnyIntT()
    if isinstance(a.type, IntT) and isinstance(b.type, IntT):
        probe = ir.App(op, (ir.Var("a"), ir.Var("b")))
        t = IntT(*ir.interval(probe, {"a": (a.type.lo, a.type.hi),
                                      "b": (b.type.lo, b.type.hi)}))
    return Scalar(t, ir.arith(op, a.expr, b.expr))


def chain_sum(el: Elaborator, e: A.Binary, scope: Scope, ctx: ir.Expr) -> Scalar:
    """A chain of + and - (however parenthesised) as a balanced sum of signed terms."""
    terms: list[tuple[int, A.Expr]] = []
    stack: list[tuple[int, A.Expr]] = [(1, e)]
    while stack:
        sign, x = stack.pop()
        if isinstance(x, A.Binary) and x.op in ("+", "-"):
            stack.append((sign if x.op == "+" else -sign, x.right))
            stack.append((sign, x.left))
        else:
            terms.append((sign, x))
    pos = [el.integer(x, scope, ctx) for s, x in terms if s > 0]
    negs = [el.integer(x, scope, ctx) for s, x in terms if s < 0]
    total = balanced(el, pos)
    if not negs:
        assert total is not None
        return total
    subtrahend = balanced(el, negs)
    assert subtrahend is not None
    if total is None:
        t = subtrahend.type
        nt = IntT(-t.hi, -t.lo) if isinstance(t, IntT) else AnyIntT()
        return Scalar(nt, ir.neg(subtrahend.expr))
    return arith(el, ir.Op.SUB, total, subtrahend)


def balanced(el: Elaborator, xs: list[Scalar]) -> Scalar | None:
    while len(xs) > 1:
        xs = [arith(el, ir.Op.ADD, xs[i], xs[i + 1]) if i + 1 < len(xs) else xs[i]
              for i in range(0, len(xs), 2)]
    return xs[0] if xs else None


def division(el: Elaborator, e: A.Binary, op: str, a: Scalar, b: Scalar, scope: Scope,
             ctx: ir.Expr) -> Scalar:
    bspan = e.right.span
    lo, hi = el.interval(b)
    if lo == hi == 0:
        el.out_of_range(from_text(el.sym, e.right, scope), bspan, scope, ctx, ir.CheckKind.DIV, "",
                        "division by zero")
    elif lo <= 0 <= hi:
        ok = ir.not_(ir.eq(b.expr, ir.Const(0)))
        scope.checks.append(RuntimeCheck(ir.CheckKind.DIV, "", ir.implies(ctx, ok), bspan,
                                         "division by zero"))
    return arith(el, ir.Op.DIV if op == "/" else ir.Op.MOD, a, b)


def pair(el: Elaborator, left: A.Expr, right: A.Expr, scope: Scope,
         ctx: ir.Expr) -> tuple[Val, Val]:
    """Elaborate both sides of ==, letting a typed side disambiguate an enum member."""
    if isinstance(left, A.NameRef) and is_bare_member(el, left.name, scope):
        r = el.expr(right, scope, ctx=ctx)
        return el.expr(left, scope, r.type, ctx), r
    a = el.expr(left, scope, ctx=ctx)
    return a, el.expr(right, scope, a.type, ctx)


def is_bare_member(el: Elaborator, name: str, scope: Scope) -> bool:
    return (name in el.sym.members and name not in scope.bound
            and name not in el.sym.consts and name not in el.sym.vars)
