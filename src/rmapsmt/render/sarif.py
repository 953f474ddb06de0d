"""SARIF 2.1.0, the format code-scanning UIs read: one result per failed gate case.

A result sits at its spec line (the property, cover or `expect` declaration). A
violated property carries its counterexample as a code flow with one thread
flow per process, each step a location at the step's spec line, numbered in
execution order, so a UI can replay the interleaving. Rule ids are stable:
`property/NAME`, `cover/NAME`, `expectation/...`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

from ..diagnostics import Span
from ..expect import Case, Outcome
from ..report import Report
from ..result import Trace
from ..trace import step_views
from .diagram import Diagram

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _location(span: Span, text: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {
        "artifactLocation": {"uri": span.file},
        "region": {"startLine": max(span.line, 1), "startColumn": max(span.col, 1)}}}
    if text is not None:
        loc["message"] = {"text": text}
    return loc


def _code_flow(report: Report, trace: Trace, name: str) -> dict[str, Any]:
    system = report.system
    flows: dict[str, list[dict[str, Any]]] = {}
    notes = Diagram(system, report.source).notes(trace)
    for view, t, (frames, decided) in zip(step_views(system, trace), trace.steps, notes,
                                          strict=True):
        changed = ", ".join(f"{n} := {v}" for n, v in view.changes) or "no change"
        why = "".join(f"; {d}" for d in decided)
        call = f" in {' → '.join(frames)}" if frames else ""
        flows.setdefault(view.process, []).append({
            "location": _location(system.transitions[t].span,
                                  f"{view.step}. {view.process} {view.label}{call}: "
                                  f"{changed}{why}"),
            "executionOrder": view.step,
        })
    return {"message": {"text": f"{name}: {trace.length} steps"},
            "threadFlows": [{"id": proc, "message": {"text": proc}, "locations": locs}
                            for proc, locs in flows.items()]}


def _rule(c: Case) -> str:
    return f"{c.kind}/{c.name}"


def render(items: Sequence[tuple[str, Report | None, str]]) -> str:
    """(run name, report or None, problem) per run: every failed or undecided case."""
    results: list[dict[str, Any]] = []
    rules: dict[str, str] = {}
    for run_name, report, problem in items:
        if report is None:
            results.append({"ruleId": "spec", "level": "error",
                            "message": {"text": f"{run_name}: {problem}"}})
            rules["spec"] = "the spec loads and is decided in time"
            continue
        traces = {p.name: p.trace for p in report.result.properties} if report.result else {}
        for c in report.cases:
            if c.outcome is Outcome.PASS:
                continue
            rules.setdefault(_rule(c), f"{c.kind} {c.name}")
            res: dict[str, Any] = {
                "ruleId": _rule(c),
                "level": "error" if c.outcome is Outcome.FAIL else "warning",
                "message": {"text": f"{run_name}: {c.name}: {c.message}"},
                "locations": [_location(c.span)],
            }
            trace = traces.get(c.name)
            if trace is not None:
                res["codeFlows"] = [_code_flow(report, trace, c.name)]
            results.append(res)
    doc = {
        "version": "2.1.0", "$schema": SCHEMA,
        "runs": [{
            "tool": {"driver": {"name": "rmapsmt", "version": version("rmapsmt"),
                                "rules": [{"id": i, "shortDescription": {"text": d}}
                                          for i, d in sorted(rules.items())]}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2)
