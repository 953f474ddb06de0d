"""The small examples in examples/: each run through the real CLI and solver.

Every depth asserted here was worked out by hand (see the comment in each
example); the shapes are asserted as facts true of *every* shortest
counterexample, so they do not depend on which interleaving the solver (or the
trace canonicalisation) picks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Run, labels, prop, run_cli

pytestmark = pytest.mark.slow  # solver runs and whole processes: the full suite only

EXAMPLES = ROOT / "examples"
PIDS = ("p[0]", "p[1]")


def spec(name: str) -> Path:
    return EXAMPLES / f"{name}.rmap"


@cache
def prove(name: str, *args: str) -> Run:
    """`rmapsmt prove examples/NAME.rmap ARGS...`, run once per argument list.

    The bounds and completeness claims asserted below are BMC's (`-k` is its depth), on
    the steps as written (`--no-merge`; merged bounds are tested on their own); the
    other engines, the default `auto` among them, are held to BMC's verdicts at the end."""
    engine = () if "--engine" in args else ("--engine", "bmc")
    merge = () if "--merge" in args else ("--no-merge",)
    return run_cli("prove", spec(name), *engine, *merge, *args)


def prove_json(name: str, *args: str) -> tuple[int, dict[str, Any]]:
    r = prove(name, *args, "--format", "json")
    return r.exit_code, r.report


def line_of(name: str, text: str) -> int:
    """The line of the example whose code (not a comment) starts with `text`."""
    lines = spec(name).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(text))


def final_state(trace: dict[str, Any]) -> dict[str, str]:
    state = dict(trace["initial"])
    for s in trace["steps"]:
        state.update(s["state"])
    return state


def steps_of(trace: dict[str, Any], process: str) -> list[dict[str, Any]]:
    return [s for s in trace["steps"] if s["process"] == process]


# --------------------------------------------------------------- peterson


def test_peterson_holds_for_all_executions() -> None:
    code, rep = prove_json("peterson")
    assert code == 0
    assert rep["verdict"] == "holds"
    assert rep["complete"] is True
    # 2 processes x 2 rounds x 6 steps, and every execution runs to the end
    assert rep["bound"] == 24
    assert rep["property"] is None and rep["trace"] is None
    assert {p["name"]: p["verdict"] for p in rep["properties"]} == {
        "mutual_exclusion": "holds", "deadlock": "holds"}
    assert all(p["trace"] is None for p in rep["properties"])
    # not vacuous: the critical section is reached, and under contention
    covers = {c["name"]: (c["reached"], c["depth"]) for c in rep["covers"]}
    # p0: want, yield, wait, enter; contended: p0's four steps plus p1's want
    assert covers == {"p0_in_cs": (True, 4), "contended": (True, 5)}


def test_peterson_merged_bound_counts_merged_steps() -> None:
    """`leave` merges with `unflag` (each round 5 steps, not 6): BMC is complete at 20,
    says what it counted, and the verdicts and covers are those of the steps as written."""
    code, rep = prove_json("peterson", "--merge")
    plain = prove_json("peterson")[1]
    assert code == 0 and rep["complete"] is True and rep["bound"] == 20
    assert rep["merged"] == ["p[0] leave (line 26)", "p[1] leave (line 26)"]
    def seen(r: dict[str, Any]) -> list[tuple[object, ...]]:
        return ([(p["name"], p["verdict"]) for p in r["properties"]]
                + [(c["name"], c["reached"], c["depth"]) for c in r["covers"]])

    assert seen(rep) == seen(plain)
    text = prove("peterson", "--merge").stdout
    assert "no execution is longer than 20 steps, merged steps counted as one" in text


def test_peterson_text_says_complete() -> None:
    r = prove("peterson")
    assert r.exit_code == 0
    assert "HOLDS for all executions" in r.stdout
    assert "no execution is longer than 24 steps" in r.stdout


def test_peterson_mutant_is_caught(tmp_path: Path) -> None:
    """Non-vacuity of the proof: announcing the turn before raising the flag breaks it."""
    src = spec("peterson").read_text()
    want = "    want: flag[self] := true\n"
    yld = "    yield: turn := 1 - self\n"
    assert want + yld in src
    mutant = tmp_path / "peterson_mutant.rmap"
    mutant.write_text(src.replace(want + yld, yld + want))
    r = run_cli("prove", mutant, "-k", "8", "--format", "json")
    assert r.exit_code == 1
    rep = r.report
    assert rep["verdict"] == "violated"
    assert rep["property"] == "mutual_exclusion"
    me = prop(rep, "mutual_exclusion")
    # each process needs yield, want, wait, enter before it is inside: 2 x 4
    assert me["depth"] == 8
    for pid in PIDS:
        assert [s["label"] for s in steps_of(me["trace"], pid)] == [
            "yield", "want", "wait", "enter"]
    state = final_state(me["trace"])
    assert state["in_cs[0]"] == state["in_cs[1]"] == "true"


# ----------------------------------------------------------- broken_mutex


def test_broken_mutex_violates_mutual_exclusion_in_6_steps() -> None:
    code, rep = prove_json("broken_mutex")
    assert code == 1
    assert rep["verdict"] == "violated"
    assert rep["property"] == "mutual_exclusion"
    # every execution has at most 2 x 5 steps: the search covered them all
    assert rep["complete"] is True
    assert rep["bound"] == 10
    me = prop(rep, "mutual_exclusion")
    assert me["verdict"] == "violated"
    # shortest: each process must test, set and enter (3 steps each)
    assert me["depth"] == 6
    assert me["trace"]["length"] == 6
    assert rep["trace"] == me["trace"]
    assert prop(rep, "deadlock")["verdict"] == "holds"


def test_broken_mutex_counterexample_shape() -> None:
    _, rep = prove_json("broken_mutex")
    trace = prop(rep, "mutual_exclusion")["trace"]
    steps = trace["steps"]
    assert [s["step"] for s in steps] == [1, 2, 3, 4, 5, 6]
    # each process does exactly test, set, enter, in its program order
    for pid in PIDS:
        assert [s["label"] for s in steps_of(trace, pid)] == ["test", "set", "enter"]
    # both processes pass the test before either sets the flag
    first_two = labels(trace)[:2]
    assert sorted(first_two) == [("p[0]", "test"), ("p[1]", "test")]
    assert steps[0]["state"] == steps[1]["state"] == {}
    # the first set takes the lock; the second "takes" a lock already taken
    sets = [s for s in steps if s["label"] == "set"]
    assert sets[0]["state"] == {"locked": "true"}
    assert sets[1]["state"] == {}
    # nobody leaves or unlocks; the last step is the second process entering
    assert {s["label"] for s in steps} == {"test", "set", "enter"}
    last = steps[-1]
    assert last["label"] == "enter"
    me = last["process"][2]  # "p[i]" -> "i"
    assert last["state"] == {f"in_cs[{me}]": "true"}
    assert trace["initial"] == {"locked": "false", "in_cs[0]": "false", "in_cs[1]": "false"}
    assert final_state(trace) == {"locked": "true", "in_cs[0]": "true", "in_cs[1]": "true"}
    for s in steps:
        assert s["line"] == line_of("broken_mutex", f"{s['label']}:")


def test_broken_mutex_text_report() -> None:
    r = prove("broken_mutex")
    assert r.exit_code == 1
    assert "verdict: VIOLATED: mutual_exclusion" in r.stdout
    assert "mutual_exclusion: invariant" in r.stdout and "at depth 6" in r.stdout
    assert "counterexample for mutual_exclusion (6 steps):" in r.stdout


# ------------------------------------------------------- counter_overflow

BUMP = "bump:"


def range_prop() -> str:
    """Run-time checks are named by kind, variable and step, never by line number."""
    return "range:c@counter.bump"


def test_counter_overflow_range_check_fails_at_depth_5() -> None:
    code, rep = prove_json("counter_overflow")
    assert code == 1
    assert rep["verdict"] == "violated"
    assert rep["property"] == range_prop()
    rng = prop(rep, range_prop())
    assert rng["kind"] == "range"
    # five increments bring c to 5; the check is on the state before the sixth
    assert rng["verdict"] == "violated" and rng["depth"] == 5
    # the failing sixth bump ends the process: no execution is longer than 6
    assert rep["complete"] is True
    assert rep["bound"] == 6
    # a crashed process is finished, not deadlocked
    assert prop(rep, "deadlock")["verdict"] == "holds"
    assert [(c["name"], c["reached"], c["depth"]) for c in rep["covers"]] == [
        ("counting", True, 3)]


def test_counter_overflow_counterexample_shape() -> None:
    _, rep = prove_json("counter_overflow")
    trace = prop(rep, range_prop())["trace"]
    assert trace["initial"] == {"c": "0"}
    assert [(s["process"], s["label"], s["state"]) for s in trace["steps"]] == [
        ("counter", "bump", {"c": str(i)}) for i in range(1, 6)]
    assert {s["line"] for s in trace["steps"]} == {line_of("counter_overflow", BUMP)}
    assert rep["trace"] == trace


def test_counter_overflow_text_names_the_failing_step() -> None:
    r = prove("counter_overflow")
    assert r.exit_code == 1
    assert f"verdict: VIOLATED: {range_prop()}" in r.stdout
    assert f"counterexample for {range_prop()} (5 steps):" in r.stdout
    line = line_of("counter_overflow", BUMP)
    assert f"then counter bump (line {line}) would fail here" in r.stdout


def test_counter_overflow_below_cover_depth_is_vacuous_not_a_pass() -> None:
    """-k 2 cannot reach the cover `counting` (c == 3): that is not a pass."""
    code, rep = prove_json("counter_overflow", "-k", "2")
    assert code == 1
    assert rep["verdict"] == "vacuous"
    assert rep["complete"] is False
    assert "counting" in rep["reason"]
    assert "VACUOUS" in prove("counter_overflow", "-k", "2").stdout


# --------------------------------------------------------------- deadlock


def test_deadlock_found_at_depth_2() -> None:
    code, rep = prove_json("deadlock")
    assert code == 1
    assert rep["verdict"] == "violated"
    assert rep["property"] == "deadlock"
    dl = prop(rep, "deadlock")
    assert dl["kind"] == "deadlock"
    # p takes a, q takes b: two steps, and no fewer can block both
    assert dl["depth"] == 2
    # the lock-ownership checks of the releases hold
    others = [p for p in rep["properties"] if p["name"] != "deadlock"]
    assert others and all(p["kind"] == "lock" and p["verdict"] == "holds" for p in others)
    # each process has 5 steps (acquire, acquire, work, release, release)
    assert rep["complete"] is True
    assert rep["bound"] == 10


def test_deadlock_counterexample_shape() -> None:
    _, rep = prove_json("deadlock")
    trace = prop(rep, "deadlock")["trace"]
    assert rep["trace"] == trace
    assert trace["initial"] == {"done_p": "false", "done_q": "false",
                                "lock:a": "free", "lock:b": "free"}
    steps = trace["steps"]
    assert sorted(labels(trace)) == [("p", "outer"), ("q", "outer")]
    by_proc = {s["process"]: s for s in steps}
    assert by_proc["p"]["state"] == {"lock:a": "p"}
    assert by_proc["q"]["state"] == {"lock:b": "q"}
    assert by_proc["p"]["line"] == line_of("deadlock", "outer: with a")
    assert by_proc["q"]["line"] == line_of("deadlock", "outer: with b")
    assert final_state(trace) == {"done_p": "false", "done_q": "false",
                                  "lock:a": "p", "lock:b": "q"}


def test_deadlock_is_the_only_problem(tmp_path: Path) -> None:
    """With `allow deadlock` the same spec holds for all executions."""
    allowed = tmp_path / "deadlock_allowed.rmap"
    allowed.write_text(spec("deadlock").read_text() + "\nallow deadlock\n")
    r = run_cli("prove", allowed, "--format", "json")
    assert r.exit_code == 0
    rep = r.report
    assert rep["verdict"] == "holds"
    assert rep["complete"] is True
    assert "deadlock" not in {p["name"] for p in rep["properties"]}


def test_deadlock_text_report() -> None:
    r = prove("deadlock")
    assert r.exit_code == 1
    assert "verdict: VIOLATED: deadlock" in r.stdout
    assert "counterexample for deadlock (2 steps):" in r.stdout


# ------------------------------------------------- bounded runs (-k below)

# (example, depth of its shortest counterexample or None, a bound below it)
BELOW = [
    ("broken_mutex", 6, 5),
    ("counter_overflow", 5, 4),
    ("deadlock", 2, 1),
    ("deadlock", 2, 0),
    ("peterson", None, 10),
]


@pytest.mark.parametrize(("name", "depth", "k"), BELOW)
def test_bound_below_counterexample_holds_but_is_not_complete(
        name: str, depth: int | None, k: int) -> None:
    code, rep = prove_json(name, "-k", str(k))
    assert code == 0
    assert rep["verdict"] == "holds"
    assert rep["complete"] is False
    assert rep["bound"] == k
    assert rep["property"] is None and rep["trace"] is None
    assert all(p["verdict"] == "holds" and p["trace"] is None for p in rep["properties"])


@pytest.mark.parametrize(("name", "depth", "k"), BELOW)
def test_bound_below_counterexample_text_says_up_to(
        name: str, depth: int | None, k: int) -> None:
    r = prove(name, "-k", str(k))
    assert r.exit_code == 0
    assert f"HOLDS up to {k} step" in r.stdout
    assert "bounded" in r.stdout
    assert "HOLDS for all executions" not in r.stdout
    assert "VIOLATED" not in r.stdout


@pytest.mark.parametrize(("name", "depth", "k"), [b for b in BELOW if b[1] is not None][:3])
def test_bound_equal_to_counterexample_depth_finds_it(
        name: str, depth: int, k: int) -> None:
    code, rep = prove_json(name, "-k", str(depth))
    assert code == 1
    assert rep["verdict"] == "violated"
    assert rep["bound"] == depth
    assert rep["complete"] is False  # longer executions exist and were not searched
    assert rep["trace"]["length"] == depth


# ------------------------------- second opinions: every other engine agrees with BMC

EXPECTED = {
    "peterson": ("holds", {}),
    "broken_mutex": ("violated", {"mutual_exclusion": 6}),
    "counter_overflow": ("violated", {"range:c": 5}),
    "deadlock": ("violated", {"deadlock": 2}),
}


@pytest.mark.parametrize("engine", ["explicit", "auto", "kind", "pdr"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_engine_agrees(name: str, engine: str) -> None:
    verdict, depths = EXPECTED[name]
    code, rep = prove_json(name, "--engine", engine)
    assert rep["engine"] == engine
    assert code == (0 if verdict == "holds" else 1)
    assert rep["verdict"] == verdict
    assert rep["complete"] is True
    found = {p["name"].split("@")[0]: p["depth"] for p in rep["properties"]
             if p["verdict"] == "violated"}
    assert found == depths
    if engine == "auto":
        assert rep["decided_by"] in ("explicit", "pdr", "kind")
    _, bmc = prove_json(name)
    assert {p["name"]: (p["verdict"], p["depth"]) for p in rep["properties"]} == {
        p["name"]: (p["verdict"], p["depth"]) for p in bmc["properties"]}


def test_the_tutorials_one_step_fix_holds(tmp_path: Path) -> None:
    """README tutorial: making test-and-set one atomic step fixes the broken lock."""
    text = (EXAMPLES / "broken_mutex.rmap").read_text()
    old = ("  test: await !locked            // the lock looks free ...\n"
           "  set: locked := true            // ... so take it (too late: not atomic with the "
           "test)\n")
    assert old in text
    fixed = tmp_path / "fixed.rmap"
    fixed.write_text(text.replace(old, "  take: atomic { await !locked; locked := true }\n")
                     .replace("expect violated for mutual_exclusion", "expect holds"))
    rep = run_cli("prove", fixed, "--format", "json").report
    assert rep["verdict"] == "holds" and rep["complete"] is True
    assert all(e["met"] for e in rep["expectations"])
