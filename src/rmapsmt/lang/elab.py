"""Typed elaboration: AST expressions, assignment targets and arguments -> IR values.

This is the one place where expressions are typed. Reads of state go through
`Scope.read`, which lets lowering elaborate an expression against the state as
updated so far inside an atomic step. Possible run-time faults (an index out of
bounds, a division by zero, a value that may not fit a `def`'s contract) are
not guessed away: they become `RuntimeCheck`s, guarded by the short-circuit
context `ctx`. Under a constantly false context (dead code) value errors are
not reported, type errors still are.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import ir
from ..diagnostics import Span, SpecError, suggest
from . import ast as A
from . import functions, places
from .limits import MAX_ABS_INT, MAX_RANGE_VALUES, MAX_STATE_SCALARS
from .literal import from_text
from .operators import binary, is_bare_member
from .scope import RuntimeCheck, Scope, Slot, root_name
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
    scalar_count,
)
from .values import (
    ArrayV,
    RecordV,
    Scalar,
    StateRef,
    Val,
    const_of,
    dead,
    hull,
    merge,
    select,
    show_interval,
    state_value,
    values_equal,
)


class Elaborator:
    def __init__(self, symbols: Symbols,
                 ranges: Mapping[str, tuple[int, int]] | None = None) -> None:
        self.sym = symbols
        # the layout's own dict (filled as variables are laid out), never a copy
        self.ranges: Mapping[str, tuple[int, int]] = ranges if ranges is not None else {}
        self._def_stack: list[str] = []
        self._ivl: dict[ir.Expr, tuple[int, int]] = {}

    # ------------------------------------------------------------------ types
    def type_expr(self, t: A.TypeExpr) -> Type:
        match t:
            case A.BoolTypeExpr():
                return BoolT()
            case A.IntTypeExpr():
                return AnyIntT()
            case A.RangeTypeExpr(lo, hi):
                a, b = self.const_int(lo), self.const_int(hi)
                if a > b:
                    raise SpecError(t.span, f"empty range {a}..{b}")
                if b - a >= MAX_RANGE_VALUES:
                    raise SpecError(t.span, f"range {a}..{b} has more than {MAX_RANGE_VALUES} "
                                    "values", hint="rmapsmt checks small finite models: "
                                    "abstract the quantity to a few values")
                return IntT(a, b)
            case A.NamedTypeExpr(name):
                if name not in self.sym.types:
                    raise SpecError(t.span, f"unknown type '{name}'",
                                    suggest(name, self.sym.types))
                return self.sym.types[name]
            case A.ArrayTypeExpr(index, elem):
                it = self.type_expr(index)
                if domain_values(it) is None:
                    raise SpecError(index.span, "an array index must be a finite type "
                                    f"(a range, an enum or bool), not '{it}'")
                et = self.type_expr(elem)
                if isinstance(et, AnyIntT):
                    raise SpecError(elem.span, "array elements need a bounded type",
                                    hint="write a range such as 0..7")
                at = ArrayT(it, et)
                if scalar_count(at) > MAX_STATE_SCALARS:
                    raise SpecError(t.span, f"an array of {scalar_count(at)} scalars is "
                                    f"larger than the state limit ({MAX_STATE_SCALARS})")
                return at
        raise TypeError(t)

    # -------------------------------------------------------------- constants
    def const_value(self, e: A.Expr | A.ListInit) -> ConstValue:
        if isinstance(e, A.ListInit):
            cs = [self.const_value(x) for x in e.elems]
            et = cs[0].type
            for x, c in zip(e.elems, cs, strict=True):
                if isinstance(c.type, ArrayT | RecordT) or not same_kind(et, c.type):
                    raise SpecError(x.span, "the elements of a constant array are scalars "
                                    "of one type")
                et = hull(et, c.type)
            return ConstValue(ArrayT(IntT(0, len(cs) - 1), et), tuple(c.value for c in cs))
        v = self.expr(e, Scope(allow_state=False))
        if not isinstance(v, Scalar) or not isinstance(v.expr, ir.Const):
            raise SpecError(e.span, "expected a constant expression")
        return ConstValue(v.type, v.expr.value)

    def const_int(self, e: A.Expr) -> int:
        c = self.const_value(e)
        if not isinstance(c.type, IntT | AnyIntT):
            raise SpecError(e.span, f"expected an integer constant, found '{c.type}'")
        assert isinstance(c.value, int)
        if abs(c.value) > MAX_ABS_INT:
            raise SpecError(e.span, f"constant {c.value} is too large",
                            hint=f"keep constants within ±{MAX_ABS_INT}")
        return c.value

    # ------------------------------------------------------- scalars by kind
    def boolean(self, e: A.Expr, scope: Scope, ctx: ir.Expr = ir.TRUE) -> ir.Expr:
        v = self.expr(e, scope, ctx=ctx)
        if not (isinstance(v, Scalar) and isinstance(v.type, BoolT)):
            raise SpecError(e.span, f"expected a bool expression, found '{v.type}'")
        return v.expr

    def integer(self, e: A.Expr, scope: Scope, ctx: ir.Expr = ir.TRUE) -> Scalar:
        v = self.expr(e, scope, ctx=ctx)
        if not (isinstance(v, Scalar) and isinstance(v.type, IntT | AnyIntT)):
            raise SpecError(e.span, f"expected an integer expression, found '{v.type}'")
        return v

    def interval(self, v: Scalar) -> tuple[int, int]:
        """Bounds of a value: from its IR (tighter after folding) where the state is known."""
        try:
            return ir.interval(v.expr, self.ranges, self._ivl)
        except KeyError:
            if isinstance(v.type, IntT):
                return v.type.lo, v.type.hi
            return -MAX_ABS_INT, MAX_ABS_INT

    # ---------------------------------------------------------------- domains
    def domain(self, d: A.Domain, scope: Scope,
               expected: Type | None = None) -> tuple[Type, list[Val]]:
        """A finite set of values, for quantifiers, `choose` and `in`."""
        match d:
            case A.RangeDomain(lo, hi):
                a, b = self.const_int(lo), self.const_int(hi)
                if abs(b - a) >= MAX_RANGE_VALUES:
                    raise SpecError(d.span, f"range {a}..{b} is too large to enumerate")
                return IntT(min(a, b), max(a, b)), [const_of(IntT(k, k), k)
                                                    for k in range(a, b + 1)]
            case A.TypeDomain(name):
                if name not in self.sym.types:
                    raise SpecError(d.span, f"unknown type '{name}'",
                                    suggest(name, self.sym.types))
                t = self.sym.types[name]
                vals = domain_values(t)
                if vals is None:
                    raise SpecError(d.span, f"cannot range over values of '{t}'")
                return t, [const_of(t, k) for k in vals]
            case A.SetDomain(elems):
                vs = [self.expr(x, scope, expected) for x in elems]
                t = vs[0].type
                for x, v in zip(elems, vs, strict=True):
                    if not isinstance(v, Scalar) or not same_kind(t, v.type):
                        raise SpecError(x.span, "set elements must be scalars of one type")
                    t = hull(t, v.type)
                return t, vs
        raise TypeError(d)

    # ------------------------------------------------------------ expressions
    def expr(self, e: A.Expr, scope: Scope, expected: Type | None = None,
             ctx: ir.Expr = ir.TRUE) -> Val:
        match e:
            case A.IntLit(value):
                if abs(value) > MAX_ABS_INT:
                    raise SpecError(e.span, f"integer literal {value} is too large",
                                    hint=f"rmapsmt models small finite systems: keep literals "
                                    f"within ±{MAX_ABS_INT}")
                return const_of(IntT(value, value), value)
            case A.BoolLit(value):
                return Scalar(BoolT(), ir.Const(value))
            case A.SelfRef():
                if scope.self_value is None:
                    raise SpecError(e.span, "'self' is only defined inside a replicated process")
                return const_of(IntT(0, 0), scope.self_value)
            case A.NameRef(name):
                return self._name(e, name, scope, expected)
            case A.FieldAccess(base, name):
                b = self.expr(base, scope, ctx=ctx)
                if not isinstance(b, RecordV):
                    raise SpecError(e.span, f"'{b.type}' has no fields")
                names = [f for f, _ in b.type.fields]
                if name not in names:
                    raise SpecError(e.span, f"record '{b.type}' has no field '{name}'",
                                    hint=f"fields: {', '.join(names)}")
                return b.fields[names.index(name)]
            case A.Index(base, index):
                b = self.expr(base, scope, ctx=ctx)
                if not isinstance(b, ArrayV):
                    raise SpecError(e.span, f"'{b.type}' is not an array")
                i = self.expr(index, scope, expected=b.type.index, ctx=ctx)
                return self._select(b, i, index, scope, ctx, root_name(base))
            case A.Unary("!", arg):
                return Scalar(BoolT(), ir.not_(self.boolean(arg, scope, ctx)))
            case A.Unary("-", arg):
                v = self.integer(arg, scope, ctx)
                t = IntT(-v.type.hi, -v.type.lo) if isinstance(v.type, IntT) else AnyIntT()
                return Scalar(t, ir.neg(v.expr))
            case A.Binary(op, left, right):
                return binary(self, e, op, left, right, scope, ctx)
            case A.Ite(c, t, f):
                cond = self.boolean(c, scope, ctx)
                a = self.expr(t, scope, expected, ir.and_(ctx, cond))
                b = self.expr(f, scope, expected or a.type, ir.and_(ctx, ir.not_(cond)))
                self.same(e.span, a, b)
                return merge(cond, a, b)
            case A.Quant(kind, var, dom, body):
                _, vals = self.domain(dom, scope)
                parts = [self.boolean(body, scope.with_bound({var: v}), ctx) for v in vals]
                return Scalar(BoolT(), ir.conj(parts) if kind == "forall" else ir.disj(parts))
            case A.Member(elem, dom):
                if isinstance(elem, A.NameRef) and is_bare_member(self, elem.name, scope):
                    dt, vals = self.domain(dom, scope)
                    x = self.expr(elem, scope, expected=dt, ctx=ctx)
                else:
                    x = self.expr(elem, scope, ctx=ctx)
                    dt, vals = self.domain(dom, scope, x.type)
                for member in vals:
                    self.same(e.span, x, member)
                return Scalar(BoolT(), ir.disj(values_equal(x, m) for m in vals))
            case A.CallExpr(name, args):
                return functions.call(self, e, name, args, scope, ctx)
            case A.RecordLit(fields):
                return self._record(e, fields, scope, expected, ctx)
        raise SpecError(e.span, "unsupported expression")

    def _record(self, e: A.Expr, fields: tuple[tuple[str, A.Expr], ...], scope: Scope,
                expected: Type | None, ctx: ir.Expr) -> Val:
        if not isinstance(expected, RecordT):
            raise SpecError(e.span, "a record literal needs a known record type here")
        given = dict(fields)
        missing = [f for f, _ in expected.fields if f not in given]
        extra = [f for f in given if expected.field(f) is None]
        if missing or extra:
            problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"unknown {', '.join(extra)}"] if extra else [])
            raise SpecError(e.span, f"record '{expected}' literal: " + "; ".join(problems))
        return RecordV(expected, tuple(self.expr(given[f], scope, ft, ctx)
                                       for f, ft in expected.fields))

    def _name(self, e: A.Expr, name: str, scope: Scope, expected: Type | None) -> Val:
        if name in scope.bound:
            b = scope.bound[name]
            if isinstance(b, StateRef):
                return self._read(e, b.prefix, b.type, scope)
            return b
        if name in self.sym.consts:
            c = self.sym.consts[name]
            if isinstance(c.type, ArrayT):
                assert isinstance(c.value, tuple)
                return ArrayV(c.type, tuple(const_of(c.type.elem, v)  # type: ignore[arg-type]
                                            for v in c.value))
            assert not isinstance(c.value, tuple)
            return const_of(c.type, c.value)
        if name in self.sym.vars:
            return self._read(e, name, self.sym.vars[name].type, scope)
        if name in self.sym.members:
            enums = self.sym.members[name]
            if isinstance(expected, EnumT) and expected in enums:
                return Scalar(expected, ir.Const(expected.members.index(name)))
            if len(enums) == 1:
                t = enums[0]
                return Scalar(t, ir.Const(t.members.index(name)))
            raise SpecError(e.span, f"'{name}' is a member of several enums "
                            f"({', '.join(t.name for t in enums)}) and the context does not say "
                            "which", hint="compare it with a typed expression")
        if name in self.sym.defs or name in self.sym.procedures:
            raise SpecError(e.span, f"'{name}' is a function; call it with ()")
        pool = [*scope.bound, *self.sym.consts, *self.sym.vars, *self.sym.members,
                *self.sym.defs]
        raise SpecError(e.span, f"unknown name '{name}'", suggest(name, pool))

    def _read(self, e: A.Expr, prefix: str, t: Type, scope: Scope) -> Val:
        if not scope.allow_state:
            raise SpecError(e.span, f"'{prefix}' is a variable; a constant is needed here")
        return state_value(prefix, t, scope.read)

    def out_of_range(self, literal: bool, span: Span, scope: Scope, ctx: ir.Expr,
                     kind: ir.CheckKind, subject: str, message: str) -> None:
        """A value known to be out of range: a static error if it comes from the text,
        else a run-time check that fails wherever it is reached."""
        if dead(ctx):
            return
        if literal:
            raise SpecError(span, message)
        scope.checks.append(RuntimeCheck(kind, subject, ir.not_(ctx), span, message))

    def _select(self, arr: ArrayV, i: Val, index: A.Expr, scope: Scope, ctx: ir.Expr,
                subject: str) -> Val:
        span = index.span
        it = arr.type.index
        if not isinstance(i, Scalar) or not same_kind(it, i.type):
            raise SpecError(span, f"index of type '{i.type}' for an array indexed by '{it}'")
        keys = domain_values(it) or ()
        if isinstance(i.expr, ir.Const):
            k = i.expr.value
            literal = from_text(self.sym, index, scope)
            if k not in keys:
                self.out_of_range(literal, span, scope, ctx, ir.CheckKind.INDEX, subject,
                                  f"index {k} is outside the array's range {it}")
                k = keys[0]
            elem = arr.elems[keys.index(k)]
            # an index this run chose gives a value of the element type, however it folds
            et = arr.type.elem
            if not literal and isinstance(elem, Scalar) and isinstance(et, IntT | BoolT | EnumT):
                return Scalar(et, elem.expr)
            return elem
        if isinstance(it, IntT):
            lo, hi = self.interval(i)
            if lo < it.lo or hi > it.hi:
                ok = ir.and_(ir.le(ir.Const(it.lo), i.expr), ir.le(i.expr, ir.Const(it.hi)))
                scope.checks.append(RuntimeCheck(ir.CheckKind.INDEX, subject,
                                                 ir.implies(ctx, ok), span,
                                                 f"array index out of {it}"))
        return select(keys, arr.elems, i.expr)

    def same(self, span: Span, a: Val, b: Val) -> None:
        if not same_kind(a.type, b.type):
            raise SpecError(span, f"type mismatch: '{a.type}' and '{b.type}'")

    # --------------------------------------------------------------- contracts
    def fits(self, target: Type, v: Val, span: Span, scope: Scope, ctx: ir.Expr,
             subject: str, what: str, description: str) -> None:
        """A value of the right kind for a place of type `target`: an error if it can
        never fit, a run-time `range` check (`description`) if it may not."""
        if isinstance(v, ArrayV) and isinstance(target, ArrayT):
            for x in v.elems:
                self.fits(target.elem, x, span, scope, ctx, subject, what, description)
            return
        if isinstance(v, RecordV) and isinstance(target, RecordT):
            for (_, ft), x in zip(target.fields, v.fields, strict=True):
                self.fits(ft, x, span, scope, ctx, subject, what, description)
            return
        if not isinstance(target, IntT) or not isinstance(v, Scalar):
            return
        if isinstance(v.type, IntT) and (v.type.hi < target.lo or v.type.lo > target.hi):
            if dead(ctx):
                return
            raise SpecError(span, f"value {show_interval(v.type.lo, v.type.hi)} can never fit "
                            f"{what} ({target})")
        lo, hi = self.interval(v)
        if lo < target.lo or hi > target.hi:
            ok = ir.and_(ir.le(ir.Const(target.lo), v.expr), ir.le(v.expr, ir.Const(target.hi)))
            scope.checks.append(RuntimeCheck(ir.CheckKind.RANGE, subject, ir.implies(ctx, ok),
                                             span, description))

    # ------------------------------------- assignment targets, procedure arguments
    def target(self, e: A.Expr, scope: Scope, ctx: ir.Expr) -> list[Slot]:
        """The state slots an assignment target may denote (see `places`)."""
        return places.target(self, e, scope, ctx)

    def argument(self, proc: str, p: A.Param, a: A.Expr, scope: Scope) -> Val | StateRef:
        """A procedure parameter: a constant by value, a variable name by reference."""
        return places.argument(self, proc, p, a, scope)

    def check_def(self, d: A.DefDecl) -> None:
        """Type-check a function once, at its declaration (see `functions`)."""
        functions.check_def(self, d)

