"""From what an engine established to a `Result`: one set of verdict rules for all engines."""

from __future__ import annotations

from .. import ir
from ..result import (
    HOLDS,
    UNKNOWN,
    VACUOUS,
    VIOLATED,
    CoverResult,
    Proof,
    PropertyResult,
    Result,
    Stats,
    Support,
    Trace,
)

NO_INITIAL_STATE = ("no initial state satisfies the declarations and 'assume's: every "
                    "property would hold vacuously")


def conclude(system: ir.System, engine: str, *, initial: bool, found: dict[str, Trace],
             reached: dict[str, Trace], bound: int, proof: Proof, unknown: str | None,
             stats: Stats, fired: frozenset[int] | None = None, evidence: str = "",
             invariant: tuple[str, ...] = (), fired_all: bool | None = None,
             support: tuple[Support, ...] = ()) -> Result:
    """The verdict rules.

    - no initial state: vacuous, every property too (nothing was checked);
    - a violation found is definite, whatever happened later;
    - a property neither violated nor decided (timeout, solver unknown) is unknown,
      and what was established is bounded: no claim beyond `bound`;
    - covers not reached make a pass vacuous;
    - otherwise the properties hold, on the evidence `proof`.
    """
    if not initial:
        props = tuple(PropertyResult(p.name, p.kind, p.description, p.span, VACUOUS)
                      for p in system.properties)
        covers = tuple(CoverResult(c.name, c.span, False) for c in system.covers)
        return Result(system.name, engine, VACUOUS, -1, Proof.NONE, props, covers, stats,
                      system.options, NO_INITIAL_STATE)
    if unknown:
        proof = Proof.BOUNDED if bound >= 0 else Proof.NONE
    undecided = UNKNOWN if unknown else HOLDS
    props = tuple(
        PropertyResult(p.name, p.kind, p.description, p.span,
                       VIOLATED if p.name in found else undecided, found.get(p.name))
        for p in system.properties
    )
    covers = tuple(CoverResult(c.name, c.span, c.name in reached, reached.get(c.name))
                   for c in system.covers)
    missing = [c.name for c in system.covers if c.name not in reached]
    reason = ""
    if found:
        verdict = VIOLATED
        if unknown:
            reason = (f"{unknown}; properties not violated by then hold up to depth {bound} "
                      "only" if bound >= 0 else
                      f"{unknown}; the other properties were not checked")
    elif unknown:
        verdict, reason = UNKNOWN, unknown
    elif missing:
        verdict = VACUOUS
        reason = (("unreachable cover(s): " if proof.complete else
                   f"cover(s) not reached within {bound} steps: ") + ", ".join(missing))
    else:
        verdict = HOLDS
    if fired_all is None:  # by default, what was fired is known everywhere iff the search was
        fired_all = proof in (Proof.TERMINATES, Proof.EXHAUSTIVE) and not unknown
    return Result(system.name, engine, verdict, bound, proof, props, covers, stats,
                  system.options, reason, (), evidence, invariant, fired, fired_all,
                  support=support)
