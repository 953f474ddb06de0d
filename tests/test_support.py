"""Why a property holds (engines/support.py): the parts of pdr's invariant its proof rests on.

The explanation is two claims, each checked here by a solver that did not make it:
the parts shown first rule out the property's violations on their own, and with the
parts shown second, every step keeps the first true. On the flagship both layers are
a handful of the invariant's hundreds of facts, and the first names the fact the
proof turns on.
"""

from __future__ import annotations

import json

import pytest
import z3
from conftest import FLAGSHIP, ROOT, run_cli, run_engine

from rmapsmt import ir
from rmapsmt.budget import Budget
from rmapsmt.engines.cubes import cube_expr
from rmapsmt.engines.houdini import candidates, explore
from rmapsmt.engines.pdr import certify, explained
from rmapsmt.engines.strengthen import strengthen
from rmapsmt.pipeline import load
from rmapsmt.report import result_from_dict, result_to_dict
from rmapsmt.smt.session import UNSAT, Session

PETERSON = ROOT / "examples" / "peterson.rmap"


def invariant_parts(s: ir.System, goals: list[ir.Expr]) -> list[ir.Expr]:
    """pdr's invariant for `s` that excludes `goals` (the exploration is complete): its
    clauses, then its facts."""
    explored = explore(s, Budget())
    assert explored.complete
    facts = candidates(s, explored.states)
    lemmas = [f.expr(s) for f in facts]
    cubes, _ = strengthen(s, explored.states, facts, lemmas, goals, Budget())
    return [*(ir.not_(cube_expr(c)) for c in cubes), *lemmas]


@pytest.mark.parametrize("overrides", [{}, {"fix": "none", "flags_change": "true"},
                                       {"fix": "anon_vma_lock", "arg_pages": "2"}])
def test_each_layer_of_the_explanation_is_true_on_its_own(overrides: dict[str, str]) -> None:
    s = load(str(FLAGSHIP), overrides).system
    # (with fix=none the violated properties are not proved: only the rest are explained)
    r = run_engine("explicit", s)
    proved = [p.name for p in r.properties if p.verdict == "holds"]
    goals = [p.bad for p in s.properties if p.name in proved]
    parts = invariant_parts(s, goals)
    done = certify(s, parts[:0], parts, goals, Budget(), explain=explained(s, proved))
    assert set(done.support) == {p.name for p in s.properties
                                 if p.name in proved and p.kind in ("invariant", "assert")}
    assert done.support, "nothing explained"
    bad = {p.name: p.bad for p in s.properties}
    for name, needs in done.support.items():
        assert 0 < len(needs.excludes) < len(parts) // 10
        with Session(s, Budget()) as fresh:  # the first layer alone excludes a violation
            enc = fresh.enc
            fresh.add(*enc.domain(0), enc.expr(ir.conj(parts[i] for i in needs.excludes), 0))
            assert fresh.ask(enc.expr(bad[name], 0)) == UNSAT
        if needs.keeps is None:
            continue
        with Session(s, Budget()) as fresh:  # with the second, every step keeps the first
            enc = fresh.enc
            given = ir.conj(parts[i] for i in [*needs.excludes, *needs.keeps])
            fresh.add(*enc.domain(0), *enc.domain(1), enc.expr(given, 0))
            kept = enc.expr(ir.conj(parts[i] for i in needs.excludes), 1)
            for t in s.transitions:
                assert fresh.ask(*enc.step(t), z3.Not(kept)) == UNSAT, (name, t.name)


def test_the_flagship_proof_turns_on_the_locked_page() -> None:
    p = run_cli("prove", str(FLAGSHIP), "--engine", "pdr", "--format", "json")
    report = json.loads(p.stdout)
    assert report["verdict"] == "holds" and report["proof"] == "invariant"
    why = report["support"]
    assert set(why) == {"no_orphaned_migration_entry", "no_use_after_free",
                        "bug_on_migration_entry_to_page"}
    orphan = why["no_orphaned_migration_entry"]
    # the one address a migration entry can be at (the stack is one page while exec runs,
    # v2 skips it), and that while there is one the old page is locked
    assert "  if pte[5] == migration: frame_locked[0] == true" in orphan["excludes"]
    assert "  pte[6] == none" in orphan["excludes"]
    # what keeps it so: v2's temporary-stack test holds while the PTEs move
    keeps = orphan["keeps"]
    assert keeps is not None and "vm_flags_changed == false" in "\n".join(keeps)
    assert len(orphan["excludes"]) + len(keeps) < len(report["invariant"]) // 10
    text = run_cli("prove", str(FLAGSHIP), "--engine", "pdr").stdout
    assert "why it holds" in text
    assert "no_orphaned_migration_entry follows from:" in text
    assert "which every step keeps, given also:" in text


def test_peterson_mutual_exclusion_is_kept_by_the_entry_step() -> None:
    r = run_engine("pdr", load(str(PETERSON)).system)
    (why,) = r.support
    assert why.prop == "mutual_exclusion"
    assert why.excludes == ("always:", "  if in_cs[0] == true: in_cs[1] == false")
    assert why.keeps is not None
    assert any(line.startswith("while p[0] at enter") for line in why.keeps)
    back = result_from_dict(json.loads(json.dumps(result_to_dict(r))))
    assert back.support == r.support  # the CI cache keeps it


def test_only_proved_properties_are_explained() -> None:
    s = load(str(FLAGSHIP), {"fix": "none"}).system
    r = run_engine("pdr", s)
    verdicts = {p.name: p.verdict for p in r.properties}
    assert verdicts["no_orphaned_migration_entry"] == "violated"
    assert [w.prop for w in r.support] == ["no_use_after_free"]  # the one that holds
    assert verdicts["no_use_after_free"] == "holds"
    for engine in ("explicit", "kind"):  # no invariant, no explanation
        assert run_engine(engine, s).support == ()
