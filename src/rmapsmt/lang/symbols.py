"""The symbol table: what every global name of a checked spec means."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Span
from . import ast as A
from .types import EnumT, Type


@dataclass(frozen=True, slots=True)
class ConstValue:
    type: Type
    value: int | bool


@dataclass(frozen=True, slots=True)
class VarInfo:
    name: str
    type: Type
    init: A.Init | None
    span: Span
    kind: str  # "var" | "param"


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    decl: A.ProcessDecl
    count: int | None  # None: not replicated


@dataclass
class Symbols:
    """Filled in by `check`, read by the elaborator and `lower`."""

    file: str
    spec_name: str = ""
    consts: dict[str, ConstValue] = field(default_factory=dict)  # options and consts
    option_names: list[str] = field(default_factory=list)
    types: dict[str, Type] = field(default_factory=dict)
    members: dict[str, list[EnumT]] = field(default_factory=dict)
    vars: dict[str, VarInfo] = field(default_factory=dict)
    locks: dict[str, Span] = field(default_factory=dict)
    defs: dict[str, A.DefDecl] = field(default_factory=dict)
    procedures: dict[str, A.ProcedureDecl] = field(default_factory=dict)
    processes: list[ProcessInfo] = field(default_factory=list)
    invariants: list[A.InvariantDecl] = field(default_factory=list)
    covers: list[A.CoverDecl] = field(default_factory=list)
    assumes: list[A.AssumeDecl] = field(default_factory=list)
    expects: list[A.ExpectDecl] = field(default_factory=list)
    depth: int | None = None
    deadlock: bool = True
    declared_at: dict[str, Span] = field(default_factory=dict)
