"""Why a property holds: the parts of a proved invariant that exclude its violations.

pdr's invariants are big (on the flagship, 573 facts): most parts are true and
needed only to keep the others inductive. A reader wants two layers: the few
parts that rule the violations out, and the few more that make every step keep
those true. The certifying solver holds each part behind an assumption
literal, so unsat cores (minimised by z3 where they are small) name both: the core of "a violation",
then the cores of "a step breaks one of those". On the flagship
no_orphaned_migration_entry follows from 9 facts, the first of them "if pte[5]
== migration: frame_locked[0] == true".

This explains a proof, it proves nothing: the invariant is certified whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import z3

from .. import ir
from ..smt.encode import disjunction
from ..smt.session import UNSAT, Session

EXPLAINED_PARTS = 12  # more parts than this ruling the violations out: no second layer
MINIMISED_PARTS = 48  # z3 minimises a core of at most this many parts


@dataclass(frozen=True)
class Needs:
    """Indices of an invariant's parts a property's proof rests on."""

    excludes: list[int]  # these alone rule out its violations
    keeps: list[int] | None  # these, with `excludes`, make every step keep `excludes` true
    # (None: not asked, `excludes` has more than EXPLAINED_PARTS parts)


def support(s: Session, use: Sequence[z3.ExprRef], parts: Sequence[ir.Expr],
            goals: Mapping[str, ir.Expr]) -> dict[str, Needs]:
    """In a session where `use[i]` implies parts[i] in state 0 (and the domains of states 0
    and 1 hold): for each goal (its violations, which the invariant excludes), the parts
    in an unsat core of "a violation" and those in the cores of "a step breaks one of
    them", per step that writes what they read. Goals the solver does not settle (out of
    time) are left out.

    The cost is kept to a few queries where an explanation would be too long to read
    anyway (the flagship's two-migration configurations: over a hundred parts rule
    the violations out): the second layer is asked only under EXPLAINED_PARTS parts,
    z3 minimises only cores of at most MINIMISED_PARTS parts."""
    enc = s.enc
    out: dict[str, Needs] = {}
    for name, bad in goals.items():
        excludes = _core(s, use, enc.expr(bad, 0))
        if excludes is None:
            continue
        if len(excludes) > EXPLAINED_PARTS:
            out[name] = Needs(excludes, None)
            continue
        keeps: set[int] = set()
        reads = {i: ir.variables(parts[i]) for i in excludes}
        for t in enc.system.transitions:
            written = {v for v, _ in t.updates}
            broken = [z3.Not(enc.expr(parts[i], 1)) for i in excludes if reads[i] & written]
            kept = _core(s, use, *enc.step(t), disjunction(broken, enc.ctx)) if broken else []
            if kept is None:
                break
            keeps.update(kept)
        else:
            out[name] = Needs(excludes, sorted(keeps - set(excludes)))
    return out


def _core(s: Session, use: Sequence[z3.ExprRef], *query: z3.ExprRef) -> list[int] | None:
    """The parts in an unsat core of `query`; None if it is not unsat. A core of at most
    MINIMISED_PARTS parts is minimised by z3 (over all the parts that would cost seconds;
    unminimised, cores on the flagship are 3-4x larger)."""
    if s.ask(*query, assume=use, want_model=False) != UNSAT:
        return None
    core = [i for i, u in enumerate(use) if s.in_core(u)]
    if len(core) > MINIMISED_PARTS:
        return core
    s.solver.set("core.minimize", True)
    try:
        if s.ask(*query, assume=[use[i] for i in core], want_model=False) != UNSAT:
            return core  # out of time: the first core
        return [i for i in core if s.in_core(use[i])]
    finally:
        s.solver.set("core.minimize", False)
