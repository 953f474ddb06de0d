"""Machine-readable reports for a CI gate: JUnit XML from prove and matrix."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FLAGSHIP, ROOT, run_cli

pytestmark = pytest.mark.slow  # solver runs and whole processes: the full suite only


def test_prove_junit_fails_exactly_the_unexpected_violations(tmp_path: Path) -> None:
    spec = tmp_path / "unexpected.rmap"  # the flagship without its `expect` lines
    spec.write_text("\n".join(line for line in FLAGSHIP.read_text().splitlines()
                              if not line.startswith("expect ")))
    r = run_cli("prove", spec, "--set", "fix=none", "--format", "junit")
    assert r.exit_code == 1
    suites = ET.fromstring(r.stdout.split("?>", 1)[1])
    failed = {c.get("name") for c in suites.iter("testcase") if c.find("failure") is not None}
    assert failed == {"no_orphaned_migration_entry", "bug_on_migration_entry_to_page"}
    assert suites.get("failures") == "2"
    assert int(suites.get("tests", "0")) == len(list(suites.iter("testcase")))
    # with the spec's expectations the same violations are what the author declared
    expected = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", "junit")
    assert ET.fromstring(expected.stdout.split("?>", 1)[1]).get("failures") == "0"


def test_prove_junit_passes_the_emails_fix() -> None:
    r = run_cli("prove", FLAGSHIP, "--format", "junit")
    assert r.exit_code == 0
    suites = ET.fromstring(r.stdout.split("?>", 1)[1])
    assert suites.get("failures") == "0" and suites.get("errors") == "0"


def test_matrix_junit_fails_cells_that_miss_their_expectation(tmp_path: Path) -> None:
    spec = tmp_path / "fork.rmap"
    text = (ROOT / "specs" / "fork_migration.rmap").read_text()
    spec.write_text(text.replace("expect violated when fix == none && child_order == before",
                                 "expect holds when fix == none && child_order == before"))
    r = run_cli("matrix", spec, "--vary", "fix", "--vary", "child_order", "--engine",
                "explicit", "--format", "junit")
    assert r.exit_code == 1
    suites = ET.fromstring(r.stdout.split("?>", 1)[1])
    failed = [s.get("name") for s in suites.iter("testsuite") if s.get("failures") != "0"]
    assert failed == ["fork_migration[fix=none,child_order=before]"]


def test_version_names_the_solver_it_was_proved_with() -> None:
    from importlib.metadata import version

    r = run_cli("--version")
    assert r.exit_code == 0
    assert r.stdout.startswith(f"rmapsmt {version('rmapsmt')} (z3 {version('z3-solver')}, ")


def test_unmet_expectations_are_located_like_compiler_errors() -> None:
    spec = ROOT / "examples" / "counter_overflow.rmap"
    lines = spec.read_text().splitlines()
    cover = next(i for i, s in enumerate(lines, 1) if s.startswith("cover "))
    expect = next(i for i, s in enumerate(lines, 1) if s.startswith("expect "))
    r = run_cli("prove", spec, "-k", "2")  # below the cover's depth: vacuous
    assert r.exit_code == 1
    located = [s for s in r.stdout.splitlines() if s.startswith(f"{spec}:")]
    assert located == [f"{spec}:{cover}:1: not reached: cover counting",
                       f"{spec}:{expect}:1: expectation not met: violated; got vacuous"]


def test_a_corrupt_or_missing_grammar_cache_is_rebuilt(tmp_path: Path) -> None:
    """The parser tables are cached per user; a damaged cache must never change a result."""
    import subprocess
    import sys

    rmapsmt = Path(sys.executable).parent / "rmapsmt"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    spec = ROOT / "examples" / "peterson.rmap"
    fresh = subprocess.run([str(rmapsmt), "check", str(spec)], env=env, capture_output=True,
                           text=True, timeout=120, check=False)
    assert fresh.returncode == 0, fresh.stderr
    [cached] = (tmp_path / "rmapsmt").iterdir()
    cached.write_bytes(b"not a cache\n")
    again = subprocess.run([str(rmapsmt), "check", str(spec)], env=env, capture_output=True,
                           text=True, timeout=120, check=False)
    assert again.returncode == 0 and again.stdout == fresh.stdout
    assert cached.read_bytes() != b"not a cache\n"  # rewritten


def test_k_induction_shows_its_counterexample_to_induction() -> None:
    spec = ROOT / "tests" / "corpus" / "assert_named_loop.rmap"
    r = run_cli("prove", spec, "--engine", "kind", "-k", "0")
    assert r.exit_code == 0 and "HOLDS up to 0 steps" in r.stdout  # bounded, not proved
    assert "counterexample to induction (1 step from a state" in r.stdout
    assert "  first state (p at " in r.stdout
    rep = run_cli("prove", spec, "--engine", "kind", "-k", "0", "--format", "json").report
    assert rep["cti"]["length"] == 1 and len(rep["cti"]["steps"]) == 1
    proved = run_cli("prove", spec, "--engine", "kind", "--format", "json").report
    assert proved["complete"] is True and proved["cti"] is None
