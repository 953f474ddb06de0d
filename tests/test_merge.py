"""Step merging (engines/merge.py) never changes a verdict, and merges what it should.

The reference is always the same engine on the system as written: per property the
same verdict, every cover reached alike, and every trace of the merged run replays
in the unreduced interpreter (`run.verify`) and ends where its property fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FLAGSHIP, ROOT, run_cli, run_engine
from hypothesis import HealthCheck, given, settings
from test_differential import _full_system, full_specs, small_specs

from rmapsmt import engines, ir, run
from rmapsmt.budget import Budget
from rmapsmt.diagnostics import Source
from rmapsmt.engines.merge import reduce
from rmapsmt.interp import Interpreter
from rmapsmt.matrix import run_matrix
from rmapsmt.pipeline import load, load_source
from rmapsmt.result import Result


def verdicts(r: Result) -> tuple[object, ...]:
    return (r.verdict, r.complete, {p.name: p.verdict for p in r.properties},
            {c.name: c.reached for c in r.covers})


def lengths(r: Result) -> tuple[dict[str, int], dict[str, int]]:
    return ({p.name: p.trace.length for p in r.properties if p.trace is not None},
            {c.name: c.trace.length for c in r.covers if c.trace is not None})


def agree(system: ir.System, engine: str, depth: int | None = None) -> tuple[Result, Result]:
    """The engine with and without merging: the same verdicts and counterexample lengths
    (each a shortest); the merged traces replay in the original system and end in a
    state that violates their property."""
    plain = run_engine(engine, system, depth)
    merged = run_engine(engine, system, depth, merge=True)
    if plain.complete and merged.complete:
        assert verdicts(plain) == verdicts(merged)
        assert lengths(plain) == lengths(merged)
    else:  # bounded: the merged run covers at least the executions the plain one did
        for p, m in zip(plain.properties, merged.properties, strict=True):
            assert not (p.verdict == "violated" and m.verdict == "holds"), p.name
    checked = run.verify(system, merged)  # ReplayError if a trace does not replay
    interp = Interpreter(system)
    for p in checked.properties:
        if p.trace is not None:
            assert any(q.name == p.name for q in interp.violated(p.trace.states[-1]))
    return plain, merged


# ---------------------------------------------------------------- what merges

EXPECTED = {  # spec -> the steps merged with the step after them
    "examples/peterson.rmap": {"p[0] leave (line 26)", "p[1] leave (line 26)"},
    "examples/broken_mutex.rmap": {"p[0] leave (line 22)", "p[1] leave (line 22)"},
    "examples/deadlock.rmap": {"p inner (line 15)", "q inner (line 23)"},
    "specs/fork_migration.rmap": {"migrate rmap_walk (line 81)"},
    "specs/mremap_rmap_order.rmap": {"migrate rmap_walk (line 81)"},
    "specs/shift_arg_pages.rmap": set(),
}


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_the_steps_merged_are_the_movers(path: str) -> None:
    """Lock acquisitions (right movers) and steps after the last visible one merge; a
    step that can make a property or cover true, or that conflicts with another
    process's step, does not (peterson's `want` can reach the cover `contended`)."""
    system = load(str(ROOT / path)).system
    red = reduce(system, Budget())
    assert set(red.merged) == EXPECTED[path]
    if red.merged:
        assert len(red.parts) == len(red.system.transitions)
        assert any(len(p) == 2 for p in red.parts)


def test_the_flagship_merges_nothing_and_says_so() -> None:
    """Every step of the race touches what the other side reads: the proof is as
    written, and no `merged` line appears in the report."""
    for fix in ("none", "v2", "seqcount", "anon_vma_lock"):
        system = load(str(FLAGSHIP), {"fix": fix, "migrations": "2"}).system
        red = reduce(system, Budget())
        assert red.merged == () and red.system is system


# ------------------------------------------------------------ composition


@pytest.mark.parametrize("path", [p for p in sorted(EXPECTED) if EXPECTED[p]])
def test_a_merged_step_is_its_two_steps(path: str) -> None:
    """From every reachable state, each joined step goes exactly where its two parts go,
    one after the other, in the original interpreter."""
    system = load(str(ROOT / path)).system
    red = reduce(system, Budget())
    original, joined = Interpreter(system), Interpreter(red.system)
    seen, frontier = set(original.initial_states()), list(original.initial_states())
    while frontier:
        s = frontier.pop()
        for i, parts in enumerate(red.parts):
            if len(parts) != 2:
                continue
            t, u = (system.transitions[k] for k in parts)
            direct = joined.compiled(i).succ(s)
            mid = original.compiled(t.index).succ(s)
            two = None if mid is None else original.compiled(u.index).succ(mid)
            assert direct == two, (red.system.transitions[i].label, s)
        for _, n in original.successors(s):
            if n not in seen:
                seen.add(n)
                frontier.append(n)


# ---------------------------------------------------------- same verdicts


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", "pdr"])
@pytest.mark.parametrize("path", [p for p in sorted(EXPECTED) if EXPECTED[p]])
def test_repository_specs_same_verdicts_merged(engine: str, path: str) -> None:
    system = load(str(ROOT / path)).system
    plain, merged = agree(system, engine)
    assert merged.merged and not plain.merged
    assert merged.complete


def test_fewer_states_same_counterexample() -> None:
    """fork_migration: the explicit engine visits fewer states; the counterexample is as
    short as without merging, and shows the rmap walk's lock step and its visits."""
    system = load(str(ROOT / "specs/fork_migration.rmap")).system
    plain, merged = agree(system, "explicit")
    assert merged.stats.states is not None and plain.stats.states is not None
    assert merged.stats.states < plain.stats.states
    (p,) = [p for p in merged.properties if p.trace is not None]
    (q,) = [q for q in plain.properties if q.trace is not None]
    assert p.name == q.name == "no_orphaned_migration_entry"
    assert p.trace is not None and q.trace is not None
    assert p.trace.length == q.trace.length
    names = [system.transitions[t].name for t in p.trace.steps]
    assert "rmap_walk" in names and "rmap_walk.visit" in names
    assert names[-1] == "unlock_page"


SHORTCUT = """spec shortcut
var v1: bool = false
process p0 {
  skip
  v1 := true
}
process p1 {
  v1 := true
}
invariant inv: !v1
cover set: v1
"""


@pytest.mark.parametrize("engine", sorted(engines.MERGING))
def test_a_merged_step_does_not_make_a_longer_trace_look_shortest(engine: str) -> None:
    """p0's skip merges with its next step: one merged step, two steps of the original.
    p1 violates `inv` in one step, and that is the trace, for every merging engine."""
    system = load_source(Source("shortcut.rmap", SHORTCUT)).system
    r = run.verify(system, run_engine(engine, system, merge=True))
    assert r.merged == ("p0 L4 (line 4)",)
    (p,) = [p for p in r.properties if p.name == "inv"]
    assert p.verdict == "violated" and p.trace is not None and p.trace.length == 1
    assert [system.transitions[t].process for t in p.trace.steps] == ["p1"]
    (c,) = r.covers
    assert c.reached and c.trace is not None and c.trace.length == 1


def test_deadlock_found_through_a_merged_lock() -> None:
    """deadlock.rmap: `inner` (taking the second lock) merges, the ABBA deadlock stays."""
    system = load(str(ROOT / "examples/deadlock.rmap")).system
    _, merged = agree(system, "explicit")
    (p,) = [p for p in merged.properties if p.verdict == "violated"]
    assert p.name == "deadlock" and p.trace is not None and p.trace.length == 2


def test_prove_reports_what_merged() -> None:
    on = run_cli("prove", ROOT / "examples/peterson.rmap", "--engine", "explicit",
                 "--format", "json", "--merge")
    off = run_cli("prove", ROOT / "examples/peterson.rmap", "--engine", "explicit",
                  "--format", "json", "--no-merge")
    assert on.exit_code == off.exit_code == 0
    assert on.report["merged"] == ["p[0] leave (line 26)", "p[1] leave (line 26)"]
    assert off.report["merged"] == []
    assert on.report["verdict"] == off.report["verdict"] == "holds"
    text = run_cli("prove", ROOT / "examples/peterson.rmap", "--engine", "explicit",
                   "--merge").stdout
    assert "merged    with the step after" in text and "p[1] leave (line 26)" in text
    assert "all 118 reachable states of the merged system explored" in text


def test_which_engines_merge_by_default() -> None:
    """bmc, kind and pdr merge unless told not to; the explicit engine does not (its
    queries cost more than the states they save: bench/merging.py)."""
    path = ROOT / "examples/peterson.rmap"
    for engine, merges in (("explicit", False), ("bmc", True), ("kind", True), ("pdr", True)):
        r = run_cli("prove", path, "--engine", engine, "--format", "json")
        assert r.exit_code == 0
        assert bool(r.report["merged"]) is merges, engine


def test_auto_merges_in_its_workers_only() -> None:
    """`auto` decides peterson in its in-process explicit engine, unmerged (no solver
    queries up front); the merged path is the workers'."""
    system = load(str(ROOT / "examples/peterson.rmap")).system
    r = engines.get("auto")(system, Budget())
    assert r.decided_by == "explicit" and r.merged == ()


# ------------------------------------------------------------ random specs

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.slow
@SETTINGS
@given(small_specs())
def test_random_specs_merging_changes_no_verdict(text: str) -> None:
    system = load_source(Source("random.rmap", text)).system
    agree(system, "explicit", 8)
    agree(system, "bmc", 8)


@pytest.mark.slow
@SETTINGS
@given(full_specs())
def test_random_full_specs_merging_changes_no_verdict(text: str) -> None:
    system = _full_system(text)
    agree(system, "explicit", 10)
    agree(system, "pdr", 10)


@pytest.mark.slow
@settings(SETTINGS, max_examples=60)
@given(full_specs())
def test_random_full_specs_kind_merged_same_traces(text: str) -> None:
    """(A random campaign found kind's counterexamples longer than shortest, merged.)"""
    agree(_full_system(text), "kind", 10)


def test_ci_and_matrix_pass_merge_on(tmp_path: Path) -> None:
    """`--merge/--no-merge` means the same in `ci` and `matrix` as in `prove`."""
    peterson = ROOT / "examples/peterson.rmap"
    for flag, merged in (("--merge", ["p[0] leave (line 26)", "p[1] leave (line 26)"]),
                         ("--no-merge", [])):
        out = tmp_path / f"ci{flag}.json"
        r = run_cli("ci", peterson, "--engine", "explicit", "--no-cache", "--json", out, flag)
        assert r.exit_code == 0, r.stdout
        (run,) = json.loads(out.read_text())["runs"]
        assert run["report"]["merged"] == merged
        assert run["report"]["verdict"] == "holds"
    fork = str(ROOT / "specs/fork_migration.rmap")
    for merge in (True, False):
        cells = run_matrix(fork, ["fix"], {}, "explicit", merge=merge)
        assert [c.report.result.verdict.value for c in cells  # type: ignore[union-attr]
                ] == ["violated", "holds"]
        assert all(bool(c.report.result.merged) is merge for c in cells)  # type: ignore[union-attr]
    r = run_cli("matrix", fork, "--vary", "fix", "--engine", "explicit", "--no-merge")
    assert r.exit_code == 0
