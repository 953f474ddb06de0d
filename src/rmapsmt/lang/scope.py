"""What elaboration works with: the scope of names, run-time checks found, assignment slots."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Span
from . import ast as A
from .types import Type
from .values import StateRef, Val


@dataclass(frozen=True, slots=True)
class RuntimeCheck:
    kind: ir.CheckKind
    subject: str  # the variable, parameter or function the check is about ("" if none)
    ok: ir.Expr
    span: Span
    message: str


@dataclass
class Scope:
    bound: Mapping[str, Val | StateRef] = field(default_factory=dict)
    read: Callable[[str], ir.Expr] = ir.Var
    self_value: int | None = None
    allow_state: bool = True
    checks: list[RuntimeCheck] = field(default_factory=list)

    def with_bound(self, extra: Mapping[str, Val | StateRef]) -> Scope:
        return Scope({**self.bound, **extra}, self.read, self.self_value, self.allow_state,
                     self.checks)


@dataclass(frozen=True, slots=True)
class Slot:
    """A state location an assignment target denotes when `cond` holds."""

    cond: ir.Expr
    type: Type
    prefix: str


def root_name(e: A.Expr) -> str:
    """The variable or constant an index or field expression starts from: `pte[a]` -> pte."""
    while isinstance(e, A.Index | A.FieldAccess):
        e = e.base
    return e.name if isinstance(e, A.NameRef) else ""
