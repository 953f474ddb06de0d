"""Bad input: exit 2 and a positioned error, never a traceback.

Every test runs the real CLI (in-process through typer's CliRunner, and a few
through the installed `rmapsmt` script) and checks the contract of
diagnostics.py: a first line `file:line:col: error: message`, the offending
source line quoted as `   7 | ...`, a caret line `     |    ^^^` under the
span, then optional `note: ...` and `hint: ...` lines. Errors that belong to
no position (missing file, bad `--set`) start with `rmapsmt: error:`.

Expected positions are computed from the spec text itself (`pos`), never taken
from rmapsmt's output. Several tests pin bugs found while writing them
(wrong positions, crashes on deep nesting or huge numbers, arrays of
different sizes treated alike); all of those are fixed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rmapsmt.cli import app

RMAPSMT = Path(sys.executable).with_name("rmapsmt")


# --------------------------------------------------------------------------- helpers


@dataclass
class Out:
    code: int
    stdout: str
    stderr: str

    @property
    def all(self) -> str:
        return self.stdout + self.stderr

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.splitlines()


def cli(*args: object) -> Out:
    """Run the CLI in-process. An escaping exception is shown as the user would see it."""
    res = CliRunner().invoke(app, [str(a) for a in args])
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        stderr += "".join(traceback.format_exception(res.exception))
    return Out(res.exit_code, res.stdout, stderr)


def write(tmp_path: Path, text: str | bytes, name: str = "bad.rmap") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def pos(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of needle in text.

    `before»target` means: target, where it follows `before`.
    """
    before, _, target = needle.rpartition("\u00bb")
    i = -1
    for _ in range(nth):
        i = text.index(before + target, i + 1)
    i += len(before)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def source_line(text: str, line: int) -> str:
    """Line `line` as quoted: only '\\n' (or '\\r\\n') ends a line, and characters a
    terminal would not show (tabs, NUL, other controls) are quoted as one space each."""
    raw = text.split("\n")[line - 1].rstrip("\r")
    return "".join(c if c.isprintable() else " " for c in raw)


def no_traceback(out: Out) -> None:
    assert "Traceback" not in out.all, out.all
    assert "Error:" not in out.stderr.replace("error:", ""), out.all  # no "ValueError: ..."


def expect_error(
    out: Out,
    path: Path,
    text: str,
    at: tuple[int, int],
    message: str,
    *,
    width: int | None = None,
    hint: str | None = None,
    note: tuple[str, tuple[int, int]] | None = None,
) -> None:
    """The whole positioned-error contract, for an error at `at` = (line, col)."""
    no_traceback(out)
    assert out.code == 2, out.all
    lines = out.err_lines
    line, col = at
    head = f"{path}:{line}:{col}: error: "
    assert lines and lines[0].startswith(head), f"want {head!r}...\ngot:\n{out.stderr}"
    assert message in lines[0], out.stderr
    assert len(lines) >= 3, out.stderr
    assert lines[1] == f"{line:>4} | " + source_line(text, line).expandtabs(1), out.stderr
    caret = re.fullmatch(r" {5}\| ( *)(\^+)", lines[2])
    assert caret is not None, out.stderr
    assert len(caret.group(1)) == col - 1, out.stderr
    if width is not None:
        assert len(caret.group(2)) == width, out.stderr
    if hint is not None:
        assert any(ln.startswith("hint: ") and hint in ln for ln in lines[3:]), out.stderr
    if note is not None:
        msg, (nl, nc) = note
        assert f"note: {msg} ({path}:{nl}:{nc})" in lines[3:], out.stderr


def expect_plain_error(out: Out, *fragments: str, hint: str | None = None) -> None:
    """An error tied to no position: `rmapsmt: error: ...`, exit 2."""
    no_traceback(out)
    assert out.code == 2, out.all
    lines = out.err_lines
    assert lines and lines[0].startswith("rmapsmt: error: "), out.stderr
    for f in fragments:
        assert f in lines[0], out.stderr
    if hint is not None:
        assert any(ln.startswith("hint: ") and hint in ln for ln in lines[1:]), out.stderr


# A small valid prelude, and a process around some statements.
HEAD = """\
spec t
var x: 0..3 = 0
var count: 0..3 = 0
var flag: bool = false
enum Color { red, green, blue }
var c: Color = red
var arr: [0..3] bool = false
lock anon_vma
"""


def proc(body: str) -> str:
    return HEAD + "process p {\n" + body + "\n}\n"


def test_prelude_is_valid(tmp_path: Path) -> None:
    out = cli("check", write(tmp_path, proc("  x := 1")))
    assert out.code == 0, out.all


# ------------------------------------------------------------------- syntax errors


@dataclass(frozen=True)
class Case:
    text: str
    at: str  # the text the error must point at
    message: str
    nth: int = 1
    width: int | None = None
    hint: str | None = None


SYNTAX = {
    "assign_with_equals": Case(proc("  x = 1"), "= 1", "unexpected '='", width=1,
                               hint="assignment is ':='"),
    "unexpected_token": Case(proc("  x := := 1"), ":= 1", "unexpected ':='", width=2),
    "then_in_if_statement": Case(proc("  if flag then { skip }"), "then", "unexpected 'then'"),
    "next_decl_before_brace": Case(HEAD + "process p {\n  x := 1\n\ninvariant i: x < 3\n",
                                   "invariant", "unexpected 'invariant'", width=9),
    "stray_dollar": Case(proc("  x := $1"), "$", "unexpected character '$'", width=1),
    "stray_hash": Case("#include <x>\n" + HEAD, "#", "unexpected character '#'"),
    "non_ascii_name": Case(HEAD + "var caf\u00e9: bool = false\n", "\u00e9",
                           "unexpected character"),
    "nul_byte": Case(HEAD + "var y: 0..3 = 0\x00\n", "\x00", "unexpected character"),
    "unterminated_comment": Case(HEAD + "/* oops\nprocess p { skip }\n", "/*",
                                 "unterminated comment"),
    "missing_spec_header": Case("var x: 0..3 = 0\n", "var", "unexpected 'var'"),
    "missing_closing_paren": Case(proc("  x := (1 + 2\n  skip"), "skip", "unexpected 'skip'"),
    "chained_comparison": Case(proc("  flag := 1 < 2 < 3"), "< 3", "unexpected '<'"),
    "negative_depth": Case(proc("skip") + "depth -1\n", "-1", "unexpected '-'"),
    "empty_enum": Case("spec t\nenum E { }\n", "}", "unexpected '}'"),
}


@pytest.mark.parametrize("case", SYNTAX.values(), ids=SYNTAX.keys())
@pytest.mark.parametrize("command", ["check", "prove"])
def test_syntax_error(tmp_path: Path, command: str, case: Case) -> None:
    path = write(tmp_path, case.text)
    out = cli(command, path)
    expect_error(out, path, case.text, pos(case.text, case.at, case.nth), case.message,
                 width=case.width, hint=case.hint)


def test_expected_tokens_are_spelled_as_written(tmp_path: Path) -> None:
    text = proc("  x = 1")
    out = cli("check", write(tmp_path, text))
    assert out.code == 2
    assert "__ANON" not in out.stderr, out.stderr
    assert "':='" in out.err_lines[0], out.stderr


def test_json_format_still_reports_bad_input_as_text_on_stderr(tmp_path: Path) -> None:
    text = proc("  x = 1")
    path = write(tmp_path, text)
    out = cli("prove", path, "--format", "json")
    expect_error(out, path, text, pos(text, "= 1"), "unexpected '='")
    assert out.stdout == ""


MISSING_BRACE = HEAD + "process p {\n  x := 1\n"  # no closing '}', no trailing blank line


@pytest.mark.parametrize("command", ["check", "prove"])
def test_missing_brace_is_unexpected_end_of_file(tmp_path: Path, command: str) -> None:
    path = write(tmp_path, MISSING_BRACE)
    out = cli(command, path)
    no_traceback(out)
    assert out.code == 2, out.all
    line, col = pos(MISSING_BRACE, "  x := 1")
    head = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): error: unexpected end of file",
                    out.err_lines[0])
    assert head is not None, out.stderr
    assert int(head.group(1)) == line  # the last line of the file
    assert 1 <= int(head.group(2)) <= len("  x := 1") + 1
    assert out.err_lines[1] == f"{line:>4} |   x := 1"
    assert re.fullmatch(r" {5}\| *\^+", out.err_lines[2]), out.stderr
    assert any(ln.startswith("hint: ") and "'}'" in ln for ln in out.err_lines), out.stderr


def test_unexpected_end_of_file_points_after_the_last_token(tmp_path: Path) -> None:
    path = write(tmp_path, MISSING_BRACE)
    line, _ = pos(MISSING_BRACE, "  x := 1")
    expect_error(cli("check", path), path, MISSING_BRACE, (line, len("  x := 1") + 1),
                 "unexpected end of file")


def test_end_of_file_inside_an_expression(tmp_path: Path) -> None:
    text = HEAD + "process p {\n  x :="
    path = write(tmp_path, text)
    out = cli("check", path)
    no_traceback(out)
    assert out.code == 2
    line, _ = pos(text, "  x :=")
    assert out.err_lines[0].startswith(f"{path}:{line}:"), out.stderr
    assert "unexpected end of file" in out.err_lines[0]


def test_tabs_keep_the_caret_under_the_token(tmp_path: Path) -> None:
    text = HEAD + "process p {\n\t\tx := true\n}\n"
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, "true"),
                 "cannot assign a value of type 'bool'", width=4)


def test_crlf_line_ends(tmp_path: Path) -> None:
    text = proc("  x := true").replace("\n", "\r\n")
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, "true"),
                 "cannot assign a value of type 'bool'", width=4)


def test_non_ascii_text_before_the_error_on_its_line(tmp_path: Path) -> None:
    text = proc("  /* \u00fcn\u00efc\u00f6de \u2014 */ x := true")
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, "true"),
                 "cannot assign a value of type 'bool'", width=4)


@pytest.mark.parametrize("sep", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028"],
                         ids=["formfeed", "vtab", "file_sep", "NEL", "LINE_SEPARATOR"])
def test_exotic_line_separator_in_a_comment_keeps_the_quoted_line(tmp_path: Path,
                                                                  sep: str) -> None:
    text = HEAD + f"// page break {sep} here\nprocess p {{\n  x := true\n}}\n"
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, "true"),
                 "cannot assign a value of type 'bool'", width=4)


def test_cr_only_line_ends(tmp_path: Path) -> None:
    text = proc("  x := true")
    path = write(tmp_path, text.replace("\n", "\r"))
    line, col = pos(text, "true")
    out = cli("check", path)
    no_traceback(out)
    assert out.code == 2
    assert out.err_lines[0].startswith(f"{path}:{line}:{col}: error: "), out.stderr
    assert out.err_lines[1] == f"{line:>4} |   x := true", out.stderr


# ------------------------------------------------------------------- unknown names

DEFS = """\
type Addr = 0..7
def double(v: int): int = v * 2
procedure bump() {
  x := 1
}
"""


def with_defs(body: str) -> str:
    return HEAD + DEFS + "process p {\n" + body + "\n}\n"


UNKNOWN = {
    "variable_close": Case(with_defs("  x := coutn + 1"), "coutn", "unknown name 'coutn'",
                           width=5, hint="did you mean 'count'?"),
    "variable_far": Case(with_defs("  x := zzzzzz"), "zzzzzz", "unknown name 'zzzzzz'"),
    "assign_target": Case(with_defs("  coutn := 1"), "coutn", "unknown variable 'coutn'",
                          width=5),
    "enum_member_close": Case(with_defs("  await c == blu"), "blu\n", "unknown name 'blu'",
                              hint="did you mean 'blue'?"),
    "type_close": Case(HEAD + DEFS + "var a: Adr = 0\nprocess p { skip }\n", "Adr",
                       "unknown type 'Adr'", width=3, hint="did you mean 'Addr'?"),
    "array_index_type": Case(HEAD + DEFS + "var a: [Adrr] bool = false\nprocess p { skip }\n",
                             "Adrr", "unknown type 'Adrr'", hint="did you mean 'Addr'?"),
    "domain_type": Case(with_defs("  choose c in Colr"), "Colr", "unknown type 'Colr'",
                        hint="did you mean 'Color'?"),
    "function_close": Case(with_defs("  x := dobule(1)"), "dobule", "unknown function 'dobule'",
                           hint="did you mean 'double'?"),
    "procedure": Case(with_defs("  call bmup()"), "call bmup", "unknown procedure 'bmup'"),
    "procedure_used_as_function": Case(with_defs("  x := bump()"), "bump()\n",
                                       "'bump' is a procedure"),
    "function_without_call": Case(with_defs("  x := double"), "double\n", "is a function"),
    "lock_acquire": Case(with_defs("  acquire anon_vm"), "acquire", "unknown lock 'anon_vm'"),
    "lock_release": Case(with_defs("  release anon_vm"), "release", "unknown lock 'anon_vm'"),
    "lock_with": Case(with_defs("  with anon_vm { skip }"), "with", "unknown lock 'anon_vm'"),
    "self_outside_process": Case(proc("skip") + "invariant i: self == 0\n", "self",
                                 "'self' is only defined inside a replicated process"),
    "expect_unknown_property": Case(proc("skip") + "expect holds for nothing\n", "expect",
                                    "unknown property 'nothing'", hint="properties:"),
}


@pytest.mark.parametrize("case", UNKNOWN.values(), ids=UNKNOWN.keys())
def test_unknown_name(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case.text)
    out = cli("check", path)
    expect_error(out, path, case.text, pos(case.text, case.at, case.nth), case.message,
                 width=case.width, hint=case.hint)


def test_no_suggestion_when_nothing_is_close(tmp_path: Path) -> None:
    text = with_defs("  x := zzzzzz")
    out = cli("check", write(tmp_path, text))
    assert out.code == 2
    assert "did you mean" not in out.stderr


MISSING_HINTS = {
    "assign_target": (with_defs("  coutn := 1"), "did you mean 'count'?"),
    "procedure": (with_defs("  call bmup()"), "did you mean 'bump'?"),
    "lock": (with_defs("  acquire anon_vm"), "did you mean 'anon_vma'?"),
}


@pytest.mark.parametrize("text,hint", MISSING_HINTS.values(), ids=MISSING_HINTS.keys())
def test_did_you_mean_for_targets_procedures_and_locks(tmp_path: Path, text: str,
                                                       hint: str) -> None:
    out = cli("check", write(tmp_path, text))
    assert out.code == 2
    assert any(ln == f"hint: {hint}" for ln in out.err_lines), out.stderr


def test_call_of_a_function_names_it_in_the_hint(tmp_path: Path) -> None:
    text = with_defs("  call double(1)")
    path = write(tmp_path, text)
    out = cli("check", path)
    expect_error(out, path, text, pos(text, "call double"), "unknown procedure 'double'",
                 hint="'double' is a function")
    assert "{name}" not in out.stderr


# ----------------------------------------------------------------- type mismatches

TYPES = {
    "bool_to_int": Case(proc("  x := true"), "true", "cannot assign a value of type 'bool' "
                        "to '0..3'", width=4),
    "int_to_bool": Case(proc("  flag := 1"), "1\n", "cannot assign a value of type '1..1' "
                        "to 'bool'"),
    "enum_to_int": Case(proc("  x := red"), ":= »red", "cannot assign a value of type 'Color'"),
    "bool_init_of_int": Case(HEAD + "var y: 0..3 = true\nprocess p { skip }\n", "true",
                             "cannot use a value of type 'bool' for '0..3'"),
    "enum_eq_int": Case(proc("  await c == 1"), "c == 1", "type mismatch: 'Color' and '1..1'",
                        width=6),
    "int_eq_enum": Case(proc("  flag := 1 == c"), "1 == c", "type mismatch: '1..1' and 'Color'"),
    "enum_lt_int": Case(proc("  await c < 1"), "c < 1", "expected an integer expression, "
                        "found 'Color'"),
    "if_on_int": Case(proc("  if x { skip }"), "x {", "expected a bool expression, found "
                      "'0..3'", width=1),
    "while_on_int": Case(proc("  while x { skip }"), "x {", "expected a bool expression"),
    "await_on_int": Case(proc("  await x"), "x\n}", "expected a bool expression"),
    "assert_on_enum": Case(proc("  assert c"), "c\n}", "expected a bool expression, found "
                           "'Color'"),
    "invariant_on_int": Case(proc("skip") + "invariant i: x + 1\n", "x + 1",
                             "expected a bool expression"),
    "ite_branches": Case(proc("  x := if flag then true else 1"), "if flag",
                         "type mismatch: 'bool' and '1..1'"),
    "ite_condition": Case(proc("  x := if x then 1 else 2"), "x then",
                          "expected a bool expression"),
    "arith_on_bool": Case(proc("  x := flag + 1"), "flag +", "expected an integer expression, "
                          "found 'bool'"),
    "not_on_int": Case(proc("  flag := !x"), "x\n}", "expected a bool expression"),
    "function_argument": Case(HEAD + "def neg(v: bool): bool = !v\nprocess p {\n"
                              "  flag := neg(1)\n}\n", "1)", "argument 'v' of 'neg' expects "
                              "'bool'"),
    "function_result": Case(HEAD + "def f(v: int): bool = v\nprocess p {\n  flag := f(1)\n}\n",
                            "v\n", "'f' returns 'bool' but its body is"),
    "array_as_bool": Case(proc("  await arr"), "arr\n}", "expected a bool expression, found "
                          "'[0..3] bool'"),
    "index_with_enum": Case(proc("  arr[red] := true"), "arr[»red", "index of type 'Color' for an "
                            "array indexed by '0..3'"),
    "set_elements": Case(proc("  await x in {1, true}"), "true", "set elements must be scalars "
                         "of one type"),
}


@pytest.mark.parametrize("case", TYPES.values(), ids=TYPES.keys())
def test_type_mismatch(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case.text)
    expect_error(cli("check", path), path, case.text, pos(case.text, case.at, case.nth),
                 case.message, width=case.width, hint=case.hint)


# -------------------------------------------------------------------- out of range

RANGE = {
    "init_above": Case("spec t\nvar x: 0..3 = 4\nprocess p { skip }\n", "4",
                       "value 4 is out of range 0..3", width=1),
    "init_below": Case("spec t\nvar x: 0..3 = -1\nprocess p { skip }\n", "-1",
                       "value -1 is out of range 0..3", width=2),
    "init_list_element": Case("spec t\nvar a: [0..1] 0..3 = [0, 5]\nprocess p { skip }\n",
                              "5]", "value 5 is out of range 0..3"),
    "init_broadcast": Case("spec t\nvar a: [0..1] 0..3 = 7\nprocess p { skip }\n", "7",
                           "value 7 is out of range 0..3"),
    "local_init": Case("spec t\nprocess p {\n  var y: 0..3 = 9\n  skip\n}\n", "9",
                       "value 9 is out of range 0..3"),
    "assign_constant": Case(proc("  x := 9"), "9", "value 9 can never fit 'x' (0..3)"),
    "assign_negative": Case(proc("  x := -2"), "-2", "value -2 can never fit 'x' (0..3)"),
    "assign_interval": Case(proc("  x := x + 4"), "x + 4", "value 4..7 can never fit 'x'",
                            width=5),
    "choose_outside": Case(proc("  choose x in 5..9"), "choose", "value 5 can never fit 'x'"),
    "index_write": Case(proc("  arr[4] := true"), "4]", "index 4 is outside the array's "
                        "range 0..3", width=1),
    "index_read": Case(proc("  flag := arr[7]"), "7]", "index 7 is outside the array's range"),
    "index_negative": Case(proc("  flag := arr[-1]"), "-1]", "index -1 is outside"),
    "index_in_invariant": Case(proc("skip") + "invariant i: arr[5]\n", "5]",
                               "index 5 is outside"),
    "index_nested": Case("spec t\nvar m: [0..1] [0..1] 0..3 = 0\nprocess p { m[0][5] := 1 }\n",
                         "5]", "index 5 is outside the array's range 0..1"),
    "index_self": Case(HEAD + "process q[9] { arr[self] := true }\n", "self",
                       "index 4 is outside"),
    "empty_range_type": Case("spec t\nvar x: 5..1 = 5\nprocess p { skip }\n", "5..1",
                             "empty range 5..1"),
    "process_count": Case(HEAD + "process q[17] { skip }\n", "17", "process count 17 must be "
                          "within 0..16"),
    "depth": Case(proc("skip") + "depth 10001\n", "depth 10001", "depth 10001 must be within"),
    "huge_literal": Case(proc("  x := 123456789012345678901234567890"), "1234",
                         "integer literal 123456789012345678901234567890 is too large",
                         hint="keep literals within"),
    "huge_negative_literal": Case(proc("  x := -123456789012345678901234567890"), "-1234",
                                  "is too large"),
    "huge_range_literal": Case("spec t\nvar x: 0..99999999999 = 0\nprocess p { skip }\n",
                               "99999999999", "integer literal 99999999999 is too large"),
}


@pytest.mark.parametrize("case", RANGE.values(), ids=RANGE.keys())
def test_out_of_range(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case.text)
    expect_error(cli("check", path), path, case.text, pos(case.text, case.at, case.nth),
                 case.message, width=case.width, hint=case.hint)


@pytest.mark.parametrize("text", [
    "spec t\nconst BIG = 16777216 * 16777216 * 16777216\nvar x: 0..BIG = 0\n"
    "process p { x := 1 }\n",
    "spec t\noption n = 99999999999999999999 in {1, 99999999999999999999}\nvar x: 0..n = 0\n"
    "process p { x := 1 }\n",
], ids=["const_product", "option_value"])
def test_bounds_beyond_the_literal_limit_are_rejected(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    out = cli("prove", path, "-k", "1")
    no_traceback(out)
    assert out.code == 2, out.all
    assert re.match(rf"{re.escape(str(path))}:[23]:\d+: error: ", out.err_lines[0]), out.stderr


# ------------------------------------------------------------------------ duplicates


@dataclass(frozen=True)
class Dup:
    text: str
    at: tuple[str, int]  # (needle, nth) of the duplicate
    message: str
    first: tuple[str, int] | None  # where the note says the first one is
    note: str = "first declared here"


DUPS = {
    "variable": Dup(HEAD + "var x: 0..7 = 1\nprocess p { skip }\n", ("var x", 2),
                    "variable 'x' is already declared", ("var x", 1)),
    "lock_two_decls": Dup(HEAD + "lock b, anon_vma\nprocess p { skip }\n", ("anon_vma", 2),
                          "lock 'anon_vma' is already declared", ("anon_vma", 1)),
    "lock_one_decl": Dup("spec t\nlock a, a\nprocess p { skip }\n", ("a\n", 1),
                         "lock 'a' is already declared", ("a, a", 1)),
    "process_named_like_variable": Dup(HEAD + "process x { skip }\n", ("process x", 1),
                                       "process 'x' is already declared", ("var x", 1)),
    "two_processes": Dup(HEAD + "process p { skip }\nprocess p { skip }\n", ("process p", 2),
                         "process 'p' is already declared", ("process p", 1)),
    "function_and_procedure": Dup(HEAD + "def f(): bool = true\nprocedure f() { skip }\n"
                                  "process p { skip }\n", ("procedure f", 1),
                                  "procedure 'f' is already declared", ("def f", 1)),
    "constant": Dup("spec t\nconst N = 1\nconst N = 2\nprocess p { skip }\n", ("const N", 2),
                    "constant 'N' is already declared", ("const N", 1)),
    "type_and_enum": Dup("spec t\ntype T = 0..1\nenum T { a }\nprocess p { skip }\n",
                         ("enum T", 1), "enum 'T' is already declared", ("type T", 1)),
    "invariant_and_cover": Dup(proc("skip") + "invariant i: x < 4\ncover i: x == 1\n",
                               ("cover i", 1), "cover 'i' is already declared",
                               ("invariant i", 1)),
    "named_assert_and_invariant": Dup(HEAD + "invariant safe: x < 4\nprocess p {\n"
                                      "  assert safe: x < 3\n}\n", ("assert safe", 1),
                                      "'safe' is already declared", ("invariant safe", 1)),
    "label": Dup(proc("  step: x := 1\n  other: skip\n  step: x := 2"), ("step:", 2),
                 "label 'step' is already used in 'p'", ("step:", 1), "first used here"),
    "label_nested": Dup(proc("  step: x := 1\n  if x == 1 {\n    step: skip\n  }"),
                        ("step:", 2), "label 'step' is already used in 'p'", ("step:", 1),
                        "first used here"),
    "label_in_procedure": Dup(HEAD + "procedure q() {\n  a: skip\n  a: skip\n}\n"
                              "process p { call q() }\n", ("a: skip", 2),
                              "label 'a' is already used in 'q'", ("a: skip", 1),
                              "first used here"),
    "enum_member": Dup("spec t\nenum E { a, b, a }\nprocess p { skip }\n", ("enum", 1),
                       "enum 'E' repeats a member", None),
    "record_field": Dup("spec t\nrecord R { a: bool, a: 0..1 }\nprocess p { skip }\n",
                        ("a: 0..1", 1), "field 'a' repeated in 'R'", None),
    "option_value": Dup("spec t\noption o = a in {a, b, a}\nprocess p { skip }\n",
                        ("option", 1), "option 'o' repeats a value", None),
    "depth": Dup(proc("skip") + "depth 3\ndepth 4\n", ("depth 4", 1), "depth declared twice",
                 None),
}


@pytest.mark.parametrize("case", DUPS.values(), ids=DUPS.keys())
def test_duplicate(tmp_path: Path, case: Dup) -> None:
    path = write(tmp_path, case.text)
    note = (case.note, pos(case.text, *case.first)) if case.first else None
    expect_error(cli("check", path), path, case.text, pos(case.text, *case.at), case.message,
                 note=note)


def test_same_label_in_two_processes_is_fine(tmp_path: Path) -> None:
    text = HEAD + "process p { step: x := 1 }\nprocess q { step: x := 2 }\n"
    out = cli("check", write(tmp_path, text))
    assert out.code == 0, out.all


UNDETECTED_DUPS = {
    "local_variable": Dup("spec t\nprocess p {\n  var a: 0..3 = 0\n  var a: 0..3 = 1\n"
                          "  skip\n}\n", ("var a", 2), "'a' is already declared",
                          ("var a", 1)),
    "procedure_parameter": Dup("spec t\nprocedure q(v: 0..3, v: bool) { skip }\n"
                               "process p { call q(1, true) }\n", ("v: bool", 1),
                               "'v' is already declared", ("v: 0..3", 1)),
    "function_parameter": Dup("spec t\ndef f(v: 0..3, v: bool): bool = v\nvar b: bool = false\n"
                              "process p { b := f(1, true) }\n", ("v: bool", 1),
                              "'v' is already declared", ("v: 0..3", 1)),
    "procedure_local_and_parameter": Dup("spec t\nprocedure q(v: 0..3) {\n  var v: bool = "
                                         "false\n  skip\n}\nprocess p { call q(1) }\n",
                                         ("var v", 1), "'v' is already declared",
                                         ("v: 0..3", 1)),
}


@pytest.mark.parametrize("case", UNDETECTED_DUPS.values(), ids=UNDETECTED_DUPS.keys())
def test_duplicate_local_or_parameter(tmp_path: Path, case: Dup) -> None:
    path = write(tmp_path, case.text)
    note = (case.note, pos(case.text, *case.first)) if case.first else None
    expect_error(cli("check", path), path, case.text, pos(case.text, *case.at), case.message,
                 note=note)


# --------------------------------------------------------------------------- --set

OPTIONS = """\
spec opts
option fix = v2 in {none, v1, v2}
option pages = 1 in {1, 2}
option change = false in {false, true}
var x: 0..3 = 0
process p { x := 1 }
"""


@pytest.fixture
def opts(tmp_path: Path) -> Path:
    return write(tmp_path, OPTIONS, "opts.rmap")


def test_valid_sets_are_accepted(opts: Path) -> None:
    out = cli("check", opts, "--set", "fix=none", "--set", "pages=2", "--set", "change=true")
    assert out.code == 0, out.all


@pytest.mark.parametrize("command", ["check", "prove"])
def test_set_unknown_option(opts: Path, command: str) -> None:
    out = cli(command, opts, "--set", "nope=1")
    expect_plain_error(out, "--set nope", "no option 'nope'",
                       hint="options: change, fix, pages")


def test_set_on_a_spec_without_options(tmp_path: Path) -> None:
    out = cli("check", write(tmp_path, proc("skip")), "--set", "fix=v1")
    expect_plain_error(out, "no option 'fix'", hint="declares no options")


@pytest.mark.parametrize("arg,allowed", [
    ("fix=bogus", "none, v1, v2"),
    ("pages=3", "1, 2"),
    ("change=yes", "false, true"),
    ("fix=V2", "none, v1, v2"),
])
def test_set_value_not_among_the_options_values(opts: Path, arg: str, allowed: str) -> None:
    name = arg.partition("=")[0]
    out = cli("check", opts, "--set", arg)
    expect_plain_error(out, f"--set {arg}", f"not a value of option '{name}'",
                       hint=f"choose one of: {allowed}")


@pytest.mark.parametrize("arg", ["fix", "=v2", "fix=", " = ", ""])
@pytest.mark.parametrize("command", ["check", "prove"])
def test_set_without_name_or_value(opts: Path, command: str, arg: str) -> None:
    out = cli(command, opts, "--set", arg)
    expect_plain_error(out, "expected NAME=VALUE", hint="--set")


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("command", ["check", "prove"])
def test_missing_file(tmp_path: Path, command: str) -> None:
    path = tmp_path / "nope.rmap"
    expect_plain_error(cli(command, path), f"{path}: no such file")


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    expect_plain_error(cli("check", tmp_path), f"{tmp_path}: is a directory")


@pytest.mark.parametrize("text", ["", "\n\n   \n", "// nothing but a comment\n",
                                  "/* nothing */"], ids=["empty", "blank", "line_comment",
                                                         "block_comment"])
@pytest.mark.parametrize("command", ["check", "prove"])
def test_empty_file(tmp_path: Path, command: str, text: str) -> None:
    path = write(tmp_path, text)
    out = cli(command, path)
    no_traceback(out)
    assert out.code == 2, out.all
    head = re.match(rf"{re.escape(str(path))}:(\d+):(\d+): error: ", out.err_lines[0])
    assert head is not None, out.stderr
    line = int(head.group(1))
    assert 1 <= line <= max(1, text.count("\n") + 1)
    assert out.err_lines[1].startswith(f"{line:>4} |"), out.stderr
    assert re.fullmatch(r" {5}\| *\^+", out.err_lines[2]), out.stderr


def test_spec_header_only(tmp_path: Path) -> None:
    text = "spec lonely\n"
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, (1, 1), "the spec declares no process")


@pytest.mark.parametrize("data,line", [
    (b"spec t\nvar x: 0..3 = 0 // caf\xe9\nprocess p { skip }\n", 2),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1),
    ("spec t\n".encode("utf-16"), 1),
    (b"spec t\n\n\n// \xc3\x28 broken sequence\n", 4),
], ids=["latin1", "png", "utf16", "bad_utf8_sequence"])
@pytest.mark.parametrize("command", ["check", "prove"])
def test_non_utf8_file(tmp_path: Path, command: str, data: bytes, line: int) -> None:
    path = write(tmp_path, data)
    expect_plain_error(cli(command, path), f"{path}:{line}:", "not valid UTF-8")


def test_file_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "spec t\n" + "// padding padding padding\n" * 40_000)
    expect_plain_error(cli("check", path), str(path), "larger than")


def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, proc("skip"))
    path.chmod(0)
    try:
        if path.stat().st_mode & 0o777 == 0 and _can_read(path):
            pytest.skip("running as root: permissions are not enforced")
        expect_plain_error(cli("check", path), str(path), "cannot read")
    finally:
        path.chmod(0o644)


def _can_read(path: Path) -> bool:
    try:
        path.read_bytes()
    except OSError:
        return False
    return True


# ------------------------------------------------------- statements out of place

STRUCTURE = {
    "return_in_process": Case(proc("  x := 1\n  return"), "return",
                              "'return' outside a procedure", width=6),
    "return_nested_in_process": Case(proc("  if flag {\n    return\n  }"), "return",
                                     "'return' outside a procedure"),
    "while_empty_body": Case(proc("  while x < 3 { }"), "while",
                             "this loop can go round without taking a step",
                             hint="put a statement"),
    "while_only_semicolons": Case(proc("  while x < 3 { ; ; }"), "while",
                                  "this loop can go round without taking a step"),
    "while_true_empty": Case(proc("  while true { }"), "while",
                             "this loop can go round without taking a step"),
    "while_step_only_on_one_branch": Case(proc("  while flag {\n    if x == 0 { skip }\n  }"),
                                          "while", "can go round without taking a step"),
    "while_empty_either": Case(proc("  while flag { either { } or { ; } }"), "while",
                               "can go round without taking a step"),
    "while_empty_in_procedure": Case(HEAD + "procedure q() {\n  while x < 3 { }\n}\n"
                                     "process p { call q() }\n", "while",
                                     "can go round without taking a step"),
    "call_in_atomic": Case(HEAD + "procedure q() { x := 1 }\nprocess p {\n  atomic {\n"
                           "    call q()\n  }\n}\n", "call q", "cannot be inside 'atomic'",
                           width=len("call q()")),
    "call_in_if_in_atomic": Case(HEAD + "procedure q() { x := 1 }\nprocess p {\n  atomic {\n"
                                 "    if flag { call q() }\n  }\n}\n", "call q",
                                 "cannot be inside 'atomic'"),
    "call_in_with_in_atomic": Case(HEAD + "procedure q() { x := 1 }\nprocess p {\n  atomic "
                                   "{ with anon_vma { call q() } }\n}\n", "call q",
                                   "cannot be inside 'atomic'"),
    "while_in_atomic": Case(proc("  atomic { while x < 2 { x := x + 1 } }"), "while",
                            "'while' inside 'atomic' may not terminate"),
    "label_in_atomic": Case(proc("  atomic { l: x := 1 }"), "l: x", "labels inside 'atomic'"),
    "local_after_statement": Case("spec t\nprocess p {\n  skip\n  var y: bool = false\n}\n",
                                  "var y", "local variables are declared at the top"),
    "local_in_block": Case("spec t\nvar b: bool = false\nprocess p {\n  if b {\n"
                           "    var y: bool = false\n  }\n}\n", "var y",
                           "local variables are declared at the top"),
    "local_unbounded": Case("spec t\nprocess p {\n  var y: int = 0\n  skip\n}\n", "int",
                            "state variables need a bounded type"),
    "assign_to_constant": Case("spec t\nconst C = 3\nprocess p { C := 1 }\n", "C :=",
                               "cannot assign to 'C': it is a constant"),
    "assign_to_lock": Case(proc("  anon_vma := 1"), "anon_vma :=",
                           "cannot assign to 'anon_vma': it is a lock"),
    "assign_to_param": Case("spec t\nparam n: 0..3\nprocess p { n := 1 }\n", "n :=",
                            "cannot assign to param 'n'"),
    "procedure_arity": Case(HEAD + "procedure q(v: 0..3) { x := v }\nprocess p { call q() }\n",
                            "call q", "'q' takes 1 argument(s), 0 given"),
    "function_arity": Case(HEAD + "def f(v: int): int = v\nprocess p { x := f(1, 2) }\n",
                           "f(1, 2)", "'f' takes 1 argument(s), 2 given"),
    "procedure_state_expression_argument": Case(HEAD + "procedure q(v: 0..3) { x := v }\n"
                                                "process p { call q(x + 1) }\n", "x + 1",
                                                "a procedure argument is a constant"),
    "no_process": Case(HEAD, "spec", "the spec declares no process"),
}


@pytest.mark.parametrize("case", STRUCTURE.values(), ids=STRUCTURE.keys())
def test_statement_out_of_place(tmp_path: Path, case: Case) -> None:
    path = write(tmp_path, case.text)
    expect_error(cli("check", path), path, case.text, pos(case.text, case.at, case.nth),
                 case.message, width=case.width, hint=case.hint)


@pytest.mark.parametrize("text", [
    HEAD + "procedure a() {\n  call b()\n}\nprocedure b() {\n  x := 1\n  call a()\n}\n"
    "process p { call a() }\n",
    HEAD + "procedure a() {\n  x := 1\n  call a()\n}\nprocess p { call a() }\n",
    HEAD + "procedure a() {\n  if flag {\n    l: skip\n    while x < 2 { x := x + 1\n"
    "      call cc() }\n  }\n}\nprocedure cc() {\n  with anon_vma { skip }\n  call a()\n}\n"
    "process p { call a() }\n",
], ids=["mutual", "self", "through_if_and_while"])
def test_recursive_procedures(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    out = cli("check", path)
    no_traceback(out)
    assert out.code == 2, out.all
    named = re.search(r"procedure '(\w+)' is recursive \(([^)]*)\)", out.err_lines[0])
    assert named is not None, out.stderr
    # the position is the declaration of the procedure the message names
    expect_error(out, path, text, pos(text, f"procedure {named.group(1)}("), "is recursive",
                 hint="inlined")


@pytest.mark.parametrize("text", [
    "spec t\ndef f(v: int): int = f(v)\nvar x: 0..3 = 0\nprocess p { x := f(1) }\n",
    "spec t\ndef f(v: int): int = g(v)\ndef g(v: int): int = f(v)\nvar x: 0..3 = 0\n"
    "process p { x := f(1) }\n",
], ids=["self", "mutual"])
def test_recursive_functions(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, "f(v)"), "recursive call of 'f'",
                 hint="may not recurse")


# ---------------------------------------------------------- crashes on odd specs

ARRAYS = HEAD + "var a2: [0..1] bool = false\ndef first(v: [0..1] bool): bool = v[0]\n"


@pytest.mark.parametrize("body,at,message", [
    ("  arr := a2", "arr := \u00bba2", ""),
    ("  flag := arr == a2", "flag := \u00bbarr", ""),
    ("  arr := if flag then arr else a2", "if flag", ""),
    ("  flag := first(arr)", "first(\u00bbarr", "argument 'v' of 'first' expects '[0..1] bool'"),
], ids=["assign", "compare", "if_then_else", "function_argument"])
def test_arrays_of_different_sizes(tmp_path: Path, body: str, at: str, message: str) -> None:
    text = ARRAYS + "process p {\n" + body + "\n}\n"
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, at), message)


def _nest_if(n: int) -> str:
    return proc("if flag {\n" * n + "skip\n" + "}\n" * n)


def _nest_while(n: int) -> str:
    return proc("while flag {\n" * n + "skip\n" + "}\n" * n)


DEEP_OK = {
    "parens_500": proc("  x := " + "(" * 500 + "1" + ")" * 500),
    "parens_3000": proc("  x := " + "(" * 3000 + "1" + ")" * 3000),
    "not_1000": proc("  flag := " + "!" * 1000 + "flag"),
    "minus_1000": proc("  x := " + "-" * 1000 + "1"),
    "atomic_500": proc("atomic {\n" * 500 + "skip\n" + "}\n" * 500),
    "sum_5000": proc("  x := " + "+".join(["0"] * 5000)),
}


@pytest.mark.parametrize("text", DEEP_OK.values(), ids=DEEP_OK.keys())
def test_deep_nesting_is_accepted_or_rejected_cleanly(tmp_path: Path, text: str) -> None:
    out = cli("check", write(tmp_path, text))
    no_traceback(out)
    assert out.code in (0, 2), out.all
    if out.code == 2:
        assert "nested too deeply" in out.err_lines[0], out.stderr


DEEP_CRASH = {
    "if_blocks_400": _nest_if(400),
    "while_blocks_500": _nest_while(500),
    "implies_2000": proc("  flag := " + "->".join(["flag"] * 2000)),
    "if_then_else_1000": proc("  x := " + "if flag then 1 else " * 1000 + "0"),
    "sum_in_parens_2000": proc("  x := " + "(x + " * 2000 + "1" + ")" * 2000),
    "index_1000": "spec t\nvar a: [0..0] 0..0 = 0\nvar x: 0..0 = 0\nprocess p {\n  x := a"
                  + "[a" * 1000 + "[0" + "]" * 1001 + "\n}\n",
}


@pytest.mark.parametrize("text", DEEP_CRASH.values(), ids=DEEP_CRASH.keys())
def test_deep_nesting_crashes(tmp_path: Path, text: str) -> None:
    out = cli("check", write(tmp_path, text))
    no_traceback(out)
    assert out.code == 2, out.all
    assert "nested too deeply" in out.err_lines[0], out.stderr


def test_integer_literal_with_thousands_of_digits(tmp_path: Path) -> None:
    text = proc("  x := " + "9" * 5000)
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, "999"), "too large")


# ------------------------------------------------------------- smaller findings


@pytest.mark.parametrize("cond,at,message", [
    ("nope", "when »nope", "unknown name 'nope'"),
    ("fix == v9", "== »v9", "unknown name 'v9'"),
    ("1", "when »1", "'when' must be a condition"),
    ("x + 1", "when »x + 1", "a constant is needed"),
])
def test_expect_when_condition_is_checked(tmp_path: Path, cond: str, at: str,
                                          message: str) -> None:
    text = ("spec t\noption fix = a in {a, b}\nvar x: 0..3 = 0\nprocess p { skip }\n"
            f"expect holds when {cond}\n")
    path = write(tmp_path, text)
    expect_error(cli("check", path), path, text, pos(text, at), message)


def test_record_literal_with_missing_and_unknown_fields(tmp_path: Path) -> None:
    text = ("spec t\nrecord R { e: 0..3, f: bool }\nvar r: R = {e: 0, f: false}\n"
            "process p {\n  r := {e: 1, g: true}\n}\n")
    path = write(tmp_path, text)
    out = cli("check", path)
    expect_error(out, path, text, pos(text, "{e: 1"), "record 'R' literal")
    assert "missing f" in out.err_lines[0] and "unknown g" in out.err_lines[0]
    assert "funknown" not in out.err_lines[0]


# ------------------------------------------------------- the installed entry point


def _script(*args: object) -> Out:
    res = subprocess.run([str(RMAPSMT), *map(str, args)], capture_output=True, text=True,
                         timeout=120)
    return Out(res.returncode, res.stdout, res.stderr)


@pytest.mark.skipif(not RMAPSMT.exists(), reason="the rmapsmt script is not installed")
def test_script_syntax_error(tmp_path: Path) -> None:
    text = proc("  x = 1")
    path = write(tmp_path, text)
    out = _script("check", path)
    expect_error(out, path, text, pos(text, "= 1"), "unexpected '='",
                 hint="assignment is ':='")
    assert out.stdout == ""


@pytest.mark.skipif(not RMAPSMT.exists(), reason="the rmapsmt script is not installed")
def test_script_missing_file_and_bad_set(tmp_path: Path) -> None:
    expect_plain_error(_script("prove", tmp_path / "nope.rmap"), "no such file")
    path = write(tmp_path, OPTIONS)
    expect_plain_error(_script("prove", path, "--set", "fix"), "expected NAME=VALUE")
