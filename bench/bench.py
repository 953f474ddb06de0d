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

import z3

from rmapsmt.engines import bmc as bmc_mod
from rmapsmt.engines.explicit import explicit
from rmapsmt.pipeline import load

SPEC = "specs/shift_arg_pages.rmap"
FIXES = ["none", "v1", "v2", "merged", "anon_vma_lock", "seqcount", "gup_pin",
         "move_ptes_cleanup"]


def timed(f, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    r = f(*args)
    return r, time.perf_counter() - t


def engines() -> None:
    print("| fix | BMC verdict | BMC depth | BMC s | solver calls | explicit s | states | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    tb = te = 0.0
    for fix in FIXES:
        system = load(SPEC, {"fix": fix}).system
        rb, sb = timed(bmc_mod.bmc, system, system.depth)
        re, se = timed(explicit, system, system.depth)
        assert rb.verdict == re.verdict and rb.complete and re.complete, fix
        tb, te = tb + sb, te + se
        print(f"| {fix} | {rb.verdict} | {rb.bound} | {sb:.2f} | {rb.stats.solver_calls} | "
              f"{se:.3f} | {re.stats.states} | {sb / se:.0f}x |")
    print(f"\ntotal: BMC {tb:.1f} s, explicit {te:.2f} s\n")


def solver_choice() -> None:
    system = load(SPEC, {"fix": "v2"}).system
    _, fast = timed(bmc_mod.bmc, system, system.depth)
    original = bmc_mod._Run.__post_init__

    def default_solver(self: bmc_mod._Run) -> None:
        original(self)
        self.solver = z3.Solver(ctx=self.enc.ctx)
        self.solver.set("random_seed", 0)

    bmc_mod._Run.__post_init__ = default_solver  # type: ignore[method-assign]
    try:
        r, slow = timed(bmc_mod.bmc, system, system.depth)
    finally:
        bmc_mod._Run.__post_init__ = original  # type: ignore[method-assign]
    assert r.verdict == "holds" and r.complete
    print("| solver (fix=v2, BMC to completion) | seconds |")
    print("|---|---|")
    print(f"| z3 QF_BV (used) | {fast:.2f} |")
    print(f"| z3 default Solver() | {slow:.2f} |")
    print(f"\nratio: {slow / fast:.0f}x\n")


if __name__ == "__main__":
    engines()
    if "--quick" not in sys.argv:
        solver_choice()
