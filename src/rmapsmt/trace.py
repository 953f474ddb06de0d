"""Counterexample traces as readable steps: who moved, where, what changed."""

from __future__ import annotations

from dataclasses import dataclass

from . import ir
from .result import State, Trace


@dataclass(frozen=True, slots=True)
class StepView:
    step: int
    process: str
    label: str
    line: int
    changes: tuple[tuple[str, str], ...]


def show_value(system: ir.System, var: ir.StateVar, value: int | bool) -> str:
    if var.kind is ir.VarKind.LOCK:
        return "free" if value == 0 else system.processes[int(value) - 1].name
    return var.sort.show(value)


def visible(var: ir.StateVar) -> bool:
    return var.kind is not ir.VarKind.PC


def initial_view(system: ir.System, state: State) -> list[tuple[str, str]]:
    return [(v.name, show_value(system, v, x))
            for v, x in zip(system.vars, state, strict=True) if visible(v)]


def compact(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fold the elements of one-level arrays: `pte[*] = none`, or `pte = [a, b, ...]`."""
    out: list[tuple[str, str]] = []
    groups: dict[str, list[str]] = {}
    order: list[str] = []
    for name, value in pairs:
        base, bracket, rest = name.partition("[")
        if bracket and rest.endswith("]") and "[" not in rest and "." not in rest:
            if base not in groups:
                groups[base] = []
                order.append(base)
                out.append((base, ""))
            groups[base].append(value)
        else:
            out.append((name, value))
    result = []
    for name, value in out:
        if name in groups and value == "":
            vals = groups[name]
            if len(set(vals)) == 1:
                result.append((f"{name}[*]", vals[0]))
            else:
                result.append((name, "[" + ", ".join(vals) + "]"))
        else:
            result.append((name, value))
    return result


def written(trace: Trace) -> list[int]:
    """The indices of the variables some step of the trace changes, in declaration order."""
    return [i for i in range(len(trace.states[0]))
            if any(a[i] != b[i] for a, b in zip(trace.states, trace.states[1:], strict=False))]


def changes(system: ir.System, before: State, after: State) -> tuple[tuple[str, str], ...]:
    return tuple((v.name, show_value(system, v, b))
                 for v, a, b in zip(system.vars, before, after, strict=True)
                 if a != b and visible(v))


def step_label(t: ir.Transition) -> str:
    return t.name + (" (fails)" if t.crash is not None else "")


def step_view(system: ir.System, i: int, t: ir.Transition, before: State,
              after: State) -> StepView:
    return StepView(i, t.process, step_label(t), t.span.line, changes(system, before, after))


def step_views(system: ir.System, trace: Trace) -> list[StepView]:
    return [step_view(system, i + 1, system.transitions[t], trace.states[i], trace.states[i + 1])
            for i, t in enumerate(trace.steps)]


def canonical_order(system: ir.System, steps: tuple[int, ...]) -> tuple[int, ...]:
    """The same interleaving up to swapping independent steps, with fewest context switches.

    Steps of one process, and steps where one writes what the other touches,
    keep their order; every other pair may commute. Among the orders this
    allows, pick greedily: keep running the last process while it can, else
    the lowest-numbered process that can. Equivalent traces get one
    presentation, and it reads like the narrative of a race.
    """
    n = len(steps)
    fp = [ir.footprint(system.transitions[t]) for t in steps]
    proc = [system.transitions[t].process for t in steps]
    order = {p.name: i for i, p in enumerate(system.processes)}
    preds: list[set[int]] = [set() for _ in range(n)]
    for j in range(n):
        for i in range(j):
            if proc[i] == proc[j] or not ir.independent(fp[i], fp[j]):
                preds[j].add(i)
    done: list[int] = []
    taken = [False] * n
    last: str | None = None
    while len(done) < n:
        ready = [j for j in range(n) if not taken[j] and all(taken[i] for i in preds[j])]
        same = [j for j in ready if proc[j] == last]
        j = same[0] if same else min(ready, key=lambda x: (order[proc[x]], x))
        taken[j] = True
        done.append(j)
        last = proc[j]
    return tuple(steps[j] for j in done)
