"""Typing of places: assignment targets and procedure arguments.

A target with a symbolic index denotes one of several slots (`Slot.cond`
says when); an out-of-range index is a run-time check. A procedure argument
is a constant (by value) or a variable name (an alias).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..diagnostics import SpecError, suggest
from . import ast as A
from .literal import from_text
from .scope import RuntimeCheck, Scope, Slot, root_name
from .types import ArrayT, IntT, RecordT, domain_values, same_kind
from .values import Scalar, StateRef, Val, key_name

if TYPE_CHECKING:
    from .elab import Elaborator


def target(el: Elaborator, e: A.Expr, scope: Scope, ctx: ir.Expr) -> list[Slot]:
    """The state slots an assignment target may denote."""
    match e:
        case A.NameRef(name):
            b = scope.bound.get(name)
            if isinstance(b, StateRef):
                return [Slot(ir.TRUE, b.type, b.prefix)]
            if b is not None:
                raise SpecError(e.span, f"cannot assign to '{name}': it is not a variable")
            info = el.sym.vars.get(name)
            if info is None:
                what = ("a constant" if name in el.sym.consts else "a lock"
                        if name in el.sym.locks else None)
                if what:
                    raise SpecError(e.span, f"cannot assign to '{name}': it is {what}")
                pool = [*el.sym.vars,
                        *(k for k, v in scope.bound.items() if isinstance(v, StateRef))]
                raise SpecError(e.span, f"unknown variable '{name}'", suggest(name, pool))
            if info.kind is ir.VarKind.PARAM:
                raise SpecError(e.span, f"cannot assign to param '{name}': params are "
                                "fixed for a whole run")
            return [Slot(ir.TRUE, info.type, name)]
        case A.FieldAccess(base, fname):
            out = []
            for s in target(el, base, scope, ctx):
                ft = s.type.field(fname) if isinstance(s.type, RecordT) else None
                if ft is None:
                    raise SpecError(e.span, f"'{s.type}' has no field '{fname}'")
                out.append(Slot(s.cond, ft, f"{s.prefix}.{fname}"))
            return out
        case A.Index(base, index):
            return index_target(el, base, index, scope, ctx)
    raise SpecError(e.span, "not an assignable place",
                    hint="assign to a variable, an array element or a record field")


def index_target(el: Elaborator, base: A.Expr, index: A.Expr, scope: Scope,
                  ctx: ir.Expr) -> list[Slot]:
    out = []
    for s in target(el, base, scope, ctx):
        if not isinstance(s.type, ArrayT):
            raise SpecError(base.span, f"'{s.type}' is not an array")
        it = s.type.index
        iv = el.expr(index, scope, expected=it, ctx=ctx)
        if not isinstance(iv, Scalar) or not same_kind(it, iv.type):
            raise SpecError(index.span, f"index of type '{iv.type}' for an array "
                            f"indexed by '{it}'")
        keys = domain_values(it) or ()
        if isinstance(iv.expr, ir.Const):
            k = iv.expr.value
            if k not in keys:
                el.out_of_range(from_text(el.sym, index, scope), index.span, scope, ctx,
                                ir.CheckKind.INDEX, root_name(base),
                                f"index {k} is outside the array's range {it}")
                k = keys[0]
            out.append(Slot(s.cond, s.type.elem, f"{s.prefix}[{key_name(it, k)}]"))
            continue
        ok = ir.disj(ir.eq(iv.expr, ir.Const(k)) for k in keys)
        if not ir.is_true(ok):
            scope.checks.append(RuntimeCheck(ir.CheckKind.INDEX, root_name(base),
                                             ir.implies(ctx, ok), index.span,
                                             "array index out of range"))
        out += [Slot(ir.and_(s.cond, ir.eq(iv.expr, ir.Const(k))), s.type.elem,
                     f"{s.prefix}[{key_name(it, k)}]") for k in keys]
    return out


def argument(el: Elaborator, proc: str, p: A.Param, a: A.Expr, scope: Scope) -> Val | StateRef:
    """A procedure parameter: a constant by value, a variable name by reference (alias)."""
    pt = el.type_expr(p.type)
    if isinstance(a, A.NameRef):
        b = scope.bound.get(a.name)
        ref = b if isinstance(b, StateRef) else None
        info = el.sym.vars.get(a.name)
        if ref is None and b is None and info is not None:
            ref = StateRef(a.name, info.type)
        if ref is not None:
            widening = (isinstance(pt, IntT) and isinstance(ref.type, IntT)
                        and pt.lo <= ref.type.lo and ref.type.hi <= pt.hi)
            if ref.type != pt and not widening:
                raise SpecError(a.span, f"argument '{p.name}' of '{proc}' has type '{pt}'; "
                                f"'{a.name}' is '{ref.type}'")
            return ref
    const_scope = Scope(scope.bound, allow_state=False, self_value=scope.self_value)
    try:
        v = el.expr(a, const_scope, pt)
    except SpecError as err:
        raise SpecError(a.span, "a procedure argument is a constant expression or a "
                        "variable name", hint=err.message) from None
    if not same_kind(pt, v.type):
        raise SpecError(a.span, f"argument '{p.name}' of '{proc}' expects '{pt}', "
                        f"found '{v.type}'")
    el.fits(pt, v, a.span, const_scope, ir.TRUE, f"{proc}.{p.name}",
              f"parameter '{p.name}' of '{proc}'", "argument within its parameter's range")
    return v
