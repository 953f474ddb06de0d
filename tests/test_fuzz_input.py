"""Fuzzing the front end: whatever the text, `load_source` succeeds or raises `SpecError`.

A small valid spec that touches most of the language is mutated at the token
level (delete, duplicate, swap, replace), has random text or bytes inserted,
has its integer literals replaced by huge ones, or has an expression wrapped
in deep nesting. The pipeline must either accept the result or reject it
with a `SpecError` whose rendering works and points inside the file; any
other exception is a crash.

Set RMAPSMT_FUZZ_EXAMPLES to run more examples than the default (e.g. 5000
for a longer campaign).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from rmapsmt.diagnostics import Source, SpecError
from rmapsmt.pipeline import load_source, read_source

pytestmark = pytest.mark.slow  # solver runs and whole processes: the full suite only

NAME = "fuzz.rmap"
EXAMPLES = int(os.environ.get("RMAPSMT_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASE = """\
spec fuzz
option mode = a in {a, b}
const N = 2
type Idx = 0..3
enum Color { red, green }
record R { n: 0..3, ok: bool }
var x: 0..3 = 0
var flag: bool = false
var c: Color = red
var arr: [Idx] bool = false
var r: R = {n: 0, ok: false}
lock l
def inc(v: int): int = if v < 3 then v + 1 else v
procedure bump(k: 0..3) {
  step: x := k
}
process p[N] {
  var mine: 0..3 = 0
  grab: atomic { with l { if x < 3 && mode == a { x := inc(x) } } }
  choose mine in 0..3
  either { flag := true } or { c := green }
  for i in 0..1 { arr[i] := !arr[i] }
  call bump(1)
  while x < 2 { await flag; x := x + 1 }
  assert safe: r.n <= 3 && (x * 2 - 1) >= -1
}
invariant inv: forall i in Idx: arr[i] -> x >= 0
cover cov: c == green && r.n == 0
depth 5
"""

TOKEN = re.compile(
    r"\s+|//[^\n]*|[A-Za-z_][A-Za-z0-9_]*|\d+|:=|\.\.|<->|->|==|!=|<=|>=|&&|\|\||.", re.S)
TOKENS = TOKEN.findall(BASE)
SOLID = [i for i, t in enumerate(TOKENS) if not t.isspace()]  # indexes of non-blank tokens
INTS = [i for i, t in enumerate(TOKENS) if t.isdigit()]

VOCAB = sorted({t for t in TOKENS if not t.isspace()} | {
    "spec", "option", "param", "const", "type", "enum", "record", "var", "lock", "def",
    "procedure", "process", "invariant", "cover", "assume", "depth", "allow", "deadlock",
    "expect", "holds", "violated", "for", "when", "bool", "int", "any", "await", "assert",
    "skip", "if", "else", "then", "while", "either", "or", "choose", "with", "acquire",
    "release", "atomic", "call", "return", "forall", "exists", "in", "self", "true", "false",
    "{", "}", "(", ")", "[", "]", ",", ";", ":", ".", "=", "!", "*", "+", "-", "<", ">",
    "0", "1", "3", "7", "16", "17", "-1", "nope", "Idx", "Color", "R",
})

MAX_ABS_INT = 1 << 24  # rmapsmt's literal limit (lang/elab.py)


def no_slow_numbers(text: str) -> bool:
    """Reject texts with numbers that are legal but make lowering slow (a range of 10**6
    values unrolls 10**6 steps); that is a resource limit, not what these tests look for."""
    for run in re.findall(r"\d+", text):
        digits = run.lstrip("0")
        if len(digits) <= 9 and 2000 < int(digits or "0") <= MAX_ABS_INT:
            return False
    return True


def check_pipeline(text: str) -> SpecError | None:
    """Load text; only SpecError may escape, and it must render with a sane position."""
    src = Source(NAME, text)
    try:
        load_source(src)
    except SpecError as err:
        check_rendering(err, src)
        return err
    return None


def check_rendering(err: SpecError, src: Source) -> None:
    out = err.render(src)
    assert isinstance(out, str) and out
    first = out.splitlines()[0]
    if err.span is None:
        assert first.startswith("rmapsmt: error: "), out
        return
    assert first.startswith(f"{err.span.file}:{err.span.line}:{err.span.col}: error: "), out
    if err.span.file == src.name:
        lines_in_file = src.text.count("\n") + 1
        assert 1 <= err.span.line <= lines_in_file, (err.span, out)
        assert err.span.col >= 1, (err.span, out)
        assert re.fullmatch(r" {5}\| *\^+", out.splitlines()[2]), out


def test_base_spec_is_valid() -> None:
    assert check_pipeline(BASE) is None


# ---------------------------------------------------------------- token mutations


@st.composite
def mutated(draw: st.DrawFn) -> str:
    toks = list(TOKENS)
    for _ in range(draw(st.integers(1, 4))):
        solid = [i for i, t in enumerate(toks) if not t.isspace()]
        if not solid:
            break
        i = draw(st.sampled_from(solid))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert"]))
        if op == "delete":
            toks[i] = " "
        elif op == "duplicate":
            toks[i] = f"{toks[i]} {toks[i]}"
        elif op == "swap":
            j = draw(st.sampled_from(solid))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "replace":
            toks[i] = draw(st.sampled_from(VOCAB))
        else:
            toks[i] = f"{draw(st.sampled_from(VOCAB))} {toks[i]}"
    return "".join(toks)


@FUZZ
@given(mutated())
@example(BASE.replace(":=", "=", 1))
@example(BASE.replace("}", "", 1))
@example(BASE.replace("depth 5", "depth"))
@example(BASE.replace("call bump(1)", "call bump()"))
@example(BASE.replace("arr[i]", "arr[4]", 1))
def test_token_mutations_load_or_raise_spec_error(text: str) -> None:
    assume(no_slow_numbers(text))
    check_pipeline(text)


# ------------------------------------------------------------- random insertions


@FUZZ
@given(st.integers(0, len(BASE)), st.text(min_size=1, max_size=20))
@example(BASE.index("process"), "$")
@example(BASE.index("x := k"), "\x00")
@example(len(BASE), "process q {")
@example(BASE.index("// ") if "// " in BASE else 0, "/* unterminated")
def test_random_text_insertion(at: int, junk: str) -> None:
    text = BASE[:at] + junk + BASE[at:]
    assume(no_slow_numbers(text))
    check_pipeline(text)


@FUZZ
@given(st.integers(0, len(BASE.encode())), st.binary(min_size=1, max_size=20))
@example(0, b"\xef\xbb\xbf")
@example(10, b"\xff\xfe")
@example(len(BASE), b"\xc3")
def test_random_bytes_in_the_file(at: int, junk: bytes) -> None:
    data = BASE.encode()[:at] + junk + BASE.encode()[at:]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / NAME
        path.write_bytes(data)
        try:
            src = read_source(str(path))
        except SpecError as err:  # not UTF-8: an error with no position
            assert err.span is None
            assert err.render(None).startswith("rmapsmt: error: ")
            return
    assume(no_slow_numbers(src.text))
    found = check_pipeline(src.text)
    if found is not None and found.span is not None:
        assert found.span.file == NAME


# ------------------------------------------------------------------ huge literals


@FUZZ
@given(st.sampled_from(INTS),
       st.one_of(st.integers(MAX_ABS_INT + 1, 10**40),
                 st.integers(9, 4200).map(lambda n: int("9" * n)),
                 st.sampled_from([2**24 + 1, 2**31, 2**32, 2**63, 2**64, 10**100])),
       st.booleans())
@example(INTS[0], 2**63, False)
@example(INTS[-1], 10**4000, True)
def test_huge_integer_literals_are_rejected(i: int, value: int, negative: bool) -> None:
    toks = list(TOKENS)
    toks[i] = f"-{value}" if negative else str(value)
    err = check_pipeline("".join(toks))
    # every literal of BASE is used (in a type, a bound, a count or an expression)
    assert err is not None


# ------------------------------------------------------------------- deep nesting


@FUZZ
@given(st.integers(1, 2000))
@example(500)
@example(3000)
def test_deep_parenthesis_nesting(depth: int) -> None:
    text = BASE.replace("x := k", "x := " + "(" * depth + "k" + ")" * depth)
    err = check_pipeline(text)
    assert err is None or "nested too deeply" in err.message, err.render(Source(NAME, text))


def _nesting_outcome(depth: int) -> str:
    text = BASE.replace("await flag", "await " + "!" * depth + "flag")
    try:
        load_source(Source(NAME, text))
    except SpecError as err:
        assert "nested too deeply" in err.message, err.message
        return "too deep"
    except Exception as exc:  # the crash is what this test looks for
        return f"crash: {type(exc).__name__}: {exc}"
    return "ok"


def test_unary_nesting_limit_is_reported_not_crashed() -> None:
    # Binary search for the first depth that is not accepted, then look closely around it:
    # the crash lives in a band of one or two depths right at that boundary.
    lo, hi = 1, 5000
    crashes = []
    assert _nesting_outcome(lo) == "ok"
    while hi - lo > 1:
        mid = (lo + hi) // 2
        outcome = _nesting_outcome(mid)
        if outcome.startswith("crash"):
            crashes.append((mid, outcome))
        if outcome == "ok":
            lo = mid
        else:
            hi = mid
    for depth in range(max(1, lo - 4), hi + 6):
        outcome = _nesting_outcome(depth)
        if outcome.startswith("crash"):
            crashes.append((depth, outcome))
    assert not crashes, crashes[:3]


@FUZZ
@given(st.integers(1, 60), st.integers(0, 60))
def test_unbalanced_parentheses(opened: int, closed: int) -> None:
    text = BASE.replace("x := k", "x := " + "(" * opened + "k" + ")" * closed)
    err = check_pipeline(text)
    if opened != closed:
        assert err is not None and err.span is not None
