"""Pure functions (`def`): inlined at each call, their signatures are contracts.

An argument or result whose every possible value lies outside the declared
type is a static error; one that may not fit is a run-time `range` check at
the calling step. Inside the body a parameter has its declared type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..diagnostics import Note, Span, SpecError, suggest
from . import ast as A
from .scope import Scope
from .types import AnyIntT, ArrayT, BoolT, EnumT, IntT, RecordT, same_kind
from .values import Scalar, StateRef, Val, show_interval, state_value

if TYPE_CHECKING:
    from .elab import Elaborator

def call(el: Elaborator, e: A.Expr, name: str, args: tuple[A.Expr, ...], scope: Scope,
          ctx: ir.Expr) -> Val:
    if name not in el.sym.defs:
        if name in el.sym.procedures:
            raise SpecError(e.span, f"'{name}' is a procedure; use 'call {name}(...)' "
                            "as a statement")
        raise SpecError(e.span, f"unknown function '{name}'",
                        suggest(name, [*el.sym.defs, *scope.bound]))
    d = el.sym.defs[name]
    if len(args) != len(d.params):
        raise SpecError(e.span, f"'{name}' takes {len(d.params)} argument(s), "
                        f"{len(args)} given", notes=(Note(d.span, f"'{name}' declared here"),))
    if name in el._def_stack:
        raise SpecError(e.span, f"recursive call of '{name}'",
                        hint="functions are inlined and may not recurse")
    bound: dict[str, Val | StateRef] = {}
    for p, a in zip(d.params, args, strict=True):
        pt = el.type_expr(p.type)
        v = el.expr(a, scope, pt, ctx)
        if not same_kind(pt, v.type):
            raise SpecError(a.span, f"argument '{p.name}' of '{name}' expects '{pt}', "
                            f"found '{v.type}'")
        el.fits(pt, v, a.span, scope, ctx, f"{name}.{p.name}",
                  f"parameter '{p.name}' of '{name}'",
                  f"argument within parameter '{p.name}' of '{name}' ({pt})")
        bound[p.name] = Scalar(pt, v.expr) if isinstance(v, Scalar) and isinstance(
            pt, IntT) else v
    return body(el, d, bound, scope, ctx, e.span)

def body(el: Elaborator, d: A.DefDecl, bound: dict[str, Val | StateRef], scope: Scope,
          ctx: ir.Expr, call: Span) -> Val:
    """The inlined body; its result contract is checked at the call (`call`)."""
    el._def_stack.append(d.name)
    try:
        # a function sees its parameters and the globals, not the caller's locals
        inner = Scope(bound, scope.read, scope.self_value, scope.allow_state, scope.checks)
        rt = el.type_expr(d.result)
        v = el.expr(d.body, inner, rt, ctx)
    finally:
        el._def_stack.pop()
    if not same_kind(rt, v.type):
        raise SpecError(d.body.span, f"'{d.name}' returns '{rt}' but its body is "
                        f"'{v.type}'")
    if isinstance(rt, IntT) and isinstance(v, Scalar) and isinstance(v.type, IntT) and (
            v.type.hi < rt.lo or v.type.lo > rt.hi):
        shown = show_interval(v.type.lo, v.type.hi)
        raise SpecError(d.body.span, f"value {shown} can never fit the result of "
                        f"'{d.name}' ({rt})")
    el.fits(rt, v, call, scope, ctx, d.name, f"the result of '{d.name}'",
              f"result of '{d.name}' within {rt}")
    return Scalar(rt, v.expr) if isinstance(v, Scalar) and isinstance(rt, IntT) else v

def check_def(el: Elaborator, d: A.DefDecl) -> None:
    """Type-check a function once, at its declaration, with symbolic parameters."""
    bound: dict[str, Val | StateRef] = {}
    for p in d.params:
        pt = el.type_expr(p.type)
        if isinstance(pt, ArrayT | RecordT):
            bound[p.name] = state_value(f"{d.name}.{p.name}", pt, ir.Var)
        else:
            assert isinstance(pt, BoolT | IntT | AnyIntT | EnumT)
            bound[p.name] = Scalar(pt, ir.Var(f"{d.name}.{p.name}"))
    body(el, d, bound, Scope(), ir.TRUE, d.body.span)
