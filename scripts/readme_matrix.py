"""Regenerate the tool output shown in README.md: verdict tables and the race trace.

    .venv/bin/python scripts/readme_matrix.py      (or: make readme)

Each table sits between `<!-- matrix:NAME -->` and `<!-- /matrix:NAME -->`,
with the command that produced it written above it; the counterexample of
the unfixed kernel sits between `<!-- race -->` and `<!-- /race -->`; the last
benchmark table written by bench/scaling.py between `<!-- bench:scaling -->` markers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "fixes": ["specs/shift_arg_pages.rmap", "--vary", "fix", "--baseline", "fix=none"],
    "assumptions": ["specs/shift_arg_pages.rmap", "--vary", "fix", "--vary", "arg_pages=1,2",
                    "--vary", "flags_change", "--engine", "explicit"],
    "migrations": ["specs/shift_arg_pages.rmap", "--vary", "fix", "--vary", "migrations=1,2",
                   "--set", "arg_pages=2", "--set", "flags_change=true"],
    "siblings-fork": ["specs/fork_migration.rmap", "--vary", "fix", "--vary", "child_order"],
    "siblings-mremap": ["specs/mremap_rmap_order.rmap", "--vary", "order",
                        "--vary", "need_rmap_locks"],
}


def table(args: list[str]) -> str:
    exe = Path(sys.executable).parent / "rmapsmt"
    out = subprocess.run([str(exe), "matrix", *args, "--format", "md"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        raise SystemExit(f"rmapsmt matrix {' '.join(args)} failed:\n{out.stderr}")
    cmd = "rmapsmt matrix " + " ".join(args) + " --format md"
    return f"`{cmd}` (exit {out.returncode}):\n\n{out.stdout.strip()}\n"


def race() -> str:
    """The BUG_ON counterexample of the unfixed code, without the initial state."""
    exe = Path(sys.executable).parent / "rmapsmt"
    out = subprocess.run([str(exe), "prove", "specs/shift_arg_pages.rmap", "--set", "fix=none"],
                         cwd=ROOT, capture_output=True, text=True, check=False).stdout
    block = out[out.index("counterexample for bug_on_migration_entry_to_page"):]
    lines = block.split("\n\n", 1)[0].splitlines()
    keep = [ln for ln in lines if not ln.startswith(("  initial state:", "      "))]
    return "```\n" + "\n".join(keep) + "\n```\n"


def diagram() -> str:
    """The race diagram of the unfixed code's orphan."""
    exe = Path(sys.executable).parent / "rmapsmt"
    out = subprocess.run([str(exe), "prove", "specs/shift_arg_pages.rmap", "--set", "fix=none",
                          "--diagram"], cwd=ROOT, capture_output=True, text=True,
                         check=False).stdout
    block = out[out.index("race diagram for no_orphaned_migration_entry"):]
    return "```\n" + block.split("\n\n", 1)[0].rstrip() + "\n```\n"


def _between(body: str) -> Callable[[re.Match[str]], str]:
    """A replacement that keeps the section's markers and puts `body` between them."""
    return lambda m: m.group(1) + body + m.group(2)


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    pattern = re.compile(r"(<!-- race -->\n).*?(<!-- /race -->)", re.S)
    text = pattern.sub(_between(race()), text)
    pattern = re.compile(r"(<!-- diagram -->\n).*?(<!-- /diagram -->)", re.S)
    text = pattern.sub(_between(diagram()), text)
    for name, args in TABLES.items():
        pattern = re.compile(rf"(<!-- matrix:{name} -->\n).*?(<!-- /matrix:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- matrix:{name} --> section")
        text = pattern.sub(_between(table(args)), text)
    # the bench tables are the benchmarks' own output (bench/), never re-measured here
    for name, table_md in (("scaling", "scaling.md"), ("large", "large/scaling.md"),
                           ("grid", "grid.md"), ("grid_ic3", "grid_ic3.md"),
                           ("merging", "merging.md"), ("stages", "stages.md")):
        path = ROOT / "bench" / "results" / table_md
        if path.exists():
            pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench:{name} -->)", re.S)
            text = pattern.sub(_between(path.read_text()), text)
    readme.write_text(text)


if __name__ == "__main__":
    main()
