"""The flagship grid, one engine at a time: is every cell decided completely, and how fast?

    .venv/bin/python bench/grid.py [--engine E ...] [--timeout S] [--out FILE]

The grid is issue 9's acceptance: fix (8) x arg_pages {1,2} x flags_change x
migrations {1,2} of specs/shift_arg_pages.rmap, 64 cells. Each cell is one whole
`rmapsmt prove --engine E --format json` process with `--timeout S` (default 60);
its verdict must equal the explicit engine's (the script stops otherwise), and it
counts as decided only when complete: violated with a trace, or holds for every
execution (a bounded "holds up to k" is not). Writes a Markdown table (default
bench/results/grid.md): per engine, the cells decided within 10 s and within the
timeout, the median and the slowest time, the whole grid's time (one cell after
the other), and the cells left open. One run per
cell: a shared machine's noise is in the seconds, compare the engines in one run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scaling import compile_sources

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "shift_arg_pages.rmap"
RMAPSMT = ROOT / ".venv" / "bin" / "rmapsmt"
FIXES = ("none", "v1", "v2", "merged", "anon_vma_lock", "seqcount", "gup_pin",
         "move_ptes_cleanup")
GRID = list(itertools.product(FIXES, (1, 2), (False, True), (1, 2)))
FAST = 10.0  # the per-cell goal, seconds


@dataclass(frozen=True)
class Cell:
    verdict: str  # holds | violated | unknown | bounded | timeout
    seconds: float


def prove(engine: str, cell: tuple[str, int, bool, int], timeout: float) -> Cell:
    fix, pages, flags, migrations = cell
    cmd = [str(RMAPSMT), "prove", str(SPEC), "--engine", engine, "--quiet", "--format", "json",
           "--timeout", str(timeout), "--set", f"fix={fix}", "--set", f"arg_pages={pages}",
           "--set", f"flags_change={str(flags).lower()}", "--set", f"migrations={migrations}"]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30,
                           check=False)
    except subprocess.TimeoutExpired:
        return Cell("timeout", timeout)
    seconds = time.monotonic() - start
    if p.returncode == 2 or not p.stdout.strip():
        raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
    report = json.loads(p.stdout)
    verdict = report["verdict"]
    if verdict == "holds" and not report.get("complete", False):
        verdict = "bounded"
    return Cell(verdict, seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", action="append", help="default: pdr and kind")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "grid.md"))
    args = ap.parse_args()
    engines = args.engine or ["pdr", "kind"]
    compile_sources()
    truth = {c: prove("explicit", c, 600) for c in GRID}
    results: dict[str, dict[tuple[str, int, bool, int], Cell]] = {}
    for engine in engines:
        results[engine] = {}
        for c in GRID:
            got = prove(engine, c, args.timeout)
            if got.verdict in ("holds", "violated") and got.verdict != truth[c].verdict:
                raise SystemExit(f"{engine} says {got.verdict} on {c}, explicit "
                                 f"{truth[c].verdict}")
            results[engine][c] = got
            print(f"{engine} {c}: {got.verdict} {got.seconds:.1f} s", file=sys.stderr,
                  flush=True)
    Path(args.out).write_text(table(truth, results, args.timeout))


def table(truth: dict[tuple[str, int, bool, int], Cell],
          results: dict[str, dict[tuple[str, int, bool, int], Cell]], timeout: float) -> str:
    rows = ["| engine | decided ≤ 10 s | decided ≤ timeout | median s | slowest s | "
            "whole grid s | open cells |", "|---|---|---|---|---|---|---|"]
    for engine, cells in [("explicit", truth), *results.items()]:
        done = [c for c in cells.values() if c.verdict in ("holds", "violated")]
        fast = [c for c in done if c.seconds <= FAST]
        open_ = [k for k, c in cells.items() if c.verdict not in ("holds", "violated")]
        shown = ", ".join(f"{f}/p{p}/{'flags' if fl else '-'}/m{m}" for f, p, fl, m in open_)
        times = [c.seconds for c in cells.values()]
        rows.append(f"| {engine} | {len(fast)}/{len(cells)} | {len(done)}/{len(cells)} | "
                    f"{statistics.median(times):.1f} | {max(times):.1f} | {sum(times):.0f} | "
                    f"{shown or '-'} |")
    return ("\n".join(rows) + f"\n\nWhole processes, one run per cell, timeout {timeout:.0f} s; "
            "decided = violated with a trace, or holds for every execution.\n")


if __name__ == "__main__":
    main()
