"""The symbol table: what every global name of a checked spec means."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Span
from ..ir import VarKind
from . import ast as A
from .types import EnumT, Type

ConstData = int | bool | tuple["ConstData", ...]


@dataclass(frozen=True, slots=True)
class ConstValue:
    type: Type
    value: ConstData  # a tuple for a constant array


@dataclass(frozen=True, slots=True)
class VarInfo:
    name: str
    type: Type
    init: A.Init | None
    span: Span
    kind: VarKind  # VAR or PARAM


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
    lemmas: list[A.LemmaDecl] = field(default_factory=list)
    covers: list[A.CoverDecl] = field(default_factory=list)
    assumes: list[A.AssumeDecl] = field(default_factory=list)
    expects: list[A.ExpectDecl] = field(default_factory=list)
    depth: int | None = None
    deadlock: bool = True
    declared_at: dict[str, Span] = field(default_factory=dict)
