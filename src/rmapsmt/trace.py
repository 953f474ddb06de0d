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
    if var.kind == "lock":
        return "free" if value == 0 else system.processes[int(value) - 1].name
    return var.sort.show(value)


def visible(var: ir.StateVar) -> bool:
    return var.kind != "pc"


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


def changes(system: ir.System, before: State, after: State) -> tuple[tuple[str, str], ...]:
    return tuple((v.name, show_value(system, v, b))
                 for v, a, b in zip(system.vars, before, after, strict=True)
                 if a != b and visible(v))


def step_view(system: ir.System, i: int, t: ir.Transition, before: State,
              after: State) -> StepView:
    return StepView(i, t.process, t.label, t.span.line, changes(system, before, after))


def step_views(system: ir.System, trace: Trace) -> list[StepView]:
    return [step_view(system, i + 1, system.transitions[t], trace.states[i], trace.states[i + 1])
            for i, t in enumerate(trace.steps)]
