"""Run a spec under every combination of some options: the fix lab's verdict matrix."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from .ci import Job, run_jobs
from .diagnostics import SpecError
from .expect import Judgement, Outcome
from .pipeline import load, option_values
from .replay import blocked_where, replay, saved_from_trace
from .report import Report
from .result import HOLDS, VIOLATED, Result


@dataclass(frozen=True, slots=True)
class Cell:
    varied: tuple[tuple[str, str], ...]
    report: Report
    necessity: str | None = None  # "needed" | "not needed" | None (not asked / not a pass)
    blocks: str | None = None  # where this cell's spec stops the baseline's counterexample

    @property
    def result(self) -> Result:
        assert self.report.result is not None
        return self.report.result

    @property
    def judgements(self) -> tuple[Judgement, ...]:
        return self.report.judgements

    @property
    def matches(self) -> bool:
        """The cell passes the gate (`expect.gate`)."""
        return self.report.outcome is Outcome.PASS

    @property
    def shortest(self) -> tuple[int, str] | None:
        v = self.result.first_violation
        return (v.trace.length, v.name) if v and v.trace else None


def combinations(path: str, vary: list[str], sets: Mapping[str, str]) -> list[dict[str, str]]:
    """`--vary NAME` ranges over every value of an option, `--vary NAME=A,B` over some."""
    values = option_values(path)
    names: list[str] = []
    chosen: list[list[str]] = []
    for item in vary:
        name, _, only = item.partition("=")
        name = name.strip()
        if name not in values:
            raise SpecError(None, f"--vary {name}: the spec has no option '{name}'",
                            hint="options: " + ", ".join(values) if values else None)
        if name in sets:
            raise SpecError(None, f"option '{name}' is both varied and --set")
        if name in names:
            raise SpecError(None, f"--vary {name} is given twice")
        picked = [v.strip() for v in only.split(",")] if only else values[name]
        for v in picked:
            if v not in values[name]:
                raise SpecError(None, f"--vary {item}: '{v}' is not a value of option '{name}'",
                                hint="choose from: " + ", ".join(values[name]))
        names.append(name)
        chosen.append(picked)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*chosen)]


def run_matrix(path: str, vary: list[str], sets: Mapping[str, str], engine: str = "auto",
               depth: int | None = None, baseline: tuple[str, str] | None = None,
               timeout: float | None = None, jobs: int = 1,
               merge: bool | None = None) -> list[Cell]:
    """Every combination, in the order the spec lists option values, run on `jobs`
    worker processes (`ci.run_jobs`).

    With `baseline` (e.g. fix=none), each passing cell is re-judged with that
    option set to the baseline: a fix whose removal changes nothing is "not needed".
    """
    combos = combinations(path, vary, sets)
    for v in combos[:1]:
        load(path, {**sets, **v})  # a bad --set is the user's error, reported as such
    wanted = [*combos, *([{**v, baseline[0]: baseline[1]} for v in combos] if baseline else [])]
    keys = list(dict.fromkeys(tuple(sorted({**sets, **v}.items())) for v in wanted))
    runs = run_jobs([Job(path, k) for k in keys], engine, timeout, jobs, None, False, depth,
                    merge)
    reports: dict[tuple[tuple[str, str], ...], Report] = {}
    for k, r in zip(keys, runs, strict=True):
        if r.report is None:
            raise SpecError(None, f"{r.job.name}: {r.problem}")
        reports[k] = r.report

    def cell(varied: dict[str, str]) -> Cell:
        return Cell(tuple(varied.items()), reports[tuple(sorted({**sets, **varied}.items()))])

    cells = [cell(v) for v in combos]
    if baseline is None:
        return cells
    name, value = baseline
    out = []
    for c in cells:
        varied = dict(c.varied)
        if c.result.verdict != HOLDS or varied.get(name, sets.get(name)) == value:
            out.append(c)
            continue
        b = cell({**varied, name: value})
        needed = ("needed" if b.result.verdict == VIOLATED
                  else "not needed" if b.result.verdict == HOLDS else None)
        out.append(Cell(c.varied, c.report, needed, _blocks(b, c)))
    return out


def _blocks(baseline: Cell, fixed: Cell) -> str | None:
    """Where the fixed spec stops the baseline's shortest counterexample."""
    v = baseline.result.first_violation
    if v is None or v.trace is None:
        return None
    saved = saved_from_trace(baseline.report.system, v.name, v.trace)
    return blocked_where(replay(fixed.report.system, saved), v.name)
