"""IR transitions, and the monitor of properties and covers, as Promela d_steps."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

from .. import ir
from .pml import (
    WIDTH,
    ExportError,
    Gen,
    NeedsTemps,
    block,
    comment_lines,
    statements,
    wrap,
)

MAX_DSTEP = 2040  # spin -a: "d_step sequence too long" from 2047 statements on


@dataclass(frozen=True, slots=True)
class Target:
    """What the monitor checks: a property's bad predicate or a cover, by index."""

    index: int
    kind: str  # "property" | "cover"
    name: str
    expr: ir.Expr
    line: int
    detail: str


def targets(system: ir.System, target: str | None = None) -> tuple[Target, ...]:
    """Properties, then covers, in the system's order; only `target` if it is given."""
    found = [("property", p.name, p.bad, p.span.line, p.description or str(p.kind))
             for p in system.properties]
    found += [("cover", c.name, c.expr, c.span.line, "cover") for c in system.covers]
    if target is not None:
        found = [f for f in found if f[1] == target]
        if not found:
            names = ", ".join([p.name for p in system.properties] + [c.name for c in system.covers])
            raise ExportError(f"no property or cover named {target!r} (there are: {names})")
    return tuple(Target(i, *f) for i, f in enumerate(found))


def updates(gen: Gen, t: ir.Transition, pre: list[str]) -> list[str]:
    """Simultaneous updates as sequential Promela: temporaries to `pre`, writes returned.

    A variable is written only once every other update has read it (Kahn's order
    on "reads"); when every pending write is read by another (a swap), one value
    goes through a temporary computed before any write.
    """
    texts = gen.emit([e for _, e in t.updates], pre)
    target = [v for v, _ in t.updates]
    writer = {v: i for i, v in enumerate(target)}
    reads = [ir.variables(e) - {v} for v, e in t.updates]
    readers: Counter[str] = Counter(w for r in reads for w in r)
    ready = deque(i for i, v in enumerate(target) if readers[v] == 0)
    queued = [readers[v] == 0 for v in target]
    writes: list[str] = []
    late: list[str] = []
    cycle = 0
    for _ in range(len(target)):
        if ready:
            i = ready.popleft()
            writes.append(f"{gen.names[target[i]]} = {texts[i]}")
        else:
            while queued[cycle]:
                cycle += 1
            i = cycle
            queued[i] = True
            tmp = gen.temp(t.updates[i][1], texts[i], pre)
            late.append(f"{gen.names[target[i]]} = {tmp}")
        for w in reads[i]:
            readers[w] -= 1
            j = writer.get(w)
            if readers[w] == 0 and j is not None and not queued[j]:
                queued[j] = True
                ready.append(j)
    return writes + late


def describe(t: ir.Transition) -> list[str]:
    what = f"T{t.index} {t.process} {t.name} (line {t.span.line}): pc {t.pc_from} -> {t.pc_to}"
    if t.calls:
        what += ", in " + " > ".join(f.procedure for f in t.calls)
    if t.crash is not None:
        what += f"; crash: {t.crash.kind} check {t.crash.name} fails ({t.crash.message})"
    return comment_lines(what, "")


def step(gen: Gen, t: ir.Transition) -> list[str]:
    """One IR transition as one option `:: d_step { guard -> printf; updates }`."""
    marker = f'printf("@T{t.index}\\n")'
    try:
        (guard,) = gen.emit([t.guard], None)
    except NeedsTemps:
        return _large_step(gen, t, marker)
    pre: list[str] = []
    writes = updates(gen, t, pre)
    stmts = [marker, *pre, *writes, *gen.end_step()]
    _fits(t, len(stmts))
    return [*describe(t), *wrap(":: d_step { ", guard + " ->", "       "), *block(stmts, "     ")]


def _fits(t: ir.Transition, count: int) -> None:
    if count > MAX_DSTEP:
        raise ExportError(f"step T{t.index} ({t.process} {t.name}, line {t.span.line}) needs "
                          f"{count} Promela statements; Spin allows {MAX_DSTEP} in a d_step")


def _conjuncts(e: ir.Expr) -> tuple[ir.Expr, ...]:
    return e.args if isinstance(e, ir.App) and e.op is ir.Op.AND else (e,)


def _large_step(gen: Gen, t: ir.Transition, marker: str) -> list[str]:
    """A guard too large to inline: its small conjuncts guard the d_step, the rest is
    computed (with temporaries) inside; where it is false, the step changes nothing
    (a self-loop: no new state, never on a shortest trail)."""
    outer: list[str] = []
    inner: list[ir.Expr] = []
    for c in _conjuncts(t.guard):
        try:
            (text,) = gen.emit([c], None)
        except NeedsTemps:
            text = ""
        if text and len(text) <= WIDTH:
            outer.append(text)
        else:
            inner.append(c)
    pre: list[str] = []
    (test,) = gen.emit([ir.conj(inner)], pre)
    body: list[str] = []
    writes = updates(gen, t, body)
    _fits(t, len(pre) + len(body) + len(writes) + gen.temps.next + 4)
    head = "(" + " && ".join(outer) + ")" if len(outer) > 1 else (outer or ["true"])[0]
    return [*describe(t), *wrap(":: d_step { ", head + " ->", "       "),
            "     /* the rest of the guard, with temporaries: if false, nothing changes */",
            *statements(pre, "     "), *wrap("     if :: ", test + " ->", "          "),
            f"          {marker};", *statements(body + writes, "          "),
            "        :: else", *block(["fi", *gen.end_step()], "     ")]


def monitor(gen: Gen, ts: Sequence[Target]) -> list[str]:
    """The last option of the loop: in the state it runs in, assert once per target hit.

    `seen[k]` (C, outside the state vector) makes target k fail once only, so
    pan writes one trail per target: the first found, a shortest one with BFS.
    """
    pre: list[str] = []
    tests = gen.emit([t.expr for t in ts], pre)
    out = [":: d_step {  /* monitor: checks this state, changes nothing */",
           *statements(pre, "     ")]
    for t, test in zip(ts, tests, strict=True):
        line = f", line {t.line}" if t.line and f"line {t.line}" not in t.detail else ""
        out += [*comment_lines(f"{t.kind} {t.name}: {t.detail}{line}", "     "),
                *wrap(f"     if :: c_expr {{ !seen[{t.index}] }} && ", test + " ->",
                      "          "),
                f"          c_code {{ seen[{t.index}] = 1; }}; assert({t.index} < 0)",
                "        :: else", "     fi;"]
    return out[:-1] + block(["fi", *gen.end_step()], "     ")
