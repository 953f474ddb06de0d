"""Compare a result with what the spec's author declared to expect."""

from __future__ import annotations

from dataclasses import dataclass

from . import ir
from .result import HOLDS, Result


@dataclass(frozen=True, slots=True)
class Judgement:
    expectation: ir.Expectation
    actual: str
    met: bool

    @property
    def claim(self) -> str:
        """`PROPERTY VERDICT; got ACTUAL`, as the report states it."""
        e = self.expectation
        return f"{e.prop + ' ' if e.prop else ''}{e.verdict}; got {self.actual}"

    def describe(self) -> str:
        status = "met" if self.met else "NOT MET"
        return f"expectation (line {self.expectation.span.line}): {self.claim}: {status}"


def judge(system: ir.System, result: Result) -> tuple[Judgement, ...]:
    """A `holds` expectation is met by a holding verdict (the report says if it is bounded)."""
    out = []
    for e in system.expectations:
        actual: str
        if e.prop is None:
            actual = result.verdict
        else:
            actual = next((p.verdict for p in result.properties if p.name == e.prop), "unknown")
            if actual == HOLDS and result.verdict not in ("holds", "violated"):
                actual = result.verdict  # vacuous or unknown run: the property did not hold
        out.append(Judgement(e, actual, actual == e.verdict))
    return tuple(out)
