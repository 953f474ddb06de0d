"""PDR (IC3): prove the properties by finding an inductive invariant, then check it again.

The search itself is `ic3.Ic3`, seeded with the candidate invariants Houdini
proves (engines/houdini.py). Properties and covers are searched together: a
counterexample found for some of them is recorded (and later replaced by a
shortest one, from BMC to that length) and the search goes on for the rest,
keeping its frames, which are reachability facts independent of any property.

Where the exploration finishes (every reachable state seen, at most
houdini.COMPLETE_STATES), no frames are searched: the goals it did not reach are
to be proved, the candidate facts are all invariants, and strengthen.py makes them
inductive by blocking counterexamples to induction, each outside the states
seen. The exploration is not trusted for the verdict: the invariant is
certified like IC3's, and it is what proves the properties.

A proof is an invariant I: it is printed in the spec's vocabulary (grouped by
where the processes are) and checked by a fresh solver that shares nothing
with the search: init => I, I and a step => I', I => no property fails. A
failed check is a bug in rmapsmt (`CertificateError`), never a result. The same
solver's unsat cores say why each of the spec's properties holds (support.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from types import MappingProxyType

import z3

from .. import ir
from ..budget import Budget, OutOfBudget
from ..interp import Fn, Interpreter, ReplayError, State, compile_expr
from ..result import Proof, Result, Stats, Support, Trace
from ..smt.encode import disjunction
from ..smt.session import SAT, Session
from .bmc import shortest
from .cubes import Cube, cube_expr
from .houdini import Explored, Fact, candidates, enabled_in, explore, firing, houdini
from .ic3 import Ic3
from .outcome import conclude
from .strengthen import strengthen
from .support import Needs, support


class CertificateError(ReplayError):
    """An invariant the search found failed its independent check: a bug in rmapsmt."""


def ic3(system: ir.System, budget: Budget) -> Result:
    """pdr without its shortcut: frames are searched even where the exploration saw every
    reachable state (the IC3 that larger systems get, on any system)."""
    return pdr(system, budget, from_reached=False)


def pdr(system: ir.System, budget: Budget, *, from_reached: bool = True) -> Result:
    """`from_reached`: where the exploration saw every reachable state, make the invariant
    from them (strengthen.py) instead of searching frames."""
    name = "pdr" if from_reached else "ic3"
    start = time.monotonic()
    depth = system.depth if budget.depth is None else budget.depth
    budget.mark("looking for invariants")
    goals = {p.name: p.bad for p in system.properties}
    goals.update({f"cover:{c.name}": c.expr for c in system.covers})
    interp = Interpreter(system)
    holds = {g: compile_expr(e, interp.index) for g, e in goals.items()}  # in a state?
    budget.report(name, "exploring for candidate invariants")
    explored = explore(system, budget)
    seen = explored.states
    # what the exploration already reached needs no search, and has a trace already
    # (kept if time runs out before BMC finds a shortest one)
    hit: dict[str, Trace] = {}  # goal -> a trace to it
    known: set[str] = set()  # goals whose trace is a shortest one already
    for g in goals:
        first = next(filter(holds[g], seen), None)  # BFS states first
        if first is not None:
            hit[g] = explored.trace(first)
            if first in explored.breadth_first:
                known.add(g)
    open_goals = [g for g in goals if g not in hit]
    if explored.complete and from_reached:
        return _strengthened(system, budget, start, explored, hit, open_goals, goals)
    budget.report(name, f"proving candidate invariants ({len(seen)} states seen)")
    facts = houdini(system, candidates(system, seen), budget)
    lemmas = [f.expr(system) for f in facts]
    invariant: list[Cube] | None = None
    unknown = None
    ic: Ic3 | None = None
    with Session(system, budget) as session:
        try:  # out of time anywhere here, what the exploration reached is still reported
            ic = Ic3(system, session, lemmas, seen)
            if not ic.has_initial_state():
                return conclude(system, name, initial=False, found={}, reached={}, bound=-1,
                                proof=Proof.NONE, unknown=None, stats=Stats(0, 0, -1))
            ic.new_frame()
            while open_goals and ic.k <= depth:
                budget.mark(f"searching frame {ic.k} for an inductive invariant")
                budget.report(name, f"frame {ic.k}, {sum(map(len, ic.delta))} clauses, "
                              f"{len(open_goals)} goals open")
                for g, tr in _block_all(ic, holds, goals, open_goals):
                    hit[g] = tr
                open_goals = [g for g in open_goals if g not in hit]
                if not open_goals:
                    break
                ic.new_frame()
                invariant = ic.propagate()
                if invariant is not None:
                    break
        except OutOfBudget as err:
            unknown = f"{err.why} at frame {ic.k}" if ic is not None else err.why
    calls = ic.calls if ic is not None else 0
    bound = -1 if ic is None else ic.k - 1 if invariant is None else ic.k
    found, reached = shortest(system, budget, hit, known)
    proof, evidence = Proof.BOUNDED, ""
    shown: tuple[str, ...] = ()
    why: tuple[Support, ...] = ()
    fired: frozenset[int] | None = None
    if invariant is not None:
        proved = [goals[g] for g in open_goals]
        clauses = [ir.not_(cube_expr(c)) for c in invariant]
        done = certify(system, clauses, lemmas, proved, budget, enabled_in(system, seen),
                       explained(system, open_goals))
        fired = done.fired
        proof, shown = Proof.INVARIANT, show_invariant(system, invariant, facts)
        why = show_support(system, done.support, invariant, facts)
        evidence = (f"of {len(invariant)} clauses and {len(facts)} proved candidate facts, "
                    "independently checked")
    elif not open_goals and unknown is None:
        proof = Proof.DECIDED
    return conclude(system, name, initial=True, found=found, reached=reached, bound=bound,
                    proof=proof, unknown=unknown,
                    stats=Stats(time.monotonic() - start, calls, bound), evidence=evidence,
                    invariant=shown, fired=fired, fired_all=fired is not None, support=why)


def _strengthened(system: ir.System, budget: Budget, start: float, explored: Explored,
                  hit: dict[str, Trace], open_goals: list[str], goals: dict[str, ir.Expr]
                  ) -> Result:
    """The exploration saw every reachable state: the goals it did not reach are proved
    by an invariant made from the facts true in all of them (strengthen.py), not from
    frames, and certified like any other; until it is, they are not proved."""
    seen = explored.states
    found, reached = shortest(system, budget, hit, set(hit))  # breadth-first: shortest
    proof, evidence, bound, unknown = Proof.DECIDED, "", _depth(explored), None
    shown: tuple[str, ...] = ()
    why: tuple[Support, ...] = ()
    fired: frozenset[int] | None = None
    calls = 0
    if open_goals:
        facts = candidates(system, seen)
        lemmas = [f.expr(system) for f in facts]
        proved = [goals[g] for g in open_goals]
        budget.report("pdr", f"strengthening {len(facts)} facts true in all {len(seen)} "
                      "reachable states")
        try:
            cubes, calls = strengthen(system, seen, facts, lemmas, proved, budget)
            clauses = [ir.not_(cube_expr(c)) for c in cubes]
            done = certify(system, clauses, lemmas, proved, budget, enabled_in(system, seen),
                           explained(system, open_goals))
            fired = done.fired
        except OutOfBudget as err:
            proof, unknown = Proof.BOUNDED, str(err)  # "timed out while strengthening ..."
        else:
            proof, shown = Proof.INVARIANT, show_invariant(system, cubes, facts)
            why = show_support(system, done.support, cubes, facts)
            evidence = (f"of {len(facts)} facts true in all {len(seen)} reachable states "
                        f"and {len(cubes)} clauses that make them inductive, "
                        "independently checked")
    return conclude(system, "pdr", initial=True, found=found, reached=reached,
                    bound=bound, proof=proof, unknown=unknown,
                    stats=Stats(time.monotonic() - start, calls, bound), evidence=evidence,
                    invariant=shown, fired=fired, fired_all=fired is not None, support=why)


def _depth(explored: Explored) -> int:
    """The longest of the shortest paths breadth-first search found: every execution of
    that many steps stays among the explored states."""
    depth: dict[State, int] = {}
    for s, came in explored.parent.items():  # parents first
        depth[s] = 0 if came is None else depth[came[0]] + 1
    return max(depth.values())


def _block_all(ic: Ic3, holds: dict[str, Fn], goals: dict[str, ir.Expr],
               open_goals: list[str]) -> list[tuple[str, Trace]]:
    """Block every bad state of the frontier frame; the goals reached on the way."""
    out: list[tuple[str, Trace]] = []
    while open_goals:
        bad = ir.disj(goals[g] for g in open_goals)
        if not ic.ask(ic.enc.expr(bad, 0), assume=ic.frame(ic.k)):
            break
        state = ic.state0()
        ob = ic.block(ic.generalise_bad(state, bad), state)
        if ob is None:
            continue
        tr = Trace(*ic.path(ob))
        reached = [g for g in open_goals if holds[g](tr.states[-1])]
        out += [(g, tr) for g in reached]
        open_goals = [g for g in open_goals if g not in reached]
    return out


@dataclass(frozen=True)
class Certified:
    """What the certifying solver learned besides that the invariant is one."""

    fired: frozenset[int]  # the steps the invariant lets fire (houdini.firing)
    support: dict[str, Needs]  # per goal of `explain`: the parts its proof rests on


def certify(system: ir.System, clauses: Sequence[ir.Expr], lemmas: Sequence[ir.Expr],
            proved: Sequence[ir.Expr], budget: Budget,
            enabled: Set[int] = frozenset(),
            explain: Mapping[str, ir.Expr] = MappingProxyType({})) -> Certified:
    """Check the invariant with a fresh solver: initial, inductive, strong enough; then,
    in the same solver, which steps it lets fire besides those seen `enabled`
    (houdini.firing: the others are dead in every execution), and for each property
    in `explain` (name -> its violations, among `proved`) which parts of the invariant
    exclude them and which keep those true (support.py; indices into clauses, then
    lemmas).

    Inductive: one query per step, about the parts of the invariant that read a
    variable the step writes (the others keep their values), the invariant's
    every part assumed before it: small queries instead of one over the whole
    relation's if-then-else chains."""
    parts = [*clauses, *lemmas]
    reads = [ir.variables(e) for e in parts]
    with Session(system, budget) as s:
        enc = s.enc

        def check(what: str, *query: z3.ExprRef, assume: Sequence[z3.ExprRef] = ()) -> None:
            r = s.ask(*query, assume=assume, want_model=False)
            if r == SAT:
                raise CertificateError(f"the inductive invariant found by pdr fails its "
                                       f"independent check: {what}")
            if r != z3.unsat:
                raise OutOfBudget("checking the inductive invariant", s.why)

        inv = ir.conj(parts)
        s.add(*enc.domain(0), *enc.domain(1))
        check("it does not hold initially", *enc.init(), z3.Not(enc.expr(inv, 0)))
        with s.scope():  # each part behind a literal: the solver says which parts it needed
            use = [z3.Bool(f"part!{i}", enc.ctx) for i in range(len(parts))]
            s.add(*(z3.Implies(u, enc.expr(e, 0)) for u, e in zip(use, parts, strict=True)))
            check("it does not exclude a violation", enc.expr(ir.disj(proved), 0), assume=use)
            needs = support(s, use, parts, explain)
        # from here on: a state it allows (asserted whole: the step queries are faster so
        # than with the parts behind literals, by a fifth on the two-migration cells)
        s.add(enc.expr(inv, 0))
        broken = [z3.Not(enc.expr(e, 1)) for e in parts]  # each part, false after the step
        for t in system.transitions:
            written = {v for v, _ in t.updates}
            touched = [b for b, r in zip(broken, reads, strict=True) if r & written]
            if touched:
                check(f"the step {t.process} {t.name} (line {t.span.line}) leaves it",
                      *enc.step(t), disjunction(touched, enc.ctx))
        return Certified(firing(s, enabled), needs)


def show_invariant(system: ir.System, clauses: Sequence[Cube],
                   facts: Sequence[Fact]) -> tuple[str, ...]:
    """The clauses in the spec's vocabulary, grouped by the process locations they name."""
    pcs = {p.pc_var: p for p in system.processes}
    groups: dict[str, list[str]] = defaultdict(list)
    for c in clauses:
        where = [_lit(system, lit, pcs) for lit in sorted(c, key=str) if lit[0] in pcs]
        rest = [_lit(system, lit, pcs) for lit in sorted(c, key=str) if lit[0] not in pcs]
        key = "while " + ", ".join(where) if where else "always"
        groups[key].append("not (" + " and ".join(rest) + ")" if rest else "unreachable")
    for f in facts:
        where = [_lit(system, (n, "=", v), pcs) for n, v in f.when if n in pcs]
        data = [_lit(system, (n, "=", v), pcs) for n, v in f.when if n not in pcs]
        key = "while " + ", ".join(where) if where else "always"
        if f.var in pcs:
            at = [pcs[f.var].pc_names[int(v)] for v in sorted(f.values, key=int)]
            fact = f"{pcs[f.var].name} at " + (at[0] if len(at) == 1 else
                                                "one of {" + ", ".join(at) + "}")
        else:
            shown = [system.var(f.var).sort.show(v) for v in sorted(f.values, key=int)]
            fact = (f"{f.var} == {shown[0]}" if len(shown) == 1 else
                    f"{f.var} in {{{', '.join(shown)}}}")
        groups[key].append(("if " + " and ".join(data) + ": " if data else "") + fact)
    out = []
    for key in sorted(groups, key=lambda k: (k != "always", k)):
        out.append(f"{key}:")
        out += [f"  {line}" for line in sorted(set(groups[key]))]
    return tuple(out)


EXPLAINED = (ir.PropKind.INVARIANT, ir.PropKind.ASSERT)  # the spec's own properties


def explained(system: ir.System, proved: Sequence[str]) -> dict[str, ir.Expr]:
    """The spec's own invariants and assertions among the goals `proved`: their violations."""
    return {p.name: p.bad for p in system.properties if p.kind in EXPLAINED and p.name in proved}


def show_support(system: ir.System, support: Mapping[str, Needs], clauses: Sequence[Cube],
                 facts: Sequence[Fact]) -> tuple[Support, ...]:
    """Each property's supporting parts (indices into the clauses, then the facts), shown
    like the whole invariant."""
    n = len(clauses)

    def show(kept: Sequence[int]) -> tuple[str, ...]:
        return show_invariant(system, [clauses[i] for i in kept if i < n],
                              [facts[i - n] for i in kept if i >= n])

    return tuple(Support(name, show(needs.excludes),
                         None if needs.keeps is None else show(needs.keeps))
                 for name, needs in support.items())


def _lit(system: ir.System, lit: tuple[str, str, int | bool], pcs: dict[str, ir.Process]) -> str:
    var, op, v = lit
    sv = system.var(var)
    if var in pcs:
        p = pcs[var]
        where = {"=": "at", ">=": "at or after", "<=": "at or before"}[op]
        return f"{p.name} {where} {p.pc_names[int(v)]}"
    shown = sv.sort.show(v)
    if sv.kind is ir.VarKind.LOCK:
        shown = "free" if v == 0 else system.processes[int(v) - 1].name
    return f"{var} {'==' if op == '=' else op} {shown}"
