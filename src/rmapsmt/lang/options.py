"""Compile-time options: their types, and values given with `--set NAME=VALUE`."""

from __future__ import annotations

from ..diagnostics import SpecError
from . import ast as A
from .limits import MAX_ABS_INT
from .symbols import Symbols
from .types import BoolT, EnumT, IntT, Type


def show_option_value(v: str | int | bool) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def option_type(d: A.OptionDecl, sym: Symbols) -> Type:
    """The type of an option: bool, a range of its numbers, or an enum of its names."""
    kinds = {type(v) for v in d.values} | {type(d.default)}
    if len(kinds) != 1:
        raise SpecError(d.span, f"option '{d.name}' mixes names, numbers and booleans")
    if len(set(d.values)) != len(d.values):
        raise SpecError(d.span, f"option '{d.name}' repeats a value")
    kind = kinds.pop()
    if kind is bool:
        return BoolT()
    if kind is int:
        ints = [int(v) for v in d.values]
        if max(abs(v) for v in ints) > MAX_ABS_INT:
            raise SpecError(d.span, f"option '{d.name}' has a value beyond ±{MAX_ABS_INT}")
        return IntT(min(ints), max(ints))
    t = EnumT(d.name, tuple(str(v) for v in d.values))
    sym.types[d.name] = t
    for m in t.members:
        sym.members.setdefault(m, []).append(t)
    return t

def parse_override(d: A.OptionDecl, raw: str) -> str | int | bool:
    allowed = ", ".join(show_option_value(v) for v in d.values)
    candidates = {show_option_value(v): v for v in d.values}
    if raw.strip() in candidates:
        return candidates[raw.strip()]
    raise SpecError(None, f"--set {d.name}={raw}: not a value of option '{d.name}'",
                    hint=f"choose one of: {allowed}")
