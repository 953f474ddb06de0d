"""The transition system every engine, exporter and the interpreter consume.

State is a finite set of scalar variables (arrays and records are flattened to
one variable per element: the encoding facts in
`../shared/design/architecture.md` show that is what Z3 likes). Steps are
guarded simultaneous updates, one process per step; properties are `bad`
state predicates. Nothing here knows about the AST or about Z3.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ..diagnostics import Span
from .expr import (
    FALSE,
    Const,
    Expr,
    IntSort,
    Sort,
    Var,
    and_,
    conj,
    disj,
    eq,
    not_,
    variables,
)

# --------------------------------------------------------- transition system


class VarKind(StrEnum):
    VAR = "var"
    LOCAL = "local"
    PARAM = "param"
    PC = "pc"
    LOCK = "lock"


class CheckKind(StrEnum):
    ASSERT = "assert"
    RANGE = "range"
    INDEX = "index"
    DIV = "div"
    LOCK = "lock"


class PropKind(StrEnum):
    INVARIANT = "invariant"
    LEMMA = "lemma"
    ASSERT = "assert"
    RANGE = "range"
    INDEX = "index"
    DIV = "div"
    LOCK = "lock"
    DEADLOCK = "deadlock"


@dataclass(frozen=True, slots=True)
class StateVar:
    name: str
    sort: Sort
    span: Span
    kind: VarKind = VarKind.VAR


@dataclass(frozen=True, slots=True)
class Check:
    """A run-time check: `kind` and the property `name` it belongs to."""

    kind: CheckKind
    name: str
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Frame:
    """One procedure call on a step's call stack: `rmap_walk(mode=remove, p=p)`."""

    procedure: str
    args: tuple[tuple[str, str], ...]  # parameter, argument (a value or a variable name)
    span: Span


@dataclass(frozen=True, slots=True)
class Decision:
    """A branch condition a step evaluates; `when` says on which path inside the step."""

    span: Span
    cond: Expr
    when: Expr


@dataclass(frozen=True, slots=True)
class Transition:
    """One atomic step of one process: if `guard` holds, `updates` happen at once.

    A crash transition (`crash` set) is the step a process takes when the check
    `crash` fails: it only moves the process to `done`, as an oops ends a task.
    """

    index: int
    process: str  # instance name, e.g. "migrate[1]"
    label: str  # "" for an unlabelled statement (shown as L<line>)
    span: Span
    guard: Expr
    updates: tuple[tuple[str, Expr], ...]
    pc_var: str
    pc_from: int
    pc_to: int
    crash: Check | None = None
    calls: tuple[Frame, ...] = ()
    decisions: tuple[Decision, ...] = ()

    @property
    def name(self) -> str:
        return self.label or f"L{self.span.line}"


@dataclass(frozen=True, slots=True)
class Process:
    name: str
    pc_var: str
    done: int
    pc_names: tuple[str, ...]
    decl: str  # the declaration a replicated instance comes from
    parked: Expr = FALSE  # the process waits on an `assume` that fails: pruned, not stuck


@dataclass(frozen=True, slots=True)
class Site:
    """A step the spec writes (reachable in the control flow), for dead-step warnings."""

    process: str  # the declaration's name, not an instance
    label: str
    span: Span


@dataclass(frozen=True, slots=True)
class Property:
    """A safety property as a `bad` state predicate."""

    name: str
    kind: PropKind
    bad: Expr
    span: Span
    description: str


@dataclass(frozen=True, slots=True)
class Cover:
    name: str
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Expectation:
    """`expect VERDICT [up to K] [for PROPERTY]` whose `when` holds for this run's options."""

    verdict: str  # holds | violated
    prop: str | None  # None: the overall verdict
    span: Span
    bound: int | None = None  # `expect holds up to K`: a bounded result is enough


@dataclass(frozen=True, slots=True)
class System:
    name: str
    vars: tuple[StateVar, ...]
    init: tuple[Expr, ...]  # conjunction over the state at step 0
    transitions: tuple[Transition, ...]
    processes: tuple[Process, ...]
    properties: tuple[Property, ...]
    covers: tuple[Cover, ...]
    depth: int
    options: tuple[tuple[str, str], ...]
    expectations: tuple[Expectation, ...] = ()
    sites: tuple[Site, ...] = ()
    file: str = ""

    def var(self, name: str) -> StateVar:
        return next(v for v in self.vars if v.name == name)

    def ranges(self) -> dict[str, tuple[int, int]]:
        return {
            v.name: (v.sort.lo, v.sort.hi) if isinstance(v.sort, IntSort) else (0, 1)
            for v in self.vars
        }


def deadlock_bad(processes: Iterable[Process], transitions: Iterable[Transition]) -> Expr:
    """Some process unfinished, none can move, and no process is parked on an `assume`."""
    ps = tuple(processes)
    unfinished = disj(not_(eq(Var(p.pc_var), Const(p.done))) for p in ps)
    none_enabled = conj(not_(t.guard) for t in transitions)
    parked = disj(p.parked for p in ps)
    return and_(unfinished, none_enabled, not_(parked))


def footprint(t: Transition) -> tuple[frozenset[str], frozenset[str]]:
    """Variables a step may read and may write (over-approximated from its expressions).

    Two steps of different processes commute when neither writes what the other
    touches: the independence relation behind canonical traces and step merging.
    """
    reads: set[str] = set()
    variables(t.guard, reads)
    for _, e in t.updates:
        variables(e, reads)
    return frozenset(reads), frozenset(v for v, _ in t.updates)


def independent(a: tuple[frozenset[str], frozenset[str]],
                b: tuple[frozenset[str], frozenset[str]]) -> bool:
    (ra, wa), (rb, wb) = a, b
    return not (wa & (rb | wb) or wb & ra)


__all__ = [
    "Check", "CheckKind", "Cover", "Decision", "Expectation", "Frame", "Process", "PropKind",
    "Property", "Site", "StateVar", "System", "Transition", "VarKind", "deadlock_bad",
    "footprint", "independent",
]
