"""Human-readable reports: the verdict first, then the counterexample."""

from __future__ import annotations

import textwrap

from .. import ir
from ..report import Report
from ..result import HOLDS, UNKNOWN, VACUOUS, VIOLATED, Proof, Result, State, Trace
from ..trace import StepView, compact, initial_view, step_views, written
from .diagram import Diagram

MAX_INIT_SHOWN = 40
MAX_INVARIANT_SHOWN = 40
MAX_SUPPORT_SHOWN = 24  # lines per property of "why it holds"
BUILTIN_CHECKS = ("range", "index", "lock")


def steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def _capped(lines: tuple[str, ...]) -> list[str]:
    out = [f"    {line}" for line in lines[:MAX_SUPPORT_SHOWN]]
    if len(lines) > MAX_SUPPORT_SHOWN:
        out.append(f"    ... {len(lines) - MAX_SUPPORT_SHOWN} more lines (--format json has "
                   "them all)")
    return out


def verdict_line(r: Result) -> str:
    if r.verdict == VIOLATED:
        names = ", ".join(p.name for p in r.properties if p.verdict == VIOLATED)
        return f"VIOLATED: {names}" + (f" (then {r.reason})" if r.reason else "")
    if r.verdict == HOLDS:
        if r.proof is Proof.EXHAUSTIVE:
            n = r.stats.states
            every = "the only reachable state" if n == 1 else f"all {n} reachable states"
            of = " of the merged system" if r.merged else ""
            return f"HOLDS for all executions (complete: {every}{of} explored)"
        if r.proof is Proof.TERMINATES:
            return (f"HOLDS for all executions (complete: no execution is longer than "
                    f"{steps(r.bound)}" + (", merged steps counted as one)" if r.merged else ")"))
        if r.proof is Proof.INDUCTIVE:
            return (f"HOLDS for all executions (proved by {r.bound}-induction"
                    + (f": {r.evidence})" if r.evidence else ")"))
        if r.proof is Proof.INVARIANT:
            return ("HOLDS for all executions (proved: inductive invariant"
                    + (f" {r.evidence})" if r.evidence else ")"))
        return (f"HOLDS up to {steps(r.bound)} (bounded: longer executions were not checked; "
                "raise -k/--depth to go further)")
    if r.verdict == VACUOUS:
        return f"VACUOUS (not a pass): {r.reason}"
    assert r.verdict == UNKNOWN
    so_far = f"holds up to depth {r.bound}, " if r.bound >= 0 else ""
    return f"UNKNOWN: {so_far}{r.reason}"


def _locations(system: ir.System, state: State) -> str:
    """Where each process is: `exec at move_ptes, migrate[0] at lock_page`."""
    index = {v.name: i for i, v in enumerate(system.vars)}
    return ", ".join(f"{p.name} at {p.pc_names[int(state[index[p.pc_var]])]}"
                     for p in system.processes)


def render_trace(system: ir.System, trace: Trace, failing: list[ir.Transition],
                 full_state: bool = False, start: str = "initial state") -> list[str]:
    """A counterexample as a numbered list. The initial state shows the variables the
    trace writes (all of them with `full_state`, or when it writes none)."""
    everything = initial_view(system, trace.states[0])
    wrote = {system.vars[i].name for i in written(trace)}
    picked = everything if full_state or not wrote else [
        (n, v) for n, v in everything if n in wrote]
    init = compact(picked) if len(picked) == len(everything) else picked
    shown = init[:MAX_INIT_SHOWN]
    hidden = len(everything) - len(picked)
    line = (", ".join(f"{n} = {v}" for n, v in shown)
            + (f", ... ({len(init) - len(shown)} more)" if len(init) > len(shown) else "")
            + (f" (and {hidden} unchanged; --full-state shows them)" if hidden else ""))
    out = textwrap.wrap(line, width=100, initial_indent=f"  {start}: ",
                        subsequent_indent="      ", break_on_hyphens=False)
    views = step_views(system, trace)
    width = max([len(v.process) for v in views] + [7])
    lwidth = max([len(v.label) for v in views] + [5])
    for v in views:
        out.append(_step_line(v, width, lwidth))
    for t in failing:
        out.append(f"  then {t.process} {t.name} (line {t.span.line}) would fail here")
    return out


def _step_line(v: StepView, width: int, lwidth: int) -> str:
    ch = ", ".join(f"{n} := {x}" for n, x in v.changes) or "(no change)"
    return f"  {v.step:>3}  {v.process:<{width}}  {v.label:<{lwidth}}  line {v.line:<4} {ch}"


def render(report: Report, diagram: bool = False, width: int = 100,
           unicode: bool = False, full_state: bool = False) -> str:
    """The report of `prove`: verdicts first, then each counterexample (as a numbered
    list, or as a race diagram, one column per process)."""
    r, system = report.result, report.system
    assert r is not None
    opts = ", ".join(f"{k}={v}" for k, v in r.options)
    engine = r.engine + (f", decided by {r.decided_by}" if r.decided_by else "")
    out = [f"spec {r.spec}" + (f" [{opts}]" if opts else "") + f"  (engine {engine})"]
    quiet = [p for p in r.properties if p.kind in BUILTIN_CHECKS and p.verdict == HOLDS]
    for p in r.properties:
        if p in quiet:
            continue
        # a property that held only up to the bound is not shown as plainly holding
        status = {HOLDS: "holds" if r.complete else f"ok<={r.bound}", VIOLATED: "VIOLATED",
                  UNKNOWN: "unknown", VACUOUS: "vacuous"}[p.verdict]
        extra = f" at depth {p.trace.length}" if p.trace is not None else ""
        out.append(f"  {status:<9} {p.name}: {p.description}{extra}")
    if quiet:
        n = len(quiet)
        status = "holds" if r.complete else f"ok<={r.bound}"
        out.append(f"  {status:<9} {n} run-time check{'' if n == 1 else 's'} (value ranges, "
                   "array indices, lock ownership)")
    for c in r.covers:
        got = (f"reached at depth {c.trace.length}" if c.reached and c.trace is not None
               else "NOT REACHED")
        out.append(f"  cover     {c.name} (line {c.line}): {got}")
    for w in r.warnings:
        out.append(f"  warning: {w}")
    if r.merged:
        out.append("  merged    with the step after (right movers that make no property true; "
                   "checked by Z3): " + ", ".join(r.merged))
    out.append(f"verdict: {verdict_line(r)}")
    out += [j.describe() for j in report.judgements]
    if r.support:
        out.append("")
        out.append("why it holds (unsat cores of the certifying solver's queries: parts of the "
                   "invariant below):")
        for why in r.support:
            out.append(f"  {why.prop} follows from:")
            out += _capped(why.excludes)
            if why.keeps is None:
                out.append("  (what makes every step keep them is not asked: too many to read)")
            else:
                out.append("  " + ("which every step keeps, given also:" if why.keeps else
                                   "which every step keeps, given nothing else"))
                out += _capped(why.keeps)
    if r.invariant:
        out.append("")
        of = (" of the merged system" if r.merged else "") + (
            ", which proves the properties not violated" if r.verdict == VIOLATED else "")
        out.append(f"inductive invariant{of} (every reachable state "
                   + ("where no process has just taken a merged step " if r.merged else "")
                   + "satisfies it; checked again by a fresh solver):")
        shown = r.invariant[:MAX_INVARIANT_SHOWN]
        out += [f"  {line}" for line in shown]
        if len(r.invariant) > len(shown):
            out.append(f"  ... {len(r.invariant) - len(shown)} more lines (--format json has "
                       "them all)")
    if r.cti is not None:
        out += ["", f"counterexample to induction ({steps(r.cti.length)} from a state the "
                "proved invariants allow, perhaps unreachable; a `lemma` that rules out its "
                "first state would let the induction go through):",
                *render_trace(system, r.cti, [], full_state=True,
                              start=f"first state ({_locations(system, r.cti.states[0])})")]
    for p in sorted((p for p in r.properties if p.trace is not None),
                    key=lambda p: p.trace.length if p.trace else 0):
        assert p.trace is not None
        out.append("")
        if diagram:
            prop = next((q for q in system.properties if q.name == p.name), None)
            out += Diagram(system, report.source).render(
                p.name, p.trace, prop, report.failing_steps(p.name), width, unicode)
            continue
        out.append(f"counterexample for {p.name} ({steps(p.trace.length)}):")
        out += render_trace(system, p.trace, report.failing_steps(p.name), full_state)
    lines = locations(report)
    if lines:
        out += ["", *lines]
    s = r.stats
    out.append("")
    out.append(f"{s.solver_calls} solver calls, {s.seconds:.2f} s"
               + (f", {s.states} states" if s.states is not None else ""))
    return "\n".join(out)


def locations(report: Report) -> list[str]:
    """Each failure as `file:line:col: what`, the form editors and CI problem matchers link."""
    r = report.result
    assert r is not None
    out = [f"{p.span}: violated: {p.name} ({steps(p.trace.length)})"
           for p in r.properties if p.verdict == VIOLATED and p.trace is not None]
    out += [f"{c.span}: not reached: cover {c.name}" for c in r.covers if not c.reached]
    out += [f"{j.expectation.span}: expectation not met: {j.claim}"
            for j in report.judgements if not j.met]
    return out


def simulation(report: Report) -> str:
    sim = report.simulation
    assert sim is not None
    return "\n".join([f"simulation of {report.system.name} (seed {sim.seed}): {sim.end}",
                      *render_trace(report.system, sim.trace, [])])


def summary(report: Report) -> str:
    """What `check` says of a well-formed spec."""
    s = report.system
    return (f"{report.source.name if report.source else s.name}: ok: {len(s.processes)} "
            f"process(es), {len(s.vars)} state variables, {len(s.transitions)} transitions, "
            f"{len(s.properties)} properties, {len(s.covers)} covers, default depth {s.depth}")
