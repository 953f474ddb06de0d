"""Step merging: steps and states before and after, and what it costs, per spec.

    .venv/bin/python bench/merging.py [--runs N] [--out FILE]

For every spec in specs/ and examples/ (default options), and the flagship's
largest row of the scaling benchmark (explicit engine only: pdr does not finish
it in a minute): the steps (transitions) of the system as written and merged,
the steps merged, the states the explicit engine visits without and with
merging (`--no-merge`), and the median time of N whole `rmapsmt prove --engine
explicit|pdr` processes each way. The verdicts must be equal (the script stops
otherwise). Writes a Markdown table (default bench/results/merging.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from scaling import compile_sources

from rmapsmt.budget import Budget
from rmapsmt.engines.merge import reduce
from rmapsmt.pipeline import load

ROOT = Path(__file__).resolve().parent.parent
RMAPSMT = ROOT / ".venv" / "bin" / "rmapsmt"
SPECS = sorted((ROOT / "specs").glob("*.rmap")) + sorted((ROOT / "examples").glob("*.rmap"))
LARGE = {"fix": "seqcount", "migrations": "2", "attempts": "2", "arg_pages": "2",
         "flags_change": "true"}
ROWS: list[tuple[Path, dict[str, str], tuple[str, ...]]] = [
    *((p, {}, ("explicit", "pdr")) for p in SPECS),
    (ROOT / "specs" / "shift_arg_pages.rmap", LARGE, ("explicit",))]


def prove(spec: Path, sets: dict[str, str], engine: str, merge: bool, runs: int
          ) -> tuple[str, int | None, float]:
    """verdict, states, median seconds over `runs` whole processes."""
    cmd = [str(RMAPSMT), "prove", str(spec), "--engine", engine, "--quiet", "--format", "json",
           "--merge" if merge else "--no-merge",
           *(a for k, v in sets.items() for a in ("--set", f"{k}={v}"))]
    times, reports = [], []
    for _ in range(runs):
        start = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=600)
        times.append(time.monotonic() - start)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
        reports.append(json.loads(p.stdout))
    r = reports[0]
    return r["verdict"], r["stats"].get("states"), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "merging.md"))
    args = ap.parse_args()
    compile_sources()
    rows = ["| spec | steps | merged | steps after | states | states merged | explicit s | "
            "merged s | pdr s | merged s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for spec, sets, engines in ROWS:
        system = load(str(spec), sets).system
        red = reduce(system, Budget())
        cells = {(e, m): prove(spec, sets, e, m, args.runs) for e in engines
                 for m in (False, True)}
        verdicts = {c[0] for c in cells.values()}
        if len(verdicts) != 1:
            raise SystemExit(f"{spec.name}: verdicts differ: {cells}")
        print(f"{spec.name} {sets}: {cells}", file=sys.stderr, flush=True)
        name = str(spec.relative_to(ROOT)) + (
            " (" + ", ".join(f"{k}={v}" for k, v in sets.items()) + ")" if sets else "")
        rows.append(
            f"| {name} | {len(system.transitions)} | {len(red.merged)} | "
            f"{len(red.system.transitions)} | {cells['explicit', False][1]} | "
            f"{cells['explicit', True][1]} | " + " | ".join(
                f"{cells[e, m][2]:.2f}" if (e, m) in cells else "-"
                for e in ("explicit", "pdr") for m in (False, True)) + " |")
    Path(args.out).write_text(
        "\n".join(rows) + f"\n\nSteps: transitions of the system; merged: steps joined to "
        f"the step after them; states: visited by the explicit engine. Seconds: whole "
        f"process, median of {args.runs} runs.\n")


if __name__ == "__main__":
    main()
