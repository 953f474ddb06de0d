"""`rmapsmt replay`: where each fix blocks the unfixed kernel's counterexample."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FLAGSHIP, run_cli

pytestmark = pytest.mark.slow  # whole CLI runs with the solver

ORPHAN = "no_orphaned_migration_entry"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay") / "none.json"
    r = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", "json")
    assert r.exit_code == 1
    out.write_text(r.stdout)
    return out


def replay(saved: Path, fix: str) -> tuple[int, str]:
    r = run_cli("replay", saved, FLAGSHIP, "--set", f"fix={fix}")
    verdict = r.stdout.splitlines()[-1]
    assert verdict.startswith("verdict: ")
    return r.exit_code, r.stdout


@pytest.mark.parametrize("fix", ["v1", "v2", "merged"])
def test_skip_based_fixes_block_the_unmap_walk(saved: Path, fix: str) -> None:
    code, out = replay(saved, fix)
    assert code == 0
    assert "first difference at step 3: migrate[0] rmap_walk.walk" in out
    assert "saved: pte[7] := migration" in out and "now:   (no change)" in out
    # the reason: the skip condition as written, evaluated to false
    assert "if !(mode == unmap && temporary_stack()): false" in out
    assert out.splitlines()[-1] == ("verdict: this spec blocks the counterexample at step 3 "
                                    "(migrate[0] rmap_walk.walk behaves differently)")


@pytest.mark.parametrize(("fix", "first"), [("anon_vma_lock", "lock_anon_vma"),
                                            ("seqcount", "seq_begin")])
def test_write_side_fixes_make_the_remove_walk_wait(saved: Path, fix: str, first: str) -> None:
    code, out = replay(saved, fix)
    assert code == 0
    assert f"exec first takes {first}" in out
    assert "blocked at step 6: migrate[0] rmap_walk.walk cannot run here" in out
    assert out.splitlines()[-1].startswith("verdict: this spec blocks the counterexample at "
                                           "step 6 (migrate[0] rmap_walk.walk")


@pytest.mark.parametrize("fix", ["gup_pin", "move_ptes_cleanup", "none"])
def test_non_fixes_still_violate(saved: Path, fix: str) -> None:
    code, out = replay(saved, fix)
    assert code == 1
    assert out.splitlines()[-1].startswith(f"verdict: the counterexample still violates {ORPHAN}")
    assert ("exec first takes pin_pages" in out) == (fix == "gup_pin")
    assert ("(as saved)" in out) == (fix != "gup_pin")


def test_a_file_that_is_not_a_report_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = run_cli("replay", bad, FLAGSHIP)
    assert r.exit_code == 2 and "not a report of `rmapsmt prove --format json`" in r.stderr
    bad.write_text("not json")
    r = run_cli("replay", bad, FLAGSHIP)
    assert r.exit_code == 2 and "cannot read a saved report" in r.stderr
