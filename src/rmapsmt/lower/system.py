"""Assembling the transition system: state, processes, properties, covers, expectations."""

from __future__ import annotations

from collections import defaultdict

from .. import ir
from ..budget import Budget
from ..diagnostics import Span, SpecError
from ..lang import ast as A
from ..lang.elab import Elaborator
from ..lang.scope import Scope
from ..lang.symbols import Symbols
from ..lang.types import BoolT, EnumT, IntT
from .control import GraphBuilder, Instance
from .process import ProcessLowering
from .state import Layout
from .steps import Checks

DEFAULT_DEPTH = 20


def lower(sym: Symbols, budget: Budget | None = None) -> ir.System:
    """A checked spec as a transition system: the one entry point of this package."""
    layout = Layout()
    el = Elaborator(sym, layout.ranges)
    for name, info in sym.vars.items():
        layout.add(name, info.type, info.span, info.kind)
        layout.initialise(name, info.type, info.init, el)
    instances = _instances(sym)
    for lock, span in sym.locks.items():
        layout.add(f"lock:{lock}", IntT(0, max(1, len(instances))), span, ir.VarKind.LOCK)
        layout.init.append(ir.eq(ir.Var(f"lock:{lock}"), ir.Const(0)))
    builders = [GraphBuilder(sym, el, layout, inst) for inst in instances]
    entries = [b.build() for b in builders]
    transitions: list[ir.Transition] = []
    processes: list[ir.Process] = []
    sites: list[ir.Site] = []
    checks = Checks()
    for inst, b, entry in zip(instances, builders, entries, strict=True):
        if budget is not None:
            budget.check("lowering the spec")
        done = ProcessLowering(el, inst, entry, b.nodes, len(transitions), budget,
                               checks).run()
        layout.vars.append(done.pc_var)
        layout.ranges[inst.pc_var] = (0, done.process.done)
        layout.init.append(ir.eq(ir.Var(inst.pc_var), ir.Const(0)))
        transitions += done.steps
        processes.append(done.process)
        sites += [s for s in done.sites if s not in sites]
    for a in sym.assumes:
        scope = Scope(read=ir.Var)
        layout.init.append(el.boolean(a.expr, scope))
        layout.init.extend(c.ok for c in scope.checks)
    covers = []
    for c in sym.covers:
        scope = Scope(read=ir.Var)
        e = el.boolean(c.expr, scope)
        covers.append(ir.Cover(c.name, ir.and_(e, *(k.ok for k in scope.checks)), c.span))
    return ir.System(
        sym.spec_name, tuple(layout.vars), tuple(layout.init), tuple(transitions),
        tuple(processes), tuple(_properties(sym, el, processes, transitions, checks.found)),
        tuple(covers),
        sym.depth if sym.depth is not None else DEFAULT_DEPTH,
        tuple((n, _show_const(sym, n)) for n in sym.option_names),
        _expectations(sym, el), tuple(sites), sym.file,
    )


def _instances(sym: Symbols) -> list[Instance]:
    out: list[Instance] = []
    for p in sym.processes:
        for i in range(1 if p.count is None else p.count):
            name = p.decl.name if p.count is None else f"{p.decl.name}[{i}]"
            out.append(Instance(name, p.decl, len(out) + 1, None if p.count is None else i,
                                f"pc:{name}"))
    return out


def _properties(sym: Symbols, el: Elaborator, processes: list[ir.Process],
                transitions: list[ir.Transition],
                registry: dict[str, ir.Check]) -> list[ir.Property]:
    props: list[ir.Property] = []
    decls: list[tuple[A.InvariantDecl | A.LemmaDecl, ir.PropKind]] = [
        *((i, ir.PropKind.INVARIANT) for i in sym.invariants),
        *((m, ir.PropKind.LEMMA) for m in sym.lemmas)]
    for decl, kind in decls:
        scope = Scope(read=ir.Var)
        e = el.boolean(decl.expr, scope)
        bad = ir.or_(ir.not_(e), *(ir.not_(c.ok) for c in scope.checks))
        props.append(ir.Property(decl.name, kind, bad, decl.span,
                                 f"{kind} (line {decl.span.line})"))
    # a check property is violated where one of its crash steps is enabled
    by_name: dict[str, list[ir.Transition]] = defaultdict(list)
    for t in transitions:
        if t.crash is not None:
            by_name[t.crash.name].append(t)
    for name, check in registry.items():
        props.append(ir.Property(name, ir.PropKind(check.kind.value),
                                 ir.disj(t.guard for t in by_name[name]), check.span,
                                 f"{check.message} (line {check.span.line})"))
    if sym.deadlock:
        props.append(ir.Property("deadlock", ir.PropKind.DEADLOCK,
                                 ir.deadlock_bad(processes, transitions),
                                 Span(sym.file, 0, 0, 0, 0),
                                 "deadlock freedom (built in; 'allow deadlock' turns it off)"))
    return props


def _expectations(sym: Symbols, el: Elaborator) -> tuple[ir.Expectation, ...]:
    out = []
    for e in sym.expects:
        if e.when is not None:
            c = el.const_value(e.when)
            if not isinstance(c.type, BoolT):
                raise SpecError(e.when.span, "an expectation's 'when' must be a condition "
                                "on options and constants")
            if not c.value:
                continue
        out.append(ir.Expectation(e.verdict, e.prop, e.span, e.bound))
    return tuple(out)


def _show_const(sym: Symbols, name: str) -> str:
    c = sym.consts[name]
    assert not isinstance(c.value, tuple)
    if isinstance(c.type, EnumT):
        return c.type.members[int(c.value)]
    if isinstance(c.type, BoolT):
        return "true" if c.value else "false"
    return str(c.value)
