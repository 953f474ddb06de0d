"""Literals, cubes and the index of known-reachable states: the vocabulary of the clause
learners (ic3, strengthen) and of the invariants pdr prints.

A literal is `var = v`, `var >= v` or `var <= v` over a state variable (program
counters included); a cube is a set of them, read as their conjunction, and a
learned clause is a cube's negation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import ir
from ..interp import State

Lit = tuple[str, str, int | bool]  # variable, "=" | ">=" | "<=", value
Cube = frozenset[Lit]


def lit_expr(lit: Lit, value_of: ir.Expr | None = None) -> ir.Expr:
    """The literal as an IR predicate, over `value_of` instead of the variable if given."""
    var, op, v = lit
    x = value_of if value_of is not None else ir.Var(var)
    if op == "=":
        return ir.eq(x, ir.Const(v))
    return ir.le(ir.Const(v), x) if op == ">=" else ir.le(x, ir.Const(v))


def cube_expr(c: Iterable[Lit]) -> ir.Expr:
    return ir.conj(lit_expr(lit) for lit in sorted(c, key=str))


def holds(lit: Lit, value: int | bool) -> bool:
    _, op, v = lit
    return value == v if op == "=" else (int(value) >= int(v) if op == ">=" else
                                         int(value) <= int(v))


class Reached:
    """States known reachable, indexed for the question generalisation asks most: does a
    cube contain one of them? One bit per state, a bitmask per literal: a few big-integer
    ands per question."""

    def __init__(self, system: ir.System, states: Sequence[State]) -> None:
        self.states = states
        self._position = {v.name: i for i, v in enumerate(system.vars)}
        self._masks: dict[Lit, int] = {}
        self._values: dict[str, dict[int | bool, int]] = {}  # variable -> value -> mask

    def mask(self, lit: Lit) -> int:
        """Bit j set: the literal holds in state j."""
        m = self._masks.get(lit)
        if m is None:
            var, op, v = lit
            by_value = self.by_value(var)
            m = (by_value.get(v, 0) if op == "=" else
                 sum(mask for x, mask in by_value.items() if holds(lit, x)))
            self._masks[lit] = m
        return m

    def by_value(self, var: str) -> dict[int | bool, int]:
        """Each value `var` takes in the states (in order of first appearance), and the
        mask of the states where it does: one pass over the states per variable."""
        out = self._values.get(var)
        if out is None:
            at = self._position[var]
            size = (len(self.states) + 7) // 8
            bits: dict[int | bool, bytearray] = {}
            for j, s in enumerate(self.states):
                row = bits.get(s[at])
                if row is None:
                    row = bits[s[at]] = bytearray(size)
                row[j >> 3] |= 1 << (j & 7)
            out = self._values[var] = {x: int.from_bytes(row, "little")
                                       for x, row in bits.items()}
        return out

    def meet(self, c: Iterable[Lit]) -> bool:
        if not self.states:
            return False
        hits = -1
        for lit in c:
            hits &= self.mask(lit)
            if not hits:
                return False
        return True
