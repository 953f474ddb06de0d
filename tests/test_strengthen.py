"""pdr's invariant from every reachable state (engines/strengthen.py).

Where the exploration finishes, the candidate facts are all true, but not inductive:
the clauses strengthen.py learns are what make them so, and each holds in every
reachable state. A counterexample to induction inside the states it was given means
they were not every reachable state (or the interpreter and the encoding disagree):
an error, never a clause.
"""

from __future__ import annotations

import pytest
from conftest import FLAGSHIP, explicit, run_engine

from rmapsmt import ir
from rmapsmt.budget import Budget
from rmapsmt.diagnostics import Source
from rmapsmt.engines.cubes import Reached, cube_expr
from rmapsmt.engines.houdini import candidates, explore
from rmapsmt.engines.pdr import CertificateError, certify
from rmapsmt.engines.strengthen import strengthen
from rmapsmt.interp import Interpreter
from rmapsmt.pipeline import load, load_source


def two_migrations() -> ir.System:
    return load(str(FLAGSHIP), {"fix": "seqcount", "migrations": "2"}).system


def test_the_clauses_make_the_true_facts_inductive_and_exclude_no_reachable_state() -> None:
    s = two_migrations()
    explored = explore(s, Budget())
    assert explored.complete
    states = explored.states
    facts = candidates(s, states)
    lemmas = [f.expr(s) for f in facts]
    goals = [p.bad for p in s.properties]
    cubes, calls = strengthen(s, states, facts, lemmas, goals, Budget())
    assert cubes and calls > len(cubes)
    reached = Reached(s, states)
    assert not any(reached.meet(c) for c in cubes)  # each clause is true in every state
    with pytest.raises(CertificateError, match="leaves it"):
        certify(s, [], lemmas, [], Budget())  # the facts alone are not inductive
    with pytest.raises(CertificateError, match="does not exclude a violation"):
        certify(s, [], lemmas, goals, Budget())  # nor strong enough
    certify(s, [ir.not_(cube_expr(c)) for c in cubes], lemmas, goals, Budget())


def test_pdr_proves_the_two_migration_flagship_from_its_reachable_states() -> None:
    s = two_migrations()
    r = run_engine("pdr", s)
    assert (r.engine, r.verdict, r.proof) == ("pdr", "holds", "invariant")
    states = explicit(s).stats.states
    assert f"true in all {states} reachable states" in r.evidence
    assert "independently checked" in r.evidence and r.invariant
    frames = run_engine("ic3", s)  # the frames search agrees
    assert (frames.engine, frames.verdict, frames.proof) == ("ic3", "holds", "invariant")


COUNTER = """spec counter
var x: 0..3 = 0
process p {
  inc: x := x + 1
}
"""


def test_a_counterexample_among_the_given_states_is_an_error_not_a_clause() -> None:
    s = load_source(Source("counter.rmap", COUNTER)).system
    interp = Interpreter(s)
    (start,) = interp.initial_states()
    real = [start, *(n for _, n in interp.successors(start))]
    x = [v.name for v in s.vars].index("x")
    # p at `inc` with x == 2: never reachable, and its step leads out of every fact
    bogus = tuple(2 if i == x else v for i, v in enumerate(start))
    states = [*real, bogus]
    facts = candidates(s, states)
    with pytest.raises(AssertionError, match="reachable state breaks"):
        strengthen(s, states, facts, [f.expr(s) for f in facts], [], Budget())


def test_out_of_time_while_strengthening_is_unknown_never_holds() -> None:
    r = run_engine("pdr", two_migrations(), timeout=1.0)
    assert (r.verdict, r.proof) == ("unknown", "bounded") and not r.invariant
    assert "timed out while" in r.reason
