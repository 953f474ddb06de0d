"""PDR's independent invariant check (`pdr.certify`) rejects each way an invariant can be
wrong, and names what failed; a proof it accepts is one the explicit engine agrees with."""

from __future__ import annotations

import pytest
from conftest import ROOT, run_engine

from rmapsmt import ir
from rmapsmt.budget import Budget
from rmapsmt.engines.pdr import CertificateError, certify
from rmapsmt.interp import Interpreter
from rmapsmt.pipeline import load

PETERSON = ROOT / "examples" / "peterson.rmap"


def system() -> ir.System:
    return load(str(PETERSON)).system


def at(process: str, point: int) -> ir.Expr:
    return ir.eq(ir.Var(f"pc:{process}"), ir.Const(point))


def exclusion(s: ir.System) -> ir.Expr:
    return next(p.bad for p in s.properties if p.name == "mutual_exclusion")


def test_an_invariant_that_fails_initially_is_rejected() -> None:
    s = system()
    with pytest.raises(CertificateError, match="does not hold initially"):
        certify(s, [ir.not_(at("p[0]", 0))], [], [exclusion(s)], Budget())


def test_an_invariant_a_step_leaves_is_rejected_and_the_step_named() -> None:
    s = system()
    with pytest.raises(CertificateError, match=r"the step p\[0\] want \(line \d+\) leaves it"):
        # strong enough (p[0] is not in its critical section) and initial, not inductive
        certify(s, [at("p[0]", 0), ir.not_(exclusion(s))], [], [exclusion(s)], Budget())


def test_an_invariant_too_weak_for_the_property_is_rejected() -> None:
    s = system()
    with pytest.raises(CertificateError, match="does not exclude a violation"):
        certify(s, [ir.TRUE], [], [exclusion(s)], Budget())


def test_the_invariant_pdr_prints_is_accepted_and_true_in_every_reachable_state() -> None:
    s = system()
    r = run_engine("pdr", s)
    assert r.proof == "invariant" and r.invariant
    states = run_engine("explicit", s).stats.states
    assert states is not None and states > 0
    interp = Interpreter(s)
    # the certified proof agrees with the exhaustive search: no reachable state is bad
    seen = set(interp.initial_states())
    frontier = list(seen)
    while frontier:
        x = frontier.pop()
        assert not interp.is_violated(x, "mutual_exclusion")
        for _, y in interp.successors(x):
            if y not in seen:
                seen.add(y)
                frontier.append(y)
    assert len(seen) == states
