"""Checked spec -> transition system (`ir.System`).

Each process instance gets a program counter. Its body becomes a control
graph whose *actions* are the atomic steps (a simple statement, or a whole
`atomic { }` block). Control flow (`if`, `while`, `either`, unrolled `for`,
inlined procedure calls) between two actions is not a step of its own: a
branch condition is evaluated atomically with the first action taken after it,
as in guarded commands. A path that reaches the end of the process with no
action is a silent step to `done`.

Inside a step, statements run symbolically on a map from variables to their
new values; an update under a condition `p` is `ite(p, new, old)`, so `if`
needs no forking and only `either`/`choose` multiply transitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import ir
from .diagnostics import Span, SpecError
from .lang import ast as A
from .lang.check import suggest
from .lang.elab import (
    Elaborator,
    RecordV,
    RuntimeCheck,
    Scalar,
    Scope,
    StateRef,
    Val,
    flat_names,
    key_name,
    typed_scalars,
)
from .lang.symbols import Symbols
from .lang.types import ArrayT, BoolT, EnumT, IntT, RecordT, Type, domain_values, same_kind, sort_of

DEFAULT_DEPTH = 20

Env = Mapping[str, Val | StateRef]

# ------------------------------------------------------------- control graph


@dataclass(eq=False)
class _Action:
    stmts: tuple[A.Stmt, ...]
    env: Env
    label: str
    span: Span
    next: _Node | None = None


@dataclass(eq=False)
class _Branch:
    cond: A.Expr
    env: Env
    span: Span
    then: _Node | None = None
    else_: _Node | None = None


@dataclass(eq=False)
class _Choice:
    alts: list[_Node] = field(default_factory=list)


@dataclass(eq=False)
class _Goto:
    span: Span
    target: _Node | None = None


@dataclass(eq=False)
class _End:
    pass


_Node = _Action | _Branch | _Choice | _Goto | _End


@dataclass
class _Instance:
    name: str  # "exec" or "migrate[1]"
    decl_name: str
    pid: int
    self_value: int | None
    pc_var: str


# ------------------------------------------------------------ step execution


@dataclass
class _Step:
    """Symbolic state of one step in progress."""

    sigma: dict[str, ir.Expr]
    base: ir.Expr
    assume: ir.Expr
    checks: list[ir.Check]

    def copy(self) -> _Step:
        return _Step(dict(self.sigma), self.base, self.assume, list(self.checks))

    def read(self, name: str) -> ir.Expr:
        return self.sigma.get(name, ir.Var(name))


def lower(sym: Symbols) -> ir.System:
    return _Lowerer(sym).run()


class _Lowerer:
    def __init__(self, sym: Symbols) -> None:
        self.sym = sym
        self.el = Elaborator(sym)
        self.vars: list[ir.StateVar] = []
        self.ranges: dict[str, tuple[int, int]] = {}
        self.init: list[ir.Expr] = []
        self.transitions: list[ir.Transition] = []
        self.processes: list[ir.Process] = []
        self.instances: list[_Instance] = []

    # ----------------------------------------------------------------- state
    def _add_var(self, name: str, t: Type, span: Span, kind: str) -> None:
        for flat, ft in flat_names(name, t):
            sort = sort_of(ft)
            self.vars.append(ir.StateVar(flat, sort, span, kind))
            self.ranges[flat] = (sort.lo, sort.hi) if isinstance(sort, ir.IntSort) else (0, 1)

    def _init_var(self, name: str, t: Type, init: A.Init | None) -> None:
        match init:
            case None | A.AnyInit():
                return
            case A.ListInit(elems):
                assert isinstance(t, ArrayT)
                keys = domain_values(t.index) or ()
                for k, x in zip(keys, elems, strict=True):
                    self._init_var(f"{name}[{key_name(t.index, k)}]", t.elem, x)
            case A.RecordLit(fields) if isinstance(t, RecordT):
                given = dict(fields)
                for f, ft in t.fields:
                    self._init_var(f"{name}.{f}", ft, given[f])
            case _:
                if isinstance(t, ArrayT):
                    for k in domain_values(t.index) or ():
                        self._init_var(f"{name}[{key_name(t.index, k)}]", t.elem, init)
                    return
                v = self.el.expr(init, Scope(allow_state=False), expected=t)
                assert isinstance(v, Scalar)
                self.init.append(ir.eq(ir.Var(name), v.expr))

    # ------------------------------------------------------------------- run
    def run(self) -> ir.System:
        sym = self.sym
        for name, info in sym.vars.items():
            self._add_var(name, info.type, info.span, info.kind)
            self._init_var(name, info.type, info.init)
        pid = 0
        for p in sym.processes:
            n = 1 if p.count is None else p.count
            for i in range(n):
                pid += 1
                iname = p.decl.name if p.count is None else f"{p.decl.name}[{i}]"
                self.instances.append(_Instance(iname, p.decl.name, pid,
                                                None if p.count is None else i, f"pc:{iname}"))
        nproc = len(self.instances)
        for lock, span in sym.locks.items():
            self._add_var(f"lock:{lock}", IntT(0, max(1, nproc)), span, "lock")
            self.init.append(ir.eq(ir.Var(f"lock:{lock}"), ir.Const(0)))
        graphs = [(inst, self._graph(inst)) for inst in self.instances]
        for inst, entry in graphs:
            self._transitions(inst, entry)
        for a in sym.assumes:
            scope = Scope(read=ir.Var)
            self.init.append(self.el.boolean(a.expr, scope))
            self.init.extend(c.ok for c in scope.checks)
        properties = self._properties()
        covers = []
        for c in sym.covers:
            scope = Scope(read=ir.Var)
            e = self.el.boolean(c.expr, scope)
            covers.append(ir.Cover(c.name, ir.and_(e, *(k.ok for k in scope.checks)), c.span))
        options = tuple((n, _show_const(sym, n)) for n in sym.option_names)
        return ir.System(
            sym.spec_name, tuple(self.vars), tuple(self.init), tuple(self.transitions),
            tuple(self.processes), tuple(properties), tuple(covers),
            sym.depth if sym.depth is not None else DEFAULT_DEPTH, options,
            self._expectations(),
        )

    def _expectations(self) -> tuple[ir.Expectation, ...]:
        out = []
        for e in self.sym.expects:
            if e.when is not None:
                c = self.el.const_value(e.when)
                if not isinstance(c.type, BoolT):
                    raise SpecError(e.when.span, "an expectation's 'when' must be a condition "
                                    "on options and constants")
                if not c.value:
                    continue
            out.append(ir.Expectation(e.verdict, e.prop, e.span.line))
        return tuple(out)

    # ------------------------------------------------------ graph building
    def _graph(self, inst: _Instance) -> _Node:
        decl = next(p.decl for p in self.sym.processes if p.decl.name == inst.decl_name)
        env: dict[str, Val | StateRef] = dict(self._locals(decl.body, inst.name))
        self._proc_locals: dict[str, dict[str, StateRef]] = {}
        self._inst = inst
        return self._build(decl.body, env, _End(), "", None, ())

    def _locals(self, body: tuple[A.Stmt, ...], prefix: str) -> dict[str, StateRef]:
        """State variables for the `var`s at the top of a body, named `prefix.name`."""
        out: dict[str, StateRef] = {}
        for s in body:
            if isinstance(s, A.LocalVar):
                name = f"{prefix}.{s.name}"
                t = self.el.type_expr(s.type)
                self._add_var(name, t, s.span, "local")
                self._init_var(name, t, s.init)
                out[s.name] = StateRef(name, t)
        return out

    def _locals_for(self, proc: A.ProcedureDecl) -> dict[str, StateRef]:
        """Procedure locals: one copy per process instance, shared by its call sites."""
        if proc.name not in self._proc_locals:
            self._proc_locals[proc.name] = self._locals(proc.body,
                                                        f"{self._inst.name}.{proc.name}")
        return self._proc_locals[proc.name]

    def _build(self, stmts: tuple[A.Stmt, ...], env: Env, nxt: _Node, label: str,
               ret: _Node | None, calls: tuple[str, ...]) -> _Node:
        for s in reversed(stmts):
            nxt = self._build_one(s, env, nxt, label, ret, calls)
        return nxt

    def _build_one(self, s: A.Stmt, env: Env, nxt: _Node, label: str, ret: _Node | None,
                   calls: tuple[str, ...]) -> _Node:
        prefix = calls[-1] + "." if calls else ""
        match s:
            case A.Labelled(lab, body):
                return self._build_one(body, env, nxt, prefix + lab, ret, calls)
            case A.LocalVar():
                return nxt
            case A.If(cond, then, else_):
                return _Branch(cond, env, s.span, self._build(then, env, nxt, label, ret, calls),
                               self._build(else_, env, nxt, label, ret, calls))
            case A.While(cond, body):
                head = _Branch(cond, env, s.span, None, nxt)
                head.then = self._build(body, env, _Goto(s.span, head), label, ret, calls)
                return head
            case A.For(var, lo, hi, body):
                a, b = self.el.const_int(lo), self.el.const_int(hi)
                for k in range(b, a - 1, -1):
                    nxt = self._build(body, {**env, var: Scalar(IntT(k, k), ir.Const(k))},
                                      nxt, label, ret, calls)
                return nxt
            case A.Either(branches):
                return _Choice([self._build(b, env, nxt, label, ret, calls) for b in branches])
            case A.With(lock, body):
                rel = _Action((A.Release(lock, span=s.span),), env, label, s.span, nxt)
                inner = self._build(body, env, rel, label, ret, calls)
                return _Action((A.Acquire(lock, span=s.span),), env, label, s.span, inner)
            case A.CallStmt(name, args):
                proc = self.sym.procedures[name]
                penv: dict[str, Val | StateRef] = dict(self._locals_for(proc))
                for param, arg in zip(proc.params, args, strict=True):
                    penv[param.name] = self._argument(name, param, arg, env)
                return self._build(proc.body, penv, nxt, label or name, nxt, (*calls, name))
            case A.Return():
                assert ret is not None
                return _Goto(s.span, ret)
        return _Action((s,), env, label, s.span, nxt)

    def _argument(self, proc: str, p: A.Param, a: A.Expr, env: Env) -> Val | StateRef:
        """Bind a procedure parameter: a constant by value, a variable by reference.

        A variable argument is an alias: the procedure reads (and writes) the
        caller's variable as it is at each of its steps.
        """
        pt = self.el.type_expr(p.type)
        if isinstance(a, A.NameRef):
            bound = env.get(a.name)
            ref = bound if isinstance(bound, StateRef) else None
            info = self.sym.vars.get(a.name)
            if ref is None and bound is None and info is not None:
                ref = StateRef(a.name, info.type)
            if ref is not None:
                if ref.type != pt and not (same_kind(pt, ref.type) and isinstance(pt, IntT)
                                           and isinstance(ref.type, IntT)
                                           and pt.lo <= ref.type.lo and ref.type.hi <= pt.hi):
                    raise SpecError(a.span, f"argument '{p.name}' of '{proc}' has type '{pt}'; "
                                    f"'{a.name}' is '{ref.type}'")
                return ref
        scope = Scope(env, allow_state=False, self_value=self._inst.self_value)
        try:
            v = self.el.expr(a, scope, pt)
        except SpecError as err:
            raise SpecError(a.span, "a procedure argument is a constant expression or a "
                            "variable name", hint=err.message) from None
        if not same_kind(pt, v.type):
            raise SpecError(a.span, f"argument '{p.name}' of '{proc}' expects '{pt}', "
                            f"found '{v.type}'")
        return v

    # -------------------------------------------------- transitions
    def _transitions(self, inst: _Instance, entry: _Node) -> None:
        self._inst = inst
        points: dict[int, int] = {}  # id(node) -> pc
        order: list[_Node] = []

        def point(n: _Node) -> int:
            if id(n) not in points:
                points[id(n)] = len(order)
                order.append(n)
            return points[id(n)]

        point(entry)
        pending: list[tuple[_Node, int]] = [(entry, 0)]
        found: list[tuple[int, list[tuple[ir.Expr, _Action | None]], _Node]] = []
        done_nodes: set[int] = set()
        while pending:
            node, pc = pending.pop()
            if id(node) in done_nodes:
                continue
            done_nodes.add(id(node))
            paths = self._walk(node, [])
            found.append((pc, paths, node))
            for _, act in paths:
                if act is not None and act.next is not None:
                    nxt = _skip_gotos(act.next)
                    # a step into the end goes straight to `done`: the end is no control point
                    if not isinstance(nxt, _End) and id(nxt) not in points:
                        pending.append((nxt, point(nxt)))
        done = len(order)
        self._done_pc = done
        names = [self._point_name(n) for n in order] + ["done"]
        pc_sort = ir.IntSort(0, done, tuple(names))
        self.vars.append(ir.StateVar(inst.pc_var, pc_sort, Span(self.sym.file, 0, 0, 0, 0), "pc"))
        self.ranges[inst.pc_var] = (0, done)
        self.init.append(ir.eq(ir.Var(inst.pc_var), ir.Const(0)))
        self.processes.append(ir.Process(inst.name, inst.pc_var, done, tuple(names)))
        for pc, paths, _ in sorted(found, key=lambda f: f[0]):
            for cond, act in paths:
                at_pc = ir.eq(ir.Var(inst.pc_var), ir.Const(pc))
                if act is None:  # fell off the end without a step
                    self._emit(inst, "end", self._decl_span(inst), _Step(
                        {}, ir.and_(at_pc, cond), ir.TRUE, []), pc, done)
                    continue
                target = _skip_gotos(act.next) if act.next is not None else None
                to = done if target is None or isinstance(target, _End) else points[id(target)]
                start = _Step({}, ir.and_(at_pc, cond), ir.TRUE, [])
                for st in self._exec(act.stmts, act.env, inst, start, ir.TRUE):
                    self._emit(inst, act.label or f"L{act.span.line}", act.span, st, pc, to)

    def _decl_span(self, inst: _Instance) -> Span:
        """Where a process is declared: the line shown for its silent last step."""
        return next(p.decl.span for p in self.sym.processes if p.decl.name == inst.decl_name)

    def _point_name(self, n: _Node) -> str:
        n = _skip_gotos(n)
        if isinstance(n, _Action):
            return n.label or f"L{n.span.line}"
        if isinstance(n, _Branch | _Choice):
            return f"L{n.span.line}" if isinstance(n, _Branch) else "either"
        return "end"

    def _emit(self, inst: _Instance, label: str, span: Span, st: _Step, pc: int, to: int) -> None:
        if ir.is_false(st.base) or ir.is_false(st.assume):
            return
        updates = [(v, e) for v, e in st.sigma.items() if e != ir.Var(v)]
        updates.append((inst.pc_var, ir.Const(to)))
        # A failed check (a BUG_ON) ends its process, as an oops ends the task: the
        # step splits into the normal step, taken when every check passes, and a
        # crash step to `done`. Executions after a bug stay finite.
        ok = ir.and_(*(c.ok for c in st.checks))
        base = ir.and_(st.base, ok)
        self.transitions.append(ir.Transition(
            len(self.transitions), inst.name, label, span, ir.and_(base, st.assume),
            base, st.assume, tuple(updates), tuple(st.checks), inst.pc_var, pc, to))
        if not ir.is_true(ok):
            crash = ir.and_(st.base, ir.not_(ok))
            self.transitions.append(ir.Transition(
                len(self.transitions), inst.name, label + ir.CRASH, span,
                ir.and_(crash, st.assume), crash, st.assume,
                ((inst.pc_var, ir.Const(self._done_pc)),), (), inst.pc_var, pc,
                self._done_pc))

    def _walk(self, node: _Node, seen: list[int]) -> list[tuple[ir.Expr, _Action | None]]:
        """All ways from a control point to the next action: (condition, action)."""
        match node:
            case _Action():
                return [(ir.TRUE, node)]
            case _End():
                return [(ir.TRUE, None)]
            case _Goto(span, target):
                if id(node) in seen:
                    raise SpecError(span, "this loop can go round without taking a step",
                                    hint="put a statement (e.g. 'await' or 'skip') in its body")
                assert target is not None
                return self._walk(target, [*seen, id(node)])
            case _Choice(alts):
                return [p for a in alts for p in self._walk(a, seen)]
            case _Branch(cond, env, span, then, else_):
                if id(node) in seen:
                    raise SpecError(span, "this loop can go round without taking a step",
                                    hint="put a statement (e.g. 'await' or 'skip') in its body")
                scope = Scope(env, ir.Var, self._inst_self(), True, [])
                c = self.el.boolean(cond, scope)
                out = []
                assert then is not None and else_ is not None
                for sub, guard in ((then, c), (else_, ir.not_(c))):
                    if ir.is_false(guard):
                        continue
                    for g, act in self._walk(sub, [*seen, id(node)]):
                        out.append((ir.and_(guard, g), act))
                return out
        raise TypeError(node)

    def _inst_self(self) -> int | None:
        return self._inst.self_value

    # ------------------------------------------------------ symbolic step
    def _exec(self, stmts: tuple[A.Stmt, ...], env: Env, inst: _Instance, st: _Step,
              path: ir.Expr) -> list[_Step]:
        states = [st]
        for s in stmts:
            states = [out for cur in states for out in self._exec1(s, env, inst, cur, path)]
        return states

    def _scope(self, env: Env, st: _Step) -> Scope:
        return Scope(env, st.read, self._inst.self_value, True, [])

    def _fault_checks(self, scope: Scope, st: _Step, path: ir.Expr) -> None:
        for c in scope.checks:
            self._check(st, path, c.ok, c.span, f"{c.kind}@L{c.span.line}")

    def _check(self, st: _Step, path: ir.Expr, ok: ir.Expr, span: Span, prop: str) -> None:
        reached = ir.and_(path, st.base, st.assume)
        cond = ir.implies(reached, ok)
        if not ir.is_true(cond):
            st.checks.append(ir.Check(prop, cond, span))

    def _exec1(self, s: A.Stmt, env: Env, inst: _Instance, st: _Step,
               path: ir.Expr) -> list[_Step]:
        self._inst = inst
        match s:
            case A.Assign(target, value):
                scope = self._scope(env, st)
                slots = self._lvalue(target, env, st, scope)
                t = slots[0][1]
                v = self.el.expr(value, scope, expected=t)
                self._fault_checks(scope, st, path)
                self._assign(st, path, slots, v, s.span, value.span)
                return [st]
            case A.Await(cond):
                scope = self._scope(env, st)
                c = self.el.boolean(cond, scope)
                self._fault_checks(scope, st, path)
                st.base = ir.and_(st.base, ir.implies(path, c))
                return [st]
            case A.AssumeStmt(cond):
                scope = self._scope(env, st)
                c = self.el.boolean(cond, scope)
                self._fault_checks(scope, st, path)
                st.assume = ir.and_(st.assume, ir.implies(path, c))
                return [st]
            case A.Assert(cond, name):
                scope = self._scope(env, st)
                c = self.el.boolean(cond, scope)
                self._fault_checks(scope, st, path)
                self._check(st, path, c, s.span, name or f"assert@L{s.span.line}")
                return [st]
            case A.Skip():
                return [st]
            case A.If(cond, then, else_):
                scope = self._scope(env, st)
                c = self.el.boolean(cond, scope)
                self._fault_checks(scope, st, path)
                outs = []
                for mid in self._exec(then, env, inst, st, ir.and_(path, c)):
                    outs += self._exec(else_, env, inst, mid, ir.and_(path, ir.not_(c)))
                return outs
            case A.For(var, lo, hi, body):
                states = [st]
                for k in range(self.el.const_int(lo), self.el.const_int(hi) + 1):
                    kenv = {**env, var: Scalar(IntT(k, k), ir.Const(k))}
                    states = [o for cur in states for o in self._exec(body, kenv, inst, cur, path)]
                return states
            case A.Either(branches):
                return [o for b in branches for o in self._exec(b, env, inst, st.copy(), path)]
            case A.Choose(target, dom):
                scope = self._scope(env, st)
                slots = self._lvalue(target, env, st, scope)
                _, vals = self.el.domain(dom, scope)
                outs = []
                for v in vals:
                    cur = st.copy()
                    self._fault_checks(scope, cur, path)
                    self._assign(cur, path, slots, v, s.span, s.span)
                    outs.append(cur)
                return outs
            case A.With(lock, body):
                self._acquire(st, path, lock, inst)
                outs = self._exec(body, env, inst, st, path)
                for o in outs:
                    self._release(o, path, lock, inst, s.span)
                return outs
            case A.Acquire(lock):
                self._acquire(st, path, lock, inst)
                return [st]
            case A.Release(lock):
                self._release(st, path, lock, inst, s.span)
                return [st]
            case A.Atomic(body):
                return self._exec(body, env, inst, st, path)
        raise SpecError(s.span, "this statement cannot appear here")

    def _acquire(self, st: _Step, path: ir.Expr, lock: str, inst: _Instance) -> None:
        v = f"lock:{lock}"
        st.base = ir.and_(st.base, ir.implies(path, ir.eq(st.read(v), ir.Const(0))))
        st.sigma[v] = ir.ite(path, ir.Const(inst.pid), st.read(v))

    def _release(self, st: _Step, path: ir.Expr, lock: str, inst: _Instance, span: Span) -> None:
        v = f"lock:{lock}"
        self._check(st, path, ir.eq(st.read(v), ir.Const(inst.pid)), span, f"lock@L{span.line}")
        st.sigma[v] = ir.ite(path, ir.Const(0), st.read(v))

    # ----------------------------------------------------------- lvalues
    def _lvalue(self, e: A.Expr, env: Env, st: _Step,
                scope: Scope) -> list[tuple[ir.Expr, Type, str]]:
        """The state slots an assignment target may denote: (condition, type, prefix)."""
        match e:
            case A.NameRef(name):
                b = env.get(name)
                if isinstance(b, StateRef):
                    return [(ir.TRUE, b.type, b.prefix)]
                if b is not None:
                    raise SpecError(e.span, f"cannot assign to '{name}': it is not a variable")
                info = self.sym.vars.get(name)
                if info is None:
                    what = ("a constant" if name in self.sym.consts else "a lock"
                            if name in self.sym.locks else None)
                    if what:
                        raise SpecError(e.span, f"cannot assign to '{name}': it is {what}")
                    pool = [*self.sym.vars, *(k for k, v in env.items() if isinstance(v, StateRef))]
                    raise SpecError(e.span, f"unknown variable '{name}'", hint=suggest(name, pool))
                if info.kind == "param":
                    raise SpecError(e.span, f"cannot assign to param '{name}': params are "
                                    "fixed for a whole run")
                return [(ir.TRUE, info.type, name)]
            case A.FieldAccess(base, fname):
                out = []
                for c, t, p in self._lvalue(base, env, st, scope):
                    if not isinstance(t, RecordT) or t.field(fname) is None:
                        raise SpecError(e.span, f"'{t}' has no field '{fname}'")
                    ft = t.field(fname)
                    assert ft is not None
                    out.append((c, ft, f"{p}.{fname}"))
                return out
            case A.Index(base, index):
                out = []
                for c, t, p in self._lvalue(base, env, st, scope):
                    if not isinstance(t, ArrayT):
                        raise SpecError(e.span, f"'{t}' is not an array")
                    iv = self.el.expr(index, scope, expected=t.index)
                    if not isinstance(iv, Scalar) or not same_kind(t.index, iv.type):
                        raise SpecError(index.span, f"index of type '{iv.type}' for an array "
                                        f"indexed by '{t.index}'")
                    keys = domain_values(t.index) or ()
                    if isinstance(iv.expr, ir.Const):
                        if iv.expr.value not in keys:
                            raise SpecError(index.span, f"index {iv.expr.value} is outside "
                                            f"the array's range {t.index}")
                        out.append((c, t.elem, f"{p}[{key_name(t.index, iv.expr.value)}]"))
                        continue
                    ok = ir.or_(*(ir.eq(iv.expr, ir.Const(k)) for k in keys))
                    if not ir.is_true(ok):
                        scope.checks.append(RuntimeCheck("index", ok, index.span,
                                                         "array index out of range"))
                    for k in keys:
                        out.append((ir.and_(c, ir.eq(iv.expr, ir.Const(k))), t.elem,
                                    f"{p}[{key_name(t.index, k)}]"))
                return out
        raise SpecError(e.span, "not an assignable place",
                        hint="assign to a variable, an array element or a record field")

    def _assign(self, st: _Step, path: ir.Expr, slots: list[tuple[ir.Expr, Type, str]],
                v: Val, span: Span, vspan: Span) -> None:
        t0 = slots[0][1]
        if not same_kind(t0, v.type) and not (isinstance(t0, RecordT) and isinstance(v, RecordV)
                                                and v.type == t0):
            raise SpecError(vspan, f"cannot assign a value of type '{v.type}' to '{t0}'")
        new_vals = typed_scalars(v)
        for cond, t, prefix in slots:
            names = flat_names(prefix, t)
            guard = ir.and_(path, cond)
            for (flat, ft), (vt, val) in zip(names, new_vals, strict=True):
                if isinstance(ft, IntT):
                    # statically: the value's type (from declared ranges) must meet the target;
                    # on this path: a value that may not fit is a run-time check
                    if isinstance(vt, IntT) and (vt.hi < ft.lo or vt.lo > ft.hi):
                        raise SpecError(vspan, f"value {_show_interval(vt.lo, vt.hi)} can never "
                                        f"fit '{prefix}' ({ft})")
                    lo, hi = ir.interval(val, self.ranges)
                    if lo < ft.lo or hi > ft.hi:
                        ok = ir.and_(ir.le(ir.Const(ft.lo), val), ir.le(val, ir.Const(ft.hi)))
                        self._check(st, guard, ok, span, f"range@L{span.line}")
                st.sigma[flat] = ir.ite(guard, val, st.read(flat))

    # ------------------------------------------------------------ properties
    def _properties(self) -> list[ir.Property]:
        props: list[ir.Property] = []
        for inv in self.sym.invariants:
            scope = Scope(read=ir.Var)
            e = self.el.boolean(inv.expr, scope)
            bad = ir.or_(ir.not_(e), *(ir.not_(c.ok) for c in scope.checks))
            props.append(ir.Property(inv.name, "invariant", bad, inv.span,
                                     f"invariant (line {inv.span.line})"))
        by_prop: dict[str, list[tuple[ir.Transition, ir.Check]]] = {}
        for t in self.transitions:
            for c in t.checks:
                by_prop.setdefault(c.prop, []).append((t, c))
        for name, items in by_prop.items():
            kind = name.split("@", 1)[0] if "@" in name else "assert"
            span = items[0][1].span
            bad = ir.or_(*(ir.not_(c.ok) for _, c in items))
            desc = {
                "assert": f"assertion {name}" if "@" not in name else "assertion",
                "range": "assigned value within the variable's range",
                "index": "array index within bounds",
                "lock": "lock released by its holder",
            }[kind]
            props.append(ir.Property(name, kind, bad, span, f"{desc} (line {span.line})"))
        if self.sym.deadlock:
            props.append(ir.Property("deadlock", "deadlock",
                                     ir.deadlock_bad(self.processes, self.transitions),
                                     Span(self.sym.file, 0, 0, 0, 0),
                                     "deadlock freedom (built in; 'allow deadlock' turns it off)"))
        return props


def _skip_gotos(n: _Node) -> _Node:
    seen = 0
    while isinstance(n, _Goto) and n.target is not None and seen < 10_000:
        n = n.target
        seen += 1
    return n


def _show_interval(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}..{hi}"


def _show_const(sym: Symbols, name: str) -> str:
    c = sym.consts[name]
    if isinstance(c.type, EnumT):
        return c.type.members[int(c.value)]
    if isinstance(c.type, BoolT):
        return "true" if c.value else "false"
    return str(c.value)
