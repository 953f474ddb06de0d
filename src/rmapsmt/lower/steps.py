"""Symbolic execution of one atomic step, in program order.

Inside a step, statements run on a map from variables to their new values; an
update under a path condition `p` is `ite(p, new, old)`, so `if` needs no
forking and only `either`/`choose` (and an uninitialised procedure local)
multiply transitions. Four conjunctions track what happened so far on each
path: `base` (no await blocked), `assume` (not pruned), `ok` (no check failed)
and `broken` (a `break` left the innermost loop). A check fails where it is
reached: on its path, not blocked, not pruned and with every earlier check
passed. So a check before a blocking await is checked, one after it is not,
and constant folding cannot change either: nothing is dropped because it
folded to false (see README, "Semantics").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Span, SpecError
from ..lang import ast as A
from ..lang.elab import Elaborator
from ..lang.limits import MAX_TRANSITIONS
from ..lang.scope import RuntimeCheck, Scope, Slot, root_name
from ..lang.types import IntT, same_kind
from ..lang.values import RecordV, Scalar, Val, flat_names, typed_scalars
from .control import Env, Instance


@dataclass(frozen=True, slots=True)
class At:
    """Where a step is written: its label ("" if unlabelled) and its span."""

    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class Fail:
    """A check that fails when `when` holds; the crash step is shown as the step `at`."""

    check: ir.Check
    when: ir.Expr
    at: At


@dataclass
class StepState:
    sigma: dict[str, ir.Expr]
    base: ir.Expr
    assume: ir.Expr = ir.TRUE
    ok: ir.Expr = ir.TRUE
    broken: ir.Expr = ir.FALSE
    fails: list[Fail] = field(default_factory=list)
    prunes: list[ir.Expr] = field(default_factory=list)
    decisions: list[ir.Decision] = field(default_factory=list)

    def copy(self) -> StepState:
        return StepState(dict(self.sigma), self.base, self.assume, self.ok, self.broken,
                         list(self.fails), list(self.prunes), list(self.decisions))

    def read(self, name: str) -> ir.Expr:
        return self.sigma.get(name, ir.Var(name))

    def reached(self, path: ir.Expr) -> ir.Expr:
        """This point of the step is executed: on `path`, not blocked, pruned or failed."""
        return ir.and_(path, self.base, self.assume, self.ok)

    def check(self, path: ir.Expr, cond: ir.Expr, check: ir.Check, at: At) -> None:
        """`check` at this point of the step `at` (whose crash step it makes)."""
        fail = ir.and_(self.reached(path), ir.not_(cond))
        if not ir.is_false(fail):
            self.fails.append(Fail(check, fail, at))
        self.ok = ir.and_(self.ok, ir.implies(path, cond))

    @property
    def completes(self) -> ir.Expr:
        return ir.and_(self.base, self.assume, self.ok)


DESCRIPTIONS = {
    ir.CheckKind.INDEX: "array index within bounds",
    ir.CheckKind.DIV: "divisor not zero",
    ir.CheckKind.LOCK: "lock released by its holder",
}


def check_name(kind: ir.CheckKind, subject: str, where: str) -> str:
    """Stable property names: kind, variable, enclosing step; no line numbers."""
    if kind is ir.CheckKind.ASSERT:
        return subject or f"assert@{where}"
    return f"{kind}:{subject}@{where}" if subject else f"{kind}@{where}"


class Checks:
    """Every check met while lowering, named: one property per statement that checks.

    A user-named assert is one property wherever it appears; any other check is
    one property per place in the text (every unrolled iteration, replicated
    instance and call of that place shares it). Two places that would get the
    same name (two unnamed asserts in one unlabelled step, say) are told apart
    in program order: `assert@p`, `assert@p#2`. Checks that only dead code
    reaches are not properties, except user asserts: folding cannot hide those.
    """

    def __init__(self) -> None:
        self.found: dict[str, ir.Check] = {}
        self._names: dict[tuple[str, Span], str] = {}

    def name(self, kind: ir.CheckKind, subject: str, where: str, span: Span,
             message: str, path: ir.Expr) -> ir.Check:
        user = kind is ir.CheckKind.ASSERT and bool(subject)
        base = check_name(kind, subject, where)
        name = base if user else self._names.get((base, span))
        if name is None:
            taken = {c.span for n, c in self.found.items()
                     if n == base or n.startswith(base + "#")}
            name = base if not taken else f"{base}#{len(taken) + 1}"
            self._names[(base, span)] = name
        check = ir.Check(kind, name, span, message)
        if user or not ir.is_false(path):
            self.found.setdefault(name, check)
        return check


class Executor:
    """Runs the statements of one action (or one control-flow path) of one instance."""

    def __init__(self, el: Elaborator, inst: Instance, at: At, where: str,
                 checks: Checks) -> None:
        self.el = el
        self.inst = inst
        self.at = at  # the step being executed: a branch condition, or an action
        self.where = where
        self.checks = checks  # every check met, so folding cannot hide a property

    def scope(self, env: Env, st: StepState) -> Scope:
        return Scope(env, st.read, self.inst.self_value, True, [])

    def runtime_checks(self, st: StepState, path: ir.Expr, checks: list[RuntimeCheck]) -> None:
        for c in checks:
            check = self.checks.name(c.kind, c.subject, self.where, c.span,
                                     DESCRIPTIONS.get(c.kind, c.message), path)
            st.check(path, c.ok, check, self.at)

    def condition(self, cond: A.Expr, env: Env, st: StepState, path: ir.Expr) -> ir.Expr:
        """Evaluate a branch condition: its checks first, then it is a decision of the step."""
        scope = self.scope(env, st)
        c = self.el.boolean(cond, scope, path)
        self.runtime_checks(st, path, scope.checks)
        if not isinstance(c, ir.Const):
            st.decisions.append(ir.Decision(cond.span, c, path))
        return c

    def run(self, stmts: tuple[A.Stmt, ...], env: Env, st: StepState,
            path: ir.Expr) -> list[StepState]:
        states = [st]
        for s in stmts:
            states = [out for cur in states
                      for out in self.one(s, env, cur, ir.and_(path, ir.not_(cur.broken)))]
            if len(states) > MAX_TRANSITIONS:
                raise SpecError(s.span, f"this step has more than {MAX_TRANSITIONS} "
                                "alternatives ('either' and 'choose' multiply)",
                                hint="split the step, or choose from fewer values")
        return states

    def one(self, s: A.Stmt, env: Env, st: StepState, path: ir.Expr) -> list[StepState]:
        match s:
            case A.Assign(target, value):
                scope = self.scope(env, st)
                slots = self.el.target(target, scope, path)
                v = self.el.expr(value, scope, expected=slots[0].type, ctx=path)
                self._assign(st, path, slots, v, value, root_name(target), scope)
                return [st]
            case A.Await(cond):
                scope = self.scope(env, st)
                c = self.el.boolean(cond, scope, path)
                self.runtime_checks(st, path, scope.checks)
                st.base = ir.and_(st.base, ir.implies(path, c))
                return [st]
            case A.AssumeStmt(cond):
                scope = self.scope(env, st)
                c = self.el.boolean(cond, scope, path)
                self.runtime_checks(st, path, scope.checks)
                prune = ir.and_(st.reached(path), ir.not_(c))
                if not ir.is_false(prune):
                    st.prunes.append(prune)
                st.assume = ir.and_(st.assume, ir.implies(path, c))
                return [st]
            case A.Assert(cond, name):
                scope = self.scope(env, st)
                c = self.el.boolean(cond, scope, path)
                self.runtime_checks(st, path, scope.checks)
                check = self.checks.name(ir.CheckKind.ASSERT, name or "", self.where, s.span,
                                         f"assertion {name}" if name else "assertion", path)
                st.check(path, c, check, self.at)
                return [st]
            case A.Skip():
                return [st]
            case A.If(cond, then, else_):
                c = self.condition(cond, env, st, path)
                return [o for mid in self.run(then, env, st, ir.and_(path, c))
                        for o in self.run(else_, env, mid, ir.and_(path, ir.not_(c)))]
            case A.For(var, lo, hi, body):
                return self._for(var, lo, hi, body, env, st, path)
            case A.Break():
                st.broken = ir.or_(st.broken, path)
                return [st]
            case A.Either(branches):
                return [o for b in branches for o in self.run(b, env, st.copy(), path)]
            case A.Choose(target, dom):
                return self._choose(s, target, dom, env, st, path)
            case A.With(lock, body):
                self._acquire(st, path, lock)
                outs = self.run(body, env, st, path)
                for o in outs:
                    self._release(o, path, lock, s)
                return outs
            case A.Acquire(lock):
                self._acquire(st, path, lock)
                return [st]
            case A.Release(lock):
                self._release(st, path, lock, s)
                return [st]
            case A.Atomic(body):
                return self.run(body, env, st, path)
        raise SpecError(s.span, "this statement cannot appear here")

    def _for(self, var: str, lo: A.Expr, hi: A.Expr, body: tuple[A.Stmt, ...], env: Env,
             st: StepState, path: ir.Expr) -> list[StepState]:
        outer = st.broken  # a `break` in this loop leaves only this loop
        st.broken = ir.FALSE
        states = [st]
        for k in range(self.el.const_int(lo), self.el.const_int(hi) + 1):
            kenv = {**env, var: Scalar(IntT(k, k), ir.Const(k))}
            states = [o for cur in states for o in self.run(body, kenv, cur, path)]
        for o in states:
            o.broken = outer
        return states

    def _choose(self, s: A.Stmt, target: A.Expr, dom: A.Domain, env: Env, st: StepState,
                path: ir.Expr) -> list[StepState]:
        scope = self.scope(env, st)
        slots = self.el.target(target, scope, path)
        _, vals = self.el.domain(dom, scope)
        outs = []
        for v in vals:
            cur = st.copy()
            vscope = Scope(scope.bound, scope.read, scope.self_value, True, list(scope.checks))
            self._assign(cur, path, slots, v, s, root_name(target), vscope)
            outs.append(cur)
        return outs

    def _assign(self, st: StepState, path: ir.Expr, slots: list[Slot], v: Val,
                at: A.Stmt | A.Expr, subject: str, scope: Scope) -> None:
        t0 = slots[0].type
        if not same_kind(t0, v.type) and not (isinstance(v, RecordV) and v.type == t0):
            raise SpecError(at.span, f"cannot assign a value of type '{v.type}' to '{t0}'")
        self.el.fits(t0, v, at.span, scope, path, subject, f"'{subject}'",
                     "assigned value within the variable's range")
        self.runtime_checks(st, path, scope.checks)
        new_vals = typed_scalars(v)
        for slot in slots:
            guard = ir.and_(path, slot.cond)
            for (flat, _), (_, val) in zip(flat_names(slot.prefix, slot.type), new_vals,
                                           strict=True):
                st.sigma[flat] = ir.ite(guard, val, st.read(flat))

    def _acquire(self, st: StepState, path: ir.Expr, lock: str) -> None:
        v = f"lock:{lock}"
        st.base = ir.and_(st.base, ir.implies(path, ir.eq(st.read(v), ir.Const(0))))
        st.sigma[v] = ir.ite(path, ir.Const(self.inst.pid), st.read(v))

    def _release(self, st: StepState, path: ir.Expr, lock: str, s: A.Stmt) -> None:
        v = f"lock:{lock}"
        check = self.checks.name(ir.CheckKind.LOCK, lock, self.where, s.span,
                                 DESCRIPTIONS[ir.CheckKind.LOCK], path)
        st.check(path, ir.eq(st.read(v), ir.Const(self.inst.pid)), check, self.at)
        st.sigma[v] = ir.ite(path, ir.Const(0), st.read(v))
