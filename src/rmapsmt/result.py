"""What an engine returns: plain values, no solver objects.

A `Trace` is a sequence of concrete states and the transitions between them;
renderers turn it into text or JSON, and `replay` checks it against the
interpreter before anyone sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

State = tuple[int | bool, ...]

HOLDS = "holds"
VIOLATED = "violated"
UNKNOWN = "unknown"
VACUOUS = "vacuous"


@dataclass(frozen=True, slots=True)
class Trace:
    states: tuple[State, ...]  # states[0] is initial; len(states) == len(steps) + 1
    steps: tuple[int, ...]  # transition indices

    @property
    def length(self) -> int:
        return len(self.steps)


@dataclass(frozen=True, slots=True)
class PropertyResult:
    name: str
    kind: str
    description: str
    line: int
    verdict: str  # holds | violated | unknown
    trace: Trace | None = None


@dataclass(frozen=True, slots=True)
class CoverResult:
    name: str
    line: int
    reached: bool
    trace: Trace | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    seconds: float
    solver_calls: int
    depth_reached: int
    states: int | None = None  # explicit engine: distinct states visited


@dataclass(frozen=True, slots=True)
class Result:
    spec: str
    engine: str
    verdict: str  # holds | violated | unknown | vacuous
    bound: int  # the depth up to which the result is established
    complete: bool  # True: the result covers every execution, not only those up to `bound`
    properties: tuple[PropertyResult, ...]
    covers: tuple[CoverResult, ...]
    stats: Stats
    options: tuple[tuple[str, str], ...]
    reason: str = ""  # why unknown / vacuous, in words
    warnings: tuple[str, ...] = field(default=())

    @property
    def first_violation(self) -> PropertyResult | None:
        vs = [p for p in self.properties if p.verdict == VIOLATED and p.trace is not None]
        return min(vs, key=lambda p: p.trace.length if p.trace else 0) if vs else None
