"""What `rmapsmt ci` prints and writes: a summary table, compiler-style lines for
every failure, a one-line summary; JUnit, SARIF and a versioned JSON report."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from ..ci import Run
from ..expect import Outcome
from . import html as html_render
from . import junit, sarif
from .json import result_json, typed

FORMAT = "rmapsmt-ci/1"  # the JSON report's shape (schema: rmapsmt/schemas/ci-report.json)


def _evidence(r: Run) -> str:
    if r.report is None or r.report.result is None:
        return r.problem.splitlines()[0] if r.problem else "-"
    res = r.report.result
    by = res.decided_by or res.engine
    return f"{res.verdict} ({res.proof}, {by})"


def text(runs: list[Run], total: float) -> str:
    table = Table(show_lines=False)
    for h in ("spec", "options", "outcome", "verdict (evidence, engine)", "time (s)", "cached"):
        table.add_column(h, overflow="fold")
    for r in runs:
        table.add_row(r.job.path, " ".join(f"{k}={v}" for k, v in r.job.options) or "-",
                      str(r.outcome), _evidence(r), f"{r.seconds:.2f}",
                      "yes" if r.report is not None and r.report.cached else "")
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False, color_system=None).print(table)
    out = [buf.getvalue().rstrip("\n")]
    failing = [line for r in runs for line in located(r)]
    if failing:
        out += ["", *failing]
    out += ["", summary(runs, total)]
    return "\n".join(out) + "\n"


def located(r: Run) -> list[str]:
    """Every failed or undecided case as `file:line:col: fail: NAME: why [options]`."""
    where = f" [{', '.join(f'{k}={v}' for k, v in r.job.options)}]" if r.job.options else ""
    if r.report is None:
        first = r.problem.splitlines()[0] if r.problem else "error"
        return [first if first.startswith(r.job.path) else f"{r.job.path}: {first}"]
    return [f"{c.span}: {c.outcome}: {c.name}: {c.message}{where}"
            for c in r.report.cases if c.outcome is not Outcome.PASS]


def summary(runs: list[Run], total: float) -> str:
    n = Counter(r.outcome for r in runs)
    cached = sum(1 for r in runs if r.report is not None and r.report.cached)
    return (f"ci: {len(runs)} runs: {n[Outcome.PASS]} passed, {n[Outcome.FAIL]} failed, "
            f"{n[Outcome.ERROR]} unknown ({total:.1f} s; {cached} from the proof cache)")


def junit_xml(runs: list[Run], total: float) -> str:
    return junit.runs([(r.job.name, r.report, r.seconds, r.problem) for r in runs], total)


def sarif_json(runs: list[Run]) -> str:
    return sarif.render([(r.job.name, r.report, r.problem) for r in runs])


def as_json(runs: list[Run], total: float) -> str:
    def one(r: Run) -> dict[str, Any]:
        cases = r.report.cases if r.report is not None else ()
        return {
            "spec": r.job.path,
            "options": {k: typed(v) for k, v in r.job.options},
            "outcome": str(r.outcome),
            "seconds": round(r.seconds, 3),
            "cached": bool(r.report is not None and r.report.cached),
            "problem": r.problem or None,
            "cases": [{"name": c.name, "kind": c.kind, "outcome": str(c.outcome),
                       "message": c.message, "file": c.span.file, "line": c.span.line,
                       "column": c.span.col} for c in cases],
            "report": result_json(r.report) if r.report is not None else None,
        }

    n = Counter(str(r.outcome) for r in runs)
    return json.dumps({"format": FORMAT, "runs": [one(r) for r in runs],
                       "summary": {"runs": len(runs), "passed": n["pass"], "failed": n["fail"],
                                   "unknown": n["error"], "seconds": round(total, 3)}},
                      indent=2)


def html(runs: list[Run], total: float) -> str:
    rows = [([r.job.path, " ".join(f"{k}={v}" for k, v in r.job.options) or "-",
              str(r.outcome), _evidence(r), f"{r.seconds:.2f}"], r.outcome) for r in runs]
    failing = [r.report for r in runs if r.report is not None and r.outcome is not Outcome.PASS]
    return html_render.table(summary(runs, total), ["spec", "options", "outcome",
                                                    "verdict (evidence, engine)", "time (s)"],
                             rows, failing)
