"""The verdict matrix as a table: text (rich), Markdown, JSON."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from ..expect import Outcome
from ..matrix import Cell
from . import html as html_render
from .json import typed

HEAD = ("verdict", "complete", "shortest counterexample", "time (s)", "expected", "fix needed",
        "blocks the baseline at")


def _row(c: Cell) -> list[str]:
    r = c.result
    sc = c.shortest
    complete = "yes" if r.complete else f"bounded ({r.bound})" if r.bound >= 0 else "-"
    outcome = c.report.outcome
    expected = ("yes" if outcome is Outcome.PASS else
                ("NO: " if outcome is Outcome.FAIL else "UNKNOWN: ") + ", ".join(
                    k.name for k in c.report.cases if k.outcome is outcome))
    return [
        *(v for _, v in c.varied),
        r.verdict,
        complete,
        f"{sc[0]} steps ({sc[1]})" if sc else "-",
        f"{r.stats.seconds:.2f}",
        expected,
        c.necessity or "-",
        c.blocks or "-",
    ]


def _names(cells: list[Cell]) -> list[str]:
    return [n for n, _ in cells[0].varied] if cells else []


def text(cells: list[Cell], total: float) -> str:
    table = Table(show_lines=False)
    for h in (*_names(cells), *HEAD):
        table.add_column(h)
    for c in cells:
        table.add_row(*_row(c))
    buf = io.StringIO()
    Console(file=buf, width=160, force_terminal=False, color_system=None).print(table)
    return buf.getvalue() + f"{len(cells)} runs, {total:.1f} s\n"


def markdown(cells: list[Cell], total: float) -> str:
    head = [*_names(cells), *HEAD]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_row(c)) + " |" for c in cells]
    return "\n".join(lines) + f"\n\n{len(cells)} runs, {total:.1f} s\n"


def as_json(cells: list[Cell], total: float) -> str:
    def cell(c: Cell) -> dict[str, Any]:
        sc = c.shortest
        return {
            "options": {k: typed(v) for k, v in c.result.options},
            "varied": {k: typed(v) for k, v in c.varied},
            "verdict": c.result.verdict,
            "complete": c.result.complete,
            "bound": c.result.bound,
            "shortest": {"depth": sc[0], "property": sc[1]} if sc else None,
            "violated": [p.name for p in c.result.properties if p.verdict == "violated"],
            "seconds": round(c.result.stats.seconds, 3),
            "expectations": [{"line": j.expectation.span.line, "property": j.expectation.prop,
                              "expected": j.expectation.verdict, "actual": j.actual,
                              "met": j.met} for j in c.judgements],
            "necessity": c.necessity,
            "blocks": c.blocks,
        }

    return json.dumps({"cells": [cell(c) for c in cells], "seconds": round(total, 3),
                       "all_expectations_met": all(c.matches for c in cells)}, indent=2)


def html(spec: str, cells: list[Cell]) -> str:
    """The table, a row per cell coloured by the gate, then each failing cell's report."""
    rows = [(_row(c), c.report.outcome) for c in cells]
    failing = [c.report for c in cells if c.report.outcome is not Outcome.PASS]
    return html_render.table(f"rmapsmt matrix {spec}", [*_names(cells), *HEAD], rows, failing)
