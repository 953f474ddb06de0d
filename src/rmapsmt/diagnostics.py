"""Source positions and user-facing errors.

Every error a user can cause is a `SpecError` carrying a `Span`; rendering it
gives the `file:line:col: error: message` line, the offending source line and
carets under the span, so an editor can jump to it and a human can see it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region of a source file (end is inclusive line, exclusive column)."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)


@dataclass(frozen=True)
class Note:
    span: Span
    message: str


@dataclass(frozen=True)
class Source:
    """The text of one spec, kept so diagnostics can quote it."""

    name: str
    text: str
    lines: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # lark counts lines by "\n" only; so must the quoting of error lines
        object.__setattr__(self, "lines", tuple(self.text.split("\n")))

    def line(self, n: int) -> str:
        return self.lines[n - 1] if 1 <= n <= len(self.lines) else ""


class SpecError(Exception):
    """A problem with the user's input: bad spec, bad option, missing file."""

    def __init__(
        self,
        span: Span | None,
        message: str,
        hint: str | None = None,
        notes: tuple[Note, ...] = (),
    ) -> None:
        super().__init__(message)
        self.span = span
        self.message = message
        self.hint = hint
        self.notes = notes

    def render(self, source: Source | None) -> str:
        return render_error(self, source)


def _quote(span: Span, source: Source | None) -> list[str]:
    if source is None or span.file != source.name or span.line < 1:
        return []
    # one character per column, and nothing a terminal would break or hide
    text = "".join(c if c.isprintable() else " " for c in source.line(span.line))
    width = (
        max(1, span.end_col - span.col)
        if span.end_line == span.line
        else max(1, len(text) - span.col + 1)
    )
    gutter = f"{span.line:>4} | "
    return [gutter + text, " " * (len(gutter) - 2) + "| " + " " * (span.col - 1) + "^" * width]


def render_error(err: SpecError, source: Source | None) -> str:
    where = f"{err.span}: " if err.span is not None else "rmapsmt: "
    out = [f"{where}error: {err.message}"]
    if err.span is not None:
        out += _quote(err.span, source)
    for note in err.notes:
        out.append(f"note: {note.message} ({note.span})")
    if err.hint:
        out.append(f"hint: {err.hint}")
    return "\n".join(out)


def suggest(name: str, pool: Iterable[str]) -> str | None:
    """A "did you mean" hint: the closest known name, if any is close."""
    close = difflib.get_close_matches(name, list(pool), n=1)
    return f"did you mean '{close[0]}'?" if close else None
