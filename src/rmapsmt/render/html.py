"""A self-contained HTML report (no network, no external assets): the verdict banner,
each counterexample as an inline-SVG timeline (a lane per process), a step table
with calls, the conditions that decided each step and what it wrote, the state
table with changed cells marked, and the spec with the trace's lines highlighted.
`matrix` and `ci` add their tables. A few lines of script link a step to its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .. import ir
from ..expect import Outcome
from ..report import Report
from ..result import HOLDS, VIOLATED, Trace
from ..trace import show_value, step_views, visible, written
from .diagram import Diagram
from .text import BUILTIN_CHECKS, verdict_line

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.banner { padding: .6em 1em; border-radius: 6px; font-weight: 600; }
.holds { background: #e3f4e1; } .violated { background: #fbe1e1; }
.unknown, .vacuous { background: #fff3cd; }
table { border-collapse: collapse; margin: .5em 0; }
td, th { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; text-align: left; }
td.changed { background: #ffe9a8; font-weight: 600; }
tr.step:hover, tr.step.on { background: #eef4ff; }
pre.spec { background: #f7f7f7; padding: .5em; overflow-x: auto; }
pre.spec span.hit { background: #ffe9a8; } pre.spec span.on { background: #9cc3ff; }
.lane { font: 12px monospace; } .muted { color: #777; }
"""

SCRIPT = """
document.querySelectorAll('tr.step').forEach(function (row) {
  row.addEventListener('mouseenter', function () {
    var line = document.getElementById('L' + row.dataset.line);
    if (line) { line.classList.add('on'); }
    row.classList.add('on');
  });
  row.addEventListener('mouseleave', function () {
    var line = document.getElementById('L' + row.dataset.line);
    if (line) { line.classList.remove('on'); }
    row.classList.remove('on');
  });
});
"""


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + f"\n<script>{SCRIPT}</script>\n</body></html>\n")


def _timeline(system: ir.System, trace: Trace) -> str:
    """An SVG: a lane per process, a numbered dot per step, time going right."""
    views = step_views(system, trace)
    procs = [p.name for p in system.processes if any(v.process == p.name for v in views)]
    lane, step_w, left = 28, 34, 110
    w, h = left + step_w * (len(views) + 1), lane * (len(procs) + 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{w}" '
             f'height="{h}" role="img" aria-label="timeline">']
    for k, p in enumerate(procs):
        y = lane * (k + 1)
        parts.append(f'<text class="lane" x="4" y="{y + 4}">{escape(p)}</text>'
                     f'<line x1="{left}" y1="{y}" x2="{w - 10}" y2="{y}" stroke="#bbb"/>')
    for v in views:
        x, y = left + step_w * v.step, lane * (procs.index(v.process) + 1)
        parts.append(f'<g class="dot"><title>{v.step}. {escape(v.process)} '
                     f'{escape(v.label)}</title><circle cx="{x}" cy="{y}" r="10" '
                     f'fill="#4a7fd6"/><text x="{x}" y="{y + 4}" text-anchor="middle" '
                     f'font-size="10" fill="#fff">{v.step}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _steps(report: Report, trace: Trace) -> str:
    system = report.system
    notes = Diagram(system, report.source).notes(trace)
    rows = ["<table class=\"steps\"><tr><th>#</th><th>process</th><th>step</th>"
            "<th>line</th><th>call</th><th>decided by</th><th>wrote</th></tr>"]
    for v, (frames, decided) in zip(step_views(system, trace), notes, strict=True):
        wrote = ", ".join(f"{n} := {x}" for n, x in v.changes) or "(no change)"
        rows.append(f'<tr class="step" data-line="{v.line}"><td>{v.step}</td>'
                    f"<td>{escape(v.process)}</td><td>{escape(v.label)}</td><td>{v.line}</td>"
                    f"<td>{escape(' → '.join(frames))}</td>"
                    f"<td>{'<br>'.join(escape(d) for d in decided)}</td>"
                    f"<td>{escape(wrote)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _states(system: ir.System, trace: Trace) -> str:
    """The variables the trace writes, a row per state, changed cells marked."""
    cols = [i for i in written(trace) if visible(system.vars[i])]
    head = "".join(f"<th>{escape(system.vars[i].name)}</th>" for i in cols)
    rows = [f'<table class="states"><tr><th>state</th>{head}</tr>']
    for k, s in enumerate(trace.states):
        cells = []
        for i in cols:
            changed = k > 0 and trace.states[k - 1][i] != s[i]
            cls = ' class="changed"' if changed else ""
            cells.append(f"<td{cls}>{escape(show_value(system, system.vars[i], s[i]))}</td>")
        when = "initial" if k == 0 else f"after {k}"
        rows.append(f"<tr><td>{when}</td>{''.join(cells)}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _spec(report: Report, lines: set[int]) -> str:
    if report.source is None:
        return ""
    out = []
    for n, text in enumerate(report.source.lines, 1):
        cls = ' class="hit"' if n in lines else ""
        out.append(f'<span id="L{n}"{cls}>{n:>4}  {escape(text)}</span>')
    return '<h2>The spec</h2><pre class="spec">' + "\n".join(out) + "</pre>"


def _report_body(report: Report) -> list[str]:
    r = report.result
    assert r is not None
    opts = ", ".join(f"{k}={v}" for k, v in r.options)
    body = [f"<h1>{escape(r.spec)}{escape(f' [{opts}]' if opts else '')}</h1>",
            f'<div class="banner {escape(r.verdict)}">{escape(verdict_line(r))}</div>',
            f'<p class="muted">engine {escape(r.engine)}'
            f"{escape(', decided by ' + r.decided_by if r.decided_by else '')}</p>",
            "<table class=\"properties\"><tr><th>property</th><th>verdict</th><th>depth</th>"
            "<th>line</th><th>gate</th></tr>"]
    gate = {c.name: c for c in report.cases}
    quiet = [p for p in r.properties if p.kind in BUILTIN_CHECKS and p.verdict == HOLDS]
    for p in r.properties:
        if p in quiet:
            continue
        c = gate.get(p.name)
        body.append(f"<tr><td>{escape(p.name)}</td><td>{escape(p.verdict)}</td>"
                    f"<td>{p.trace.length if p.trace else ''}</td><td>{p.line}</td>"
                    f"<td>{escape(str(c.outcome)) if c else ''}</td></tr>")
    if quiet:
        body.append(f"<tr><td>{len(quiet)} run-time checks (ranges, indices, locks)</td>"
                    f"<td>holds</td><td></td><td></td><td></td></tr>")
    body.append("</table>")
    hit: set[int] = set()
    for p in r.properties:
        if p.verdict != VIOLATED or p.trace is None:
            continue
        hit |= {report.system.transitions[t].span.line for t in p.trace.steps}
        body += [f"<h2>Counterexample for {escape(p.name)} ({p.trace.length} steps)</h2>",
                 _timeline(report.system, p.trace), _steps(report, p.trace),
                 "<h3>State</h3>", _states(report.system, p.trace)]
    body.append(_spec(report, hit))
    return body


def prove(report: Report) -> str:
    assert report.result is not None
    return _page(f"rmapsmt: {report.result.spec}", _report_body(report))


def table(title: str, head: Sequence[str], rows: Sequence[tuple[Sequence[str], Outcome]],
          reports: Sequence[Report]) -> str:
    """`matrix` and `ci`: a row per run (outcome coloured), then each failing run's report."""
    css = {Outcome.PASS: "holds", Outcome.FAIL: "violated", Outcome.ERROR: "unknown"}
    body = [f"<h1>{escape(title)}</h1>", '<table class="runs"><tr>'
            + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for cells, outcome in rows:
        body.append(f'<tr class="{css[outcome]}">'
                    + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    body.append("</table>")
    for rep in reports:
        body += _report_body(rep)
    return _page(title, body)
