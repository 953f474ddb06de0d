"""Where pdr's time goes on the flagship's larger rows, against the explicit engine's search.

    .venv/bin/python bench/stages.py [--runs N] [--only I,J] [--out FILE]

Why does no symbolic engine win the largest rows of the scaling family? pdr
proves a configuration whose reachable states it can all see in stages:
exploration (every reachable state, by the interpreter), candidate facts read
off those states, strengthening (clauses that make the facts inductive), and
certification by a fresh solver. The explicit engine does the first stage and
stops. This script times each stage in-process, on the merged system pdr runs
on (houdini.COMPLETE_STATES raised so that the exploration finishes on every row),
next to the explicit engine on the system as written, as `auto` runs it.

It also certifies an inductive core of the invariant: the parts that exclude the
violations, closed under "the parts a step needs to keep them" (unsat cores of
one query per step, repeated until nothing is added). The core is as small as
these cores make it, not minimal; its certification time is what a far better
invariant search, one that found only these parts, would still pay at the end.

Each time is the median of --runs runs (default 3). Writes a Markdown table
(default bench/results/stages.md).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import z3

from rmapsmt import ir
from rmapsmt.budget import Budget
from rmapsmt.engines import houdini
from rmapsmt.engines.cubes import cube_expr
from rmapsmt.engines.explicit import explicit
from rmapsmt.engines.houdini import candidates, explore
from rmapsmt.engines.merge import reduce
from rmapsmt.engines.pdr import certify
from rmapsmt.engines.strengthen import strengthen
from rmapsmt.pipeline import load
from rmapsmt.smt.encode import disjunction
from rmapsmt.smt.session import UNSAT, Session

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "shift_arg_pages.rmap"
# (fix, migrations, attempts, arg_pages, flags_change): holding rows of growing size
CONFIGS = [
    ("v1", 2, 1, 1, False),
    ("merged", 2, 1, 2, True),
    ("anon_vma_lock", 2, 1, 2, True),
    ("anon_vma_lock", 2, 2, 2, True),
]
T = TypeVar("T")


def timed(runs: int, f: Callable[[], T]) -> tuple[float, T]:
    """The median seconds of `runs` calls of f, and the last call's value."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        value = f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def inductive_core(system: ir.System, parts: Sequence[ir.Expr], goals: Sequence[ir.Expr]
                   ) -> list[int]:
    """Indices of parts that exclude `goals` and that every step keeps true, given
    themselves: the core of "a violation", grown by the cores of "a step breaks one
    of them" until a round adds nothing."""
    reads = [ir.variables(e) for e in parts]
    with Session(system, Budget()) as s:
        enc = s.enc
        s.add(*enc.domain(0), *enc.domain(1))
        use = [z3.Bool(f"part!{i}", enc.ctx) for i in range(len(parts))]
        s.add(*(z3.Implies(u, enc.expr(e, 0)) for u, e in zip(use, parts, strict=True)))

        def core(*query: z3.ExprRef) -> set[int]:
            if s.ask(*query, assume=use, want_model=False) != UNSAT:
                raise RuntimeError("the invariant is not inductive: certify would have said so")
            return {i for i, u in enumerate(use) if s.in_core(u)}

        kept = core(enc.expr(ir.disj(goals), 0))
        grown = True
        while grown:
            grown = False
            for t in system.transitions:
                written = {v for v, _ in t.updates}
                broken = [z3.Not(enc.expr(parts[i], 1)) for i in sorted(kept)
                          if reads[i] & written]
                if broken:
                    more = core(*enc.step(t), disjunction(broken, enc.ctx)) - kept
                    grown = grown or bool(more)
                    kept |= more
    return sorted(kept)


def row(cfg: tuple[str, int, int, int, bool], runs: int) -> str:
    fix, mig, att, ap, flags = cfg
    sets = {"fix": fix, "migrations": str(mig), "attempts": str(att), "arg_pages": str(ap),
            "flags_change": str(flags).lower()}
    written = load(str(SPEC), sets).system
    t_explicit, result = timed(runs, lambda: explicit(written, Budget()))
    assert result.verdict.value == "holds", (cfg, result.verdict)
    system = reduce(written, Budget()).system
    goals = [p.bad for p in system.properties]
    t_explore, explored = timed(runs, lambda: explore(system, Budget()))
    assert explored.complete, cfg
    states = explored.states
    t_facts, facts = timed(runs, lambda: candidates(system, states))
    lemmas = [f.expr(system) for f in facts]
    t_strengthen, (cubes, _) = timed(
        runs, lambda: strengthen(system, states, facts, lemmas, goals, Budget()))
    clauses = [ir.not_(cube_expr(c)) for c in cubes]
    t_certify, _ = timed(runs, lambda: certify(system, clauses, lemmas, goals, Budget()))
    parts = [*clauses, *lemmas]
    core = [parts[i] for i in inductive_core(system, parts, goals)]
    t_core, _ = timed(runs, lambda: certify(system, core, [], goals, Budget()))
    pdr = t_explore + t_facts + t_strengthen + t_certify
    return (f"| {fix} | {mig} × {att} | {ap} | {'yes' if flags else 'no'} "
            f"| {result.stats.states} | {t_explicit:.2f} | {len(states)} | {t_explore:.2f} "
            f"| {len(facts)} in {t_facts:.2f} | {len(cubes)} in {t_strengthen:.2f} "
            f"| {t_certify:.2f} | {pdr:.2f} | {len(core)} of {len(parts)} in {t_core:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="comma-separated row indices (0-based)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "stages.md")
    args = ap.parse_args()
    houdini.COMPLETE_STATES = 400_000  # every row's exploration finishes
    chosen = [CONFIGS[int(i)] for i in args.only.split(",")] if args.only else CONFIGS
    lines = [
        "| fix | migrations × attempts | pages | flags | explicit: states | explicit s "
        "| pdr: states (merged) | explore s | facts | clauses (strengthen s) | certify s "
        "| pdr total s | inductive core: parts (certify s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for cfg in chosen:
        lines.append(row(cfg, args.runs))
        print(lines[-1], flush=True)
    lines += ["", f"Seconds in-process, median of {args.runs} runs; pdr total = explore + facts "
              "+ strengthen + certify (without start-up, lowering and merging)."]
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
