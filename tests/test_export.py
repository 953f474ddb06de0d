"""Spin checks the very same model: the Promela export against the explicit engine.

Every repository spec (and the flagship under several options) is exported,
built and searched by Spin; the explicit engine searches the IR. They must
store the same number of states, give the same verdict for every property and
cover, find counterexamples of the same (shortest, BFS) length, and every
Spin trail must replay in the interpreter and end where Spin says. Small hand
specs cover the corners of the translation, random ones their combinations.
Needs `spin` and `gcc`: the module fixture installs them with apt-get where they
are missing (as root), or skips.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import FLAGSHIP, ROOT, require_tools
from hypothesis import HealthCheck, given, settings
from test_differential import _full_system, full_specs, small_specs

from rmapsmt import engines, ir
from rmapsmt.budget import Budget
from rmapsmt.diagnostics import Source, Span
from rmapsmt.export import ExportError, to_promela
from rmapsmt.export.spin import SpinError, SpinResult, check, replay, tools
from rmapsmt.pipeline import load, load_source
from rmapsmt.result import VIOLATED, Proof, Result

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module", autouse=True)
def spin_and_gcc() -> None:
    require_tools({"spin": "spin", "gcc": "gcc"}, "Spin back end")


# ------------------------------------------------------------------ agreement

def explicit(system: ir.System, depth: int | None = None) -> Result:
    return engines.get("explicit", merge=False)(system, Budget(depth=depth))  # as exported


def agree(system: ir.System, depth: int | None = None) -> SpinResult:
    """Spin and the explicit engine agree on states, verdicts and shortest lengths, and
    every Spin trail replays in the interpreter to a violation of its property."""
    r = explicit(system, depth)
    s = check(system, depth="spec" if depth is None else depth, cflags=("-O0",))
    assert s.states == r.stats.states, (s.states, r.stats.states)
    if r.proof is not Proof.NONE:  # with no initial state: nothing to search, vacuous
        assert s.complete == r.complete, s.stopped
    assert {t.name for t in s.targets} == {p.name for p in r.properties} | {c.name for c in
                                                                           r.covers}
    for p in r.properties:
        got = s.prop(p.name)
        assert got.hit == (p.verdict == VIOLATED), p.name
        if p.trace is not None:
            assert got.trail is not None
            assert len(got.trail.steps) == p.trace.length, p.name
            trace = replay(system, got.trail, prop=p.name)
            assert trace.length == p.trace.length
    for c in r.covers:
        got = s.cover(c.name)
        assert got.hit == c.reached, c.name
        if c.trace is not None:
            assert got.trail is not None
            assert len(got.trail.steps) == c.trace.length, c.name
            replay(system, got.trail, cover=c.name)
    return s


REPOSITORY: list[tuple[Path, dict[str, str]]] = [
    (p, {}) for p in sorted((ROOT / "specs").glob("*.rmap"))
    + sorted((ROOT / "examples").glob("*.rmap"))]
REPOSITORY += [(FLAGSHIP, {"fix": "none"}), (FLAGSHIP, {"fix": "gup_pin"}),
               (FLAGSHIP, {"arg_pages": "2"})]


@pytest.mark.parametrize(("path", "sets"), REPOSITORY,
                         ids=lambda x: x.stem if isinstance(x, Path) else
                         ",".join(f"{k}={v}" for k, v in x.items()))
def test_repository_specs_agree(path: Path, sets: dict[str, str]) -> None:
    system = load(str(path), sets).system
    s = agree(system)
    assert s.complete and s.stored == s.states  # one initial state: no extra Spin state


# random specs (test_differential's generators): the translation of every construct
# in combinations no hand spec has; a random campaign ran 600 of these without a finding
RANDOM = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@RANDOM
@given(small_specs())
def test_random_specs_agree(text: str) -> None:
    agree(load_source(Source("random.rmap", text)).system)


@RANDOM
@given(full_specs())
def test_random_full_specs_agree(text: str) -> None:
    agree(_full_system(text))


def test_flagship_timings_are_reported() -> None:
    s = check(load(str(FLAGSHIP), {"fix": "none"}).system)
    assert s.build_seconds > 0 and s.search_seconds > 0
    assert s.violated and s.prop("no_orphaned_migration_entry").hit


# ------------------------------------------------------------------ hand specs

def spec(text: str) -> ir.System:
    return load_source(Source("hand.rmap", text)).system


DIVMOD = """
spec divmod
var a: -7..7 = any
var b: -2..2 = any
var q: -7..7 = 0
var r: -7..7 = 0
process p {
  d: q := a / b
  m: r := a % b
}
invariant c_division: b == 0 || (a / b) * b + a % b == a
invariant by_zero_is_zero: b != 0 || (a / b == 0 && a % b == 0)
invariant truncates: !(a == -7 && b == 2) || (a / b == -3 && a % b == -1)
invariant q_small: q > -7
cover remainder_negative: r < 0
depth 6
"""

NEGATIVE = """
spec negative
var x: -300..300 = -300
var far: -40000..-39990 = -40000
var k: -3..0 = any
process up {
  for i in 0..2 { step: x := x - k * 100 }
}
process down {
  one: far := far + 5
  two: far := far + 5
  three: far := far + 5
}
invariant below: x < 0
cover far_up: far > -39995
depth 12
"""

ARRAYS = """
spec arrays
type I = 0..3
var a: [I] -2..5 = 0
var i: 0..4 = any
process w {
  set: a[i] := a[i] + 1
  next: a[(i + 1) % 4] := a[i] - 2
}
process r {
  read: i := (i + 1) % 5
}
invariant not_both: !(a[0] == 1 && a[1] == -1)
cover wrapped: a[0] == -1
depth 10
"""

LOCKS = """
spec locks
lock m
var count: 0..3 = 0
process p[2] {
  inc: with m { c: count := count + 1 }
}
process stray {
  rel: release m
}
invariant at_most_one: count <= 1
depth 12
"""

PARKED = """
spec parked
var flag: bool = false
var x: 0..2 = 0
process p {
  w: await flag
}
process q {
  s: x := 1
  stop: assume x == 2
}
depth 6
"""

BLOCKED = PARKED.replace("spec parked", "spec blocked").replace("  stop: assume x == 2\n", "")

CRASH = """
spec crash
var x: 0..3 = 0
var y: 0..3 = 0
process p {
  a: x := 1
  check: assert small: x + y < 3
  after: x := 3
}
process q {
  b: y := 2
  c: y := 3
}
cover p_after_check: x == 3
depth 8
"""

INITIAL = """
spec initial
var x: 0..3 = any
var y: bool = any
var z: 0..3 = 0
assume x != 2
process p { copy: z := x }
invariant z_not_three_with_y: !(z == 3 && y)
cover x_one: x == 1
depth 4
"""

SWAP = """
spec swap
var a: -3..3 = -2
var b: -3..3 = 3
var t: -3..3 = 0
process p {
  s1: atomic { t := a; a := b; b := t }
  s2: atomic { t := a; a := b; b := t }
}
invariant sum: a + b == 1
cover swapped: a == 3 && b == -2
depth 5
"""

LARGE_GUARD = """
spec large
var x: -20..20 = any
var y: 0..1 = 0
process p {
  grow: atomic {
    for i in 0..14 { x := (x + x) - x }
    await x != 7
    y := 1
  }
}
invariant not_three: y == 0 || x != 3
depth 4
"""

NO_INITIAL_STATE = """
spec none
var x: 0..3 = any
assume x > 5
process p { s: x := 1 }
invariant small: x < 2
depth 3
"""

HAND = {"divmod": DIVMOD, "negative": NEGATIVE, "arrays": ARRAYS, "locks": LOCKS,
        "parked": PARKED, "blocked": BLOCKED, "crash": CRASH, "initial": INITIAL, "swap": SWAP,
        "large_guard": LARGE_GUARD, "no_initial_state": NO_INITIAL_STATE}


@pytest.mark.parametrize("name", sorted(HAND))
def test_hand_specs_agree(name: str) -> None:
    agree(spec(HAND[name]))


def test_the_hand_specs_cover_their_corners() -> None:
    """Each hand spec exercises what it is named for (not only agreement)."""
    div = check(spec(DIVMOD))
    # a / b in an invariant is a div check there: b == 0 violates it in an initial state
    # (and Promela evaluates a / b with b == 0 on the way: pan would die of SIGFPE)
    zero = div.prop("by_zero_is_zero")
    assert zero.hit and zero.trail is not None and zero.trail.steps == ()
    assert not div.prop("c_division").hit and not div.prop("truncates").hit
    assert div.prop("q_small").hit and div.complete
    assert any(t.hit for t in div.targets if t.name.startswith("div@"))
    text = to_promela(spec(NEGATIVE))
    assert "int v_far = -40000;" in text and "short v_x = -300;" in text
    assert check(spec(ARRAYS)).violated  # index checks and the invariant
    locks = check(spec(LOCKS))
    assert any(n.startswith("lock:") for n in locks.violated)
    assert locks.prop("at_most_one").hit  # two increments, one after the other
    assert not check(spec(PARKED)).prop("deadlock").hit
    assert check(spec(BLOCKED)).prop("deadlock").hit
    crash = check(spec(CRASH))
    assert crash.prop("small").hit and crash.cover("p_after_check").hit
    init = check(spec(INITIAL))
    assert init.initial_states == 6 and init.stored == init.states + 1
    assert "rest of the guard" in to_promela(spec(LARGE_GUARD))
    none = check(spec(NO_INITIAL_STATE))
    assert none.initial_states == 0 and none.states == 0 and not none.violated


def test_unguarded_division_by_zero_is_zero() -> None:
    """The IR's own semantics, below the language's checks: x / 0 == x % 0 == 0."""
    span = Span("hand.ir", 1, 1, 1, 1)
    a, b, q, r, pc = (ir.Var(n) for n in ("a", "b", "q", "r", "pc:p"))
    at_end = ir.eq(pc, ir.Const(1))
    system = ir.System(
        name="divzero",
        vars=(ir.StateVar("a", ir.IntSort(-7, 7), span), ir.StateVar("b", ir.IntSort(-2, 2), span),
              ir.StateVar("q", ir.IntSort(-7, 7), span), ir.StateVar("r", ir.IntSort(-7, 7), span),
              ir.StateVar("pc:p", ir.IntSort(0, 1, ("s", "done")), span, ir.VarKind.PC)),
        init=(ir.eq(q, ir.Const(0)), ir.eq(r, ir.Const(0)), ir.eq(pc, ir.Const(0))),
        transitions=(ir.Transition(0, "p", "s", span, ir.eq(pc, ir.Const(0)),
                                   (("q", ir.arith(ir.Op.DIV, a, b)),
                                    ("r", ir.arith(ir.Op.MOD, ir.neg(a), b)),
                                    ("pc:p", ir.Const(1))), "pc:p", 0, 1),),
        processes=(ir.Process("p", "pc:p", 1, ("s", "done"), "p"),),
        properties=(
            ir.Property("zero", ir.PropKind.INVARIANT, ir.and_(
                at_end, ir.eq(b, ir.Const(0)), ir.not_(ir.and_(ir.eq(q, ir.Const(0)),
                                                               ir.eq(r, ir.Const(0))))),
                        span, "x / 0 and x % 0 are 0"),
            ir.Property("c_rule", ir.PropKind.INVARIANT, ir.and_(at_end, ir.not_(ir.eq(
                ir.arith(ir.Op.ADD, ir.arith(ir.Op.MUL, ir.arith(ir.Op.DIV, ir.neg(a), b), b), r),
                ir.neg(a)))), span, "(-a / b) * b + (-a % b) == -a, also for b == 0"),
        ),
        covers=(ir.Cover("negative_remainder", ir.and_(at_end, ir.lt(r, ir.Const(0))), span),),
        depth=3, options=())
    s = agree(system)
    assert not s.prop("zero").hit and s.prop("c_rule").hit  # b == 0, a != 0
    assert s.cover("negative_remainder").hit and s.states == 75 * 2


def test_several_initial_states_map_back() -> None:
    system = spec(INITIAL)
    s = check(system)
    hit = s.prop("z_not_three_with_y")
    assert hit.trail is not None and hit.trail.initial > 0
    trace = replay(system, hit.trail, prop="z_not_three_with_y")
    assert trace.states[0][system.vars.index(system.var("x"))] == 3


def test_depth_bound_counts_the_states_within_it() -> None:
    system = load(str(ROOT / "examples" / "peterson.rmap")).system
    for depth in (0, 3, 8):
        s = agree(system, depth)
        assert not s.complete and s.bound == depth and "depth" in s.stopped
    assert agree(spec(INITIAL), 0).states == 6  # the 6 initial states


def test_promela_text_and_single_target() -> None:
    system = load(str(ROOT / "examples" / "broken_mutex.rmap")).system
    text = to_promela(system)
    assert "/* ---- process" in text and "line" in text
    from_text = check(text)
    assert from_text.violated == check(system).violated == ("mutual_exclusion",)
    only = check(system, target="deadlock")
    assert [t.name for t in only.targets] == ["deadlock"] and not only.violated
    with pytest.raises(ExportError, match="no property or cover named"):
        to_promela(system, "nonsense")


def test_limits_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = spec("spec wide\nvar a: [0..2999] 0..9 = 0\nvar i: 0..2999 = 0\n"
                "process p { s: a[i] := 1 }\ndepth 2\n")
    with pytest.raises(ExportError, match="d_step"):
        to_promela(wide)
    cube = spec("spec cube\nvar x: 0..60000 = 0\nvar y: 0..1 = 0\n"
                "process p { s: y := if x * x * x > 5 then 1 else 0 }\ndepth 2\n")
    with pytest.raises(ExportError, match="32-bit"):
        to_promela(cube)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SpinError, match="not found on PATH"):
        tools()


def test_a_timeout_stops_the_search_and_reports_it() -> None:
    slow = spec("spec slow\nvar c: [0..5] 0..40 = 0\n"
                "process p[6] { while c[self] < 40 { s: c[self] := c[self] + 1 } }\n"
                "invariant never: c[0] + c[1] + c[2] + c[3] + c[4] + c[5] < 300\ndepth 300\n")
    s = check(slow, timeout=8.0, cflags=("-O0",))
    assert not s.complete and "timed out" in s.stopped and s.states > 0
    budget = Budget.start()
    threading.Timer(5.0, budget.interrupt).start()  # Ctrl-C, as `cancel` would flag it
    s = check(slow, budget=budget, cflags=("-O0",))
    assert not s.complete and "interrupted" in s.stopped and s.states > 0
