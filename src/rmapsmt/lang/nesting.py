"""Reject specs nested beyond `MAX_NESTING` before any recursive stage sees them.

Depth counts expressions and blocks; a chain of one operator family (`a + b -
c`, `p && q && r`), however it is parenthesised, is one level, and is bounded
by its length instead. The error points at the construct that crosses the
limit, not at the top of the file.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

from ..diagnostics import Span, SpecError
from . import ast as A
from .limits import MAX_CHAIN, MAX_NESTING

CHAINS = ({"+", "-"}, {"*"}, {"&&"}, {"||"})


def family(e: object) -> frozenset[str] | None:
    if isinstance(e, A.Binary):
        for f in CHAINS:
            if e.op in f:
                return frozenset(f)
    return None


def chain_operands(e: A.Expr) -> list[A.Expr]:
    """The operands of the chain rooted at e (iterative, left to right)."""
    fam = family(e)
    out: list[A.Expr] = []
    stack: list[A.Expr] = [e]
    while stack:
        x = stack.pop()
        if fam is not None and family(x) == fam:
            assert isinstance(x, A.Binary)
            stack.append(x.right)
            stack.append(x.left)
        else:
            out.append(x)
    return out


def _children(node: object) -> list[object]:
    out: list[object] = []
    if not is_dataclass(node):
        return out
    for f in fields(node):
        if f.name == "span":
            continue
        v = getattr(node, f.name)
        if isinstance(v, tuple):
            for x in v:
                if isinstance(x, tuple):
                    out.extend(y for y in x if is_dataclass(y))
                elif is_dataclass(x):
                    out.append(x)
        elif is_dataclass(v):
            out.append(v)
    return out


def check_nesting(spec: A.Spec) -> None:
    stack: list[tuple[object, int]] = [(d, 1) for d in spec.decls]
    while stack:
        node, depth = stack.pop()
        span: Span | None = getattr(node, "span", None)
        if depth > MAX_NESTING and span is not None:
            raise SpecError(span, f"nested too deeply: more than {MAX_NESTING} levels",
                            hint="split the expression with a 'def' or the block into "
                            "procedures")
        if family(node) is not None:
            assert isinstance(node, A.Binary)
            ops = chain_operands(node)
            if len(ops) > MAX_CHAIN:
                raise SpecError(node.span, f"expression too long: {len(ops)} operands in one "
                                f"chain (at most {MAX_CHAIN})")
            stack.extend((x, depth + 1) for x in ops)
            continue
        stack.extend((c, depth + 1) for c in _children(node))
