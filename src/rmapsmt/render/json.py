"""The machine-readable report: one JSON object per run."""

from __future__ import annotations

import json
from typing import Any

from .. import ir
from ..diagnostics import Source
from ..report import Report
from ..result import Trace
from ..trace import initial_view, step_views
from .diagram import Diagram

FORMAT = "rmapsmt-report/1"  # the shape of this report; one trace shape throughout


def typed(value: str) -> bool | int | str:
    """An option value as JSON: true/false and numbers typed, enum names as strings."""
    if value in ("true", "false"):
        return value == "true"
    try:
        return int(value)
    except ValueError:
        return value


def trace_json(system: ir.System, trace: Trace, source: Source | None = None
               ) -> dict[str, Any]:
    """A trace: each step with what it wrote, its call stack (`calls`) and the branch
    conditions that decided it, as written in the spec with their values (`decided`)."""
    notes = Diagram(system, source).notes(trace)
    return {
        "length": trace.length,
        "initial": dict(initial_view(system, trace.states[0])),
        "steps": [
            {"step": v.step, "process": v.process, "label": v.label, "line": v.line,
             "state": dict(v.changes), "calls": calls, "decided": decided}
            for v, (calls, decided) in zip(step_views(system, trace), notes, strict=True)
        ],
    }


def result_json(report: Report) -> dict[str, Any]:
    r, system, judgements = report.result, report.system, report.judgements
    assert r is not None
    first = r.first_violation
    return {
        "format": FORMAT,
        "spec": r.spec,
        "engine": r.engine,
        "decided_by": r.decided_by or None,
        "options": {k: typed(v) for k, v in r.options},
        "verdict": r.verdict,
        "bound": r.bound,
        "complete": r.complete,
        "proof": r.proof.value,
        "evidence": r.evidence or None,
        "merged": list(r.merged),
        "invariant": list(r.invariant),
        "support": {w.prop: {"excludes": list(w.excludes),
                             "keeps": None if w.keeps is None else list(w.keeps)}
                    for w in r.support},
        "cti": trace_json(system, r.cti, report.source) if r.cti is not None else None,
        "reason": r.reason or None,
        "property": first.name if first else None,
        "trace": (trace_json(system, first.trace, report.source)
                  if first and first.trace else None),
        "properties": [
            {"name": p.name, "kind": p.kind, "line": p.line, "verdict": p.verdict,
             "depth": p.trace.length if p.trace else None,
             "trace": trace_json(system, p.trace, report.source) if p.trace else None,
             "failing_steps": [{"process": t.process, "label": t.name, "line": t.span.line}
                               for t in report.failing_steps(p.name)]}
            for p in r.properties
        ],
        "covers": [
            {"name": c.name, "line": c.line, "reached": c.reached,
             "depth": c.trace.length if c.trace else None,
             "trace": trace_json(system, c.trace, report.source) if c.trace else None}
            for c in r.covers
        ],
        "warnings": list(r.warnings),
        "expectations": [{"line": j.expectation.span.line, "property": j.expectation.prop,
                          "expected": j.expectation.verdict, "actual": j.actual, "met": j.met}
                         for j in judgements],
        "stats": {"seconds": round(r.stats.seconds, 3), "solver_calls": r.stats.solver_calls,
                  "depth_reached": r.stats.depth_reached, "states": r.stats.states},
    }


def render(report: Report) -> str:
    return json.dumps(result_json(report), indent=2)


def simulation(report: Report) -> str:
    sim = report.simulation
    assert sim is not None
    return json.dumps({"spec": report.system.name, "seed": sim.seed, "end": sim.end,
                       "violated": list(sim.violated),
                       **trace_json(report.system, sim.trace, report.source)},
                      indent=2)
