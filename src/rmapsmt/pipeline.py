"""The front half of every command: a spec file and `--set`s -> a transition system."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass

from . import ir
from .budget import Budget
from .diagnostics import Source, SpecError
from .lang.ast import ExpectDecl, OptionDecl
from .lang.literal import names
from .lang.options import show_option_value
from .lang.parser import parse
from .lang.resolve import resolve
from .lang.symbols import Symbols
from .lower import lower

MAX_SPEC_BYTES = 1 << 20


@dataclass(frozen=True)
class Loaded:
    source: Source
    symbols: Symbols
    system: ir.System


def read_source(path: str) -> Source:
    """A spec file's text: only regular files, size checked before reading."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SpecError(None, f"{path}: no such file") from None
    except OSError as err:
        raise SpecError(None, f"{path}: cannot read: {err.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(None, f"{path}: is a directory, not a spec file")
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(None, f"{path}: not a regular file (a device, pipe or socket); "
                        "rmapsmt reads spec files only")
    if info.st_size > MAX_SPEC_BYTES:
        raise SpecError(None, f"{path}: larger than {MAX_SPEC_BYTES} bytes; not a spec?")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except OSError as err:
        raise SpecError(None, f"{path}: cannot read: {err.strerror}") from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(None, f"{path}: larger than {MAX_SPEC_BYTES} bytes; not a spec?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SpecError(None, f"{path}:{line}: not valid UTF-8 (byte {err.start})") from None
    # one line convention for lark and for quoting: CRLF and old-Mac CR become LF
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return Source(path, text)


def parse_sets(sets: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in sets:
        name, eq, value = s.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise SpecError(None, f"--set {s!r}: expected NAME=VALUE", hint="e.g. --set fix=none")
        if name.strip() in out:
            raise SpecError(None, f"--set {name.strip()} is given twice")
        out[name.strip()] = value.strip()
    return out


def load(path: str, overrides: Mapping[str, str] | None = None,
         budget: Budget | None = None) -> Loaded:
    if budget is not None:
        budget.enter("reading the spec")
    return load_source(read_source(path), overrides, budget)


def option_values(path: str, *, gated: bool = False) -> dict[str, list[str]]:
    """Each option's values as written in the spec, for `--vary`; with `gated`, only the
    options some `expect ... when` mentions (what `ci` varies: the rest keep defaults)."""
    spec = parse(read_source(path))
    mentioned: set[str] = set()
    for d in spec.decls:
        if isinstance(d, ExpectDecl) and d.when is not None:
            mentioned |= names(d.when)
    return {d.name: [show_option_value(v) for v in d.values] for d in spec.decls
            if isinstance(d, OptionDecl) and (not gated or d.name in mentioned)}


def load_source(src: Source, overrides: Mapping[str, str] | None = None,
                budget: Budget | None = None) -> Loaded:
    if budget is not None:
        budget.enter("parsing the spec")
    spec = parse(src)
    if budget is not None:
        budget.enter("checking the spec")
    sym = resolve(spec, src.name, overrides)
    if budget is not None:
        budget.enter("lowering the spec")
    return Loaded(src, sym, lower(sym, budget))
