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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Note, Span, SpecError, suggest
from . import ast as A
from .limits import MAX_ABS_INT, MAX_RANGE_VALUES, MAX_STATE_SCALARS
from .nesting import chain_operands
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
    hull,
    key_name,
    merge,
    select,
    state_value,
    values_equal,
)


@dataclass(frozen=True, slots=True)
class RuntimeCheck:
    kind: ir.CheckKind
    subject: str  # the variable, parameter or function the check is about ("" if none)
    ok: ir.Expr
    span: Span
    message: str


@dataclass
class Scope:
    bound: Mapping[str, Val | StateRef] = field(default_factory=dict)
    read: Callable[[str], ir.Expr] = ir.Var
    self_value: int | None = None
    allow_state: bool = True
    checks: list[RuntimeCheck] = field(default_factory=list)

    def with_bound(self, extra: Mapping[str, Val | StateRef]) -> Scope:
        return Scope({**self.bound, **extra}, self.read, self.self_value, self.allow_state,
                     self.checks)


@dataclass(frozen=True, slots=True)
class Slot:
    """A state location an assignment target denotes when `cond` holds."""

    cond: ir.Expr
    type: Type
    prefix: str


def root_name(e: A.Expr) -> str:
    """The variable or constant an index or field expression starts from: `pte[a]` -> pte."""
    while isinstance(e, A.Index | A.FieldAccess):
        e = e.base
    return e.name if isinstance(e, A.NameRef) else ""


def _dead(ctx: ir.Expr) -> bool:
    return ir.is_false(ctx)


def _show(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}..{hi}"


class Elaborator:
    def __init__(self, symbols: Symbols,
                 ranges: Mapping[str, tuple[int, int]] | None = None) -> None:
        self.sym = symbols
        self.ranges: Mapping[str, tuple[int, int]] = ranges or {}
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
                return self._select(b, i, index.span, scope, ctx, root_name(base))
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
                return Scalar(BoolT(), ir.conj(parts) if kind == "forall" else ir.disj(parts))
            case A.Member(elem, dom):
                if isinstance(elem, A.NameRef) and self._is_bare_member(elem.name, scope):
                    dt, vals = self.domain(dom, scope)
                    x = self.expr(elem, scope, expected=dt, ctx=ctx)
                else:
                    x = self.expr(elem, scope, ctx=ctx)
                    dt, vals = self.domain(dom, scope, x.type)
                for member in vals:
                    self._same(e.span, x, member)
                return Scalar(BoolT(), ir.disj(values_equal(x, m) for m in vals))
            case A.CallExpr(name, args):
                return self._call(e, name, args, scope, ctx)
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

    def _select(self, arr: ArrayV, i: Val, span: Span, scope: Scope, ctx: ir.Expr,
                subject: str) -> Val:
        it = arr.type.index
        if not isinstance(i, Scalar) or not same_kind(it, i.type):
            raise SpecError(span, f"index of type '{i.type}' for an array indexed by '{it}'")
        keys = domain_values(it) or ()
        if isinstance(i.expr, ir.Const):
            k = i.expr.value
            if k in keys:
                return arr.elems[keys.index(k)]
            if not _dead(ctx):
                raise SpecError(span, f"index {k} is outside the array's range {it}")
            return arr.elems[0]
        if isinstance(it, IntT):
            lo, hi = self.interval(i)
            if lo < it.lo or hi > it.hi:
                ok = ir.and_(ir.le(ir.Const(it.lo), i.expr), ir.le(i.expr, ir.Const(it.hi)))
                scope.checks.append(RuntimeCheck(ir.CheckKind.INDEX, subject,
                                                 ir.implies(ctx, ok), span,
                                                 f"array index out of {it}"))
        return select(keys, arr.elems, i.expr)

    def _same(self, span: Span, a: Val, b: Val) -> None:
        if not same_kind(a.type, b.type):
            raise SpecError(span, f"type mismatch: '{a.type}' and '{b.type}'")

    # ------------------------------------------------------------- operators
    def _binary(self, e: A.Expr, op: str, left: A.Expr, right: A.Expr, scope: Scope,
                ctx: ir.Expr) -> Val:
        if op in ("&&", "||"):
            assert isinstance(e, A.Binary)
            parts: list[ir.Expr] = []
            for x in chain_operands(e):
                guard = ir.conj(parts) if op == "&&" else ir.conj(ir.not_(p) for p in parts)
                parts.append(self.boolean(x, scope, ir.and_(ctx, guard)))
            return Scalar(BoolT(), ir.conj(parts) if op == "&&" else ir.disj(parts))
        if op in ("->", "<->"):
            p = self.boolean(left, scope, ctx)
            q = self.boolean(right, scope, ir.and_(ctx, p) if op == "->" else ctx)
            return Scalar(BoolT(), ir.implies(p, q) if op == "->" else ir.eq(p, q))
        if op in ("==", "!="):
            la, ra = self._pair(left, right, scope, ctx)
            self._same(e.span, la, ra)
            r = values_equal(la, ra)
            return Scalar(BoolT(), r if op == "==" else ir.not_(r))
        if op in ("+", "-"):
            assert isinstance(e, A.Binary)
            return self._sum(e, scope, ctx)
        a = self.integer(left, scope, ctx)
        b = self.integer(right, scope, ctx)
        if op in ("<", "<=", ">", ">="):
            r = {"<": ir.lt(a.expr, b.expr), "<=": ir.le(a.expr, b.expr),
                 ">": ir.lt(b.expr, a.expr), ">=": ir.le(b.expr, a.expr)}[op]
            return Scalar(BoolT(), r)
        if op in ("/", "%"):
            return self._division(e, op, a, b, right.span, scope, ctx)
        return self._arith(ir.Op.MUL, a, b)

    def _arith(self, op: ir.Op, a: Scalar, b: Scalar) -> Scalar:
        t: IntT | AnyIntT = AnyIntT()
        if isinstance(a.type, IntT) and isinstance(b.type, IntT):
            probe = ir.App(op, (ir.Var("a"), ir.Var("b")))
            t = IntT(*ir.interval(probe, {"a": (a.type.lo, a.type.hi),
                                          "b": (b.type.lo, b.type.hi)}))
        return Scalar(t, ir.arith(op, a.expr, b.expr))

    def _sum(self, e: A.Binary, scope: Scope, ctx: ir.Expr) -> Scalar:
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
        pos = [self.integer(x, scope, ctx) for s, x in terms if s > 0]
        negs = [self.integer(x, scope, ctx) for s, x in terms if s < 0]
        total = self._balanced(pos)
        if not negs:
            assert total is not None
            return total
        subtrahend = self._balanced(negs)
        assert subtrahend is not None
        if total is None:
            t = subtrahend.type
            nt = IntT(-t.hi, -t.lo) if isinstance(t, IntT) else AnyIntT()
            return Scalar(nt, ir.neg(subtrahend.expr))
        return self._arith(ir.Op.SUB, total, subtrahend)

    def _balanced(self, xs: list[Scalar]) -> Scalar | None:
        while len(xs) > 1:
            xs = [self._arith(ir.Op.ADD, xs[i], xs[i + 1]) if i + 1 < len(xs) else xs[i]
                  for i in range(0, len(xs), 2)]
        return xs[0] if xs else None

    def _division(self, e: A.Expr, op: str, a: Scalar, b: Scalar, bspan: Span, scope: Scope,
                  ctx: ir.Expr) -> Scalar:
        lo, hi = self.interval(b)
        if lo == hi == 0 and not _dead(ctx):
            raise SpecError(bspan, "division by zero")
        if lo <= 0 <= hi:
            ok = ir.not_(ir.eq(b.expr, ir.Const(0)))
            scope.checks.append(RuntimeCheck(ir.CheckKind.DIV, "", ir.implies(ctx, ok), bspan,
                                             "division by zero"))
        return self._arith(ir.Op.DIV if op == "/" else ir.Op.MOD, a, b)

    def _pair(self, left: A.Expr, right: A.Expr, scope: Scope, ctx: ir.Expr) -> tuple[Val, Val]:
        """Elaborate both sides of ==, letting a typed side disambiguate an enum member."""
        if isinstance(left, A.NameRef) and self._is_bare_member(left.name, scope):
            r = self.expr(right, scope, ctx=ctx)
            return self.expr(left, scope, r.type, ctx), r
        a = self.expr(left, scope, ctx=ctx)
        return a, self.expr(right, scope, a.type, ctx)

    def _is_bare_member(self, name: str, scope: Scope) -> bool:
        return (name in self.sym.members and name not in scope.bound
                and name not in self.sym.consts and name not in self.sym.vars)

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
            if _dead(ctx):
                return
            raise SpecError(span, f"value {_show(v.type.lo, v.type.hi)} can never fit "
                            f"{what} ({target})")
        lo, hi = self.interval(v)
        if lo < target.lo or hi > target.hi:
            ok = ir.and_(ir.le(ir.Const(target.lo), v.expr), ir.le(v.expr, ir.Const(target.hi)))
            scope.checks.append(RuntimeCheck(ir.CheckKind.RANGE, subject, ir.implies(ctx, ok),
                                             span, description))

    def _call(self, e: A.Expr, name: str, args: tuple[A.Expr, ...], scope: Scope,
              ctx: ir.Expr) -> Val:
        if name not in self.sym.defs:
            if name in self.sym.procedures:
                raise SpecError(e.span, f"'{name}' is a procedure; use 'call {name}(...)' "
                                "as a statement")
            raise SpecError(e.span, f"unknown function '{name}'",
                            suggest(name, [*self.sym.defs, *scope.bound]))
        d = self.sym.defs[name]
        if len(args) != len(d.params):
            raise SpecError(e.span, f"'{name}' takes {len(d.params)} argument(s), "
                            f"{len(args)} given", notes=(Note(d.span, f"'{name}' declared here"),))
        if name in self._def_stack:
            raise SpecError(e.span, f"recursive call of '{name}'",
                            hint="functions are inlined and may not recurse")
        bound: dict[str, Val | StateRef] = {}
        for p, a in zip(d.params, args, strict=True):
            pt = self.type_expr(p.type)
            v = self.expr(a, scope, pt, ctx)
            if not same_kind(pt, v.type):
                raise SpecError(a.span, f"argument '{p.name}' of '{name}' expects '{pt}', "
                                f"found '{v.type}'")
            self.fits(pt, v, a.span, scope, ctx, f"{name}.{p.name}",
                      f"parameter '{p.name}' of '{name}'",
                      f"argument within parameter '{p.name}' of '{name}' ({pt})")
            bound[p.name] = Scalar(pt, v.expr) if isinstance(v, Scalar) and isinstance(
                pt, IntT) else v
        return self._body(d, bound, scope, ctx, e.span)

    def _body(self, d: A.DefDecl, bound: dict[str, Val | StateRef], scope: Scope,
              ctx: ir.Expr, call: Span) -> Val:
        """The inlined body; its result contract is checked at the call (`call`)."""
        self._def_stack.append(d.name)
        try:
            # a function sees its parameters and the globals, not the caller's locals
            inner = Scope(bound, scope.read, scope.self_value, scope.allow_state, scope.checks)
            rt = self.type_expr(d.result)
            v = self.expr(d.body, inner, rt, ctx)
        finally:
            self._def_stack.pop()
        if not same_kind(rt, v.type):
            raise SpecError(d.body.span, f"'{d.name}' returns '{rt}' but its body is "
                            f"'{v.type}'")
        if isinstance(rt, IntT) and isinstance(v, Scalar) and isinstance(v.type, IntT) and (
                v.type.hi < rt.lo or v.type.lo > rt.hi):
            raise SpecError(d.body.span, f"value {_show(v.type.lo, v.type.hi)} can never fit "
                            f"the result of '{d.name}' ({rt})")
        self.fits(rt, v, call, scope, ctx, d.name, f"the result of '{d.name}'",
                  f"result of '{d.name}' within {rt}")
        return Scalar(rt, v.expr) if isinstance(v, Scalar) and isinstance(rt, IntT) else v

    def check_def(self, d: A.DefDecl) -> None:
        """Type-check a function once, at its declaration, with symbolic parameters."""
        bound: dict[str, Val | StateRef] = {}
        for p in d.params:
            pt = self.type_expr(p.type)
            if isinstance(pt, ArrayT | RecordT):
                bound[p.name] = state_value(f"{d.name}.{p.name}", pt, ir.Var)
            else:
                assert isinstance(pt, BoolT | IntT | AnyIntT | EnumT)
                bound[p.name] = Scalar(pt, ir.Var(f"{d.name}.{p.name}"))
        self._body(d, bound, Scope(), ir.TRUE, d.body.span)

    # ------------------------------------------------------ assignment targets
    def target(self, e: A.Expr, scope: Scope, ctx: ir.Expr) -> list[Slot]:
        """The state slots an assignment target may denote."""
        match e:
            case A.NameRef(name):
                b = scope.bound.get(name)
                if isinstance(b, StateRef):
                    return [Slot(ir.TRUE, b.type, b.prefix)]
                if b is not None:
                    raise SpecError(e.span, f"cannot assign to '{name}': it is not a variable")
                info = self.sym.vars.get(name)
                if info is None:
                    what = ("a constant" if name in self.sym.consts else "a lock"
                            if name in self.sym.locks else None)
                    if what:
                        raise SpecError(e.span, f"cannot assign to '{name}': it is {what}")
                    pool = [*self.sym.vars,
                            *(k for k, v in scope.bound.items() if isinstance(v, StateRef))]
                    raise SpecError(e.span, f"unknown variable '{name}'", suggest(name, pool))
                if info.kind is ir.VarKind.PARAM:
                    raise SpecError(e.span, f"cannot assign to param '{name}': params are "
                                    "fixed for a whole run")
                return [Slot(ir.TRUE, info.type, name)]
            case A.FieldAccess(base, fname):
                out = []
                for s in self.target(base, scope, ctx):
                    ft = s.type.field(fname) if isinstance(s.type, RecordT) else None
                    if ft is None:
                        raise SpecError(e.span, f"'{s.type}' has no field '{fname}'")
                    out.append(Slot(s.cond, ft, f"{s.prefix}.{fname}"))
                return out
            case A.Index(base, index):
                return self._index_target(base, index, scope, ctx)
        raise SpecError(e.span, "not an assignable place",
                        hint="assign to a variable, an array element or a record field")

    def _index_target(self, base: A.Expr, index: A.Expr, scope: Scope,
                      ctx: ir.Expr) -> list[Slot]:
        out = []
        for s in self.target(base, scope, ctx):
            if not isinstance(s.type, ArrayT):
                raise SpecError(base.span, f"'{s.type}' is not an array")
            it = s.type.index
            iv = self.expr(index, scope, expected=it, ctx=ctx)
            if not isinstance(iv, Scalar) or not same_kind(it, iv.type):
                raise SpecError(index.span, f"index of type '{iv.type}' for an array "
                                f"indexed by '{it}'")
            keys = domain_values(it) or ()
            if isinstance(iv.expr, ir.Const):
                k = iv.expr.value
                if k not in keys:
                    if not _dead(ctx):
                        raise SpecError(index.span, f"index {k} is outside the array's range "
                                        f"{it}")
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

    # ------------------------------------------------------ procedure arguments
    def argument(self, proc: str, p: A.Param, a: A.Expr, scope: Scope) -> Val | StateRef:
        """A procedure parameter: a constant by value, a variable name by reference (alias)."""
        pt = self.type_expr(p.type)
        if isinstance(a, A.NameRef):
            b = scope.bound.get(a.name)
            ref = b if isinstance(b, StateRef) else None
            info = self.sym.vars.get(a.name)
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
            v = self.expr(a, const_scope, pt)
        except SpecError as err:
            raise SpecError(a.span, "a procedure argument is a constant expression or a "
                            "variable name", hint=err.message) from None
        if not same_kind(pt, v.type):
            raise SpecError(a.span, f"argument '{p.name}' of '{proc}' expects '{pt}', "
                            f"found '{v.type}'")
        self.fits(pt, v, a.span, const_scope, ir.TRUE, f"{proc}.{p.name}",
                  f"parameter '{p.name}' of '{proc}'", "argument within its parameter's range")
        return v
