"""Golden reports: the text a user reads, diffed against files kept in the repository.

Two kinds: the flagship's reports (tests/golden/, commands below), and
regression specs (tests/regress/NAME.rmap), whose first line says how to run
them (`// run: prove --engine explicit`) and whose expected output is
NAME.expect beside them. Regenerate deliberately with RMAPSMT_UPDATE_GOLDEN=1
and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

pytestmark = pytest.mark.slow  # solver runs: the full suite only

GOLDEN = Path(__file__).resolve().parent / "golden"
REGRESS = Path(__file__).resolve().parent / "regress"
CASES = {
    "flagship_v2": ["prove", "specs/shift_arg_pages.rmap"],
    "flagship_none": ["prove", "specs/shift_arg_pages.rmap", "--set", "fix=none"],
    "flagship_none_diagram": ["prove", "specs/shift_arg_pages.rmap", "--set", "fix=none",
                              "--diagram"],
    "broken_mutex": ["prove", "examples/broken_mutex.rmap"],
    "matrix_fork": ["matrix", "specs/fork_migration.rmap", "--vary", "fix", "--vary",
                    "child_order", "--engine", "explicit", "--format", "md"],
}


def stable(text: str) -> str:
    """Drop what depends on the machine: timings."""
    out = []
    time_column = None  # the Markdown table's "time (s)" column, from its header
    for line in text.splitlines():
        if re.match(r"\d+ solver calls, [\d.]+ s", line) or re.match(r"\d+ runs, [\d.]+ s$", line):
            continue
        if line.startswith("| "):
            cells = line.split("|")
            if "time (s)" in line:
                time_column = next(i for i, c in enumerate(cells) if c.strip() == "time (s)")
            elif time_column is not None and cells[time_column].strip().replace(".", "").isdigit():
                cells[time_column] = " - "
            line = "|".join(cells)
        out.append(line)
    return "\n".join(out) + "\n"


def compare(got: str, path: Path) -> None:
    if os.environ.get("RMAPSMT_UPDATE_GOLDEN"):
        path.write_text(got)
    assert path.exists(), f"no golden file; run with RMAPSMT_UPDATE_GOLDEN=1 to create {path}"
    assert got == path.read_text()


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_matches_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    compare(stable(run_cli(*CASES[name]).stdout), GOLDEN / f"{name}.txt")


@pytest.mark.parametrize("spec", sorted(REGRESS.glob("*.rmap")), ids=lambda p: p.stem)
def test_regression_spec_matches_its_expect_file(spec: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = spec.read_text().splitlines()[0]
    assert first.startswith("// run: "), f"{spec.name}: the first line says how to run it"
    command, *args = first.removeprefix("// run: ").split()
    monkeypatch.chdir(REGRESS)
    r = run_cli(command, spec.name, *args)
    compare(stable(r.stdout + r.stderr) + f"exit {r.exit_code}\n", spec.with_suffix(".expect"))
