"""Regression tests for the soundness audit (issue 7): one small spec per finding.

Every spec here is run under every engine, and the verdict, the violated
property's kind and line, and the counterexample's shape are checked. The
semantics these tests pin are written down in the README's language
reference ("Semantics"): checks run in program order inside a step, a step
that is blocked before a check checks nothing, `assume` prunes and is never a
deadlock, procedure locals are fresh on every call, and constant folding can
never change a verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

import rmapsmt.engines

ENGINES = tuple(rmapsmt.engines.ENGINES)  # every registered engine


def prove(tmp_path: Path, text: str, *args: str, engine: str = "bmc") -> tuple[int, dict[str, Any]]:
    spec = tmp_path / "spec.rmap"
    spec.write_text(text)
    r = run_cli("prove", spec, "--format", "json", "--engine", engine, *args)
    assert r.exit_code in (0, 1), r.stdout + r.stderr
    import json

    return r.exit_code, json.loads(r.stdout)


def error_of(tmp_path: Path, text: str) -> str:
    spec = tmp_path / "spec.rmap"
    spec.write_text(text)
    r = run_cli("check", spec)
    assert r.exit_code == 2, r.stdout
    return r.stderr


def violated(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in report["properties"] if p["verdict"] == "violated"}


def of_kind(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in report["properties"] if p["kind"] == kind]


def steps_of(p: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["process"], s["label"]) for s in p["trace"]["steps"]]


# ------------------------------------------------- 1. checks in branch conditions

INDEX_IN_IF = """spec index_in_if
var a: [0..1] bool = false
var i: 0..2 = 0
var x: bool = false
process p {
  s1: i := 2
  if a[i] { s2: x := true } else { s3: x := false }
}
"""

INDEX_IN_WHILE = """spec index_in_while
var a: [0..1] bool = false
var i: 0..2 = 0
var x: bool = false
process p {
  s1: i := 2
  while a[i] { s2: x := true }
  s3: x := false
}
"""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", [INDEX_IN_IF, INDEX_IN_WHILE], ids=["if", "while"])
def test_index_in_a_non_atomic_condition_is_checked(tmp_path: Path, engine: str,
                                                     text: str) -> None:
    code, rep = prove(tmp_path, text, engine=engine)
    assert code == 1 and rep["verdict"] == "violated"
    (bad,) = violated(rep).values()
    assert bad["kind"] == "index" and bad["line"] == 7
    assert bad["depth"] == 1 and steps_of(bad) == [("p", "s1")]
    assert rep["complete"]


# ------------------------------------------------------ 2. def signatures

def test_def_argument_that_can_never_fit_is_an_error(tmp_path: Path) -> None:
    err = error_of(tmp_path, "spec d\ndef f(x: 0..1): 0..9 = x + 5\nvar y: 0..10 = 0\n"
                   "process p {\n  s1: y := f(3)\n}\n")
    assert "spec.rmap:5:14: error:" in err and "'x'" in err and "0..1" in err


def test_def_result_that_can_never_fit_is_an_error(tmp_path: Path) -> None:
    err = error_of(tmp_path, "spec d\ndef f(x: 0..1): 0..1 = x + 5\nvar y: 0..10 = 0\n"
                   "process p {\n  s1: y := f(1)\n}\n")
    assert "spec.rmap:2:24: error:" in err and "0..1" in err


DEF_RUNTIME = """spec def_runtime
def inc(x: 0..3): 0..3 = x + 1
def small(x: 0..1): bool = x == 1
var z: 0..3 = 0
var y: 0..3 = 0
var b: bool = false
process p {
  bump: z := z + 1
  bump2: z := z + 1
  use_small: b := small(z)
  use_inc: y := inc(z)
}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_def_types_are_run_time_checks_where_they_may_not_fit(tmp_path: Path,
                                                              engine: str) -> None:
    code, rep = prove(tmp_path, DEF_RUNTIME, engine=engine)
    assert code == 1
    bad = violated(rep)
    assert [p["kind"] for p in bad.values()] == ["range"]
    (p,) = bad.values()
    # z = 2 does not fit small's parameter 0..1: the call at line 10 fails after two bumps
    assert p["line"] == 10 and p["depth"] == 2
    assert steps_of(p) == [("p", "bump"), ("p", "bump2")]


@pytest.mark.parametrize("engine", ENGINES)
def test_def_result_range_is_checked_at_run_time(tmp_path: Path, engine: str) -> None:
    text = ("spec def_result\ndef inc(x: 0..3): 0..3 = x + 1\nvar z: 0..3 = 3\nvar y: 0..3 = 0\n"
            "process p {\n  use_inc: y := inc(z)\n}\n")
    code, rep = prove(tmp_path, text, engine=engine)
    assert code == 1
    (p,) = violated(rep).values()
    assert p["kind"] == "range" and p["line"] == 6 and p["depth"] == 0


# ------------------------------------------------ 3. assume: folding-proof

ASSUME_LITERAL = "spec a\nvar x: bool = false\nprocess p {\n  s1: assume false\n}\n"
ASSUME_FOLDED = ("spec a\nvar x: bool = false\nvar z: bool = false\n"
                 "process p {\n  s1: assume z\n}\n")


@pytest.mark.parametrize("engine", ENGINES)
def test_assume_false_prunes_literal_or_not(tmp_path: Path, engine: str) -> None:
    lit_code, lit = prove(tmp_path, ASSUME_LITERAL, engine=engine)
    fold_code, fold = prove(tmp_path, ASSUME_FOLDED, engine=engine)
    assert lit_code == fold_code == 0
    assert lit["verdict"] == fold["verdict"] == "holds"
    assert violated(lit) == violated(fold) == {}
    # the pruned step is never taken, in both spellings, and both say so
    assert any("s1" in w and "never enabled" in w for w in lit["warnings"])
    assert any("s1" in w and "never enabled" in w for w in fold["warnings"])


# ------------------------------ 4. a check before a blocking await in one step

def _assert_then_await(cond: str) -> str:
    return ("spec aw\nvar x: 0..1 = 0\nprocess p {\n"
            f"  s1: atomic {{ assert A: x == 1; await {cond} }}\n}}\n")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cond", ["false", "x == 1"])
def test_a_check_before_a_blocking_await_is_checked(tmp_path: Path, engine: str,
                                                    cond: str) -> None:
    code, rep = prove(tmp_path, _assert_then_await(cond), engine=engine)
    assert code == 1
    bad = violated(rep)
    # program order: the assert runs before the await blocks; the failed check ends
    # the process, so nothing is left to deadlock
    assert set(bad) == {"A"} and bad["A"]["depth"] == 0 and bad["A"]["line"] == 4


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cond", ["false", "x == 1"])
def test_a_check_after_a_blocking_await_checks_nothing(tmp_path: Path, engine: str,
                                                       cond: str) -> None:
    text = ("spec aw\nvar x: 0..1 = 0\nprocess p {\n"
            f"  s1: atomic {{ await {cond}; assert A: x == 0 }}\n}}\n")
    code, rep = prove(tmp_path, text, engine=engine)
    assert code == 1
    assert set(violated(rep)) == {"deadlock"}
    assert next(p for p in rep["properties"] if p["name"] == "A")["verdict"] == "holds"


# ------------------------------------------------- 5. procedure locals per call

FRESH_LOCALS = """spec fresh
var out: 0..3 = 0
var seen: 0..3 = 0
procedure f() {
  var c: 0..3 = 0
  inc: c := c + 1
  save: out := c
}
procedure g() {
  var d: 0..3
  look: seen := d
}
process p {
  call f()
  call f()
  check: assert fresh: out == 1
  call g()
  call g()
}
cover any_local: seen == 3
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_procedure_locals_are_fresh_on_every_call(tmp_path: Path, engine: str) -> None:
    code, rep = prove(tmp_path, FRESH_LOCALS, engine=engine)
    assert code == 0, rep
    assert rep["verdict"] == "holds" and rep["complete"]
    # a local without initialiser takes any value of its type, on each call
    assert rep["covers"][0]["reached"]


# --------------------------------------------- 11. break, % and /, const arrays

BREAK_SPEC = """spec brk
var found: 0..4 = 4
var hits: 0..3 = 0
const TABLE = [false, true, false, true]
process p {
  for k in 0..3 {
    if TABLE[k] { hit: found := k; break }
    miss: hits := hits + 1
  }
  check: assert first: found == 1 && hits == 1
}
process q {
  var n: 0..9 = 0
  while true {
    if n == 3 { break }
    count: n := n + 1
  }
  check: assert three: n == 3
}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_break_and_constant_arrays(tmp_path: Path, engine: str) -> None:
    code, rep = prove(tmp_path, BREAK_SPEC, engine=engine)
    assert code == 0, rep
    assert rep["complete"]


def test_break_inside_atomic_for(tmp_path: Path) -> None:
    text = """spec brk2
var pte: [0..3] 0..2 = [0, 2, 0, 2]
var at: 0..4 = 4
process p {
  scan: atomic {
    for a in 0..3 {
      if pte[a] == 2 { at := a; break }
    }
  }
  check: assert first: at == 1
}
"""
    for engine in ENGINES:
        code, rep = prove(tmp_path, text, engine=engine)
        assert code == 0, rep


DIV_SPEC = """spec div
var a: -7..7 = -7
var d: -2..2 = 2
var q: -7..7 = 0
var r: -7..7 = 0
process p {
  s1: q := a / d
  s2: r := a % d
  check: assert c_semantics: q == -3 && r == -1
  zero: d := 0
  again: q := a / d
}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_division_truncates_and_division_by_zero_is_a_check(tmp_path: Path,
                                                            engine: str) -> None:
    code, rep = prove(tmp_path, DIV_SPEC, engine=engine)
    assert code == 1
    bad = violated(rep)
    assert [p["kind"] for p in bad.values()] == ["div"], bad
    (p,) = bad.values()
    assert p["line"] == 11 and p["depth"] == 4
    assert steps_of(p) == [("p", "s1"), ("p", "s2"), ("p", "check"), ("p", "zero")]


def test_division_by_constant_zero_is_an_error(tmp_path: Path) -> None:
    err = error_of(tmp_path, "spec d\nvar a: 0..3 = 0\nprocess p {\n  s: a := a / 0\n}\n")
    assert "spec.rmap:4:" in err and "zero" in err


# ------------------------------------------ 12. constant-false branches are dead code

@pytest.mark.parametrize("atomic", [True, False])
def test_constant_false_branch_is_not_checked_statically(tmp_path: Path, atomic: bool) -> None:
    stmt = "if N > 1 { arr[N + 1] := true }"
    body = f"s: atomic {{ {stmt} }}" if atomic else f"{stmt}\n  t: skip"
    text = f"spec dead\nconst N = 1\nvar arr: [0..1] bool = false\nprocess p {{\n  {body}\n}}\n"
    code, rep = prove(tmp_path, text)
    assert code == 0 and rep["verdict"] == "holds"


def test_constant_false_branch_still_type_checks(tmp_path: Path) -> None:
    err = error_of(tmp_path, "spec dead\nconst N = 1\nvar arr: [0..1] bool = false\n"
                   "process p {\n  s: atomic { if N > 1 { arr[0] := 3 } }\n}\n")
    assert "spec.rmap:5:" in err and "bool" in err


# --------------------------------------------- 13. one assert name, many sites

SAME_NAME = """spec same
var x: 0..3 = 0
process p {
  for i in 0..2 {
    step: atomic { assert small: x < 2; x := x + 1 }
  }
}
process q {
  assert small: x < 3
}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_an_assert_name_names_one_property(tmp_path: Path, engine: str) -> None:
    code, rep = prove(tmp_path, SAME_NAME, engine=engine)
    assert code == 1
    names = [p["name"] for p in rep["properties"] if p["kind"] == "assert"]
    assert names == ["small"]
    bad = violated(rep)["small"]
    # the third iteration's check fails after two steps (x == 2)
    assert bad["depth"] == 2 and steps_of(bad) == [("p", "step"), ("p", "step")]


# ------------------------------------------------------------- 14. nesting

def test_redundant_parentheses_are_not_nesting(tmp_path: Path) -> None:
    code, rep = prove(tmp_path, "spec n\nvar x: 0..1 = 0\nprocess p {\n  s: x := "
                      + "(" * 400 + "1" + ")" * 400 + "\n}\n")
    assert code == 0 and rep["verdict"] == "holds"


def test_nesting_error_points_at_the_construct(tmp_path: Path) -> None:
    deep = "x"
    for _ in range(400):
        deep = f"-({deep})"
    err = error_of(tmp_path, f"// a comment\nspec n\nvar x: 0..1 = 0\nprocess p {{\n"
                   f"  s: x := {deep}\n}}\n")
    assert "error:" in err and "nested too deeply" in err
    assert "spec.rmap:1:1" not in err and "spec.rmap:5:" in err


def test_a_long_flat_sum_is_not_nesting(tmp_path: Path) -> None:
    terms = " + ".join(["1"] * 3000)
    text = f"spec n\nvar x: 0..3000 = 0\nprocess p {{\n  s: x := {terms}\n}}\n"
    code, rep = prove(tmp_path, text)
    assert code == 0 and rep["verdict"] == "holds"


def test_deep_arithmetic_within_the_limit_is_handled_by_every_stage(tmp_path: Path) -> None:
    expr = "x"
    for _ in range(90):
        expr = f"({expr} + 0)"
    text = f"spec n\nvar x: 0..1 = 0\nprocess p {{\n  s: x := {expr}\n}}\n" \
           "invariant small: x <= 1\n"
    for engine in ENGINES:
        code, rep = prove(tmp_path, text, engine=engine)
        assert code == 0 and rep["verdict"] == "holds"
