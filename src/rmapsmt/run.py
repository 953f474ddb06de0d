"""The one path every command takes: run an engine, vouch for its answer, judge it.

The engine's traces are replayed in the interpreter (which shares no code with
the SMT encoding), put in canonical order and replayed again; then the
engine-independent warnings are added and the spec's expectations judged. A
trace that does not replay is a bug in rmapsmt: `ReplayError`, never a result.
"""

from __future__ import annotations

from dataclasses import replace

from . import engines, ir
from .budget import Budget, OutOfBudget
from .cache import Cache, key
from .engines.sanity import dead_step_warnings, tautologies
from .expect import judge
from .interp import Interpreter, ReplayError, TooManyStates
from .pipeline import Loaded
from .report import Report, Simulation
from .result import Result, Trace
from .trace import canonical_order


def prove(loaded: Loaded, engine: str, budget: Budget, cache: Cache | None = None,
          merge: bool | None = None) -> Report:
    """`prove`, a matrix cell, a CI run: the verified answer and the expectations judged.

    `merge` says whether the engine runs with steps merged (`engines/merge.py`; None:
    the engine's default, `engines.MERGING`). With a `cache`, a stored answer for the
    same system, engine and budget is vouched for like a fresh one (replayed in the
    interpreter); one that does not replay is dropped, with a note, and the engine runs."""
    system = loaded.system
    result = None
    if cache is not None:
        k = key(system, engine if merge is None else f"{engine}, merge={merge}", budget)
        stored = cache.get(system, k)
        if stored is not None:
            try:
                result = vouch(system, stored, budget)
            except ReplayError as err:
                cache.drop(k, f"its trace does not replay: {err}")
    cached = result is not None
    if result is None:
        budget.enter(f"running the {engine} engine")
        raw = engines.get(engine, merge)(system, budget)
        result = vouch(system, raw, budget)
        if cache is not None:
            cache.put(k, raw)
    return Report(system, loaded.source, result, judge(system, result),
                  failing_steps(system, result), cached=cached)


def answer(system: ir.System, engine: str, budget: Budget, merge: bool | None = None
           ) -> Result:
    """Run `engine`; every trace in the answer has been replayed (ReplayError otherwise)."""
    budget.enter(f"running the {engine} engine")
    return vouch(system, engines.get(engine, merge)(system, budget), budget)


def vouch(system: ir.System, result: Result, budget: Budget) -> Result:
    """An engine's answer made presentable: traces replayed and put in canonical order,
    engine-independent warnings added."""
    # from here on an answer exists: replay it (cheap: only the steps it takes), and
    # add the warnings only while time is left; running out now never loses the answer
    budget.mark("replaying counterexamples")
    result = verify(system, result)
    budget.mark("looking for tautologies")
    warnings = dead_step_warnings(system, result) + tautologies(system, budget)
    return replace(result, warnings=result.warnings + warnings)


def verify(system: ir.System, result: Result) -> Result:
    """Replay every trace in the interpreter, then present it in canonical order.

    The engine's own trace is replayed first (for a solver that is the check of
    the encoding); the reordered one is rebuilt by the interpreter and replayed too.
    """
    if not any(p.trace for p in result.properties) and not any(c.trace for c in result.covers):
        return result
    interp = Interpreter(system)

    def settle(trace: Trace, **goal: str) -> Trace:
        interp.replay(trace.states, trace.steps, **goal)
        steps = canonical_order(system, trace.steps)
        states = [trace.states[0]]
        for t in steps:
            states.append(interp.step(states[-1], system.transitions[t]))
        canon = Trace(tuple(states), steps)
        interp.replay(canon.states, canon.steps, **goal)
        return canon

    props = tuple(replace(p, trace=settle(p.trace, prop=p.name)) if p.trace else p
                  for p in result.properties)
    covers = tuple(replace(c, trace=settle(c.trace, cover=c.name)) if c.trace else c
                   for c in result.covers)
    return replace(result, properties=props, covers=covers)


def failing_steps(system: ir.System, result: Result) -> dict[str, tuple[int, ...]]:
    """For each violated check property, the steps that would fail at the end of its trace."""
    interp = Interpreter(system)
    return {p.name: tuple(t.index for t in interp.failing_steps(p.trace.states[-1], p.name))
            for p in result.properties if p.trace is not None}


def simulate(loaded: Loaded, steps: int, seed: int, budget: Budget) -> Report:
    """One random run in the interpreter (no solver); the same seed gives the same run."""
    budget.enter("simulating")
    interp = Interpreter(loaded.system, budget)
    first, run = interp.simulate(steps, seed, budget)
    trace = Trace((first, *(s for _, s in run)), tuple(t.index for t, _ in run))
    interp.replay(trace.states, trace.steps)
    last = trace.states[-1]
    bad = tuple(p.name for p in interp.violated(last))  # includes `deadlock` unless allowed
    end = ("stopped: " + ", ".join(bad) + " violated" if bad
           else f"stopped after {trace.length} steps" if interp.enabled(last)
           else "all processes finished" if interp.finished(last)
           else "no process can move")
    return Report(loaded.system, loaded.source, simulation=Simulation(seed, trace, end, bad))


def describe(loaded: Loaded) -> Report:
    """`check`: the spec is well-formed; what it lowered to."""
    return Report(loaded.system, loaded.source)


__all__ = ["OutOfBudget", "TooManyStates", "answer", "describe", "failing_steps", "prove",
           "simulate", "verify"]
