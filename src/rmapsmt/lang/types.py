"""Semantic types of the spec language.

Integers are typed by the interval of values they can take; this is what lets
the encoder choose bit-vector widths exactly and the checker reject values
that can never fit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import BoolSort, IntSort, Sort


@dataclass(frozen=True, slots=True)
class BoolT:
    def __str__(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntT:
    lo: int
    hi: int

    def __str__(self) -> str:
        return f"{self.lo}..{self.hi}"


@dataclass(frozen=True, slots=True)
class AnyIntT:
    """The unbounded `int` of `def` signatures: only a bound on what may be passed."""

    def __str__(self) -> str:
        return "int"


@dataclass(frozen=True, slots=True)
class EnumT:
    name: str
    members: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ArrayT:
    index: Type
    elem: Type

    def __str__(self) -> str:
        return f"[{self.index}] {self.elem}"


@dataclass(frozen=True, slots=True)
class RecordT:
    name: str
    fields: tuple[tuple[str, Type], ...]

    def field(self, name: str) -> Type | None:
        return dict(self.fields).get(name)

    def __str__(self) -> str:
        return self.name


Type = BoolT | IntT | AnyIntT | EnumT | ArrayT | RecordT
ScalarT = BoolT | IntT | EnumT


def domain_values(t: Type) -> tuple[int | bool, ...] | None:
    """The values of a finite index type, or None if it cannot index an array."""
    match t:
        case BoolT():
            return (False, True)
        case IntT(lo, hi):
            return tuple(range(lo, hi + 1))
        case EnumT(_, members):
            return tuple(range(len(members)))
    return None


def scalar_count(t: Type) -> int:
    """How many scalar state variables a variable of type t flattens into (no enumeration)."""
    match t:
        case ArrayT(index, elem):
            return len(domain_values(index) or ()) * scalar_count(elem)
        case RecordT(_, fields):
            return sum(scalar_count(ft) for _, ft in fields)
    return 1


def sort_of(t: Type) -> Sort:
    match t:
        case BoolT():
            return BoolSort()
        case IntT(lo, hi):
            return IntSort(lo, hi)
        case EnumT(_, members):
            return IntSort(0, len(members) - 1, members)
    raise TypeError(f"{t} is not a scalar type")


def same_kind(a: Type, b: Type) -> bool:
    """Can a value of type b be compared with / assigned to type a (ranges aside)?"""
    if isinstance(a, IntT | AnyIntT) and isinstance(b, IntT | AnyIntT):
        return True
    if isinstance(a, ArrayT) and isinstance(b, ArrayT):
        return a.index == b.index and same_kind(a.elem, b.elem)
    return a == b
