"""Promela text: identifiers, types, expressions with temporaries, line layout.

Expressions are printed iteratively (an unrolled loop can make an IR expression
thousands of levels deep). A subterm shared in the DAG becomes a temporary
when it is large, so the text stays linear in the DAG; a temporary is a
proctype local, assigned in the step and reset to 0 before the step ends.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import assert_never

from .. import ir

SHARE_WEIGHT = 24  # a shared subterm with more operators than this becomes a temporary
GUARD_WEIGHT = 4000  # a guard larger than this when inlined is computed with temporaries
MAX_INLINE_DEPTH = 200  # deeper expressions are split into temporaries
INT_MAX = 2**31 - 1  # pan computes in C int; INT_MIN is left out (INT_MIN / -1 traps)
WIDTH = 100  # lines are broken before an operator from about this width on


class ExportError(Exception):
    """The system cannot be written as Promela faithfully (the message says why)."""


def comment(text: str) -> str:
    """Spec text made safe inside a Promela (C) comment."""
    return text.replace("*/", "* /").replace("\n", " ")


def promela_type(lo: int, hi: int, boolean: bool = False) -> str:
    if boolean:
        return "bool"
    if lo >= 0 and hi <= 255:
        return "byte"
    if lo >= -32768 and hi <= 32767:
        return "short"
    if lo >= -INT_MAX and hi <= INT_MAX:
        return "int"
    raise ExportError(f"values {lo}..{hi} do not fit Promela's 32-bit int")


def var_names(system: ir.System) -> dict[str, str]:
    """IR variable -> Promela identifier: `v_` + the name with `[].:@` as `_`, unique."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for v in system.vars:
        base = "v_" + re.sub(r"[^A-Za-z0-9_]+", "_", v.name).strip("_")
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        out[v.name] = name
    return out


class Temps:
    """Proctype-local temporaries t0, t1, ...: numbered from 0 in each step, typed by use."""

    def __init__(self) -> None:
        self.bounds: list[tuple[int, int, bool]] = []
        self.next = 0

    def take(self, lo: int, hi: int, boolean: bool) -> str:
        k = self.next
        self.next += 1
        if k == len(self.bounds):
            self.bounds.append((lo, hi, boolean))
        else:
            a, b, c = self.bounds[k]
            self.bounds[k] = (min(a, lo), max(b, hi), c and boolean)
        return f"t{k}"

    def reset(self) -> list[str]:
        """Lines that put this step's temporaries back to 0; the next step starts at t0."""
        out = [f"t{k} = 0" for k in range(self.next)]
        self.next = 0
        return out

    def declarations(self) -> list[str]:
        return [f"{promela_type(lo, hi, b)} t{k}" for k, (lo, hi, b) in enumerate(self.bounds)]


def _is_bool(x: ir.Expr, sorts: dict[str, ir.Sort], memo: dict[ir.Expr, bool]) -> bool:
    match x:
        case ir.Const(v):
            return isinstance(v, bool)
        case ir.Var(name):
            return isinstance(sorts[name], ir.BoolSort)
        case ir.App(op, args):
            return op in ir.BOOL_OPS or (op is ir.Op.ITE and memo[args[1]])
    raise ExportError(f"not an IR expression: {x!r}")


class NeedsTemps(Exception):
    """Raised by `Gen.emit` without temporaries when inlining would be too large."""


class Gen:
    """Promela text of IR expressions (iterative); shared or deep subterms as temporaries.

    Temporaries assigned in a step are remembered until `end_step`, so a step's
    updates reuse what its guard computed.
    """

    def __init__(self, system: ir.System, names: dict[str, str]) -> None:
        self.names = names
        self.temps = Temps()
        self.known: dict[ir.Expr, str] = {}
        self.ranges = system.ranges()
        self.sorts = {v.name: v.sort for v in system.vars}
        self.interval: dict[ir.Expr, tuple[int, int]] = {}
        self.boolean: dict[ir.Expr, bool] = {}

    def bounds(self, e: ir.Expr) -> tuple[int, int]:
        lo, hi = ir.interval(e, self.ranges, self.interval)
        return lo, hi

    def check_int32(self, roots: Sequence[ir.Expr]) -> None:
        for x in ir.postorder(roots):
            lo, hi = self.bounds(x)
            if lo < -INT_MAX or hi > INT_MAX:
                raise ExportError(f"a subexpression may take values {lo}..{hi}, beyond pan's "
                                  "32-bit int arithmetic")

    def temp(self, e: ir.Expr, text: str, lines: list[str]) -> str:
        lo, hi = self.bounds(e)
        name = self.temps.take(lo, hi, self.boolean[e])
        lines.append(f"{name} = {text}")
        return name

    def end_step(self) -> list[str]:
        self.known.clear()
        return self.temps.reset()

    def _postorder(self, roots: Sequence[ir.Expr]) -> list[ir.Expr]:
        out: list[ir.Expr] = []
        seen: set[ir.Expr] = set(self.known)
        for root in roots:
            stack: list[tuple[ir.Expr, bool]] = [(root, False)]
            while stack:
                node, expanded = stack.pop()
                if expanded:
                    out.append(node)
                elif node not in seen:
                    seen.add(node)
                    stack.append((node, True))
                    if isinstance(node, ir.App):
                        stack.extend((a, False) for a in reversed(node.args) if a not in seen)
        return out

    def emit(self, roots: Sequence[ir.Expr], lines: list[str] | None) -> list[str]:
        """Texts of `roots`; temporaries go to `lines`. With `lines` None everything is
        inlined, or `NeedsTemps` if that would be too large or too deep."""
        order = self._postorder(roots)
        parents: Counter[ir.Expr] = Counter(roots)
        for x in order:
            if isinstance(x, ir.App):
                parents.update(x.args)
                if x.op in (ir.Op.DIV, ir.Op.MOD):
                    parents[x.args[1]] += 1  # the divisor is tested, then used
        text: dict[ir.Expr, str] = dict(self.known)
        weight: dict[ir.Expr, int] = dict.fromkeys(self.known, 1)
        depth: dict[ir.Expr, int] = dict.fromkeys(self.known, 0)
        for x in order:
            self.boolean[x] = _is_bool(x, self.sorts, self.boolean)
            if not isinstance(x, ir.App):
                text[x], weight[x], depth[x] = self._leaf(x), 1, 0
                continue
            weight[x] = 1 + sum(weight[a] for a in x.args)
            depth[x] = 1 + max(depth[a] for a in x.args)
            if lines is None and (weight[x] > GUARD_WEIGHT or depth[x] > MAX_INLINE_DEPTH):
                raise NeedsTemps
            text[x] = self._app(x.op, x.args, [text[a] for a in x.args])
            if lines is not None and ((parents[x] > 1 and weight[x] > SHARE_WEIGHT)
                                      or depth[x] > MAX_INLINE_DEPTH):
                text[x] = self.known[x] = self.temp(x, text[x], lines)
                weight[x], depth[x] = 1, 0
        return [text[r] for r in roots]

    def _leaf(self, x: ir.Const | ir.Var) -> str:
        if isinstance(x, ir.Var):
            return self.names[x.name]
        if isinstance(x.value, bool):
            return "true" if x.value else "false"
        return str(x.value) if x.value >= 0 else f"({x.value})"

    @staticmethod
    def _app(op: ir.Op, args: tuple[ir.Expr, ...], a: list[str]) -> str:
        match op:
            case ir.Op.NOT:
                inner = args[0]
                if isinstance(inner, ir.App) and inner.op is ir.Op.EQ:
                    return a[0].replace(" == ", " != ", 1) if a[0].count(" == ") == 1 \
                        else f"!{a[0]}"
                return f"!{a[0]}"
            case ir.Op.AND:
                return "(" + " && ".join(a) + ")"
            case ir.Op.OR:
                return "(" + " || ".join(a) + ")"
            case ir.Op.ITE:
                return f"({a[0]} -> {a[1]} : {a[2]})"
            case ir.Op.EQ:
                return f"({a[0]} == {a[1]})"
            case ir.Op.LT:
                return f"({a[0]} < {a[1]})"
            case ir.Op.LE:
                return f"({a[0]} <= {a[1]})"
            case ir.Op.ADD:
                return f"({a[0]} + {a[1]})"
            case ir.Op.SUB:
                return f"({a[0]} - {a[1]})"
            case ir.Op.MUL:
                return f"({a[0]} * {a[1]})"
            case ir.Op.NEG:
                return f"(-{a[0]})"
            case ir.Op.DIV | ir.Op.MOD:
                sign = "/" if op is ir.Op.DIV else "%"
                d = args[1]
                if isinstance(d, ir.Const):  # x / 0 and x % 0 are 0 in the IR
                    return f"({a[0]} {sign} {a[1]})" if d.value != 0 else "0"
                return f"({a[1]} == 0 -> 0 : {a[0]} {sign} {a[1]})"
            case _:
                assert_never(op)


_BREAK = re.compile(r" (?=(?:&&|\|\||->|:|\+|-|\*|/|%|==|!=|<|<=) )")


def wrap(first: str, text: str, indent: str) -> list[str]:
    """`first + text` on lines of about WIDTH characters, broken before && || -> :."""
    pieces = _BREAK.split(text)
    lines: list[str] = []
    line = first + pieces[0]
    for piece in pieces[1:]:
        if len(line) + 1 + len(piece) > WIDTH:
            lines.append(line)
            line = indent + piece
        else:
            line += " " + piece
    return [*lines, line]


def fill(items: Sequence[str], first: str, indent: str, sep: str = " ") -> list[str]:
    """`items` joined by `sep` on lines of about WIDTH characters."""
    lines: list[str] = []
    line = first
    for k, item in enumerate(items):
        piece = item + (sep.rstrip() if k < len(items) - 1 else "")
        if line.strip() and len(line) + 1 + len(piece) > WIDTH:
            lines.append(line)
            line = indent + piece
        else:
            line += ("" if line == first else " ") + piece
    return [*lines, line]


def comment_lines(text: str, indent: str) -> list[str]:
    """A `/* ... */` comment of spec text, filled to WIDTH."""
    out = fill(comment(text).split(), indent + "/* ", indent + "   ")
    out[-1] += " */"
    return out


def block(stmts: Sequence[str], indent: str) -> list[str]:
    """Statements separated by `;`, the last one closing the d_step."""
    out: list[str] = []
    for k, stmt in enumerate(stmts):
        out += wrap(indent, stmt + (";" if k < len(stmts) - 1 else " }"), indent + "    ")
    return out


def statements(stmts: Sequence[str], indent: str) -> list[str]:
    """Statements each followed by `;`, wrapped."""
    return [line for stmt in stmts for line in wrap(indent, stmt + ";", indent + "    ")]
