"""The proof cache's worth: `rmapsmt ci` over the repository, cold then warm.

    .venv/bin/python bench/ci_cache.py [--engine E] [--jobs N] [--runs N]

Each round empties a fresh cache directory, runs `rmapsmt ci` (cold: every run
solved), then runs it again unchanged (warm: every answer read from the cache and
replayed). Whole processes; the median of --runs rounds is printed, with the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RMAPSMT = Path(sys.executable).parent / "rmapsmt"


def timed(cmd: list[str]) -> float:
    start = time.monotonic()
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout[-2000:]}{p.stderr}")
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", default="auto")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            cmd = [str(RMAPSMT), "ci", "--engine", args.engine, "--jobs", str(args.jobs),
                   "--cache", cache]
            cold.append(timed(cmd))
            warm.append(timed(cmd))
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"rmapsmt ci --engine {args.engine} --jobs {args.jobs}: cold {c:.1f} s, "
          f"warm {w:.1f} s, {c / w:.1f}x (median of {args.runs})")


if __name__ == "__main__":
    main()
