"""One run as every renderer sees it, and as the proof cache stores it.

A `Report` bundles the lowered system (to name variables and steps), the
spec's text (to quote lines), and what the command established: a verified
`Result` with the spec's expectations judged (prove, matrix, ci), a random
run (simulate), or nothing beyond the system itself (check). It converts to
and from plain dicts: only the answer is stored, never the system, which is
rebuilt from the spec and must hash the same (`cache`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import ir
from .diagnostics import Source, Span
from .expect import Case, Judgement, Outcome, gate
from .result import CoverResult, Proof, PropertyResult, Result, Stats, Support, Trace, Verdict

FORMAT = 1  # bump when the stored shape changes: old cache entries are then ignored


@dataclass(frozen=True, slots=True)
class Simulation:
    seed: int
    trace: Trace
    end: str  # how the run stopped, in words
    violated: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    system: ir.System
    source: Source | None = None
    result: Result | None = None
    judgements: tuple[Judgement, ...] = ()
    failing: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    simulation: Simulation | None = None
    cached: bool = False

    def failing_steps(self, prop: str) -> list[ir.Transition]:
        """The steps that would fail right after `prop`'s counterexample (a BUG_ON, say)."""
        return [self.system.transitions[i] for i in self.failing.get(prop, ())]

    @property
    def cases(self) -> tuple[Case, ...]:
        """The gate's test cases (`expect.gate`): one rule set for prove, matrix and ci."""
        assert self.result is not None
        return gate(self.system, self.result, self.judgements)

    @property
    def outcome(self) -> Outcome:
        """The worst case: a failure, else an error (nothing decided), else a pass."""
        got = {c.outcome for c in self.cases}
        return next((o for o in (Outcome.FAIL, Outcome.ERROR) if o in got), Outcome.PASS)

    def to_dict(self) -> dict[str, Any]:
        assert self.result is not None
        return {"format": FORMAT, "result": result_to_dict(self.result),
                "failing": {k: list(v) for k, v in self.failing.items()}}

    @staticmethod
    def from_dict(d: Mapping[str, Any], system: ir.System, source: Source | None) -> Report:
        """Rebuild a stored report for `system` (KeyError/ValueError/TypeError if malformed);
        its expectations are judged afresh by the caller."""
        if d.get("format") != FORMAT:
            raise ValueError(f"stored format {d.get('format')!r}, expected {FORMAT}")
        result = result_from_dict(d["result"])
        failing = {str(k): tuple(int(i) for i in v) for k, v in d["failing"].items()}
        return Report(system, source, result, (), failing, cached=True)


# ------------------------------------------------------------ plain dicts


def _span(s: Span) -> list[Any]:
    return [s.file, s.line, s.col, s.end_line, s.end_col]


def _span_of(v: list[Any]) -> Span:
    return Span(str(v[0]), int(v[1]), int(v[2]), int(v[3]), int(v[4]))


def _trace(t: Trace | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {"states": [list(s) for s in t.states], "steps": list(t.steps)}


def _trace_of(d: Mapping[str, Any] | None) -> Trace | None:
    if d is None:
        return None
    states = tuple(tuple(v if isinstance(v, bool) else int(v) for v in s) for s in d["states"])
    return Trace(states, tuple(int(i) for i in d["steps"]))


def result_to_dict(r: Result) -> dict[str, Any]:
    return {
        "spec": r.spec, "engine": r.engine, "verdict": r.verdict.value, "bound": r.bound,
        "proof": r.proof.value, "reason": r.reason, "warnings": list(r.warnings),
        "evidence": r.evidence, "invariant": list(r.invariant), "decided_by": r.decided_by,
        "merged": list(r.merged),
        "support": [[w.prop, list(w.excludes), None if w.keeps is None else list(w.keeps)]
                    for w in r.support],
        "options": [list(o) for o in r.options],
        "fired": None if r.fired is None else sorted(r.fired), "fired_all": r.fired_all,
        "stats": [r.stats.seconds, r.stats.solver_calls, r.stats.depth_reached, r.stats.states],
        "properties": [{"name": p.name, "kind": p.kind, "description": p.description,
                        "span": _span(p.span), "verdict": p.verdict.value,
                        "trace": _trace(p.trace)} for p in r.properties],
        "covers": [{"name": c.name, "span": _span(c.span), "reached": c.reached,
                    "trace": _trace(c.trace)} for c in r.covers],
    }


def result_from_dict(d: Mapping[str, Any]) -> Result:
    s = d["stats"]
    return Result(
        str(d["spec"]), str(d["engine"]), Verdict(d["verdict"]), int(d["bound"]),
        Proof(d["proof"]),
        tuple(PropertyResult(str(p["name"]), str(p["kind"]), str(p["description"]),
                             _span_of(p["span"]), Verdict(p["verdict"]), _trace_of(p["trace"]))
              for p in d["properties"]),
        tuple(CoverResult(str(c["name"]), _span_of(c["span"]), bool(c["reached"]),
                          _trace_of(c["trace"])) for c in d["covers"]),
        Stats(float(s[0]), int(s[1]), int(s[2]), None if s[3] is None else int(s[3])),
        tuple((str(a), str(b)) for a, b in d["options"]), str(d["reason"]),
        tuple(str(w) for w in d["warnings"]), str(d["evidence"]),
        tuple(str(c) for c in d["invariant"]),
        fired=None if d["fired"] is None else frozenset(int(i) for i in d["fired"]),
        fired_all=bool(d["fired_all"]), decided_by=str(d["decided_by"]),
        merged=tuple(str(m) for m in d.get("merged", ())),
        support=tuple(Support(str(n), tuple(map(str, ex)),
                              None if kp is None else tuple(map(str, kp)))
                      for n, ex, kp in d.get("support", ())),
    )
