"""IC3's instance swaps (engines/ic3.py) and pdr's run-to-run determinism.

A learned clause's image under swapping two instances of one process is only a
candidate: it is kept where it is relatively inductive, so an asymmetric system
(an instance that reads `self`) must not get it. And pdr asks its queries in a
fixed order: the same invariant, the same solver calls, whatever Python's hash seed
(IC3's frames, and the invariant strengthened from every reachable state alike).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import FLAGSHIP, ROOT

from rmapsmt import ir
from rmapsmt.budget import Budget
from rmapsmt.diagnostics import Source
from rmapsmt.engines.ic3 import Ic3, swaps
from rmapsmt.pipeline import load, load_source
from rmapsmt.smt.session import Session

# w[0] sets its t to 0 and w[1] to 1: "w[0].t is never 1" is inductive, its image is not
ASYMMETRIC = """spec asym
process w[2] {
  var t: 0..1 = 0
  set: t := self
}
"""
SYMMETRIC = ASYMMETRIC.replace("t := self", "t := 0")


def system(text: str) -> ir.System:
    return load_source(Source("swap.rmap", text)).system


def clauses_after_learning(text: str) -> list[frozenset[tuple[str, str, int | bool]]]:
    """Frame 1's clauses after IC3 learns `w[0].t != 1` there and offers its images."""
    s = system(text)
    with Session(s, Budget()) as session:
        ic = Ic3(s, session, [])
        ic.new_frame()
        learned = frozenset({("w[0].t", "=", 1)})
        assert ic.relind(1, learned) is not None  # the clause itself is inductive
        ic.add_clause(learned, 1)
        ic.learn_images(learned, 1)
        return [c for level in ic.delta for c in level]


def test_swaps_exchange_the_program_counters_and_locals_of_two_instances() -> None:
    (ren,) = swaps(load(str(FLAGSHIP), {"migrations": "2"}).system)
    assert ren["pc:migrate[0]"] == "pc:migrate[1]"
    assert ren["migrate[1].old"] == "migrate[0].old"
    assert all(ren[ren[n]] == n for n in ren)  # an exchange: applied twice, the identity
    assert not any(n.startswith(("pte", "frame", "exec")) for n in ren)  # shared: kept
    assert swaps(load(str(FLAGSHIP)).system) == []  # one migration: nothing to swap


def test_an_image_is_kept_where_it_is_inductive() -> None:
    assert frozenset({("w[1].t", "=", 1)}) in clauses_after_learning(SYMMETRIC)


def test_an_image_that_is_not_inductive_is_not_kept() -> None:
    got = clauses_after_learning(ASYMMETRIC)
    assert got == [frozenset({("w[0].t", "=", 1)})]


def pdr_report(engine: str, seed: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    p = subprocess.run([sys.executable, "-m", "rmapsmt", "prove", str(FLAGSHIP), "--engine",
                        engine, "--no-merge", "--format", "json", "--set", "fix=seqcount",
                        "--set", "migrations=2"],
                       capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert p.returncode == 0, p.stderr
    report: dict[str, object] = json.loads(p.stdout)
    return report


@pytest.mark.parametrize("engine", ["ic3", "pdr"])  # frames; strengthened from every state
def test_pdr_finds_the_same_invariant_whatever_the_hash_seed(engine: str) -> None:
    a, b = pdr_report(engine, "1"), pdr_report(engine, "2")
    assert a["verdict"] == b["verdict"] == "holds" and a["engine"] == b["engine"] == engine
    assert a["invariant"] == b["invariant"]
    assert a["stats"]["solver_calls"] == b["stats"]["solver_calls"]  # type: ignore[index]
