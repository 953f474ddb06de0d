"""Names, scopes and declarations: AST -> symbol table, or a positioned error.

Option values and `--set` overrides are read in `options`.

Expressions are typed by the elaborator as `lower` translates them; this pass
owns everything about *declarations*: duplicates, option values and
`--set` overrides, type and constant definitions, initial values, labels,
locks, procedure calls and where statements may appear.

Out-of-range assignments: a value that can never fit (its whole interval is
outside the target's range) is rejected here; one that may or may not fit is
checked at run time and reported as a `range` violation with its trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..diagnostics import Note, Span, SpecError, suggest
from ..ir import Const, VarKind
from . import ast as A
from .elab import Elaborator
from .limits import MAX_DEPTH, MAX_PROCESSES, MAX_RANGE_VALUES
from .options import option_type, parse_override
from .scope import Scope
from .symbols import ConstValue, ProcessInfo, Symbols, VarInfo
from .types import AnyIntT, ArrayT, EnumT, IntT, RecordT, Type, domain_values, same_kind
from .values import Scalar


def resolve(spec: A.Spec, file: str, overrides: Mapping[str, str] | None = None) -> Symbols:
    """Every declaration of a spec, resolved and checked, as a symbol table."""
    return _Resolver(spec, file).run(dict(overrides or {}))


class _Resolver:
    def __init__(self, spec: A.Spec, file: str) -> None:
        self.spec = spec
        self.sym = Symbols(file=file, spec_name=spec.name)
        self.el = Elaborator(self.sym)
        self._assert_names: set[str] = set()
        self._instances = 0

    def _declare(self, name: str, span: Span, what: str) -> None:
        prev = self.sym.declared_at.get(name)
        if prev is not None:
            raise SpecError(span, f"{what} '{name}' is already declared",
                            notes=(Note(prev, "first declared here"),))
        self.sym.declared_at[name] = span

    def run(self, overrides: dict[str, str]) -> Symbols:
        known_options = {d.name for d in self.spec.decls if isinstance(d, A.OptionDecl)}
        for name in overrides:
            if name not in known_options:
                raise SpecError(None, f"--set {name}=...: the spec has no option '{name}'",
                                hint=("options: " + ", ".join(sorted(known_options)))
                                if known_options else "this spec declares no options")
        for d in self.spec.decls:
            self._decl(d, overrides)
        if not self.sym.processes:
            raise SpecError(self.spec.span, "the spec declares no process")
        for p in self.sym.processes:
            self._body(p.decl.body, p.decl.name, in_procedure=False)
        for proc in self.sym.procedures.values():
            self._body(proc.body, proc.name, in_procedure=True, params=proc.params)
        self._no_recursion()
        for d in self.sym.defs.values():
            self.el.check_def(d)
        for e in self.sym.expects:
            if e.prop is not None and e.prop not in self._property_names():
                raise SpecError(e.span, f"expect names unknown property '{e.prop}'",
                                hint="properties: " + ", ".join(sorted(self._property_names())))
        return self.sym

    def _property_names(self) -> set[str]:
        return ({i.name for i in self.sym.invariants} | {"deadlock"}
                | {m.name for m in self.sym.lemmas}
                | {c.name for c in self.sym.covers} | self._assert_names)

    # ---------------------------------------------------------- declarations
    def _decl(self, d: A.Decl, overrides: dict[str, str]) -> None:
        sym, el = self.sym, self.el
        match d:
            case A.OptionDecl(name, default, values):
                self._declare(name, d.span, "option")
                sym.option_names.append(name)
                t = option_type(d, self.sym)
                raw = overrides.get(name)
                value = default if raw is None else parse_override(d, raw)
                if value not in values:
                    raise SpecError(d.span, f"default {default!r} of option '{name}' is not "
                                    "among its values")
                sym.consts[name] = ConstValue(
                    t, t.members.index(str(value)) if isinstance(t, EnumT) else int(value)
                    if isinstance(t, IntT) else bool(value))
            case A.ConstDecl(name, value):
                self._declare(name, d.span, "constant")
                sym.consts[name] = el.const_value(value)
            case A.TypeDecl(name, t):
                self._declare(name, d.span, "type")
                sym.types[name] = el.type_expr(t)
            case A.EnumDecl(name, members):
                self._declare(name, d.span, "enum")
                if len(set(members)) != len(members):
                    raise SpecError(d.span, f"enum '{name}' repeats a member")
                et = EnumT(name, members)
                sym.types[name] = et
                for m in members:
                    sym.members.setdefault(m, []).append(et)
            case A.RecordDecl(name, fields):
                self._declare(name, d.span, "record")
                seen: set[str] = set()
                fs: list[tuple[str, Type]] = []
                for f in fields:
                    if f.name in seen:
                        raise SpecError(f.span, f"field '{f.name}' repeated in '{name}'")
                    seen.add(f.name)
                    ft = el.type_expr(f.type)
                    if isinstance(ft, AnyIntT):
                        raise SpecError(f.span, "record fields need a bounded type")
                    fs.append((f.name, ft))
                sym.types[name] = RecordT(name, tuple(fs))
            case A.VarDecl(name, t, init):
                self._declare(name, d.span, "variable")
                vt = self.var_type(t)
                self.check_init(vt, init, d.span)
                sym.vars[name] = VarInfo(name, vt, init, d.span, VarKind.VAR)
            case A.ParamDecl(name, t):
                self._declare(name, d.span, "param")
                vt = self.var_type(t)
                sym.vars[name] = VarInfo(name, vt, A.AnyInit(span=d.span), d.span,
                                         VarKind.PARAM)
            case A.LockDecl(name):
                self._declare(name, d.span, "lock")
                sym.locks[name] = d.span
            case A.DefDecl(name):
                self._declare(name, d.span, "function")
                unique_names(d.params, "parameter")
                for p in d.params:
                    el.type_expr(p.type)
                el.type_expr(d.result)
                sym.defs[name] = d
            case A.ProcedureDecl(name):
                self._declare(name, d.span, "procedure")
                sym.procedures[name] = d
            case A.ProcessDecl(name, count):
                self._declare(name, d.span, "process")
                n = None
                if count is not None:
                    n = el.const_int(count)
                    if not 0 <= n <= 16:
                        raise SpecError(count.span, f"process count {n} must be within 0..16")
                self._instances += 1 if n is None else n
                if self._instances > MAX_PROCESSES:
                    raise SpecError(d.span, f"more than {MAX_PROCESSES} process instances")
                sym.processes.append(ProcessInfo(d, n))
            case A.InvariantDecl(name):
                self._declare(name, d.span, "invariant")
                sym.invariants.append(d)
            case A.LemmaDecl(name):
                self._declare(name, d.span, "lemma")
                sym.lemmas.append(d)
            case A.CoverDecl(name):
                self._declare(name, d.span, "cover")
                sym.covers.append(d)
            case A.AssumeDecl():
                sym.assumes.append(d)
            case A.DepthDecl(depth):
                if sym.depth is not None:
                    raise SpecError(d.span, "depth declared twice")
                if not 0 <= depth <= MAX_DEPTH:
                    raise SpecError(d.span, f"depth {depth} must be within 0..{MAX_DEPTH}")
                sym.depth = depth
            case A.DeadlockDecl():
                sym.deadlock = False
            case A.ExpectDecl():
                sym.expects.append(d)

    def var_type(self, t: A.TypeExpr) -> Type:
        vt = self.el.type_expr(t)
        if isinstance(vt, AnyIntT):
            raise SpecError(t.span, "state variables need a bounded type",
                            hint="write a range such as 0..7 instead of 'int'")
        return vt

    def check_init(self, t: Type, init: A.Init | None, span: Span) -> None:
        """Initial values must be constants that fit (broadcast to every array element)."""
        match init:
            case None | A.AnyInit():
                return
            case A.ListInit(elems):
                if not isinstance(t, ArrayT):
                    raise SpecError(init.span, f"a list initialises an array, not '{t}'")
                n = len(_domain(t.index))
                if len(elems) != n:
                    raise SpecError(init.span, f"the array has {n} elements, the list "
                                    f"{len(elems)}")
                for x in elems:
                    self.check_init(t.elem, x, span)
            case A.RecordLit(fields) if isinstance(t, RecordT):
                given = dict(fields)
                for f, ft in t.fields:
                    if f not in given:
                        raise SpecError(init.span, f"field '{f}' has no initial value")
                    self.check_init(ft, given[f], span)
                for f in given:
                    if t.field(f) is None:
                        raise SpecError(init.span, f"record '{t}' has no field '{f}'")
            case _:
                if isinstance(t, ArrayT):
                    self.check_init(t.elem, init, span)
                    return
                v = self.el.expr(init, Scope(allow_state=False), expected=t)
                if not isinstance(v, Scalar) or not isinstance(v.expr, Const):
                    raise SpecError(init.span, "an initial value must be a constant")
                fits_value(t, v.type, v.expr.value, init.span)

    # ------------------------------------------------------------ statements
    def _body(self, body: tuple[A.Stmt, ...], owner: str, in_procedure: bool,
              params: tuple[A.Param, ...] = ()) -> None:
        labels: dict[str, Span] = {}
        seen_stmt = False
        names = unique_names(params, "parameter")
        for s in body:
            if isinstance(s, A.LocalVar):
                if s.name in names:
                    raise SpecError(s.span, f"'{s.name}' is already declared in '{owner}'",
                                    notes=(Note(names[s.name], "first declared here"),))
                names[s.name] = s.span
                if seen_stmt:
                    raise SpecError(s.span, "local variables are declared at the top of a body")
                vt = self.var_type(s.type)
                self.check_init(vt, s.init, s.span)
            else:
                seen_stmt = True
        self._stmts(body, owner, labels, in_procedure, top=True)

    def _stmts(self, body: Iterable[A.Stmt], owner: str, labels: dict[str, Span],
               in_procedure: bool, top: bool = False, in_atomic: bool = False,
               in_loop: bool = False) -> None:
        for s in body:
            self._stmt(s, owner, labels, in_procedure, top, in_atomic, in_loop)

    def _stmt(self, s: A.Stmt, owner: str, labels: dict[str, Span], in_proc: bool,
              top: bool, in_atomic: bool, in_loop: bool = False) -> None:
        def sub(b: tuple[A.Stmt, ...], atomic: bool = in_atomic, loop: bool = in_loop) -> None:
            self._stmts(b, owner, labels, in_proc, in_atomic=atomic, in_loop=loop)

        match s:
            case A.Labelled(label, body):
                if in_atomic:
                    raise SpecError(s.span, "labels inside 'atomic' name nothing: the whole "
                                    "block is one step", hint="label the 'atomic' statement")
                if label in labels:
                    raise SpecError(s.span, f"label '{label}' is already used in '{owner}'",
                                    notes=(Note(labels[label], "first used here"),))
                labels[label] = s.span
                self._stmt(body, owner, labels, in_proc, top, in_atomic, in_loop)
            case A.LocalVar() if not top:
                raise SpecError(s.span, "local variables are declared at the top of a "
                                "process or procedure body")
            case A.If(_, then, else_):
                sub(then)
                sub(else_)
            case A.While(_, body):
                if in_atomic:
                    raise SpecError(s.span, "'while' inside 'atomic' may not terminate",
                                    hint="use a bounded 'for'")
                sub(body, loop=True)
            case A.For(_, _, _, body):
                lo, hi = self.el.const_int(s.lo), self.el.const_int(s.hi)
                if hi - lo >= MAX_RANGE_VALUES:
                    raise SpecError(s.span, f"'for' over {lo}..{hi} unrolls into too many steps",
                                    hint=f"at most {MAX_RANGE_VALUES} iterations")
                sub(body, loop=True)
            case A.Either(branches):
                for b in branches:
                    sub(b)
            case A.With(lock, body):
                self._lock(lock, s.span)
                sub(body)
            case A.Acquire(lock) | A.Release(lock):
                self._lock(lock, s.span)
            case A.Atomic(body):
                sub(body, atomic=True)
            case A.Break():
                if not in_loop:
                    raise SpecError(s.span, "'break' outside a loop",
                                    hint="'break' leaves the innermost 'while' or 'for'")
            case A.CallStmt(name, args):
                if in_atomic:
                    raise SpecError(s.span, "a procedure call is a sequence of steps and "
                                    "cannot be inside 'atomic'")
                if name not in self.sym.procedures:
                    hint = (f"'{name}' is a function: use it in an expression"
                            if name in self.sym.defs else suggest(name, self.sym.procedures))
                    raise SpecError(s.span, f"unknown procedure '{name}'", hint=hint)
                p = self.sym.procedures[name]
                if len(args) != len(p.params):
                    raise SpecError(s.span, f"'{name}' takes {len(p.params)} argument(s), "
                                    f"{len(args)} given", notes=(Note(p.span, "declared here"),))
            case A.Assert(_, name) if name is not None:
                # every assert with one name checks one property; other declarations clash
                prev = self.sym.declared_at.get(name)
                if prev is not None and name not in self._assert_names:
                    raise SpecError(s.span, f"'{name}' is already declared",
                                    notes=(Note(prev, "first declared here"),))
                self.sym.declared_at.setdefault(name, s.span)
                self._assert_names.add(name)
            case A.Return():
                if not in_proc:
                    raise SpecError(s.span, "'return' outside a procedure")
                if in_atomic:
                    raise SpecError(s.span, "'return' inside 'atomic': a return is control flow "
                                    "between steps", hint="end the atomic block before the "
                                    "return, or guard the rest of the block with 'if'")
            case _:
                pass

    def _lock(self, name: str, span: Span) -> None:
        if name not in self.sym.locks:
            raise SpecError(span, f"unknown lock '{name}'",
                            hint=suggest(name, self.sym.locks) or "declare it with 'lock NAME'")

    def _no_recursion(self) -> None:
        def calls(body: Iterable[A.Stmt]) -> set[str]:
            out: set[str] = set()
            for s in body:
                match s:
                    case A.CallStmt(name):
                        out.add(name)
                    case A.Labelled(_, b):
                        out |= calls((b,))
                    case A.If(_, t, e):
                        out |= calls(t) | calls(e)
                    case A.While(_, b) | A.For(_, _, _, b) | A.With(_, b) | A.Atomic(b):
                        out |= calls(b)
                    case A.Either(bs):
                        for b in bs:
                            out |= calls(b)
            return out

        graph = {n: calls(p.body) for n, p in self.sym.procedures.items()}

        def visit(n: str, path: tuple[str, ...]) -> None:
            for m in graph.get(n, ()):
                if m in path or m == n:
                    raise SpecError(self.sym.procedures[n].span,
                                    f"procedure '{n}' is recursive ({' -> '.join((*path, n, m))})",
                                    hint="procedures are inlined at each call")
                visit(m, (*path, n))

        for n in graph:
            visit(n, ())


def unique_names(params: Iterable[A.Param], what: str) -> dict[str, Span]:
    seen: dict[str, Span] = {}
    for p in params:
        if p.name in seen:
            raise SpecError(p.span, f"{what} '{p.name}' is already declared",
                            notes=(Note(seen[p.name], "first declared here"),))
        seen[p.name] = p.span
    return seen


def _domain(t: Type) -> tuple[int | bool, ...]:
    return domain_values(t) or ()


def fits_value(target: Type, vt: Type, value: int | bool, span: Span) -> None:
    """A constant value must have the target's kind and lie in its range."""
    if not same_kind(target, vt):
        raise SpecError(span, f"cannot use a value of type '{vt}' for '{target}'")
    if isinstance(target, IntT) and not target.lo <= int(value) <= target.hi:
        raise SpecError(span, f"value {int(value)} is out of range {target}")
