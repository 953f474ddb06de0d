"""The state layout: every variable flattened to scalars, with its sort and initial value."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import ir
from ..diagnostics import Span, SpecError
from ..lang import ast as A
from ..lang.elab import Elaborator
from ..lang.limits import MAX_STATE_SCALARS
from ..lang.scope import Scope
from ..lang.types import ArrayT, RecordT, Type, domain_values, scalar_count, sort_of
from ..lang.values import Scalar, flat_names, key_name


@dataclass
class Layout:
    vars: list[ir.StateVar] = field(default_factory=list)
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    init: list[ir.Expr] = field(default_factory=list)

    def add(self, name: str, t: Type, span: Span, kind: ir.VarKind) -> None:
        if len(self.vars) + scalar_count(t) > MAX_STATE_SCALARS:
            raise SpecError(span, f"the state grows past {MAX_STATE_SCALARS} scalar variables "
                            f"here ('{name}' adds {scalar_count(t)})",
                            hint="rmapsmt checks small finite models: shrink the arrays")
        for flat, ft in flat_names(name, t):
            sort = sort_of(ft)
            self.vars.append(ir.StateVar(flat, sort, span, kind))
            self.ranges[flat] = (sort.lo, sort.hi) if isinstance(sort, ir.IntSort) else (0, 1)

    def initialise(self, name: str, t: Type, init: A.Init | None, el: Elaborator,
                   fixed: bool = False) -> None:
        """Constrain the initial state; `fixed`: one value even where the spec says any."""
        values = initial_values(name, t, init, el)
        given = dict(values)
        for flat, ft in flat_names(name, t):
            if flat in given:
                self.init.append(ir.eq(ir.Var(flat), given[flat]))
            elif fixed:
                lo = sort_of(ft).values()[0]
                self.init.append(ir.eq(ir.Var(flat), ir.Const(lo)))


def initial_values(name: str, t: Type, init: A.Init | None,
                   el: Elaborator) -> list[tuple[str, ir.Expr]]:
    """The flat variables an initialiser fixes, with their (constant) values."""
    match init:
        case None | A.AnyInit():
            return []
        case A.ListInit(elems):
            assert isinstance(t, ArrayT)
            keys = domain_values(t.index) or ()
            return [x for k, e in zip(keys, elems, strict=True)
                    for x in initial_values(f"{name}[{key_name(t.index, k)}]", t.elem, e, el)]
        case A.RecordLit(fields) if isinstance(t, RecordT):
            given = dict(fields)
            return [x for f, ft in t.fields
                    for x in initial_values(f"{name}.{f}", ft, given[f], el)]
    if isinstance(t, ArrayT):
        return [x for k in domain_values(t.index) or ()
                for x in initial_values(f"{name}[{key_name(t.index, k)}]", t.elem, init, el)]
    v = el.expr(init, Scope(allow_state=False), expected=t)
    assert isinstance(v, Scalar)
    return [(name, v.expr)]
