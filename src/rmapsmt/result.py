"""What an engine returns: plain values, no solver objects.

A `Trace` is a sequence of concrete states and the transitions between them;
`run.verify` replays it in the interpreter before anyone sees it. A `Result`
says not only whether the properties hold but on what evidence (`Proof`):
"holds up to 20 steps" and "holds for every execution" are different claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .diagnostics import Span

State = tuple[int | bool, ...]


class Verdict(StrEnum):
    HOLDS = "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"
    VACUOUS = "vacuous"


HOLDS, VIOLATED, UNKNOWN, VACUOUS = Verdict.HOLDS, Verdict.VIOLATED, Verdict.UNKNOWN, \
    Verdict.VACUOUS


class Proof(StrEnum):
    """The evidence behind a "holds"."""

    NONE = "none"  # nothing is established for every execution
    BOUNDED = "bounded"  # every execution of at most `bound` steps was checked
    TERMINATES = "terminates"  # every execution ends within `bound` steps, and all were checked
    EXHAUSTIVE = "exhaustive"  # every reachable state was visited
    INDUCTIVE = "inductive"  # the properties are k-inductive (k = `bound`)
    INVARIANT = "invariant"  # an inductive invariant was found and independently checked
    DECIDED = "decided"  # every property was violated and every cover reached: none left open

    @property
    def complete(self) -> bool:
        return self is not Proof.NONE and self is not Proof.BOUNDED


@dataclass(frozen=True, slots=True)
class Trace:
    states: tuple[State, ...]  # states[0] is initial; len(states) == len(steps) + 1
    steps: tuple[int, ...]  # transition indices

    @property
    def length(self) -> int:
        return len(self.steps)

    @staticmethod
    def back_from(s: State, parent: Mapping[State, tuple[State, int] | None]) -> Trace:
        """The way a search reached `s`, from the parent links it kept (None: an initial
        state); a shortest one where the search was breadth-first."""
        states, steps = [s], []
        while (link := parent[s]) is not None:
            s, t = link
            states.append(s)
            steps.append(t)
        return Trace(tuple(reversed(states)), tuple(reversed(steps)))


@dataclass(frozen=True, slots=True)
class PropertyResult:
    name: str
    kind: str
    description: str
    span: Span
    verdict: Verdict
    trace: Trace | None = None

    @property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True, slots=True)
class CoverResult:
    name: str
    span: Span
    reached: bool
    trace: Trace | None = None

    @property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True, slots=True)
class Stats:
    seconds: float
    solver_calls: int
    depth_reached: int
    states: int | None = None  # explicit engine: distinct states visited


@dataclass(frozen=True, slots=True)
class Support:
    """The parts of a proved invariant one property rests on (engines/support.py), in the
    invariant's lines: those that rule its violations out, and those that, with them,
    make every step keep them (None: not asked, the first are too many to read)."""

    prop: str
    excludes: tuple[str, ...]
    keeps: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Result:
    spec: str
    engine: str
    verdict: Verdict
    bound: int  # the depth up to which the result is established
    proof: Proof
    properties: tuple[PropertyResult, ...]
    covers: tuple[CoverResult, ...]
    stats: Stats
    options: tuple[tuple[str, str], ...]
    reason: str = ""  # why unknown / vacuous, in words
    warnings: tuple[str, ...] = field(default=())
    evidence: str = ""  # how a proof was obtained, in words (e.g. the invariant's size)
    invariant: tuple[str, ...] = ()  # PDR: the inductive invariant, one clause per line
    fired: frozenset[int] | None = None  # transitions enabled within `bound` (dead steps)
    fired_all: bool = False  # `fired` was gathered over every reachable state, not within `bound`
    cti: Trace | None = None  # k-induction: the last counterexample to induction (from anywhere)
    decided_by: str = ""  # `auto`: the engine whose answer this is
    merged: tuple[str, ...] = ()  # steps joined to the step after them (engines/merge.py)
    support: tuple[Support, ...] = ()  # PDR: why each of the spec's properties holds

    @property
    def complete(self) -> bool:
        """The result covers every execution, not only those up to `bound`."""
        return self.proof.complete

    @property
    def first_violation(self) -> PropertyResult | None:
        vs = [p for p in self.properties if p.verdict == VIOLATED and p.trace is not None]
        return min(vs, key=lambda p: p.trace.length if p.trace else 0) if vs else None
