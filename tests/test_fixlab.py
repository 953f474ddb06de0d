"""The fix lab: every candidate fix, the verdict matrix, expectations, necessity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FLAGSHIP, ROOT, prop, run_cli

pytestmark = pytest.mark.slow  # solver runs and whole processes: the full suite only

FIXES = ["none", "v1", "v2", "merged", "anon_vma_lock", "seqcount", "gup_pin",
         "move_ptes_cleanup"]
Cells = dict[str, dict[str, Any]]
HOLDING = {"v1", "v2", "merged", "anon_vma_lock", "seqcount"}


@pytest.fixture(scope="module")
def fix_matrix() -> Cells:
    r = run_cli("matrix", FLAGSHIP, "--vary", "fix", "--baseline", "fix=none",
                "--format", "json")
    assert r.exit_code == 0, r.stdout
    assert r.report["all_expectations_met"] is True
    return {c["varied"]["fix"]: c for c in r.report["cells"]}


def test_matrix_has_a_row_per_fix_with_solver_verdicts(fix_matrix: Cells) -> None:
    assert list(fix_matrix) == FIXES
    for fix, cell in fix_matrix.items():
        assert cell["verdict"] == ("holds" if fix in HOLDING else "violated"), fix
        assert cell["complete"] is True
        assert cell["seconds"] > 0
        assert all(e["met"] for e in cell["expectations"])


def test_unfixed_row_carries_the_known_interleaving(fix_matrix: Cells) -> None:
    none = fix_matrix["none"]
    assert none["shortest"] == {"depth": 7, "property": "no_orphaned_migration_entry"}
    assert "bug_on_migration_entry_to_page" in none["violated"]


def test_the_matrix_says_where_each_fix_blocks_the_baselines_race(fix_matrix: Cells) -> None:
    walk = "migrate[0] rmap_walk.walk"
    assert {f: fix_matrix[f]["blocks"] for f in HOLDING} == {
        "v1": f"step 3 ({walk})", "v2": f"step 3 ({walk})", "merged": f"step 3 ({walk})",
        "anon_vma_lock": f"step 6 ({walk} waits)", "seqcount": f"step 6 ({walk} waits)"}
    assert all(fix_matrix[f]["blocks"] is None for f in set(FIXES) - HOLDING)


def test_passing_fixes_are_load_bearing(fix_matrix: Cells) -> None:
    for fix in HOLDING:
        assert fix_matrix[fix]["necessity"] == "needed"
    assert fix_matrix["none"]["necessity"] is None


def test_text_and_markdown_tables() -> None:
    text = run_cli("matrix", FLAGSHIP, "--vary", "fix", "--engine", "explicit")
    assert text.exit_code == 0
    for fix in FIXES:
        assert fix in text.stdout
    assert "8 runs" in text.stdout
    md = run_cli("matrix", FLAGSHIP, "--vary", "fix", "--engine", "explicit", "--format", "md")
    lines = md.stdout.splitlines()
    assert lines[0].startswith("| fix | verdict | complete | shortest counterexample")
    assert sum(1 for line in lines if line.startswith("| ")) == 1 + len(FIXES)


def test_the_emails_fix_fails_outside_its_assumptions() -> None:
    r = run_cli("matrix", FLAGSHIP, "--set", "fix=v2", "--vary", "arg_pages", "--vary",
                "flags_change", "--format", "json")
    assert r.exit_code == 0  # these verdicts are the declared expectations
    cells = {(c["varied"]["arg_pages"], c["varied"]["flags_change"]): c for c in r.report["cells"]}
    assert cells[(1, False)]["verdict"] == "holds"
    for key in [(1, True), (2, False), (2, True)]:
        assert cells[key]["verdict"] == "violated"
        assert "no_orphaned_migration_entry" in cells[key]["violated"]


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = FLAGSHIP.read_text()
    assert text.count(old) == 1
    out = tmp_path / "edited.rmap"
    out.write_text(text.replace(old, new))
    return out


def test_dropping_the_skip_flips_v2(tmp_path: Path) -> None:
    spec = _edited(tmp_path, "if !(mode == unmap && temporary_stack()) {", "if true {")
    r = run_cli("matrix", spec, "--vary", "fix", "--format", "json")
    assert r.exit_code == 1  # the matrix gate: cells no longer meet the expectations
    cells = {c["varied"]["fix"]: c for c in r.report["cells"]}
    for fix in ("v1", "v2", "merged"):
        assert cells[fix]["verdict"] == "violated"
        assert cells[fix]["shortest"]["property"] == "no_orphaned_migration_entry"
        assert not all(e["met"] for e in cells[fix]["expectations"])
    assert cells["anon_vma_lock"]["verdict"] == "holds"  # not a skip-based fix


def test_clearing_the_flag_before_the_shift_breaks_merged(tmp_path: Path) -> None:
    spec = _edited(tmp_path, "var stack_incomplete: bool = true",
                   "var stack_incomplete: bool = false")
    rep = run_cli("prove", spec, "--set", "fix=merged", "--format", "json").report
    assert rep["verdict"] == "violated"
    assert prop(rep, "no_orphaned_migration_entry")["depth"] == 7
    assert not all(e["met"] for e in rep["expectations"])


def test_a_fix_that_changes_nothing_is_reported_as_not_needed() -> None:
    r = run_cli("matrix", ROOT / "specs" / "fork_migration.rmap", "--set", "child_order=after",
                "--vary", "fix", "--baseline", "fix=none", "--format", "json")
    assert r.exit_code == 0
    cells = {c["varied"]["fix"]: c for c in r.report["cells"]}
    assert cells["wait_for_migration"]["verdict"] == "holds"
    assert cells["wait_for_migration"]["necessity"] == "not needed"


SPEC_VARIATIONS = {
    # sizes past 2 are declared too, but their state spaces take minutes: the scaling
    # benchmark (bench/scaling.py) runs them
    "shift_arg_pages.rmap": ["fix", "arg_pages=1,2", "flags_change", "migrations=1,2"],
    "fork_migration.rmap": ["fix", "child_order"],
    "mremap_rmap_order.rmap": ["order", "need_rmap_locks"],
}


@pytest.mark.parametrize("name", sorted(SPEC_VARIATIONS))
def test_every_spec_meets_its_expectations_in_every_configuration(name: str) -> None:
    args: list[str | Path] = ["matrix", ROOT / "specs" / name, "--engine", "explicit",
                              "--format", "json"]
    for v in SPEC_VARIATIONS[name]:
        args += ["--vary", v]
    r = run_cli(*args)
    assert r.exit_code == 0, r.stdout
    cells = r.report["cells"]
    assert cells and all(c["expectations"] for c in cells)  # every cell is declared
    assert all(e["met"] for c in cells for e in c["expectations"])


def test_every_spec_file_is_covered() -> None:
    assert {p.name for p in (ROOT / "specs").glob("*.rmap")} == set(SPEC_VARIATIONS)


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.rmap")), ids=lambda p: p.name)
def test_examples_meet_their_expectations_with_the_solver(path: Path) -> None:
    rep = run_cli("prove", path, "--format", "json").report
    assert rep["expectations"], "every example declares what it expects"
    assert all(e["met"] for e in rep["expectations"])


@pytest.mark.parametrize("name", ["fork_migration.rmap", "mremap_rmap_order.rmap"])
def test_sibling_races_have_the_missed_walk_shape(name: str) -> None:
    rep = run_cli("prove", ROOT / "specs" / name, "--format", "json").report
    p = prop(rep, "no_orphaned_migration_entry")
    assert p["verdict"] == "violated"
    steps = p["trace"]["steps"]
    labels = [(s["process"], s["label"]) for s in steps]
    mover = "fork" if name.startswith("fork") else "mremap"
    move = "copy_one_pte" if mover == "fork" else "move_ptes"
    walks = [i for i, (proc, lab) in enumerate(labels) if lab == "rmap_walk.visit"]
    moved = labels.index((mover, move))
    # the remove walk visits the destination before the entry arrives there and
    # the source after it left: the entry moves between two visits of one walk
    assert any(a < moved < b for a in walks for b in walks)
    assert steps[-1]["label"] == "unlock_page"
