"""The flagship: exec's shift_arg_pages() against migration (the-race.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FLAGSHIP, labels, prop, run_cli

pytestmark = pytest.mark.slow  # solver runs and whole processes: the full suite only

ORPHAN = "no_orphaned_migration_entry"
BUG_ON = "bug_on_migration_entry_to_page"


def test_email_fix_v2_holds_for_all_executions() -> None:
    r = run_cli("prove", FLAGSHIP, "--format", "json")
    assert r.exit_code == 0
    rep = r.report
    assert rep["verdict"] == "holds"
    assert rep["complete"] is True
    assert rep["options"]["fix"] == "v2"
    assert all(p["verdict"] == "holds" for p in rep["properties"])
    assert all(c["reached"] for c in rep["covers"])  # not vacuous


def test_text_report_says_complete() -> None:
    r = run_cli("prove", FLAGSHIP)
    assert r.exit_code == 0
    assert "HOLDS for all executions" in r.stdout


def test_unfixed_code_has_the_race_of_the_email() -> None:
    r = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", "json")
    assert r.exit_code == 1
    rep = r.report
    assert rep["verdict"] == "violated"
    orphan = prop(rep, ORPHAN)
    bug = prop(rep, BUG_ON)
    assert orphan["verdict"] == "violated" and orphan["depth"] == 7
    assert bug["verdict"] == "violated" and bug["depth"] == 11
    assert rep["property"] == ORPHAN  # the shortest violation leads the report

    steps = bug["trace"]["steps"]
    seq = labels(bug["trace"])

    def at(proc: str, label: str, after: int = -1) -> int:
        return next(i for i, s in enumerate(seq) if s == (proc, label) and i > after)

    # unmap installs the migration entry at the old address (7) ...
    unmap = at("migrate[0]", "rmap_walk.walk")
    assert steps[unmap]["state"] == {"pte[7]": "migration"}
    # ... vma_adjust moves vm_start (vm_pgoff unchanged) ...
    adjust = at("exec", "vma_adjust_grow", unmap)
    assert steps[adjust]["state"] == {"vm_start": "5"}
    # ... remove_migration_ptes looks at the new address and finds nothing ...
    remove = at("migrate[0]", "rmap_walk.walk", adjust)
    assert steps[remove]["state"] == {}
    # ... the page is unlocked ...
    unlock = at("migrate[0]", "unlock_page", remove)
    assert steps[unlock]["state"]["frame_locked[0]"] == "false"
    # ... move_page_tables carries the entry to the new address ...
    move = at("exec", "move_ptes", unlock)
    assert steps[move]["state"] == {"pte[5]": "migration", "pte[7]": "none"}
    # ... and the fault finds the orphan (the trace ends where the BUG_ON fires).
    text = run_cli("prove", FLAGSHIP, "--set", "fix=none").stdout
    assert "then exec migration_entry_wait (line" in text
    # the compiler-style lines editors and CI problem matchers jump to
    src = FLAGSHIP.read_text().splitlines()
    orphan_line = next(i for i, s in enumerate(src, 1) if s.startswith("invariant no_orphaned"))
    assert f"{FLAGSHIP}:{orphan_line}:1: violated: no_orphaned_migration_entry (7 steps)" in text


def _with_extra(tmp_path: Path, extra: str) -> Path:
    spec = tmp_path / "variant.rmap"
    spec.write_text(FLAGSHIP.read_text() + "\n" + extra + "\n")
    return spec


ORPHAN_EXISTS = "exists a in Addr: pte[a] == migration && !frame_locked[pte_frame[a]]"


def test_orphan_is_reachable_through_a_successful_copy(tmp_path: Path) -> None:
    spec = _with_extra(tmp_path, f"invariant no_orphan_after_copy: "
                                 f"!(outcome[0] == copied && {ORPHAN_EXISTS})")
    rep = run_cli("prove", spec, "--set", "fix=none", "--format", "json").report
    p = prop(rep, "no_orphan_after_copy")
    assert p["verdict"] == "violated"
    seq = labels(p["trace"])
    assert ("migrate[0]", "move_to_new_page") in seq
    copy = next(s for s in p["trace"]["steps"] if s["label"] == "move_to_new_page")
    assert copy["state"]["migrate[0].migrated"] == "true"


def test_orphan_is_reachable_through_the_give_up_path(tmp_path: Path) -> None:
    spec = _with_extra(tmp_path, f"invariant no_orphan_after_give_up: "
                                 f"!(outcome[0] == gave_up && {ORPHAN_EXISTS})")
    rep = run_cli("prove", spec, "--set", "fix=none", "--format", "json").report
    p = prop(rep, "no_orphan_after_give_up")
    assert p["verdict"] == "violated"
    assert p["depth"] == 7
    last = p["trace"]["steps"][-1]
    assert last["label"] == "unlock_page"
    assert last["state"]["outcome[0]"] == "gave_up"


def test_json_report_has_the_documented_fields() -> None:
    rep = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", "json").report
    for key in ("spec", "engine", "decided_by", "verdict", "bound", "complete", "proof",
                "property", "trace", "stats"):
        assert key in rep
    assert rep["engine"] == "auto" and rep["decided_by"] == "explicit"  # 109 states
    assert rep["format"] == "rmapsmt-report/1"
    step = rep["trace"]["steps"][0]
    assert set(step) == {"step", "process", "label", "line", "state", "calls", "decided"}
    remove = next(s for s in rep["trace"]["steps"] if s["calls"] and "mode=remove" in s["calls"][0])
    assert any(d.startswith("if pte[vma_address(p)] == migration") and ": false" in d
               for d in remove["decided"])
    bmc = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--engine", "bmc",
                  "--format", "json").report
    assert bmc["stats"]["solver_calls"] > 0
    # both shortest (not always the same one)
    assert bmc["trace"]["length"] == rep["trace"]["length"]


@pytest.mark.parametrize("engine", ["bmc", "explicit"])
def test_depth_below_the_counterexample_is_only_bounded(engine: str) -> None:
    r = run_cli("prove", FLAGSHIP, "--set", "fix=none", "-k", "6", "--engine", engine,
                "--format", "json")
    assert r.exit_code == 1  # exec_finished is not reachable in 6 steps: not a pass
    assert r.report["verdict"] == "vacuous"
    assert "exec_finished" in r.report["reason"]
    r = run_cli("prove", FLAGSHIP, "-k", "10", "--engine", engine, "--format", "json")
    assert r.exit_code == 0
    assert r.report["verdict"] == "holds"
    assert r.report["complete"] is False
    assert r.report["bound"] == 10
    text = run_cli("prove", FLAGSHIP, "-k", "10", "--engine", engine).stdout
    assert "HOLDS up to 10 steps" in text


def test_an_unbounded_engine_proves_past_a_small_depth() -> None:
    """-k bounds the counterexamples searched; a proof by invariant covers every depth."""
    r = run_cli("prove", FLAGSHIP, "-k", "10", "--engine", "pdr", "--format", "json")
    assert r.exit_code == 0
    assert r.report["complete"] is True and r.report["proof"] == "invariant"
    assert r.report["invariant"]


def test_the_race_diagram_has_a_column_per_cpu_and_spells_out_the_missed_walk() -> None:
    text = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--diagram").stdout
    block = text[text.index("race diagram for no_orphaned_migration_entry (7 steps):"):]
    lines = block.splitlines()
    assert lines[1].split(" | ") == ["exec".ljust(len(lines[1].split(" | ")[0])),
                                     "migrate[0]"]
    body = block[: block.index("no_orphaned_migration_entry fails:")]
    # the remove walk, called with the page and its copy, looks at the new address and
    # finds no migration entry there: the condition, its value, the state it read
    remove = body[body.index("rmap_walk(mode=remove"):]
    flat = " ".join(s.split(" | ")[-1].strip() for s in remove.splitlines())
    assert "if pte[vma_address(p)] == migration" in flat
    assert ": false" in flat and "vm_start = 5" in flat and "(no change)" in flat
    assert "pte[5] = none" in flat  # the new address, and nothing there
    # steps of exec sit in the left column, migration's in the right
    left = [s for s in body.splitlines()[3:] if s.split(" | ")[0].strip()]
    assert any("vma_adjust_grow" in s for s in left)
    assert not any("lock_page" in s.split(" | ")[0] for s in left)
    assert "no_orphaned_migration_entry fails: pte[7] = migration" in block
    plain = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--no-diagram").stdout
    assert "race diagram" not in plain and "counterexample for" in plain


def test_the_initial_state_shows_what_the_trace_writes_unless_asked() -> None:
    short = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--no-diagram").stdout
    full = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--no-diagram",
                   "--full-state").stdout
    first = short[short.index("initial state:"):short.index("    1  exec")]
    assert "pte[7] = none" in first and "stack_incomplete" not in first
    assert "--full-state shows them" in first
    everything = full[full.index("initial state:"):full.index("    1  exec")]
    assert "stack_incomplete" in everything and "--full-state" not in everything
