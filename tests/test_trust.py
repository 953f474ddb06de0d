"""Why a verdict of rmapsmt can be trusted, one safeguard per section.

1. The interpreter: simulation is reproducible, and its runs replay.
2. Replay: a trace that does not follow the spec is rejected, and the CLI
   refuses to show it (exit 70).
3. A wrong encoding (a dropped frame update) is caught: by replay when it
   invents a counterexample, by the explicit engine when it hides one.
4. Vacuity and sanity: no initial state or an unreachable cover is never a
   pass; dead steps and tautological invariants are warned about.
5. Timeouts give UNKNOWN (exit 3) with what was established so far.
6. Determinism: the report does not depend on Python's hash seed.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import z3
from conftest import FLAGSHIP, ROOT, bmc, explicit, labels, prop, run_cli

import rmapsmt.budget as budget_module
import rmapsmt.engines
import rmapsmt.run
from rmapsmt import ir
from rmapsmt.budget import Budget
from rmapsmt.interp import Interpreter, ReplayError, compile_expr
from rmapsmt.pipeline import load
from rmapsmt.result import Result, Trace
from rmapsmt.smt.encode import Encoder

pytestmark = pytest.mark.slow  # solver runs and whole processes: the full suite only

EXAMPLES = ROOT / "examples"
PETERSON = EXAMPLES / "peterson.rmap"
BROKEN_MUTEX = EXAMPLES / "broken_mutex.rmap"
RMAPSMT = ROOT / ".venv" / "bin" / "rmapsmt"
BUG_ON = "bug_on_migration_entry_to_page"
ORPHAN = "no_orphaned_migration_entry"


@cache
def system_of(path: Path, **overrides: str) -> ir.System:
    return load(str(path), overrides).system


@cache
def unfixed() -> tuple[ir.System, Result]:
    """The flagship with fix=none and its raw (engine-order, not yet replayed) BMC result."""
    system = system_of(FLAGSHIP, fix="none")
    return system, bmc(system)


def raw_trace(name: str) -> Trace:
    _, result = unfixed()
    p = next(p for p in result.properties if p.name == name)
    assert p.trace is not None
    return p.trace


# =================================================== 1. the interpreter


def simulate_json(path: Path, seed: int, steps: int = 30) -> tuple[int, dict[str, Any]]:
    r = run_cli("simulate", path, "--steps", str(steps), "--seed", str(seed), "--format", "json")
    return r.exit_code, json.loads(r.stdout)


class TestInterpreter:
    def test_same_seed_same_run(self) -> None:
        a = run_cli("simulate", PETERSON, "--steps", "30", "--seed", "7", "--format", "json")
        b = run_cli("simulate", PETERSON, "--steps", "30", "--seed", "7", "--format", "json")
        assert a.exit_code == b.exit_code == 0
        assert a.stdout == b.stdout
        rep = json.loads(a.stdout)
        assert rep["seed"] == 7 and rep["length"] == len(rep["steps"]) > 0

    def test_different_seeds_can_differ(self) -> None:
        runs = {json.dumps(simulate_json(PETERSON, seed)[1]["steps"]) for seed in range(10)}
        assert len(runs) > 1

    def test_cli_run_is_the_interpreters_run(self) -> None:
        system = system_of(PETERSON)
        _, rep = simulate_json(PETERSON, 5)
        _, run = Interpreter(system).simulate(30, 5)
        assert labels(rep) == [(t.process, t.name) for t, _ in run]

    @pytest.mark.parametrize("seed", range(5))
    def test_simulated_runs_replay(self, seed: int) -> None:
        system = system_of(PETERSON)
        interp = Interpreter(system)
        first, run = interp.simulate(60, seed)
        states = (first, *(s for _, s in run))
        steps = tuple(t.index for t, _ in run)
        assert len(steps) > 0
        interp.replay(states, steps)  # raises ReplayError on any mismatch
        # peterson finishes: 2 processes x 2 rounds x 6 steps, then nothing is enabled
        assert len(steps) == 24 and interp.enabled(states[-1]) == []

    def test_the_goal_test_by_control_point_is_the_plain_disjunction(self) -> None:
        """`any_of` tries a check only where its process is at the check's control point;
        on every reachable state of the two-migration flagship (and some goals closed) it
        must say what the one compiled disjunction of all goals says."""
        system = load(str(FLAGSHIP), {"fix": "none", "migrations": "2",
                                      "flags_change": "true"}).system
        interp = Interpreter(system)
        goals = [p.bad for p in system.properties] + [c.expr for c in system.covers]
        seen = set(interp.initial_states())
        frontier = list(seen)
        while frontier:
            s = frontier.pop()
            for _, n in interp.successors(s):
                if n not in seen:
                    seen.add(n)
                    frontier.append(n)
        # and states of any values: there the run-time checks fail too
        rng = random.Random(0)
        values = [v.sort.values() for v in system.vars]
        states = [*seen, *(tuple(rng.choice(vs) for vs in values) for _ in range(3000))]
        for some in (goals, goals[::2], goals[1::3]):
            dispatched, plain = interp.any_of(some), compile_expr(ir.disj(some), interp.index)
            assert [bool(dispatched(s)) for s in states] == [bool(plain(s)) for s in states]
        checks = [p.bad for p in system.properties if p.kind in ("index", "range")]
        assert sum(bool(interp.any_of(checks)(s)) for s in states) > 100  # it can say yes

    def test_simulation_that_breaks_the_mutex_replays_as_a_violation(self) -> None:
        system = system_of(BROKEN_MUTEX)
        interp = Interpreter(system)
        hits = 0
        for seed in range(50):
            code, rep = simulate_json(BROKEN_MUTEX, seed, steps=50)
            if not rep["violated"]:
                assert code == 0
                continue
            hits += 1
            assert code == 1 and rep["violated"] == ["mutual_exclusion"]
            first, run = interp.simulate(50, seed)
            states = (first, *(s for _, s in run))
            interp.replay(states, tuple(t.index for t, _ in run), prop="mutual_exclusion")
            # the simulation stops at the violation; it takes at least the 6 steps of the
            # shortest counterexample
            assert len(run) == rep["length"] >= 6
        assert hits > 0


# ============================================================== 2. replay


def flipped(state: tuple[int | bool, ...], i: int) -> tuple[int | bool, ...]:
    v = state[i]
    new: int | bool = (not v) if isinstance(v, bool) else v + 1
    return (*state[:i], new, *state[i + 1:])


class TestReplay:
    def test_genuine_counterexamples_replay(self) -> None:
        system, _ = unfixed()
        interp = Interpreter(system)
        for name, length in ((ORPHAN, 7), (BUG_ON, 11)):
            tr = raw_trace(name)
            assert tr.length == length
            interp.replay(tr.states, tr.steps, prop=name)

    @pytest.mark.parametrize("var", ["exec_done", "vm_start", "frame_locked[0]"])
    def test_changed_value_in_a_middle_state_is_caught_at_that_step(self, var: str) -> None:
        system, _ = unfixed()
        tr = raw_trace(BUG_ON)
        mid = tr.length // 2
        i = [v.name for v in system.vars].index(var)
        states = list(tr.states)
        states[mid] = flipped(states[mid], i)
        t = system.transitions[tr.steps[mid - 1]]
        with pytest.raises(ReplayError) as err:
            Interpreter(system).replay(tuple(states), tr.steps, prop=BUG_ON)
        msg = str(err.value)
        assert msg.startswith(f"step {mid}: {t.process} {t.name} gives a different state")
        assert f"differs in {var})" in msg

    def test_swapped_steps_are_caught_at_the_first_swapped_step(self) -> None:
        system, _ = unfixed()
        tr = raw_trace(BUG_ON)
        procs = [system.transitions[t].process for t in tr.steps]
        i = next(j for j in range(1, tr.length - 1) if procs[j] != procs[j + 1])
        steps = list(tr.steps)
        steps[i], steps[i + 1] = steps[i + 1], steps[i]
        with pytest.raises(ReplayError, match=rf"^step {i + 1}: "):
            Interpreter(system).replay(tr.states, tuple(steps), prop=BUG_ON)

    def test_a_step_of_a_process_that_cannot_move_is_not_enabled(self) -> None:
        system, _ = unfixed()
        tr = raw_trace(BUG_ON)
        # the first step again at the end: its process has long left that pc
        steps = (*tr.steps[:-1], tr.steps[0])
        t = system.transitions[tr.steps[0]]
        with pytest.raises(ReplayError, match=rf"^step {tr.length}: {t.process} {t.name} "
                                              r"\(line \d+\) is not enabled"):
            Interpreter(system).replay(tr.states, steps, prop=BUG_ON)

    def test_truncated_trace_does_not_violate_its_property(self) -> None:
        system, _ = unfixed()
        tr = raw_trace(BUG_ON)
        interp = Interpreter(system)
        interp.replay(tr.states[:-1], tr.steps[:-1])  # a valid run ...
        with pytest.raises(ReplayError, match=f"property {BUG_ON} is not violated"):
            interp.replay(tr.states[:-1], tr.steps[:-1], prop=BUG_ON)  # ... but no bug yet

    def test_wrong_property_and_bad_shapes(self) -> None:
        system, _ = unfixed()
        tr = raw_trace(ORPHAN)
        interp = Interpreter(system)
        with pytest.raises(ReplayError, match=f"property {BUG_ON} is not violated"):
            interp.replay(tr.states, tr.steps, prop=BUG_ON)
        with pytest.raises(ReplayError, match="states for"):
            interp.replay(tr.states, tr.steps[:-1], prop=ORPHAN)
        with pytest.raises(ReplayError, match="no transition number"):
            interp.replay(tr.states, (*tr.steps[:-1], len(system.transitions)), prop=ORPHAN)
        i = [v.name for v in system.vars].index("vm_start")
        bad_init = (flipped(tr.states[0], i), *tr.states[1:])
        with pytest.raises(ReplayError, match="first state is not an initial state"):
            interp.replay(bad_init, tr.steps, prop=ORPHAN)

    @pytest.mark.parametrize("fmt", ["text", "json"])
    def test_cli_refuses_a_corrupted_counterexample(self, monkeypatch: pytest.MonkeyPatch,
                                                    fmt: str) -> None:
        real = rmapsmt.engines.get("bmc")

        def corrupting_bmc(system: ir.System, budget: Budget) -> Result:
            result = real(system, budget)
            props = []
            for p in result.properties:
                if p.name == BUG_ON:
                    assert p.trace is not None
                    states = list(p.trace.states)
                    mid = p.trace.length // 2
                    states[mid] = flipped(states[mid], 0)
                    p = replace(p, trace=Trace(tuple(states), p.trace.steps))
                props.append(p)
            return replace(result, properties=tuple(props))

        monkeypatch.setattr(rmapsmt.engines, "get", lambda name, merge=True: corrupting_bmc)
        r = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", fmt)
        assert r.exit_code == 70
        assert "did not replay" in r.stderr
        assert "bug in rmapsmt" in r.stderr
        assert r.stdout == ""  # no verdict, no trace
        assert "counterexample for" not in r.stderr


# ================================================ 3. a wrong encoding


def drop_writers(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Break the encoder: forget every update of `names` (their frame keeps the old value)."""
    real_init = Encoder.__init__

    def init(self: Encoder, system: ir.System, ctx: z3.Context | None = None,
             budget: Budget | None = None) -> None:
        real_init(self, system, ctx, budget)
        for n in names:
            assert n in self.writers
            del self.writers[n]

    monkeypatch.setattr(Encoder, "__init__", init)


def havoc_frame(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Break the transition relation: drop the frame equation of `name`, leaving it free.

    (`Encoder._trans` builds the step 0 -> 1 that `trans` renames for every depth.)"""
    real_trans = Encoder._trans

    def trans(self: Encoder, k: int) -> list[z3.ExprRef]:
        out = real_trans(self, k)
        nxt = self.state(k + 1)[name]
        kept = [c for c in out
                if not (z3.is_eq(c) and c.arg(0).eq(nxt))]
        assert len(kept) == len(out) - 1
        return kept

    monkeypatch.setattr(Encoder, "_trans", trans)


class TestWrongEncoding:
    def test_the_real_encoding_agrees_with_the_interpreter(self) -> None:
        for path, verdict in ((PETERSON, "holds"), (BROKEN_MUTEX, "violated")):
            system = system_of(path)
            b = rmapsmt.run.answer(system, "bmc", Budget())
            e = explicit(system)
            assert b.verdict == e.verdict == verdict

    def test_dropped_update_invents_a_counterexample_that_replay_rejects(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Peterson with `turn := 1 - self` forgotten by the encoder: turn stays 0 and
        # both processes can pass `wait`.
        system = system_of(PETERSON)
        drop_writers(monkeypatch, "turn")
        raw = bmc(system)
        assert prop_verdict(raw, "mutual_exclusion") == "violated"  # bogus
        with pytest.raises(ReplayError, match=r"yield gives a different state .*differs in turn"):
            rmapsmt.run.verify(system, raw)
        assert explicit(system).verdict == "holds"  # the truth

    def test_dropped_update_is_exit_70_in_the_cli(self, monkeypatch: pytest.MonkeyPatch) -> None:
        drop_writers(monkeypatch, "turn")
        r = run_cli("prove", PETERSON, "--engine", "bmc")
        assert r.exit_code == 70
        assert "did not replay" in r.stderr and "differs in turn" in r.stderr
        assert r.stdout == ""
        # the explicit engine does not use the encoder: same spec, right answer
        ok = run_cli("prove", PETERSON, "--engine", "explicit")
        assert ok.exit_code == 0 and "HOLDS" in ok.stdout

    def test_havocked_frame_in_trans_is_caught_by_replay(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        system = system_of(PETERSON)
        havoc_frame(monkeypatch, "flag[1]")
        raw = bmc(system)
        assert prop_verdict(raw, "mutual_exclusion") == "violated"  # bogus
        with pytest.raises(ReplayError, match=r"differs in flag\[1\]"):
            rmapsmt.run.verify(system, raw)

    def test_dropped_update_hiding_a_bug_is_caught_by_the_explicit_engine(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        # broken_mutex with the ghost `in_cs[i] := ...` forgotten: the encoding can no
        # longer see two processes in the critical section. There is no trace to replay,
        # so replay cannot notice; the differential check against BFS does.
        system = system_of(BROKEN_MUTEX)
        drop_writers(monkeypatch, "in_cs[0]", "in_cs[1]")
        wrong = rmapsmt.run.answer(system, "bmc", Budget())  # nothing to replay
        right = explicit(system)
        assert wrong.verdict == "holds"
        assert right.verdict == "violated"
        assert prop_verdict(right, "mutual_exclusion") == "violated"
        assert next(p.trace for p in right.properties if p.trace).length == 6
        r = run_cli("prove", BROKEN_MUTEX, "--engine", "explicit")
        assert r.exit_code == 1 and "VIOLATED: mutual_exclusion" in r.stdout


def prop_verdict(result: Result, name: str) -> str:
    return next(p.verdict for p in result.properties if p.name == name)


# ============================================= 4. vacuity and sanity


def write(tmp_path: Path, text: str, name: str = "t.rmap") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


CONTRADICTORY = """\
spec contradictory
var x: 0..3 = 0
assume x == 1
process p {
  x := x + 1
}
invariant small: x <= 2
"""

UNREACHABLE_COVER = """\
spec unreachable_cover
var x: 0..3 = 0
process p {
  a: x := 1
  b: x := 2
}
invariant bounded: x != 3
cover three: x == 3
cover two: x == 2
"""

DEAD_STEP = """\
spec dead_step
var x: 0..3 = 0
process p {
  if x == 2 {
    never: x := 3
  } else {
    always: x := 1
  }
}
invariant not_two: x != 2
"""

TAUTOLOGY = """\
spec tautology
var x: 0..3 = 0
var y: bool = false
process p {
  a: x := 1
  b: y := true
}
invariant nonneg: x >= 0
invariant excluded_middle: y || !y
invariant real: x <= 1
"""

HEALTHY = """\
spec healthy
var x: 0..3 = 0
lock m
process p[2] {
  inc: with m { x := x + 1 }
}
invariant at_most_two: x <= 2
cover both: x == 2
"""

ENGINES = ["bmc", "explicit"]


def prove(path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    r = run_cli("prove", path, "--format", "json", *args)
    return r.exit_code, r.report


class TestVacuityAndSanity:
    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("k", ["0", "1", "10"])
    def test_contradictory_assume_is_vacuous_never_a_pass(self, tmp_path: Path, engine: str,
                                                          k: str) -> None:
        spec = write(tmp_path, CONTRADICTORY)
        code, rep = prove(spec, "--engine", engine, "-k", k)
        assert code == 1
        assert rep["verdict"] == "vacuous"
        assert "no initial state" in rep["reason"]
        assert rep["trace"] is None
        assert all(p["verdict"] not in ("violated", "holds") for p in rep["properties"])
        text = run_cli("prove", spec, "--engine", engine, "-k", k)
        assert text.exit_code == 1
        assert "VACUOUS (not a pass)" in text.stdout and "HOLDS" not in text.stdout

    def test_assume_alone_is_not_vacuous(self, tmp_path: Path) -> None:
        # control: the same spec with a satisfiable assume is an ordinary proof
        spec = write(tmp_path, CONTRADICTORY.replace("= 0\nassume x == 1", "= any\nassume x == 1"))
        for engine in ENGINES:
            code, rep = prove(spec, "--engine", engine)
            assert (code, rep["verdict"]) == (0, "holds")

    @pytest.mark.parametrize("engine", ENGINES)
    def test_unreachable_cover_is_vacuous(self, tmp_path: Path, engine: str) -> None:
        code, rep = prove(write(tmp_path, UNREACHABLE_COVER), "--engine", engine)
        assert code == 1
        assert rep["verdict"] == "vacuous"
        assert rep["complete"] is True
        assert rep["reason"] == "unreachable cover(s): three"
        covers = {c["name"]: (c["reached"], c["depth"]) for c in rep["covers"]}
        assert covers == {"three": (False, None), "two": (True, 2)}
        # every property holds: vacuity alone is what makes this a failure
        assert {p["verdict"] for p in rep["properties"]} == {"holds"}

    def test_cover_beyond_the_bound_is_vacuous_not_unreachable(self, tmp_path: Path) -> None:
        code, rep = prove(write(tmp_path, UNREACHABLE_COVER), "-k", "1")
        assert code == 1 and rep["verdict"] == "vacuous" and rep["complete"] is False
        assert rep["reason"] == "cover(s) not reached within 1 steps: three, two"

    @pytest.mark.parametrize("engine", ENGINES)
    def test_dead_step_is_warned_about(self, tmp_path: Path, engine: str) -> None:
        code, rep = prove(write(tmp_path, DEAD_STEP), "--engine", engine)
        assert code == 0 and rep["verdict"] == "holds"
        dead = [w for w in rep["warnings"] if w.startswith("dead step")]
        assert dead == ["dead step: p never (line 5) is never enabled in any execution; "
                        "usually a modelling mistake"]

    def test_dead_step_in_text_report(self, tmp_path: Path) -> None:
        r = run_cli("prove", write(tmp_path, DEAD_STEP))
        assert "warning: dead step: p never (line 5)" in r.stdout
        assert "always" not in r.stdout  # the live branch is not reported

    def test_tautological_invariants_are_warned_about(self, tmp_path: Path) -> None:
        code, rep = prove(write(tmp_path, TAUTOLOGY))
        assert code == 0
        taut = [w for w in rep["warnings"] if "checks nothing" in w]
        assert len(taut) == 2
        assert taut[0].startswith("invariant nonneg (line 8) cannot fail")
        assert taut[1].startswith("invariant excluded_middle (line 9) cannot fail")
        assert not any("real" in w for w in rep["warnings"])

    @pytest.mark.parametrize("engine", ENGINES)
    @pytest.mark.parametrize("spec", ["healthy", "peterson"])
    def test_healthy_spec_has_no_warnings(self, tmp_path: Path, engine: str, spec: str) -> None:
        path = write(tmp_path, HEALTHY) if spec == "healthy" else PETERSON
        code, rep = prove(path, "--engine", engine)
        assert code == 0 and rep["verdict"] == "holds" and rep["complete"] is True
        assert rep["warnings"] == []
        assert all(c["reached"] for c in rep["covers"])
        assert "warning" not in run_cli("prove", path, "--engine", engine).stdout


# ============================================================ 5. timeout


class FakeClock:
    """Stands in for `time` in the budget: time passes only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def stop_the_clock_at(monkeypatch: pytest.MonkeyPatch, depth: int) -> None:
    """BMC runs normally up to `depth`, where its --timeout has (deterministically) expired:
    the clock jumps when the encoder extends the unrolling to `depth`."""
    clock = FakeClock()
    monkeypatch.setattr(budget_module, "time", clock)
    real_trans = Encoder.trans

    def trans(self: Encoder, k: int) -> list[z3.ExprRef]:
        if k + 1 == depth:
            clock.now += 1e6
        return real_trans(self, k)

    monkeypatch.setattr(Encoder, "trans", trans)


class TestTimeout:
    def test_tiny_timeout_on_the_flagship_is_unknown(self) -> None:
        r = run_cli("prove", FLAGSHIP, "-k", "40", "--timeout", "0.001")
        assert r.exit_code == 3
        assert "verdict: UNKNOWN" in r.stdout
        assert "HOLDS" not in r.stdout and "VIOLATED" not in r.stdout
        j = run_cli("prove", FLAGSHIP, "-k", "40", "--timeout", "0.001", "--format", "json")
        assert j.exit_code == 3
        rep = j.report
        assert rep["verdict"] == "unknown" and rep["complete"] is False
        assert rep["reason"]
        # out of time while lowering the spec or while solving: nothing is claimed
        assert {p["verdict"] for p in rep["properties"]} <= {"unknown"}
        assert rep["trace"] is None

    def test_tiny_timeout_with_the_bug_is_unknown_not_holds(self) -> None:
        r = run_cli("prove", FLAGSHIP, "--set", "fix=none", "-k", "40", "--timeout", "0.001",
                    "--format", "json")
        assert r.exit_code in (1, 3)  # a bug found in time is still a bug
        assert r.report["verdict"] in ("unknown", "violated")
        assert all(p["verdict"] != "holds" for p in r.report["properties"])

    def test_timeout_reports_what_was_proved_so_far(self,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        stop_the_clock_at(monkeypatch, 3)
        r = run_cli("prove", FLAGSHIP, "-k", "40", "--timeout", "5", "--engine", "bmc")
        assert r.exit_code == 3
        assert "verdict: UNKNOWN: holds up to depth 2, timed out at depth 3" in r.stdout
        j = run_cli("prove", FLAGSHIP, "-k", "40", "--timeout", "5", "--engine", "bmc",
                    "--format", "json")
        assert j.exit_code == 3
        assert (j.report["verdict"], j.report["bound"], j.report["complete"]) == ("unknown", 2,
                                                                                 False)

    # Regression: a timeout after a first violation used to be reported as plain
    # VIOLATED, with the properties not yet decided reported 'holds' (BUG_ON, really
    # violated at depth 11) and no word of the timeout in the text report.
    def test_timeout_after_a_violation_does_not_claim_the_rest_holds(
            self, monkeypatch: pytest.MonkeyPatch) -> None:
        stop_the_clock_at(monkeypatch, 8)  # the orphan is found at 7, BUG_ON needs 11
        j = run_cli("prove", FLAGSHIP, "--set", "fix=none", "-k", "40", "--timeout", "5",
                    "--engine", "bmc", "--format", "json")
        assert j.exit_code == 1  # the violation found in time is definite
        assert j.report["verdict"] == "violated" and j.report["bound"] == 7
        assert prop(j.report, ORPHAN)["verdict"] == "violated"
        assert prop(j.report, ORPHAN)["depth"] == 7
        assert prop(j.report, BUG_ON)["verdict"] == "unknown"
        assert {p["verdict"] for p in j.report["properties"]} == {"violated", "unknown"}
        t = run_cli("prove", FLAGSHIP, "--set", "fix=none", "-k", "40", "--timeout", "5",
                    "--engine", "bmc")
        assert t.exit_code == 1
        assert "timed out at depth 8" in t.stdout
        assert f"holds     {BUG_ON}" not in t.stdout


# ======================================================== 6. determinism


def prove_in_subprocess(hash_seed: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    p = subprocess.run([str(RMAPSMT), "prove", str(FLAGSHIP), "--set", "fix=none",
                        "--format", "json"], capture_output=True, text=True, env=env,
                       timeout=300, check=False)
    assert p.returncode == 1, p.stderr
    rep: dict[str, Any] = json.loads(p.stdout)
    del rep["stats"]
    return rep


class TestDeterminism:
    def test_report_does_not_depend_on_the_hash_seed(self) -> None:
        a = prove_in_subprocess("1")
        b = prove_in_subprocess("4242")
        assert a == b
        assert a["verdict"] == "violated"
        assert prop(a, BUG_ON)["depth"] == 11 and prop(a, ORPHAN)["depth"] == 7

    def test_in_process_runs_are_identical(self) -> None:
        a = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", "json").report
        b = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--format", "json").report
        del a["stats"], b["stats"]
        assert a == b


class TestMemoryLimit:
    def test_a_solver_out_of_memory_is_unknown_not_a_crash(self) -> None:
        r = run_cli("prove", FLAGSHIP, "--max-memory", "16", "--engine", "bmc")
        assert r.exit_code == 3
        assert "ran out of memory" in r.stdout
        assert "Traceback" not in r.stdout + r.stderr


class TestDeadStepsAndCrashes:
    def test_a_step_that_always_fails_its_check_is_not_dead(self, tmp_path: Path) -> None:
        spec = tmp_path / "crash.rmap"
        spec.write_text("spec c\nlock l\nprocess q {\n  bad_release: release l\n}\n")
        for engine in ("bmc", "explicit"):
            rep = run_cli("prove", spec, "--engine", engine, "--format", "json").report
            assert rep["verdict"] == "violated"
            assert rep["property"] == "lock:l@q.bad_release"
            assert not any("dead step" in w for w in rep["warnings"]), engine
