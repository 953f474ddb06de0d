"""Syntax errors in words: the offending token, what was expected, a hint where one helps."""

from __future__ import annotations

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ...diagnostics import Source, Span, SpecError
from .transform import tok_span

_KEYWORD_HINTS = {
    "=": "assignment is ':=' and equality is '=='",
    "COLON": "a label is written 'name:' before a statement",
}

_PRETTY = {"NAME": "a name", "INT": "a number", "VERDICT": "'holds' or 'violated'",
           "CMP_OP": "a comparison", "ADD_OP": "'+' or '-'", "MUL_OP": "'*', '/' or '%'"}


def _terminal_text(parser: Lark, name: str) -> str:
    """What a user would type for a terminal: its literal text, or a description."""
    if name in _PRETTY:
        return _PRETTY[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"'{pattern.value}'" if pattern.type == "str" else name.lower()


def _expected_text(parser: Lark, expected: set[str]) -> str:
    shown = sorted({_terminal_text(parser, n) for n in expected if n != "$END"})
    if "$END" in expected:
        shown.append("end of file")
    return ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")


def syntax_error(parser: Lark, src: Source, err: UnexpectedInput) -> SpecError:
    line, col = err.line, err.column
    if line is None or line < 1:
        line, col = end_of_text(src)
    span = Span(src.name, line, col, line, col + 1)
    if src.line(line)[col - 1 : col + 1] == "/*":
        return SpecError(Span(src.name, line, col, line, col + 2),
                         "unterminated comment: '/*' has no matching '*/'")
    if isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":  # point just after the last token, not at its start
            line, col = end_of_text(src)
            return SpecError(Span(src.name, line, col, line, col + 1), "unexpected end of file",
                             hint="a '}' or a declaration may be missing")
        span = tok_span(src.name, tok) if tok.line else span
        hint = _KEYWORD_HINTS.get(str(tok)) or _KEYWORD_HINTS.get(tok.type)
        return SpecError(
            span,
            f"unexpected {tok.value!r}; expected {_expected_text(parser, err.expected)}",
            hint=hint,
        )
    if isinstance(err, UnexpectedCharacters):
        ch = src.line(line)[col - 1 : col] or "?"
        return SpecError(span, f"unexpected character {ch!r}")
    if isinstance(err, UnexpectedEOF):
        return SpecError(span, "unexpected end of file")
    return SpecError(span, "syntax error")


def end_of_text(src: Source) -> tuple[int, int]:
    """1-based position just after the last non-blank character."""
    body = src.text.rstrip()
    line = body.count("\n") + 1
    return line, len(body) - (body.rfind("\n") + 1) + 1
