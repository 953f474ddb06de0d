"""IR -> Z3 terms, one copy of the state per step. The front door to z3.

Choices follow the measurements in `../shared/design/architecture.md`:
every scalar state variable is its own fixed-width bit-vector (signed, just
wide enough for its range; booleans stay Bool), each step has one choice
variable naming the transition taken, and the frame is one if-then-else
chain per variable over only the transitions that write it. Expressions are
encoded iteratively (children first, memoised per step): an IR DAG may be
thousands of levels deep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

import z3
from z3.z3 import _to_expr_ref
from z3.z3core import Z3_mk_and, Z3_mk_eq, Z3_mk_not, Z3_mk_or, Z3_substitute

from .. import ir
from ..budget import Budget, Ticker


def signed_width(lo: int, hi: int) -> int:
    return max(2, max(lo.bit_length(), hi.bit_length()) + 1)


class Encoder:
    def __init__(self, system: ir.System, ctx: z3.Context | None = None,
                 budget: Budget | None = None) -> None:
        self.system = system
        self.ctx = ctx or z3.Context()
        self.ticker = Ticker(budget, "encoding", every=512)
        self.ranges = system.ranges()
        self.is_bool = {v.name: isinstance(v.sort, ir.BoolSort) for v in system.vars}
        self.width = {n: signed_width(*self.ranges[n]) for n in self.ranges}
        self._states: list[dict[str, z3.ExprRef]] = []
        self._choices: list[z3.BitVecRef] = []
        self._memo: list[dict[ir.Expr, z3.ExprRef]] = []
        self._ivl: dict[ir.Expr, tuple[int, int]] = {}
        self._boolean: dict[ir.Expr, bool] = {}
        self._shifts: dict[tuple[int, int], Renaming] = {}
        self._trans0: z3.ExprRef | None = None
        self._steps: dict[int, list[z3.ExprRef]] = {}
        n = max(1, len(system.transitions))
        self.choice_width = max(1, (n - 1).bit_length())
        writers: dict[str, list[tuple[int, ir.Expr]]] = {}
        for t in system.transitions:
            for v, e in t.updates:
                writers.setdefault(v, []).append((t.index, e))
        self.writers = writers

    # ---------------------------------------------------------------- vars
    def state(self, k: int) -> dict[str, z3.ExprRef]:
        while len(self._states) <= k:
            i = len(self._states)
            vs: dict[str, z3.ExprRef] = {}
            for v in self.system.vars:
                name = f"{v.name}@{i}"
                vs[v.name] = (z3.Bool(name, self.ctx) if self.is_bool[v.name]
                              else z3.BitVec(name, self.width[v.name], self.ctx))
            self._states.append(vs)
            self._memo.append({})
        return self._states[k]

    def choice(self, k: int) -> z3.BitVecRef:
        while len(self._choices) <= k:
            self._choices.append(z3.BitVec(f"step@{len(self._choices)}", self.choice_width,
                                           self.ctx))
        return self._choices[k]

    # --------------------------------------------------------- expressions
    def interval(self, e: ir.Expr) -> tuple[int, int]:
        return ir.interval(e, self.ranges, self._ivl)

    def boolean(self, e: ir.Expr) -> bool:
        """Is e a formula (Bool) rather than an integer term?"""
        hit = self._boolean.get(e)
        if hit is None:
            for x in ir.postorder((e,)):
                if x not in self._boolean:
                    match x:
                        case ir.Const(v):
                            self._boolean[x] = isinstance(v, bool)
                        case ir.Var(name):
                            self._boolean[x] = self.is_bool[name]
                        case ir.App(op, args):
                            self._boolean[x] = (self._boolean[args[1]] if op is ir.Op.ITE
                                                else op in ir.BOOL_OPS)
            hit = self._boolean[e]
        return hit

    def expr(self, e: ir.Expr, k: int) -> z3.ExprRef:
        """`e` over the state at step k. Built once (at step 0), shifted by substitution:
        z3 renames in C++ far faster than z3py builds terms."""
        self.state(k)
        memo = self._memo[k]
        hit = memo.get(e)
        if hit is not None:
            return hit
        if k > 0:
            out = self._rename(self.expr(e, 0), self._shift(0, k))
            memo[e] = out
            return out
        for x in ir.postorder((e,)):
            if x not in memo:
                self.ticker.tick()
                memo[x] = self._node(x, k, memo)
        return memo[e]

    def _shift(self, k: int, to: int) -> Renaming:
        """The renaming from the variables of step k (and its choice) to those of step `to`."""
        key = (k, to)
        ren = self._shifts.get(key)
        if ren is None:
            a, b = self.state(k), self.state(to)
            pairs = [(a[v.name], b[v.name]) for v in self.system.vars]
            pairs.append((self.choice(k), self.choice(to)))
            ren = _renaming(pairs)
            self._shifts[key] = ren
        return ren

    def _rename(self, t: z3.ExprRef, *renamings: Renaming) -> z3.ExprRef:
        """`t` with every renaming applied at once: one call into z3 (z3py's substitute
        checks each pair in Python, a hundred times slower on a transition relation)."""
        frm = [x for r in renamings for x in r[0]]
        to = [x for r in renamings for x in r[1]]
        n = len(frm)
        a, b = (z3.Ast * n)(*frm), (z3.Ast * n)(*to)
        return _to_expr_ref(Z3_substitute(self.ctx.ref(), t.as_ast(), n, a, b), self.ctx)

    def _ints(self, args: Sequence[ir.Expr], memo: dict[ir.Expr, z3.ExprRef],
              width: int = 0) -> list[z3.BitVecRef]:
        """Integer terms sign-extended to one common width (values are exact)."""
        ts = [memo[a] for a in args]
        w = max([width] + [t.size() for t in ts])
        return [t if t.size() == w else z3.SignExt(w - t.size(), t) for t in ts]

    def _node(self, e: ir.Expr, k: int, memo: dict[ir.Expr, z3.ExprRef]) -> z3.ExprRef:
        ctx = self.ctx
        match e:
            case ir.Const(v):
                if isinstance(v, bool):
                    return z3.BoolVal(v, ctx)
                return z3.BitVecVal(v, signed_width(v, v), ctx)
            case ir.Var(name):
                return self.state(k)[name]
            case ir.App(op, args):
                match op:
                    case ir.Op.NOT:
                        return z3.BoolRef(Z3_mk_not(ctx.ref(), memo[args[0]].as_ast()), ctx)
                    case ir.Op.AND:
                        return conjunction([memo[a] for a in args], ctx)
                    case ir.Op.OR:
                        return disjunction([memo[a] for a in args], ctx)
                    case ir.Op.ITE:
                        if self.boolean(args[1]):
                            return z3.If(memo[args[0]], memo[args[1]], memo[args[2]])
                        x, y = self._ints(args[1:], memo)
                        return z3.If(memo[args[0]], x, y)
                    case ir.Op.EQ | ir.Op.LT | ir.Op.LE:
                        if self.boolean(args[0]):
                            x, y = memo[args[0]], memo[args[1]]
                        else:
                            x, y = self._ints(args, memo)
                        if op is ir.Op.EQ:
                            return z3.BoolRef(Z3_mk_eq(ctx.ref(), x.as_ast(), y.as_ast()), ctx)
                        return x < y if op is ir.Op.LT else x <= y
                    case ir.Op.ADD | ir.Op.SUB | ir.Op.MUL | ir.Op.NEG:
                        w = signed_width(*self.interval(e)) + 1
                        if op is ir.Op.MUL:
                            w = max(w, sum(signed_width(*self.interval(a)) for a in args))
                        xs = self._ints(args, memo, w)
                        if op is ir.Op.NEG:
                            return -xs[0]
                        return xs[0] + xs[1] if op is ir.Op.ADD else (
                            xs[0] - xs[1] if op is ir.Op.SUB else xs[0] * xs[1])
                    case ir.Op.DIV | ir.Op.MOD:
                        # one extra bit: INT_MIN / -1 cannot overflow; x / 0 is 0, as in the IR
                        w = max(signed_width(*self.interval(a)) for a in args) + 1
                        x, y = self._ints(args, memo, w)
                        zero = z3.BitVecVal(0, x.size(), ctx)  # the operands may be wider
                        q = x / y if op is ir.Op.DIV else z3.SRem(x, y)
                        return z3.If(y == zero, zero, q)
                    case _:
                        assert_never(op)
        raise ValueError(f"cannot encode {e!r}")

    def fit(self, var: str, e: ir.Expr, k: int) -> z3.ExprRef:
        """The value of `e` in the storage of `var` (truncated; range checks guard overflow)."""
        t = self.expr(e, k)
        if self.is_bool[var]:
            return t
        w = self.width[var]
        if t.size() < w:
            return z3.SignExt(w - t.size(), t)
        return t if t.size() == w else z3.Extract(w - 1, 0, t)

    # ------------------------------------------------------------- system
    def init(self) -> list[z3.ExprRef]:
        return [self.expr(e, 0) for e in self.system.init] + self.domain(0)

    def domain(self, k: int) -> list[z3.ExprRef]:
        """Values outside the declared ranges are not states (bit-vectors are wider)."""
        out = []
        s = self.state(k)
        for v in self.system.vars:
            if self.is_bool[v.name]:
                continue
            lo, hi = self.ranges[v.name]
            w = self.width[v.name]
            if lo > -(1 << (w - 1)):
                out.append(s[v.name] >= z3.BitVecVal(lo, w, self.ctx))
            if hi < (1 << (w - 1)) - 1:
                out.append(s[v.name] <= z3.BitVecVal(hi, w, self.ctx))
        return out

    def enabled(self, t: ir.Transition, k: int) -> z3.ExprRef:
        return self.expr(t.guard, k)

    def any_enabled(self, k: int) -> z3.ExprRef:
        return disjunction([self.enabled(t, k) for t in self.system.transitions], self.ctx)

    def trans(self, k: int) -> list[z3.ExprRef]:
        """Constraints linking step k to step k+1 (built for step 0, renamed for k)."""
        if self._trans0 is None:
            self._trans0 = z3.And(*self._trans(0))
        if k == 0:
            return [self._trans0]
        self.state(k + 1)
        # both renamings in one substitution: variables of 1 go to k+1, of 0 to k
        return [self._rename(self._trans0, self._shift(1, k + 1), self._shift(0, k))]

    def step(self, t: ir.Transition) -> list[z3.ExprRef]:
        """Taking step t from state 0 to state 1, without the relation's ite chains over
        every step: its guard, and each variable of state 1 equal to its new value."""
        hit = self._steps.get(t.index)
        if hit is None:
            cur, nxt = self.state(0), self.state(1)
            writes = dict(t.updates)
            assert len(writes) == len(t.updates), "a step writes a variable once"
            hit = [self.expr(t.guard, 0)]
            hit += [nxt[v.name] == (self.fit(v.name, writes[v.name], 0) if v.name in writes
                                    else cur[v.name]) for v in self.system.vars]
            self._steps[t.index] = hit
        return hit

    def _trans(self, k: int) -> list[z3.ExprRef]:
        ts = self.system.transitions
        sel = self.choice(k)
        cw = self.choice_width
        out: list[z3.ExprRef] = []
        if not ts:
            return [z3.BoolVal(False, self.ctx)]
        if len(ts) < (1 << cw):
            out.append(z3.ULT(sel, z3.BitVecVal(len(ts), cw, self.ctx)))
        for t in ts:
            out.append(z3.Implies(sel == t.index, self.enabled(t, k)))
        cur, nxt = self.state(k), self.state(k + 1)
        for v in self.system.vars:
            rhs: z3.ExprRef = cur[v.name]
            for idx, e in reversed(self.writers.get(v.name, [])):
                self.ticker.tick()
                rhs = z3.If(sel == idx, self.fit(v.name, e, k), rhs)
            out.append(nxt[v.name] == rhs)
        return out

    # -------------------------------------------------------------- models
    def read_state(self, model: z3.ModelRef, k: int) -> tuple[int | bool, ...]:
        s = self.state(k)
        vals: list[int | bool] = []
        for v in self.system.vars:
            x = model.eval(s[v.name], model_completion=True)
            vals.append(z3.is_true(x) if self.is_bool[v.name] else x.as_signed_long())
        return tuple(vals)

    def read_choice(self, model: z3.ModelRef, k: int) -> int:
        return int(model.eval(self.choice(k), model_completion=True).as_long())

    def read_trace(self, model: z3.ModelRef, k: int) -> tuple[tuple[tuple[int | bool, ...], ...],
                                                            tuple[int, ...]]:
        states = tuple(self.read_state(model, i) for i in range(k + 1))
        steps = tuple(self.read_choice(model, i) for i in range(k))
        return states, steps


Renaming = tuple[list[z3.Ast], list[z3.Ast]]



def _renaming(pairs: Sequence[tuple[z3.ExprRef, z3.ExprRef]]) -> Renaming:
    return [a.as_ast() for a, _ in pairs], [b.as_ast() for _, b in pairs]


def disjunction(terms: Sequence[z3.ExprRef], ctx: z3.Context) -> z3.ExprRef:
    """Or of many terms in one call into z3 (z3py's Or coerces each argument in Python)."""
    if not terms:
        return z3.BoolVal(False, ctx)
    arr = (z3.Ast * len(terms))(*(t.as_ast() for t in terms))
    return z3.BoolRef(Z3_mk_or(ctx.ref(), len(terms), arr), ctx)


def conjunction(terms: Sequence[z3.ExprRef], ctx: z3.Context) -> z3.ExprRef:
    """And of many terms in one call into z3, like `disjunction`."""
    if not terms:
        return z3.BoolVal(True, ctx)
    arr = (z3.Ast * len(terms))(*(t.as_ast() for t in terms))
    return z3.BoolRef(Z3_mk_and(ctx.ref(), len(terms), arr), ctx)
