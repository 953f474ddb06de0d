"""Sanity findings shared by the engines: steps that never run."""

from __future__ import annotations

from collections.abc import Iterable

from .. import ir


def step_key(t: ir.Transition) -> tuple[str, str, int]:
    """Replicated instances, forks and the crash variant of one statement are one step."""
    return (t.process.split("[", 1)[0], t.label.removesuffix(ir.CRASH), t.span.line)


def checked_steps(system: ir.System) -> list[ir.Transition]:
    """The steps a spec author wrote (not the silent steps to the end of a process)."""
    return [t for t in system.transitions if t.label != "end"]


def dead_step_warnings(system: ir.System, enabled: Iterable[int], complete: bool,
                       bound: int) -> tuple[str, ...]:
    seen = {step_key(system.transitions[i]) for i in enabled}
    out = []
    for key in dict.fromkeys(step_key(t) for t in checked_steps(system)):
        if key not in seen:
            proc, label, line = key
            where = "in any execution" if complete else f"within {bound} steps"
            out.append(f"dead step: {proc} {label} (line {line}) is never enabled {where}; "
                       "usually a modelling mistake")
    return tuple(out)
