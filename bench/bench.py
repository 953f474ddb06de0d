"""Benchmarks: where the time goes, as ratios measured in one run.

    .venv/bin/python bench/bench.py [--quick]

1. Each engine on every fix of the flagship (BMC to completion vs explicit BFS).
2. The solver choice behind the BMC engine: z3's QF_BV solver against the
   default combined solver on the same queries (fix=v2, to completion).
Timings on a shared machine are noisy; compare the ratios, not the seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from rmapsmt import engines, ir
from rmapsmt.budget import Budget
from rmapsmt.engines.bmc import bmc
from rmapsmt.pipeline import load
from rmapsmt.result import Result

SPEC = "specs/shift_arg_pages.rmap"
FIXES = ["none", "v1", "v2", "merged", "anon_vma_lock", "seqcount", "gup_pin",
         "move_ptes_cleanup"]


def timed(f: Callable[[], Result]) -> tuple[Result, float]:
    t = time.perf_counter()
    r = f()
    return r, time.perf_counter() - t


def engine(name: str, system: ir.System) -> Callable[[], Result]:
    return lambda: engines.get(name)(system, Budget())


def engine_table() -> None:
    print("| fix | BMC verdict | BMC depth | BMC s | solver calls | explicit s | states | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    tb = te = 0.0
    for fix in FIXES:
        system = load(SPEC, {"fix": fix}).system
        rb, sb = timed(engine("bmc", system))
        re, se = timed(engine("explicit", system))
        assert rb.verdict == re.verdict and rb.complete and re.complete, fix
        tb, te = tb + sb, te + se
        print(f"| {fix} | {rb.verdict} | {rb.bound} | {sb:.2f} | {rb.stats.solver_calls} | "
              f"{se:.3f} | {re.stats.states} | {sb / se:.0f}x |")
    print(f"\ntotal: BMC {tb:.1f} s, explicit {te:.2f} s\n")


def solver_choice() -> None:
    system = load(SPEC, {"fix": "v2"}).system
    _, fast = timed(lambda: bmc(system, Budget()))
    r, slow = timed(lambda: bmc(system, Budget(), logic=None))
    assert r.verdict == "holds" and r.complete
    print("| solver (fix=v2, BMC to completion) | seconds |")
    print("|---|---|")
    print(f"| z3 QF_BV (used) | {fast:.2f} |")
    print(f"| z3 default Solver() | {slow:.2f} |")
    print(f"\nratio: {slow / fast:.0f}x\n")


if __name__ == "__main__":
    engine_table()
    if "--quick" not in sys.argv:
        solver_choice()
