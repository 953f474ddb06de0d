"""The gate: a result judged against what the spec's author declared to expect.

One rule set, used by `prove` (printed), `matrix` and `ci` (exit codes, JUnit, SARIF):

- `expect holds` asks for a result that covers every execution; a check bounded to k
  steps meets it only as `expect holds up to K` with k >= K;
- `expect violated [for P]` is met by a violation of P (of any property when bare);
- a violated property that no applicable `expect violated` mentions fails the gate;
- a property that holds only up to k steps fails it unless an `expect holds up to K`
  (bare or for it) accepts that bound;
- every `cover` is a test case: not reached, the proof may be vacuous;
- unknown (out of time or memory) is an error, never a pass or a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from . import ir
from .diagnostics import Span
from .result import HOLDS, UNKNOWN, VIOLATED, Result


@dataclass(frozen=True, slots=True)
class Judgement:
    expectation: ir.Expectation
    actual: str
    met: bool

    @property
    def claim(self) -> str:
        """`PROPERTY VERDICT; got ACTUAL`, as the report states it."""
        e = self.expectation
        want = e.verdict + (f" up to {e.bound}" if e.bound is not None else "")
        return f"{e.prop + ' ' if e.prop else ''}{want}; got {self.actual}"

    @property
    def name(self) -> str:
        """Stable under edits elsewhere in the spec: what is expected, not where."""
        e = self.expectation
        up_to = f" up to {e.bound}" if e.bound is not None else ""
        return f"expect {e.verdict}{up_to}" + (f" for {e.prop}" if e.prop else "")

    def describe(self) -> str:
        status = "met" if self.met else "NOT MET"
        return f"expectation (line {self.expectation.span.line}): {self.claim}: {status}"


def _actual(verdict: str, result: Result) -> str:
    """A verdict as the gate reads it: a bounded holds says its bound."""
    if verdict == HOLDS and not result.complete:
        return f"holds up to {result.bound}"
    return verdict


def _meets(e: ir.Expectation, verdict: str, result: Result) -> bool:
    if e.verdict == VIOLATED:
        return verdict == VIOLATED
    if verdict != HOLDS:
        return False
    return result.complete or (e.bound is not None and result.bound >= e.bound)


def judge(system: ir.System, result: Result) -> tuple[Judgement, ...]:
    out = []
    for e in system.expectations:
        if e.prop is None:
            verdict = str(result.verdict)
        else:
            verdict = next((str(p.verdict) for p in result.properties if p.name == e.prop),
                           UNKNOWN)
            if verdict == HOLDS and result.verdict not in (HOLDS, VIOLATED):
                verdict = str(result.verdict)  # vacuous or unknown run: it did not hold
        out.append(Judgement(e, _actual(verdict, result), _meets(e, verdict, result)))
    return tuple(out)


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # nothing decided: out of time or memory


@dataclass(frozen=True, slots=True)
class Case:
    """One test case of the gate: a property, a cover or an expectation."""

    name: str  # stable: property, check or cover name, or what an expectation expects
    kind: str  # property | cover | expectation
    outcome: Outcome
    message: str
    span: Span


def gate(system: ir.System, result: Result, judgements: tuple[Judgement, ...]) -> tuple[Case, ...]:
    expected = [j.expectation for j in judgements]
    bare_violated = any(e.verdict == VIOLATED and e.prop is None for e in expected)
    cases = []
    for p in result.properties:
        named = [e for e in expected if e.prop == p.name]
        if p.verdict == VIOLATED:
            steps = p.trace.length if p.trace else 0
            ok = bare_violated or any(e.verdict == VIOLATED for e in named)
            why = (f"violated ({steps} steps), as expected" if ok else
                   f"violated ({steps} steps) and no `expect violated` mentions it")
            cases.append(Case(p.name, "property", Outcome.PASS if ok else Outcome.FAIL, why,
                              p.span))
        elif p.verdict == HOLDS and result.complete:
            cases.append(Case(p.name, "property", Outcome.PASS, "holds for every execution",
                              p.span))
        elif p.verdict == HOLDS:
            bounds = [e.bound for e in expected if e.verdict == HOLDS and e.bound is not None
                      and e.prop in (None, p.name)]
            ok = any(b <= result.bound for b in bounds)
            why = (f"holds up to {result.bound} steps, as declared" if ok else
                   f"holds only up to {result.bound} steps: a bounded check, not a proof "
                   "(declare `expect holds up to K`, or raise -k/--depth)")
            cases.append(Case(p.name, "property", Outcome.PASS if ok else Outcome.FAIL, why,
                              p.span))
        elif p.verdict == UNKNOWN:
            cases.append(Case(p.name, "property", Outcome.ERROR,
                              f"unknown: {result.reason or 'not decided'}", p.span))
        else:
            cases.append(Case(p.name, "property", Outcome.FAIL, f"{p.verdict}: {result.reason}",
                              p.span))
    for c in result.covers:
        if c.reached:
            steps = c.trace.length if c.trace else 0
            cases.append(Case(f"cover:{c.name}", "cover", Outcome.PASS,
                              f"reached in {steps} steps", c.span))
        else:
            outcome = Outcome.ERROR if result.verdict == UNKNOWN else Outcome.FAIL
            cases.append(Case(f"cover:{c.name}", "cover", outcome,
                              "not reached: the proof may be vacuous", c.span))
    for j in judgements:
        outcome = (Outcome.PASS if j.met else
                   Outcome.ERROR if j.actual == UNKNOWN else Outcome.FAIL)
        cases.append(Case(j.name, "expectation", outcome, j.claim, j.expectation.span))
    return tuple(cases)
