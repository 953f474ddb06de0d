"""One process instance's transitions: control points, the paths between them, the steps.

Control points are the actions reachable from the entry (the first action of
each path counts, the end does not): each gets a program-counter value. From
each point, every path through control flow to the next action (or to the
end) becomes one step: the conditions and fresh locals on the way, then the
action's statements. A check that may fail on the way also yields a crash
step to `done`.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

from .. import ir
from ..budget import Budget, Ticker
from ..diagnostics import Span, SpecError
from ..lang.elab import Elaborator
from ..lang.limits import MAX_TRANSITIONS
from ..lang.scope import Scope
from ..lang.types import sort_of
from ..lang.values import flat_names
from .control import (
    Action,
    Branch,
    Choice,
    End,
    Enter,
    Fresh,
    Goto,
    Instance,
    Node,
    skip_gotos,
)
from .state import initial_values
from .steps import At, Checks, Executor, StepState


@dataclass
class Lowered:
    """What one instance contributes to the system."""

    process: ir.Process
    pc_var: ir.StateVar
    steps: list[ir.Transition] = field(default_factory=list)
    sites: list[ir.Site] = field(default_factory=list)


def where(inst: Instance, label: str, calls: tuple[ir.Frame, ...]) -> str:
    """The name of a step's place for property names: `exec.stack_expand`, `rmap_walk.walk`."""
    if calls:
        return label
    return f"{inst.decl.name}.{label}" if label else inst.decl.name


class ProcessLowering:
    def __init__(self, el: Elaborator, inst: Instance, entry: Node, nodes: list[Node],
                 first_index: int, budget: Budget | None,
                 checks: Checks) -> None:
        self.el = el
        self.checks = checks
        self.inst = inst
        self.entry = entry
        self.nodes = nodes
        self.next_index = first_index
        self.ticker = Ticker(budget, "lowering the spec", every=64)
        self.points: dict[int, int] = {}  # id(node) -> pc
        self.order: list[Node] = []
        self.executed: set[int] = set()
        self.prunes: list[ir.Expr] = []
        self._crashes: set[tuple[int, str, ir.Expr]] = set()

    def _point(self, n: Node) -> int:
        if id(n) not in self.points:
            self.points[id(n)] = len(self.order)
            self.order.append(n)
        return self.points[id(n)]

    def run(self) -> Lowered:
        self._point(self.entry)
        found: list[tuple[int, list[tuple[StepState, Action | None]]]] = []
        # breadth-first from the entry: program counters number the control points in
        # program order, so "pc between a and b" means something (pdr's interval literals)
        pending = deque([self.entry])
        walked: set[int] = set()
        while pending:
            node = pending.popleft()
            if id(node) in walked:
                continue
            walked.add(id(node))
            pc = self.points[id(node)]
            start = StepState({}, ir.eq(ir.Var(self.inst.pc_var), ir.Const(pc)))
            paths = self._paths(node, start, [])
            found.append((pc, paths))
            for _, act in paths:
                for after in (act.next, act.brk) if act is not None else ():
                    nxt = skip_gotos(after) if after is not None else None
                    if nxt is not None and not isinstance(nxt, End) and \
                            id(nxt) not in self.points:
                        self._point(nxt)
                        pending.append(nxt)
        done = len(self.order)
        names = tuple([_point_name(n) for n in self.order] + ["done"])
        pc_var = ir.StateVar(self.inst.pc_var, ir.IntSort(0, done, names),
                             Span(self.inst.decl.span.file, 0, 0, 0, 0), ir.VarKind.PC)
        out = Lowered(ir.Process(self.inst.name, self.inst.pc_var, done, names,
                                 self.inst.decl.name), pc_var)
        seen_sites: set[tuple[str, int]] = set()
        for pc, paths in sorted(found, key=lambda f: f[0]):
            for st, act in paths:
                if act is None:  # fell off the end without a step: a silent step to done
                    self._emit(out, "end", self.inst.decl.span, st, pc, done, done, (), "")
                    continue
                to = self._pc_of(act.next, done)
                here = where(self.inst, act.label, act.calls)
                self.executed.add(id(act))
                if (act.label, act.span.line) not in seen_sites:
                    seen_sites.add((act.label, act.span.line))
                    out.sites.append(ir.Site(self.inst.decl.name, act.label, act.span))
                ex = Executor(self.el, self.inst, At(act.label, act.span), here, self.checks)
                for end in ex.run(act.stmts, act.env, st, ir.TRUE):
                    if ir.is_false(end.broken):
                        self._emit(out, act.label, act.span, end, pc, to, done, act.calls, here)
                        continue
                    # a `break` in the step leaves the loop around it: two ways out
                    left = end.copy()
                    left.base = ir.and_(left.base, left.broken)
                    end.base = ir.and_(end.base, ir.not_(end.broken))
                    for way, dest in ((end, to), (left, self._pc_of(act.brk, done))):
                        self._emit(out, act.label, act.span, way, pc, dest, done, act.calls,
                                   here)
        self._type_check_dead_code()
        out.process = ir.Process(out.process.name, out.process.pc_var, done, names,
                                 self.inst.decl.name, ir.disj(self.prunes))
        return out

    def _pc_of(self, node: Node | None, done: int) -> int:
        target = skip_gotos(node) if node is not None else None
        return done if target is None or isinstance(target, End) else self.points[id(target)]

    def _paths(self, node: Node, st: StepState,
               seen: list[int]) -> list[tuple[StepState, Action | None]]:
        """All ways from a control point to the next action: the state on the way, the action."""
        match node:
            case Action():
                return [(st, node)]
            case End():
                return [(st, None)]
            case Goto(span, target):
                if id(node) in seen:
                    raise SpecError(span, "this loop can go round without taking a step",
                                    hint="put a statement (e.g. 'await' or 'skip') in its body")
                assert target is not None
                return self._paths(target, st, [*seen, id(node)])
            case Choice(alts):
                return [p for a in alts for p in self._paths(a, st.copy(), seen)]
            case Enter(fresh, nxt):
                return [p for s in self._fresh_locals(fresh, st)
                        for p in self._paths(nxt, s, seen)]
            case Branch(cond, env, span, label, calls, then, else_):
                if id(node) in seen:
                    raise SpecError(span, "this loop can go round without taking a step",
                                    hint="put a statement (e.g. 'await' or 'skip') in its body")
                self.executed.add(id(node))
                ex = Executor(self.el, self.inst, At(label, cond.span),
                              where(self.inst, label, calls), self.checks)
                c = ex.condition(cond, env, st, ir.TRUE)
                out: list[tuple[StepState, Action | None]] = []
                assert then is not None and else_ is not None
                for sub, guard in ((then, c), (else_, ir.not_(c))):
                    branch = st.copy()
                    branch.base = ir.and_(branch.base, guard)
                    if ir.is_false(branch.base):
                        continue
                    out += self._paths(sub, branch, [*seen, id(node)])
                return out
        raise TypeError(node)

    def _fresh_locals(self, fresh: tuple[Fresh, ...], st: StepState) -> list[StepState]:
        """A call's locals take their initial values; without one, any value of the type."""
        fixed: list[tuple[str, ir.Expr]] = []
        free: list[tuple[str, tuple[int | bool, ...]]] = []
        for f in fresh:
            given = dict(initial_values(f.ref.prefix, f.ref.type, f.init, self.el))
            for flat, ft in flat_names(f.ref.prefix, f.ref.type):
                if flat in given:
                    fixed.append((flat, given[flat]))
                else:
                    free.append((flat, sort_of(ft).values()))
        outs = []
        for combo in itertools.product(*(vals for _, vals in free)):
            s = st.copy()
            s.sigma.update(fixed)
            s.sigma.update((flat, ir.Const(v)) for (flat, _), v in zip(free, combo, strict=True))
            outs.append(s)
            if len(outs) > MAX_TRANSITIONS:
                raise SpecError(fresh[0].span, "the uninitialised locals of this procedure "
                                f"take more than {MAX_TRANSITIONS} values at each call",
                                hint="give them initial values")
        return outs

    def _emit(self, out: Lowered, label: str, span: Span, st: StepState, pc: int, to: int,
              done: int, calls: tuple[ir.Frame, ...], here: str) -> None:
        self.ticker.tick()
        self.prunes.extend(st.prunes)
        guard = ir.and_(st.base, st.assume, st.ok)
        if not ir.is_false(guard):
            updates = [(v, e) for v, e in st.sigma.items() if e != ir.Var(v)]
            updates.append((self.inst.pc_var, ir.Const(to)))
            self._add(out, ir.Transition(self.next_index, self.inst.name, label, span, guard,
                                         tuple(updates), self.inst.pc_var, pc, to, None, calls,
                                         tuple(st.decisions)))
        # A failed check (a BUG_ON) ends its process, as an oops ends the task. The crash
        # step is the step the check belongs to: a branch condition's, or the action's.
        for f in st.fails:
            key = (pc, f.check.name, f.when)
            if key in self._crashes:
                continue
            self._crashes.add(key)
            self._add(out, ir.Transition(self.next_index, self.inst.name, f.at.label, f.at.span,
                                         f.when, ((self.inst.pc_var, ir.Const(done)),),
                                         self.inst.pc_var, pc, done, f.check, calls,
                                         tuple(st.decisions)))

    def _add(self, out: Lowered, t: ir.Transition) -> None:
        if self.next_index >= MAX_TRANSITIONS:
            raise SpecError(t.span, f"the system grows past {MAX_TRANSITIONS} transitions here",
                            hint="every path of control flow between two steps is a transition: "
                            "unroll fewer loops, use fewer 'either'/'choose' alternatives, "
                            "or fewer branching procedure calls between two steps")
        out.steps.append(t)
        self.next_index += 1

    def _type_check_dead_code(self) -> None:
        """Code that no path reaches (constant-false conditions) is still type-checked."""
        for n in self.nodes:
            if id(n) in self.executed:
                continue
            if isinstance(n, Action):
                here = where(self.inst, n.label, n.calls)
                Executor(self.el, self.inst, At(n.label, n.span), here, self.checks).run(
                    n.stmts, n.env, StepState({}, ir.FALSE), ir.FALSE)
            elif isinstance(n, Branch):
                self.el.boolean(n.cond, Scope(n.env, self_value=self.inst.self_value),
                                ir.FALSE)


def _point_name(n: Node) -> str:
    n = skip_gotos(n)
    if isinstance(n, Action):
        return n.label or f"L{n.span.line}"
    if isinstance(n, Branch):
        return f"L{n.span.line}"
    if isinstance(n, Choice):
        return "either"
    return "end"
