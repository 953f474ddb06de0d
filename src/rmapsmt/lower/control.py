"""The control graph of one process instance: where its steps are and how control flows.

Actions are the atomic steps (a simple statement, or a whole `atomic { }`).
Everything else — `if`/`while` conditions, `either`, unrolled `for`,
inlined procedure calls and returns, `break`, the fresh locals of a call — is
control flow between actions: it is evaluated together with the next action
taken (guarded commands), so it never costs a step of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Span, SpecError
from ..lang import ast as A
from ..lang.elab import Elaborator
from ..lang.limits import MAX_TRANSITIONS
from ..lang.scope import Scope
from ..lang.symbols import Symbols
from ..lang.types import EnumT, IntT
from ..lang.values import Scalar, StateRef, Val
from .state import Layout

Env = Mapping[str, Val | StateRef]


@dataclass(frozen=True, slots=True)
class Instance:
    """One process instance: `exec`, or `migrate[1]` of a replicated `process migrate[2]`."""

    name: str
    decl: A.ProcessDecl
    pid: int  # 1-based; a lock variable holds its holder's pid
    self_value: int | None
    pc_var: str


@dataclass(eq=False)
class Action:
    stmts: tuple[A.Stmt, ...]
    env: Env
    label: str  # "" when unlabelled outside procedures
    span: Span
    calls: tuple[ir.Frame, ...]
    next: Node | None = None
    brk: Node | None = None  # where a `break` inside the step goes (the enclosing loop's exit)


@dataclass(eq=False)
class Branch:
    cond: A.Expr
    env: Env
    span: Span
    label: str
    calls: tuple[ir.Frame, ...]
    then: Node | None = None
    else_: Node | None = None


@dataclass(eq=False)
class Choice:
    alts: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Goto:
    span: Span
    target: Node | None = None


@dataclass(frozen=True, slots=True)
class Fresh:
    """A procedure local, initialised again at every call."""

    ref: StateRef
    init: A.Init | None
    span: Span


@dataclass(eq=False)
class Enter:
    """A procedure call's entry: its locals start afresh (`None`: any value of the type)."""

    fresh: tuple[Fresh, ...]
    next: Node


@dataclass(eq=False)
class End:
    pass


Node = Action | Branch | Choice | Goto | Enter | End


def skip_gotos(n: Node) -> Node:
    seen = 0
    while isinstance(n, Goto) and n.target is not None and seen < 100_000:
        n = n.target
        seen += 1
    return n


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Where a statement sits: its label, its call stack, where return and break go."""

    label: str
    calls: tuple[ir.Frame, ...]
    ret: Node | None
    brk: Node | None


class GraphBuilder:
    """Builds one instance's control graph; owns that instance's procedure locals."""

    def __init__(self, sym: Symbols, el: Elaborator, layout: Layout, inst: Instance) -> None:
        self.sym = sym
        self.el = el
        self.layout = layout
        self.inst = inst
        self.nodes: list[Node] = []  # every node, for type-checking dead code
        self._proc_locals: dict[str, dict[str, StateRef]] = {}

    def build(self) -> Node:
        env: dict[str, Val | StateRef] = dict(self._locals(self.inst.decl.body, self.inst.name,
                                                           fixed=False))
        return self._block(self.inst.decl.body, env, End(), _Ctx("", (), None, None))

    def _node(self, n: Node) -> Node:
        self.nodes.append(n)
        return n

    def _too_many(self, span: Span) -> None:
        if len(self.nodes) > MAX_TRANSITIONS:
            raise SpecError(span, f"unrolling this loop makes more than {MAX_TRANSITIONS} steps",
                            hint="iterate fewer times, or make the body one 'atomic' step")

    def _locals(self, body: tuple[A.Stmt, ...], prefix: str,
                fixed: bool) -> dict[str, StateRef]:
        """State variables for the `var`s at the top of a body, named `prefix.name`.

        Process locals start with their initial value; procedure locals (`fixed`)
        start at a fixed value and get their declared one afresh at each call.
        """
        out: dict[str, StateRef] = {}
        for s in body:
            if isinstance(s, A.LocalVar):
                name = f"{prefix}.{s.name}"
                t = self.el.type_expr(s.type)
                self.layout.add(name, t, s.span, ir.VarKind.LOCAL)
                self.layout.initialise(name, t, s.init, self.el, fixed=fixed)
                out[s.name] = StateRef(name, t)
        return out

    def _procedure_locals(self, proc: A.ProcedureDecl) -> dict[str, StateRef]:
        """One copy per process instance, shared by its call sites (no recursion)."""
        if proc.name not in self._proc_locals:
            self._proc_locals[proc.name] = self._locals(
                proc.body, f"{self.inst.name}.{proc.name}", fixed=True)
        return self._proc_locals[proc.name]

    def _block(self, stmts: tuple[A.Stmt, ...], env: Env, nxt: Node, c: _Ctx) -> Node:
        for s in reversed(stmts):
            nxt = self._stmt(s, env, nxt, c)
        return nxt

    def _stmt(self, s: A.Stmt, env: Env, nxt: Node, c: _Ctx) -> Node:
        match s:
            case A.Labelled(lab, body):
                prefix = c.calls[-1].procedure + "." if c.calls else ""
                return self._stmt(body, env, nxt, _Ctx(prefix + lab, c.calls, c.ret, c.brk))
            case A.LocalVar():
                return nxt
            case A.If(cond, then, else_):
                return self._node(Branch(cond, env, s.span, c.label, c.calls,
                                         self._block(then, env, nxt, c),
                                         self._block(else_, env, nxt, c)))
            case A.While(cond, body):
                head = Branch(cond, env, s.span, c.label, c.calls, None, nxt)
                self._node(head)
                loop = _Ctx(c.label, c.calls, c.ret, nxt)
                head.then = self._block(body, env, self._node(Goto(s.span, head)), loop)
                return head
            case A.For(var, lo, hi, body):
                a, b = self.el.const_int(lo), self.el.const_int(hi)
                loop = _Ctx(c.label, c.calls, c.ret, nxt)
                for k in range(b, a - 1, -1):
                    nxt = self._block(body, {**env, var: Scalar(IntT(k, k), ir.Const(k))},
                                      nxt, loop)
                    self._too_many(s.span)
                return nxt
            case A.Either(branches):
                return self._node(Choice([self._block(b, env, nxt, c) for b in branches]))
            case A.With(lock, body):
                rel = self._node(Action((A.Release(lock, span=s.span),), env, c.label, s.span,
                                        c.calls, nxt))
                inner = self._block(body, env, rel, c)
                return self._node(Action((A.Acquire(lock, span=s.span),), env, c.label, s.span,
                                         c.calls, inner))
            case A.CallStmt(name, args):
                return self._call(s, name, args, env, nxt, c)
            case A.Return():
                assert c.ret is not None
                return self._node(Goto(s.span, c.ret))
            case A.Break():
                assert c.brk is not None
                return self._node(Goto(s.span, c.brk))
        return self._node(Action((s,), env, c.label, s.span, c.calls, nxt, c.brk))

    def _call(self, s: A.CallStmt, name: str, args: tuple[A.Expr, ...], env: Env, nxt: Node,
              c: _Ctx) -> Node:
        proc = self.sym.procedures[name]
        locals_ = self._procedure_locals(proc)
        penv: dict[str, Val | StateRef] = dict(locals_)
        shown: list[tuple[str, str]] = []
        scope = Scope(env, self_value=self.inst.self_value)
        for param, arg in zip(proc.params, args, strict=True):
            bound = self.el.argument(name, param, arg, scope)
            penv[param.name] = bound
            shown.append((param.name, _show_arg(bound, arg)))
        frame = ir.Frame(name, tuple(shown), s.span)
        inner = _Ctx(c.label or name, (*c.calls, frame), nxt, None)
        body = self._block(proc.body, penv, nxt, inner)
        fresh = tuple(Fresh(locals_[d.name], d.init, d.span) for d in proc.body
                      if isinstance(d, A.LocalVar))
        return self._node(Enter(fresh, body)) if fresh else body


def _show_arg(bound: Val | StateRef, arg: A.Expr) -> str:
    """How a call's argument is shown in a trace: a value, or the variable it aliases."""
    if isinstance(bound, StateRef):
        return arg.name if isinstance(arg, A.NameRef) else bound.prefix
    if isinstance(bound, Scalar) and isinstance(bound.expr, ir.Const):
        v = bound.expr.value
        if isinstance(bound.type, EnumT):
            return bound.type.members[int(v)]
        return ("true" if v else "false") if isinstance(v, bool) else str(v)
    return "..."
