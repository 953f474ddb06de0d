"""Typed elaboration of expressions: AST expression -> IR value.

This is the one place where expressions are typed. Composite values (arrays,
records) are kept as trees of scalar IR expressions, so everything below this
module sees only scalars. Reads of state go through `Scope.read`, which lets
`lower` elaborate an expression against the state as updated so far inside an
atomic step. Possible run-time faults (array index out of bounds) are not
guessed away: they become checks, guarded by the short-circuit context.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Note, Span, SpecError
from . import ast as A
from .symbols import ConstValue, Symbols
from .types import (
    AnyIntT,
    ArrayT,
    BoolT,
    EnumT,
    IntT,
    RecordT,
    Type,
    domain_values,
    same_kind,
)

MAX_ABS_INT = 1 << 24  # keeps bit-vector widths sane; larger constants are rejected
MAX_RANGE_VALUES = 1 << 16  # values of one integer type (and iterations of one `for`)


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


@dataclass(frozen=True, slots=True)
class RuntimeCheck:
    kind: str  # "index" | "range"
    ok: ir.Expr
    span: Span
    message: str


def _no_state(name: str) -> ir.Expr:
    return ir.Var(name)


@dataclass
class Scope:
    bound: Mapping[str, Val | StateRef] = field(default_factory=dict)
    read: Callable[[str], ir.Expr] = _no_state
    self_value: int | None = None
    allow_state: bool = True
    checks: list[RuntimeCheck] = field(default_factory=list)

    def with_bound(self, extra: Mapping[str, Val | StateRef]) -> Scope:
        return Scope({**self.bound, **extra}, self.read, self.self_value, self.allow_state,
                     self.checks)


# ------------------------------------------------------------------ helpers


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


def key_name(index: Type, k: int | bool) -> str:
    if isinstance(index, EnumT):
        return index.members[int(k)]
    if isinstance(index, BoolT):
        return "true" if k else "false"
    return str(k)


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
    match v:
        case Scalar(_, e):
            return [e]
        case ArrayV(_, elems):
            return [x for el in elems for x in scalars(el)]
        case RecordV(_, fs):
            return [x for f in fs for x in scalars(f)]


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


def hull(a: Type, b: Type) -> BoolT | IntT | AnyIntT | EnumT:
    if isinstance(a, IntT) and isinstance(b, IntT):
        return IntT(min(a.lo, b.lo), max(a.hi, b.hi))
    if isinstance(a, AnyIntT | IntT) and isinstance(b, AnyIntT | IntT):
        return AnyIntT()
    assert isinstance(a, BoolT | EnumT)
    return a


def values_equal(a: Val, b: Val) -> ir.Expr:
    return ir.and_(*(ir.eq(x, y) for x, y in zip(scalars(a), scalars(b), strict=True)))


def const_of(t: Type, value: int | bool) -> Scalar:
    if isinstance(t, IntT | AnyIntT):
        return Scalar(IntT(int(value), int(value)), ir.Const(int(value)))
    assert isinstance(t, BoolT | EnumT)
    return Scalar(t, ir.Const(value))


# --------------------------------------------------------------- elaborator


class Elaborator:
    def __init__(self, symbols: Symbols) -> None:
        self.sym = symbols
        self._def_stack: list[str] = []

    # ---- errors
    def error(self, span: Span, msg: str, hint: str | None = None,
              notes: tuple[Note, ...] = ()) -> SpecError:
        return SpecError(span, msg, hint, notes)

    def _suggest(self, name: str, scope: Scope) -> str | None:
        pool = (list(scope.bound) + list(self.sym.consts) + list(self.sym.vars)
                + list(self.sym.members) + list(self.sym.defs))
        close = difflib.get_close_matches(name, pool, n=1)
        return f"did you mean '{close[0]}'?" if close else None

    # ---- types
    def type_expr(self, t: A.TypeExpr) -> Type:
        match t:
            case A.BoolTypeExpr():
                return BoolT()
            case A.IntTypeExpr():
                return AnyIntT()
            case A.RangeTypeExpr(lo, hi):
                a, b = self.const_int(lo), self.const_int(hi)
                if a > b:
                    raise self.error(t.span, f"empty range {a}..{b}")
                if b - a >= MAX_RANGE_VALUES:
                    raise self.error(t.span, f"range {a}..{b} has more than {MAX_RANGE_VALUES} "
                                     "values", hint="rmapsmt checks small finite models: "
                                     "abstract the quantity to a few values")
                return IntT(a, b)
            case A.NamedTypeExpr(name):
                if name not in self.sym.types:
                    raise self.error(t.span, f"unknown type '{name}'",
                                     self._type_hint(name))
                return self.sym.types[name]
            case A.ArrayTypeExpr(index, elem):
                it = self.type_expr(index)
                if domain_values(it) is None:
                    raise self.error(index.span, f"an array index must be a finite type "
                                     f"(a range, an enum or bool), not '{it}'")
                et = self.type_expr(elem)
                if isinstance(et, AnyIntT):
                    raise self.error(elem.span, "array elements need a bounded type",
                                     hint="write a range such as 0..7")
                return ArrayT(it, et)
        raise TypeError(t)

    def _type_hint(self, name: str) -> str | None:
        close = difflib.get_close_matches(name, list(self.sym.types), n=1)
        return f"did you mean '{close[0]}'?" if close else None

    # ---- constants
    def const_value(self, e: A.Expr) -> ConstValue:
        v = self.expr(e, Scope(allow_state=False))
        if not isinstance(v, Scalar) or not isinstance(v.expr, ir.Const):
            raise self.error(e.span, "expected a constant expression")
        return ConstValue(v.type, v.expr.value)

    def const_int(self, e: A.Expr) -> int:
        c = self.const_value(e)
        if not isinstance(c.type, IntT | AnyIntT):
            raise self.error(e.span, f"expected an integer constant, found '{c.type}'")
        if abs(int(c.value)) > MAX_ABS_INT:
            raise self.error(e.span, f"constant {c.value} is too large",
                             hint=f"keep constants within ±{MAX_ABS_INT}")
        return int(c.value)

    # ---- scalars of a given kind
    def boolean(self, e: A.Expr, scope: Scope, ctx: ir.Expr = ir.TRUE) -> ir.Expr:
        v = self.expr(e, scope, ctx=ctx)
        if not (isinstance(v, Scalar) and isinstance(v.type, BoolT)):
            raise self.error(e.span, f"expected a bool expression, found '{_tname(v)}'")
        return v.expr

    def integer(self, e: A.Expr, scope: Scope, ctx: ir.Expr = ir.TRUE) -> Scalar:
        v = self.expr(e, scope, ctx=ctx)
        if not (isinstance(v, Scalar) and isinstance(v.type, IntT | AnyIntT)):
            raise self.error(e.span, f"expected an integer expression, found '{_tname(v)}'")
        return v

    # ---- domains
    def domain(self, d: A.Domain, scope: Scope,
               expected: Type | None = None) -> tuple[Type, list[Val]]:
        """A finite set of values, for quantifiers, `choose` and `in`."""
        match d:
            case A.RangeDomain(lo, hi):
                a, b = self.const_int(lo), self.const_int(hi)
                if abs(b - a) >= MAX_RANGE_VALUES:
                    raise self.error(d.span, f"range {a}..{b} is too large to enumerate")
                return IntT(min(a, b), max(a, b)), [const_of(IntT(k, k), k)
                                                    for k in range(a, b + 1)]
            case A.TypeDomain(name):
                if name not in self.sym.types:
                    raise self.error(d.span, f"unknown type '{name}'", self._type_hint(name))
                t = self.sym.types[name]
                vals = domain_values(t)
                if vals is None:
                    raise self.error(d.span, f"cannot range over values of '{t}'")
                return t, [const_of(t, k) for k in vals]
            case A.SetDomain(elems):
                vs = [self.expr(x, scope, expected) for x in elems]
                first = vs[0]
                for x, v in zip(elems, vs, strict=True):
                    if not isinstance(v, Scalar) or not same_kind(_t(first), v.type):
                        raise self.error(x.span, "set elements must be scalars of one type")
                t = _t(first)
                for v in vs[1:]:
                    t = hull(t, _t(v))
                return t, vs
        raise TypeError(d)

    # ---- expressions
    def expr(self, e: A.Expr, scope: Scope, expected: Type | None = None,
             ctx: ir.Expr = ir.TRUE) -> Val:
        match e:
            case A.IntLit(value):
                if abs(value) > MAX_ABS_INT:
                    raise self.error(e.span, f"integer literal {value} is too large",
                                     hint=f"rmapsmt models small finite systems: keep literals "
                                     f"within ±{MAX_ABS_INT}")
                return const_of(IntT(value, value), value)
            case A.BoolLit(value):
                return Scalar(BoolT(), ir.Const(value))
            case A.SelfRef():
                if scope.self_value is None:
                    raise self.error(e.span, "'self' is only defined inside a process")
                return const_of(IntT(0, 0), scope.self_value)
            case A.NameRef(name):
                return self._name(e, name, scope, expected)
            case A.FieldAccess(base, name):
                b = self.expr(base, scope, ctx=ctx)
                if not isinstance(b, RecordV):
                    raise self.error(e.span, f"'{_tname(b)}' has no fields")
                names = [f for f, _ in b.type.fields]
                if name not in names:
                    raise self.error(e.span, f"record '{b.type}' has no field '{name}'",
                                     hint=f"fields: {', '.join(names)}")
                return b.fields[names.index(name)]
            case A.Index(base, index):
                b = self.expr(base, scope, ctx=ctx)
                if not isinstance(b, ArrayV):
                    raise self.error(e.span, f"'{_tname(b)}' is not an array")
                i = self.expr(index, scope, expected=b.type.index, ctx=ctx)
                return self._select(b, i, index.span, scope, ctx)
            case A.Unary("!", arg):
                return Scalar(BoolT(), ir.not_(self.boolean(arg, scope, ctx)))
            case A.Unary("-", arg):
                v = self.integer(arg, scope, ctx)
                t = IntT(-v.type.hi, -v.type.lo) if isinstance(v.type, IntT) else AnyIntT()
                return Scalar(t, ir.neg(v.expr))
            case A.Binary(op, left, right):
                return self._binary(e, op, left, right, scope, ctx)
            case A.Ite(c, t, f):
                cond = self.boolean(c, scope, ctx)
                a = self.expr(t, scope, expected, ir.and_(ctx, cond))
                b = self.expr(f, scope, expected or a.type, ir.and_(ctx, ir.not_(cond)))
                self._same(e.span, a, b)
                return merge(cond, a, b)
            case A.Quant(kind, var, dom, body):
                _, vals = self.domain(dom, scope)
                parts = [self.boolean(body, scope.with_bound({var: v}), ctx) for v in vals]
                return Scalar(BoolT(), ir.and_(*parts) if kind == "forall" else ir.or_(*parts))
            case A.Member(elem, dom):
                if isinstance(elem, A.NameRef) and self._is_bare_member(elem.name, scope):
                    dt, vals = self.domain(dom, scope)
                    x = self.expr(elem, scope, expected=dt, ctx=ctx)
                else:
                    x = self.expr(elem, scope, ctx=ctx)
                    dt, vals = self.domain(dom, scope, x.type)
                for member in vals:
                    self._same(e.span, x, member)
                return Scalar(BoolT(), ir.or_(*(values_equal(x, m) for m in vals)))
            case A.CallExpr(name, args):
                return self._call(e, name, args, scope, ctx)
            case A.RecordLit(fields):
                if not isinstance(expected, RecordT):
                    raise self.error(e.span, "a record literal needs a known record type here")
                given = dict(fields)
                missing = [f for f, _ in expected.fields if f not in given]
                extra = [f for f in given if expected.field(f) is None]
                if missing or extra:
                    problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
                        [f"unknown {', '.join(extra)}"] if extra else [])
                    raise self.error(e.span,
                                     f"record '{expected}' literal: " + "; ".join(problems))
                return RecordV(expected, tuple(self.expr(given[f], scope, ft, ctx)
                                               for f, ft in expected.fields))
        raise self.error(e.span, "unsupported expression")

    def _name(self, e: A.Expr, name: str, scope: Scope, expected: Type | None) -> Val:
        if name in scope.bound:
            b = scope.bound[name]
            if isinstance(b, StateRef):
                return self._read(e, b.prefix, b.type, scope)
            return b
        if name in self.sym.consts:
            c = self.sym.consts[name]
            return const_of(c.type, c.value)
        if name in self.sym.vars:
            info = self.sym.vars[name]
            return self._read(e, name, info.type, scope)
        if name in self.sym.members:
            enums = self.sym.members[name]
            if isinstance(expected, EnumT) and expected in enums:
                return Scalar(expected, ir.Const(expected.members.index(name)))
            if len(enums) == 1:
                t = enums[0]
                return Scalar(t, ir.Const(t.members.index(name)))
            raise self.error(e.span, f"'{name}' is a member of several enums "
                             f"({', '.join(t.name for t in enums)}) and the context does not say "
                             "which", hint="compare it with a typed expression")
        if name in self.sym.defs or name in self.sym.procedures:
            raise self.error(e.span, f"'{name}' is a function; call it with ()")
        raise self.error(e.span, f"unknown name '{name}'", self._suggest(name, scope))

    def _read(self, e: A.Expr, prefix: str, t: Type, scope: Scope) -> Val:
        if not scope.allow_state:
            raise self.error(e.span, f"'{prefix}' is a variable; a constant is needed here")
        return state_value(prefix, t, scope.read)

    def _select(self, arr: ArrayV, i: Val, span: Span, scope: Scope, ctx: ir.Expr) -> Val:
        it = arr.type.index
        if not isinstance(i, Scalar) or not same_kind(it, i.type):
            raise self.error(span, f"index of type '{_tname(i)}' for an array indexed by '{it}'")
        keys = domain_values(it) or ()
        if isinstance(i.expr, ir.Const):
            k = i.expr.value
            if k not in keys:
                raise self.error(span, f"index {k} is outside the array's range {it}")
            return arr.elems[keys.index(k)]
        if isinstance(it, IntT):
            lo, hi = (i.type.lo, i.type.hi) if isinstance(i.type, IntT) else (None, None)
            if lo is None or hi is None or lo < it.lo or hi > it.hi:
                ok = ir.and_(ir.le(ir.Const(it.lo), i.expr), ir.le(i.expr, ir.Const(it.hi)))
                scope.checks.append(RuntimeCheck("index", ir.implies(ctx, ok), span,
                                                 f"array index out of {it}"))
        out = arr.elems[-1]
        for k, el in zip(reversed(keys[:-1]), reversed(arr.elems[:-1]), strict=True):
            out = merge(ir.eq(i.expr, ir.Const(k)), el, out)
        return out

    def _same(self, span: Span, a: Val, b: Val) -> None:
        if not same_kind(_t(a), _t(b)):
            raise self.error(span, f"type mismatch: '{_tname(a)}' and '{_tname(b)}'")

    def _binary(self, e: A.Expr, op: str, left: A.Expr, right: A.Expr, scope: Scope,
                ctx: ir.Expr) -> Val:
        if op in ("&&", "||", "->", "<->"):
            p = self.boolean(left, scope, ctx)
            rctx = (ir.and_(ctx, p) if op in ("&&", "->")
                    else ir.and_(ctx, ir.not_(p)) if op == "||" else ctx)
            q = self.boolean(right, scope, rctx)
            r = {"&&": ir.and_(p, q), "||": ir.or_(p, q), "->": ir.implies(p, q),
                 "<->": ir.eq(p, q)}[op]
            return Scalar(BoolT(), r)
        if op in ("==", "!="):
            la, ra = self._pair(left, right, scope, ctx)
            self._same(e.span, la, ra)
            r = values_equal(la, ra)
            return Scalar(BoolT(), r if op == "==" else ir.not_(r))
        a = self.integer(left, scope, ctx)
        b = self.integer(right, scope, ctx)
        if op in ("<", "<=", ">", ">="):
            r = {"<": ir.lt(a.expr, b.expr), "<=": ir.le(a.expr, b.expr),
                 ">": ir.lt(b.expr, a.expr), ">=": ir.le(b.expr, a.expr)}[op]
            return Scalar(BoolT(), r)
        name = {"+": "add", "-": "sub", "*": "mul"}[op]
        t: IntT | AnyIntT = AnyIntT()
        if isinstance(a.type, IntT) and isinstance(b.type, IntT):
            lo, hi = ir.interval(ir.App(name, (ir.Var("a"), ir.Var("b"))),
                                 {"a": (a.type.lo, a.type.hi), "b": (b.type.lo, b.type.hi)})
            t = IntT(lo, hi)
        return Scalar(t, ir.arith(name, a.expr, b.expr))

    def _pair(self, left: A.Expr, right: A.Expr, scope: Scope, ctx: ir.Expr) -> tuple[Val, Val]:
        """Elaborate both sides of ==, letting a typed side disambiguate an enum member."""
        if isinstance(left, A.NameRef) and self._is_bare_member(left.name, scope):
            r = self.expr(right, scope, ctx=ctx)
            return self.expr(left, scope, _t(r), ctx), r
        a = self.expr(left, scope, ctx=ctx)
        return a, self.expr(right, scope, _t(a), ctx)

    def _is_bare_member(self, name: str, scope: Scope) -> bool:
        return (name in self.sym.members and name not in scope.bound
                and name not in self.sym.consts and name not in self.sym.vars)

    def _call(self, e: A.Expr, name: str, args: tuple[A.Expr, ...], scope: Scope,
              ctx: ir.Expr) -> Val:
        if name not in self.sym.defs:
            if name in self.sym.procedures:
                raise self.error(e.span, f"'{name}' is a procedure; use 'call {name}(...)' "
                                 "as a statement")
            raise self.error(e.span, f"unknown function '{name}'", self._suggest(name, scope))
        d = self.sym.defs[name]
        if len(args) != len(d.params):
            raise self.error(e.span, f"'{name}' takes {len(d.params)} argument(s), "
                             f"{len(args)} given", notes=(Note(d.span, f"'{name}' declared here"),))
        if name in self._def_stack:
            raise self.error(e.span, f"recursive call of '{name}'",
                             hint="functions are inlined and may not recurse")
        bound: dict[str, Val | StateRef] = {}
        for p, a in zip(d.params, args, strict=True):
            pt = self.type_expr(p.type)
            v = self.expr(a, scope, pt, ctx)
            if not same_kind(pt, _t(v)):
                raise self.error(a.span, f"argument '{p.name}' of '{name}' expects '{pt}', "
                                 f"found '{_tname(v)}'")
            bound[p.name] = v
        self._def_stack.append(name)
        try:
            # a function sees its parameters and the globals, not the caller's locals
            inner = Scope(bound, scope.read, scope.self_value, scope.allow_state, scope.checks)
            rt = self.type_expr(d.result)
            v = self.expr(d.body, inner, rt, ctx)
        finally:
            self._def_stack.pop()
        if not same_kind(rt, _t(v)):
            raise self.error(d.body.span, f"'{name}' returns '{rt}' but its body is "
                             f"'{_tname(v)}'")
        return v


def _t(v: Val) -> Type:
    return v.type


def _tname(v: Val) -> str:
    return str(v.type)
