"""A counterexample as a kernel developer draws a race: one column per process
(CPU), time going down.

Each step's cell gives its label and call context (`rmap_walk(mode=remove, p=0)`),
what it wrote, and, for the branches it took, the condition as written in the
spec with its value and the state it read that the trace had changed (a remove
walk that finds nothing prints `if pte[vma_address(p)] == migration ...: false`
beside `vm_start = 5, pte[7] = migration`). The last row names the property that
fails and the values that make it false. Plain ASCII unless asked otherwise.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from .. import ir
from ..diagnostics import Source, Span
from ..interp import State, compile_expr
from ..result import Trace
from ..trace import changes, show_value, visible, written

MAX_READS = 4
MAX_ALTERNATIVES = 64  # values tried per variable when looking for the deciding reads
MAX_COND = 80


def _text(source: Source | None, span: Span) -> str:
    if source is None or span.line != span.end_line:
        return f"line {span.line}"
    text = source.line(span.line)[span.col - 1:span.end_col - 1].strip()
    return text if len(text) <= MAX_COND else text[: MAX_COND - 3] + "..."


class Diagram:
    def __init__(self, system: ir.System, source: Source | None) -> None:
        self.system = system
        self.source = source
        self.index = {v.name: i for i, v in enumerate(system.vars)}
        self.vars = {v.name: v for v in system.vars}

    def _value(self, name: str, state: State) -> str:
        return show_value(self.system, self.vars[name], state[self.index[name]])

    def call(self, t: ir.Transition, state: State) -> str:
        """The step's call stack with argument values: `rmap_walk(mode=remove, p=0)`."""
        return " → ".join(self.frames(t, state))

    def frames(self, t: ir.Transition, state: State) -> list[str]:
        """Each call on the step's stack, outermost first, with argument values."""
        def arg(v: str) -> str:
            for name in (f"{t.process}.{v}", v):
                if name in self.vars:
                    return self._value(name, state)
            return v
        return [f"{f.procedure}({', '.join(f'{p}={arg(a)}' for p, a in f.args)})"
                for f in t.calls]

    def decided(self, t: ir.Transition, before: State,
                prefer: frozenset[str] = frozenset()) -> list[str]:
        """The branches t takes in `before`: the condition as written, its value, and the
        reads that decided it (`deciding`; those in `prefer` first)."""
        out = []
        for d in t.decisions:
            if not compile_expr(d.when, self.index)(before):
                continue  # a branch on a path the step did not take
            cond = compile_expr(d.cond, self.index)
            value = cond(before)
            shown = ", ".join(f"{n} = {self._value(n, before)}"
                              for n in self.deciding(d.cond, cond, before, value, prefer))
            out.append(f"if {_text(self.source, d.span)}: {'true' if value else 'false'}"
                       + (f"  [{shown}]" if shown else ""))
        return out

    def deciding(self, expr: ir.Expr, fn: Callable[[State], bool], state: State,
                 value: bool, prefer: frozenset[str]) -> list[str]:
        """The variables whose value decided `expr` here: changing any one of them alone
        changes the outcome (for `pte[vma_address(p)] == migration` at vm_start = 5 that
        is vm_start and pte[5], not the other pte elements)."""
        out = []
        for n in sorted(ir.variables(expr), key=lambda n: (n not in prefer, self.index[n])):
            var, i = self.vars[n], self.index[n]
            if not visible(var):
                continue
            for alt in var.sort.values()[:MAX_ALTERNATIVES]:
                if alt != state[i] and fn((*state[:i], alt, *state[i + 1:])) != value:
                    out.append(n)
                    break
            if len(out) == MAX_READS:
                break
        return out

    def notes(self, trace: Trace) -> list[tuple[list[str], list[str]]]:
        """Per step: its call stack and the branches that decided it (among the deciding
        reads, those the trace wrote before first)."""
        out = []
        written: frozenset[str] = frozenset()
        for i, t_index in enumerate(trace.steps):
            t = self.system.transitions[t_index]
            before = trace.states[i]
            out.append((self.frames(t, before), self.decided(t, before, written)))
            written |= {n for n, _ in changes(self.system, before, trace.states[i + 1])}
        return out

    def cells(self, trace: Trace, first: frozenset[str] = frozenset()
              ) -> list[tuple[str, list[str]]]:
        """(process, lines) per step; writes to the variables in `first` (those the
        violated property reads) are listed first."""
        out = []
        for i, (frames, decided) in enumerate(self.notes(trace)):
            t = self.system.transitions[trace.steps[i]]
            head = f"{i + 1}. {t.name}" + (" (fails)" if t.crash is not None else "")
            lines = [head] + ([f"  {' → '.join(frames)}"] if frames else [])
            lines += [f"  {line}" for line in decided]
            wrote = sorted(changes(self.system, trace.states[i], trace.states[i + 1]),
                           key=lambda nv: nv[0] not in first)
            lines.append("  " + (", ".join(f"{n} := {v}" for n, v in wrote) if wrote
                                 else "(no change)"))
            out.append((t.process, lines))
        return out

    def render(self, name: str, trace: Trace, prop: ir.Property | None,
               failing: list[ir.Transition], width: int = 100,
               unicode: bool = False) -> list[str]:
        cells = self.cells(trace, frozenset(ir.variables(prop.bad)) if prop else frozenset())
        procs = [p.name for p in self.system.processes if any(c[0] == p.name for c in cells)]
        bar = " │ " if unicode else " | "
        col = max(24, (width - len(bar) * (len(procs) - 1)) // max(1, len(procs)))
        rule = ("─" if unicode else "-") * (col * len(procs) + len(bar) * (len(procs) - 1))
        out = [f"race diagram for {name} ({len(cells)} steps):",
               bar.join(p.ljust(col) for p in procs).rstrip(), rule]
        for proc, lines in cells:
            wrapped = [w for line in lines for w in textwrap.wrap(
                line, col, subsequent_indent="    ", break_long_words=True) or [""]]
            k = procs.index(proc)
            for w in wrapped:
                row = ["" for _ in procs]
                row[k] = w
                out.append(bar.join(c.ljust(col) for c in row).rstrip())
        out.append(rule)
        last = trace.states[-1]
        if prop is not None:
            wrote = {self.system.vars[i].name for i in written(trace)}
            reads = [n for n in sorted(ir.variables(prop.bad), key=self.index.__getitem__)
                     if visible(self.vars[n])]
            relevant = [n for n in reads if n in wrote] or reads
            shown = ", ".join(f"{n} = {self._value(n, last)}" for n in relevant[:8])
            out.append(f"{name} fails: {shown}")
        for t in failing:
            out.append(f"then {t.process} {t.name} (line {t.span.line}) would fail")
        return out
