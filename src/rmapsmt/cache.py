"""The proof cache: an engine's raw answer, stored under what determines it.

The key hashes the lowered system with its source positions left out (so comments
and layout do not invalidate an entry; editing a step does), the engine, the
budget parts that shape an answer (depth, state cap), and the rmapsmt and z3
versions. Only decided answers are stored (an unknown one depends on the clock).
A stored answer is never trusted: `run.prove` replays its traces in the
interpreter like a fresh one's, with spans taken from the current spec; an entry
that is corrupt, foreign or does not replay is dropped with a warning.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version

from . import ir
from .budget import Budget
from .diagnostics import Span
from .report import result_from_dict, result_to_dict
from .result import UNKNOWN, Result
from .userdirs import cache_dir

FORMAT = 1  # bump when the stored shape changes


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def _canon(x: object, seen: dict[int, str]) -> str:
    """A span-free digest of an IR value (shared subterms digested once)."""
    if isinstance(x, Span):
        return "@"
    if isinstance(x, enum.Enum):
        return repr(x.value)
    if isinstance(x, str | int | bool | float | type(None)):
        return repr(x)
    done = seen.get(id(x))
    if done is not None:
        return done
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        # left out: fields out of repr (cached hashes vary with the process's hash seed)
        # and descriptions (they quote lines; `_respan` takes the current ones)
        parts = [type(x).__name__, *(_canon(getattr(x, f.name), seen)
                                     for f in dataclasses.fields(x)
                                     if f.repr and f.name != "description")]
    elif isinstance(x, tuple | list):
        parts = ["(", *(_canon(v, seen) for v in x)]
    elif isinstance(x, frozenset | set):
        parts = ["{", *sorted(_canon(v, seen) for v in x)]
    elif isinstance(x, dict):
        parts = ["{:", *sorted(_canon(k, seen) + ":" + _canon(v, seen) for k, v in x.items())]
    else:
        raise TypeError(f"cannot digest {type(x).__name__}")
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    seen[id(x)] = digest
    return digest


def key(system: ir.System, engine: str, budget: Budget) -> str:
    depth = system.depth if budget.depth is None else budget.depth
    what = (_canon(system, {}), engine, depth, budget.max_states, _version("rmapsmt"),
            _version("z3-solver"), FORMAT)
    return hashlib.sha256(repr(what).encode()).hexdigest()


class Cache:
    def __init__(self, root: str | None = None) -> None:
        self.root = root if root is not None else cache_dir("proofs")
        self.notes: list[str] = []  # entries ignored, in words

    def _path(self, k: str) -> str | None:
        return None if self.root is None else os.path.join(self.root, k[:2], k + ".json")

    def get(self, system: ir.System, k: str) -> Result | None:
        path = self._path(k)
        if path is None or not os.path.exists(path):
            return None
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
            if d.get("format") != FORMAT or d.get("key") != k:
                raise ValueError("written for another key or format")
            return _respan(system, result_from_dict(d["result"]))
        except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
            self.drop(k, f"unreadable ({err})")
            return None

    def put(self, k: str, result: Result) -> None:
        path = self._path(k)
        if path is None or result.verdict == UNKNOWN:
            return
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"format": FORMAT, "key": k, "result": result_to_dict(result)}, f)
            os.replace(tmp, path)  # atomic: a reader sees the old entry or the new one
        except OSError as err:
            self.notes.append(f"proof cache: cannot write {path}: {err.strerror}")

    def drop(self, k: str, why: str) -> None:
        """Ignore an entry from now on, and say so."""
        path = self._path(k)
        self.notes.append(f"proof cache: ignored entry {k[:12]}: {why}")
        if path is not None:
            with contextlib.suppress(OSError):
                os.remove(path)


def _respan(system: ir.System, r: Result) -> Result:
    """The stored answer with the current spec's positions (names are what it stored)."""
    props = {p.name: p for p in system.properties}
    covers: dict[str, Span] = {c.name: c.span for c in system.covers}
    if {p.name for p in r.properties} != set(props) or {c.name for c in r.covers} != set(covers):
        raise ValueError("its properties are not the spec's")
    return dataclasses.replace(
        r, properties=tuple(dataclasses.replace(p, span=props[p.name].span,
                                                description=props[p.name].description)
                            for p in r.properties),
        covers=tuple(dataclasses.replace(c, span=covers[c.name]) for c in r.covers))

