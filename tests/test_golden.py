"""Golden reports: the text a user reads, diffed against files in tests/golden/.

Regenerate deliberately with RMAPSMT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = {
    "flagship_v2": ["prove", "specs/shift_arg_pages.rmap"],
    "flagship_none": ["prove", "specs/shift_arg_pages.rmap", "--set", "fix=none"],
    "broken_mutex": ["prove", "examples/broken_mutex.rmap"],
    "matrix_fork": ["matrix", "specs/fork_migration.rmap", "--vary", "fix", "--vary",
                    "child_order", "--engine", "explicit", "--format", "md"],
}


def stable(text: str) -> str:
    """Drop what depends on the machine: timings."""
    out = []
    for line in text.splitlines():
        if line.endswith(" s") and ("solver calls" in line or " runs, " in line):
            continue
        if line.startswith("| ") and "|" in line:
            cells = line.split("|")
            if len(cells) > 6 and cells[-4].strip().replace(".", "").isdigit():
                cells[-4] = " - "
            line = "|".join(cells)
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_report_matches_golden(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    got = stable(run_cli(*CASES[name]).stdout)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("RMAPSMT_UPDATE_GOLDEN"):
        path.write_text(got)
    assert path.exists(), f"no golden file; run with RMAPSMT_UPDATE_GOLDEN=1 to create {path}"
    assert got == path.read_text()
