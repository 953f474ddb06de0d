"""Regenerate the verdict tables in README.md from the tool's own output.

    .venv/bin/python scripts/readme_matrix.py      (or: make readme)

Each table sits between `<!-- matrix:NAME -->` and `<!-- /matrix:NAME -->`;
the command that produced it is written above it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "fixes": ["specs/shift_arg_pages.rmap", "--vary", "fix", "--baseline", "fix=none"],
    "assumptions": ["specs/shift_arg_pages.rmap", "--vary", "fix", "--vary", "arg_pages",
                    "--vary", "flags_change", "--engine", "explicit"],
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


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    for name, args in TABLES.items():
        pattern = re.compile(rf"(<!-- matrix:{name} -->\n).*?(<!-- /matrix:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- matrix:{name} --> section")
        text = pattern.sub(lambda m, a=args: m.group(1) + table(a) + m.group(2), text)
    readme.write_text(text)


if __name__ == "__main__":
    main()
