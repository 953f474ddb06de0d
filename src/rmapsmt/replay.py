"""Replay a saved counterexample against a spec, possibly edited or under other options:
"where does this fix block it?".

A saved trace (from `prove --format json`) names each step by process and label
and records what it wrote. Replay starts from an initial state of the new system
that agrees with the saved one on every variable both know, then takes, at each
step, the same process's step of the same label: the one that writes what the
saved step wrote if there is one (the same behaviour), else any (the trace has
diverged: it behaves differently here), else none (it is blocked here: the step
cannot run). It stops at the first divergence or block; a trace that replays to
the end is checked against the property it violated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import ir
from .diagnostics import SpecError
from .interp import Interpreter, State, TooManyStates
from .result import Trace
from .trace import changes, initial_view, show_value, step_views

MAX_INSERTED = 3  # new steps of one process taken before a saved one


@dataclass(frozen=True, slots=True)
class SavedStep:
    process: str
    label: str
    wrote: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Saved:
    prop: str
    initial: tuple[tuple[str, str], ...]
    steps: tuple[SavedStep, ...]


def saved_from_json(doc: Mapping[str, Any], prop: str | None) -> Saved:
    """The counterexample of `prop` (default: the report's shortest) in a prove report."""
    try:
        name = prop or doc["property"]
        if name is None:
            raise SpecError(None, "the saved report has no counterexample (nothing violated)")
        entry = next((p for p in doc["properties"] if p["name"] == name), None)
        if entry is None or entry["trace"] is None:
            raise SpecError(None, f"the saved report has no counterexample for '{name}'")
        trace = entry["trace"]
        return Saved(str(name), tuple((str(k), str(v)) for k, v in trace["initial"].items()),
                     tuple(SavedStep(str(s["process"]), str(s["label"]),
                                     tuple((str(k), str(v)) for k, v in s["state"].items()))
                           for s in trace["steps"]))
    except (KeyError, TypeError, AttributeError) as err:
        raise SpecError(None, f"not a report of `rmapsmt prove --format json` ({err})") from None


def saved_from_trace(system: ir.System, prop: str, trace: Trace) -> Saved:
    """A counterexample of this run, as `replay` reads a saved one."""
    return Saved(prop, tuple(initial_view(system, trace.states[0])),
                 tuple(SavedStep(v.process, v.label, v.changes)
                       for v in step_views(system, trace)))


def blocked_where(out: Outcome, prop: str) -> str | None:
    """Where a replay stops the counterexample, in a few words (None: it does not)."""
    if out.still_violates(prop) or not out.started:
        return None
    if out.stuck is not None:
        return f"step {out.replayed + 1} ({out.stuck.process} {out.stuck.label} waits)"
    d = out.divergence
    if d is not None:
        return f"step {d.index + 1} ({d.step.process} {d.step.label})"
    return "its end (the property holds there)"


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first saved step the spec no longer takes as saved."""

    index: int  # 0-based, in the saved trace
    step: SavedStep
    transition: ir.Transition | None  # the step taken instead; None: none could run
    before: State
    wrote: tuple[tuple[str, str], ...] = ()
    inserted: bool = False  # `transition` is a step the saved trace does not have at all


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the saved trace replays: where it first diverges, how far it gets, and
    whether its property is still violated at the end."""

    replayed: int  # saved steps taken (as saved or not)
    divergence: Divergence | None
    stuck: SavedStep | None  # the saved step that could not run, where replay stopped
    last: State | None  # the last state reached (None: no start)
    violated: tuple[str, ...]  # properties violated in the last state reached

    @property
    def started(self) -> bool:
        """False: no initial state of the spec agrees with the saved one."""
        return self.last is not None

    def still_violates(self, prop: str) -> bool:
        return self.started and prop in self.violated


def _start(interp: Interpreter, system: ir.System, initial: dict[str, str]) -> State | None:
    for s in interp.initial_states():
        if all(show_value(system, v, x) == initial[v.name]
               for v, x in zip(system.vars, s, strict=True) if v.name in initial):
            return s
    return None


def _named(t: ir.Transition, step: SavedStep) -> bool:
    label = step.label.removesuffix(" (fails)")
    return (t.process == step.process and t.name == label
            and (t.crash is not None) == step.label.endswith(" (fails)"))


def replay(system: ir.System, saved: Saved) -> Outcome:
    """Take the saved steps in order; after a divergence, go on with any step of the
    same process and label, so a fix that changes a step but not the outcome shows."""
    interp = Interpreter(system)
    try:
        s = _start(interp, system, dict(saved.initial))
    except TooManyStates:
        s = None
    if s is None:
        return Outcome(0, None, None, None, ())
    first: Divergence | None = None
    known = {(st.process, st.label.removesuffix(" (fails)")) for st in saved.steps}
    for i, step in enumerate(saved.steps):
        options = [(t, n) for t, n in interp.successors(s) if _named(t, step)]
        for _ in range(MAX_INSERTED):
            if options:
                break
            # a step the saved trace never names (a fix's new step, say): take it first
            extra = [(t, n) for t, n in interp.successors(s)
                     if t.process == step.process and (t.process, t.name) not in known]
            if not extra:
                break
            t, n = extra[0]
            if first is None:
                first = Divergence(i, step, t, s, changes(system, s, n), inserted=True)
            s = n
            options = [(t, n) for t, n in interp.successors(s) if _named(t, step)]
        same = [(t, n) for t, n in options if changes(system, s, n) == step.wrote]
        if first is None and not same:
            t_n = options[0] if options else None
            first = Divergence(i, step, t_n[0] if t_n else None, s,
                               changes(system, s, t_n[1]) if t_n else ())
        if not options:
            return Outcome(i, first, step, s, tuple(p.name for p in interp.violated(s)))
        s = (same or options)[0][1]
    return Outcome(len(saved.steps), first, None, s,
                   tuple(p.name for p in interp.violated(s)))
