"""IR -> Z3 terms, one copy of the state per step. The front door to z3.

Choices follow the measurements in `../shared/design/architecture.md`:
every scalar state variable is its own fixed-width bit-vector (signed, just
wide enough for its range; booleans stay Bool), each step has one choice
variable naming the transition taken, and the frame is one if-then-else
chain per variable over only the transitions that write it.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from .. import ir


def signed_width(lo: int, hi: int) -> int:
    return max(2, max(lo.bit_length(), hi.bit_length()) + 1)


class Encoder:
    def __init__(self, system: ir.System, ctx: z3.Context | None = None) -> None:
        self.system = system
        self.ctx = ctx or z3.Context()
        self.ranges = system.ranges()
        self.is_bool = {v.name: isinstance(v.sort, ir.BoolSort) for v in system.vars}
        self.width = {n: signed_width(*self.ranges[n]) for n in self.ranges}
        self._states: list[dict[str, z3.ExprRef]] = []
        self._choices: list[z3.BitVecRef] = []
        self._memo: list[dict[ir.Expr, z3.ExprRef]] = []
        self._ivl: dict[ir.Expr, tuple[int, int]] = {}
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
        r = self._ivl.get(e)
        if r is None:
            r = ir.interval(e, self.ranges)
            self._ivl[e] = r
        return r

    def _ints(self, args: Sequence[ir.Expr], k: int, width: int = 0) -> list[z3.BitVecRef]:
        """Encode integer terms and sign-extend them to one common width (values are exact)."""
        ts = [self.expr(a, k) for a in args]
        w = max([width] + [t.size() for t in ts])
        return [t if t.size() == w else z3.SignExt(w - t.size(), t) for t in ts]

    def _int_width(self, e: ir.Expr) -> int:
        return signed_width(*self.interval(e))

    def expr(self, e: ir.Expr, k: int) -> z3.ExprRef:
        memo = self._memo[k] if k < len(self._memo) else None
        if memo is None:
            self.state(k)
            memo = self._memo[k]
        hit = memo.get(e)
        if hit is not None:
            return hit
        out = self._expr(e, k)
        memo[e] = out
        return out

    def _expr(self, e: ir.Expr, k: int) -> z3.ExprRef:
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
                    case "not":
                        return z3.Not(self.expr(args[0], k))
                    case "and":
                        return z3.And(*(self.expr(a, k) for a in args))
                    case "or":
                        return z3.Or(*(self.expr(a, k) for a in args))
                    case "ite":
                        c = self.expr(args[0], k)
                        if self._is_bool_expr(args[1]):
                            return z3.If(c, self.expr(args[1], k), self.expr(args[2], k))
                        x, y = self._ints(args[1:], k)
                        return z3.If(c, x, y)
                    case "eq" | "lt" | "le":
                        a, b = args
                        if self._is_bool_expr(a):
                            return self.expr(a, k) == self.expr(b, k)
                        x, y = self._ints(args, k)
                        return x == y if op == "eq" else (x < y if op == "lt" else x <= y)
                    case "add" | "sub" | "mul" | "neg":
                        w = self._int_width(e) + 1
                        if op == "mul":
                            w = max(w, sum(self._int_width(a) for a in args))
                        xs = self._ints(args, k, w)
                        if op == "neg":
                            return -xs[0]
                        return xs[0] + xs[1] if op == "add" else (
                            xs[0] - xs[1] if op == "sub" else xs[0] * xs[1])
        raise ValueError(f"cannot encode {e!r}")

    def _is_bool_expr(self, e: ir.Expr) -> bool:
        match e:
            case ir.Const(v):
                return isinstance(v, bool)
            case ir.Var(name):
                return self.is_bool[name]
            case ir.App(op, args):
                if op == "ite":
                    return self._is_bool_expr(args[1])
                return op in ("not", "and", "or", "eq", "lt", "le")
        return False

    def fit(self, var: str, e: ir.Expr, k: int) -> z3.ExprRef:
        """The value of `e` in the storage of `var` (truncated; range checks guard overflow)."""
        if self.is_bool[var]:
            return self.expr(e, k)
        w = self.width[var]
        (t,) = self._ints([e], k, w)
        return t if t.size() == w else z3.Extract(w - 1, 0, t)

    # ------------------------------------------------------------- system
    def init(self) -> list[z3.ExprRef]:
        return [self.expr(e, 0) for e in self.system.init] + self.domain(0)

    def domain(self, k: int) -> list[z3.ExprRef]:
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
        return z3.Or(*[self.enabled(t, k) for t in self.system.transitions], self.ctx)

    def trans(self, k: int) -> list[z3.ExprRef]:
        """Constraints linking step k to step k+1."""
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


def disjunction(terms: Sequence[z3.ExprRef], ctx: z3.Context) -> z3.ExprRef:
    return z3.Or(*terms, ctx) if terms else z3.BoolVal(False, ctx)
