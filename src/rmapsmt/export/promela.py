"""An `ir.System` as Promela: Spin explores exactly the states the explicit engine visits.

The shape (each choice checked against `engines/explicit` on every repository
spec and the hand-verdict corpus: same states, verdicts and shortest traces):

- All state is global (pcs and locks too), typed `bool`, `byte`, `short` or
  `int` to fit the declared range and every value an update can write (pan
  would truncate silently). Arithmetic is C `int`: values must fit 32 bits.
- One proctype holds one `do` loop; each IR transition is one option
  `d_step { guard -> printf("@T<i>"); updates }`, one indivisible Spin step.
  Updates are simultaneous (`steps.updates` orders them, through temporaries
  where needed); temporaries are proctype locals reset to 0 in the same step,
  so they never tell two states apart (`hidden` is refused with -DBFS).
- The last option is the monitor (`steps.monitor`): it checks every property's
  `bad` predicate (deadlock included) and every cover in the state it runs in,
  and changes nothing. Spin's end-state check is off (`end:` label, `pan -E`).
- Several initial states (enumerated as `Interpreter.initial_states` does): the
  proctype first picks one (`@I<k>`); pan stores one extra state, the one
  before the choice, where nothing is checked.
- `x / 0` and `x % 0` are 0, as in the IR (pan would die of SIGFPE); C's `/`
  and `%` truncate toward zero like the IR's.

Build with `spin -a -o2` (without -o2 Spin drops write-only variables from the
state vector and counts fewer states) and `gcc -DSAFETY -DNOREDUCE -DNOCLAIM
-DBFS`; `spin.check` does it all. The header comment carries a manifest
(`@rmapsmt` lines: initial-state count, depth, targets) that `spin` reads.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from .. import ir
from ..interp import Interpreter, State, TooManyStates
from .pml import (
    ExportError,
    Gen,
    NeedsTemps,
    comment,
    comment_lines,
    fill,
    promela_type,
    var_names,
    wrap,
)
from .steps import Target, monitor, step, targets

MAX_INITIAL_STATES = 100_000  # each is one option of the initial choice

__all__ = ["ExportError", "Target", "targets", "to_promela"]


def to_promela(system: ir.System, target: str | None = None) -> str:
    """The system as a Promela model checking every property and cover (only `target`, a
    property or cover name, if given). `ExportError` if it cannot be written faithfully."""
    names = var_names(system)
    ts = targets(system, target)
    gen = Gen(system, names)
    gen.check_int32([t.guard for t in system.transitions]
                    + [e for t in system.transitions for _, e in t.updates] + [t.expr for t in ts])
    inits = _initial(Interpreter(system))
    options = _loop(system, gen, ts)
    first = inits[0] if inits else tuple(v.sort.values()[0] for v in system.vars)
    out = _header(system, ts, len(inits))
    if ts:
        out += [f"c_decl {{ unsigned char seen[{len(ts)}]; }}  /* target k already reported "
                "(C, outside the state vector) */", ""]
    out += ["/* state, initialised to the first initial state */", *_state(system, gen, first),
            "", f"active proctype spec_{re.sub(r'[^A-Za-z0-9_]', '_', system.name)}() {{"]
    if gen.temps.bounds:
        out += ["  /* temporaries: assigned and reset to 0 inside a step */",
                *fill(gen.temps.declarations(), "  ", "  ", "; ")]
        out[-1] += ";"
    out += _choice(system, names, inits)
    if options:
        out += ["end:", "  do", *(f"  {x}" if x else "" for x in options), "  od"]
    else:
        out.append("end: false  /* nothing to do and nothing to check */")
    return "\n".join([*out, "}"]) + "\n"


def _initial(interp: Interpreter) -> list[State]:
    try:
        states = list(itertools.islice(interp.initial_states(), MAX_INITIAL_STATES + 1))
    except TooManyStates as err:
        raise ExportError(f"too many initial states to enumerate: {err}") from None
    if len(states) > MAX_INITIAL_STATES:
        raise ExportError(f"more than {MAX_INITIAL_STATES} initial states to enumerate")
    return states


def _loop(system: ir.System, gen: Gen, ts: Sequence[Target]) -> list[str]:
    """The options of the main loop: each process's steps, then the monitor."""
    out: list[str] = []
    by_process: dict[str, list[ir.Transition]] = {}
    for t in system.transitions:
        by_process.setdefault(t.process, []).append(t)
    for p in system.processes:
        pcs = ", ".join(f"{i} {n}" for i, n in enumerate(p.pc_names))
        out += ["", *comment_lines(f"---- process {p.name} (declared as {p.decl}): "
                                   f"{gen.names[p.pc_var]} is {pcs}", "")]
        if not ir.is_false(p.parked):
            try:
                (parked,) = gen.emit([p.parked], None)
            except NeedsTemps:
                parked = "(a large expression)"
            out += comment_lines(f"parked on a failed assume (so never a deadlock) when: "
                                 f"{parked}", "")
        for t in by_process.pop(p.name, []):
            out += step(gen, t)
    for rest in by_process.values():  # steps of no listed process (not made by `lower`)
        for t in rest:
            out += step(gen, t)
    return [*out, "", *monitor(gen, ts)] if ts else out


def _literal(sort: ir.Sort, value: int | bool) -> str:
    if isinstance(sort, ir.BoolSort):
        return "true" if value else "false"
    return str(int(value))


def _state(system: ir.System, gen: Gen, first: State) -> list[str]:
    """Declarations: a type that fits the declared range and every value written."""
    bounds = system.ranges()
    for t in system.transitions:
        for name, e in t.updates:
            lo, hi = gen.bounds(e)
            bounds[name] = (min(bounds[name][0], lo), max(bounds[name][1], hi))
    out = []
    for v, value in zip(system.vars, first, strict=True):
        ty = promela_type(*bounds[v.name], isinstance(v.sort, ir.BoolSort))
        out.append(f"{ty} {gen.names[v.name]} = {_literal(v.sort, value)};  "
                   f"/* {comment(_describe(system, v))} */")
    return out


def _describe(system: ir.System, v: ir.StateVar) -> str:
    where = f", line {v.span.line}" if v.span.line else ""
    if v.kind is ir.VarKind.LOCK:
        holders = ", ".join(f"{i} {p.name}" for i, p in enumerate(system.processes, 1))
        return f"lock {v.name.removeprefix('lock:')}: 0 free, {holders}{where}"
    if v.kind is ir.VarKind.PC:
        return f"pc of {v.name.removeprefix('pc:')}"
    if isinstance(v.sort, ir.IntSort):
        values = f"{v.sort.lo}..{v.sort.hi}"
        if v.sort.names:
            values = ", ".join(f"{i} {n}" for i, n in enumerate(v.sort.names))
        return f"{v.kind} {v.name}: {values}{where}"
    return f"{v.kind} {v.name}: bool{where}"


def _choice(system: ir.System, names: dict[str, str], inits: list[State]) -> list[str]:
    if len(inits) == 1:
        return []
    if not inits:
        return ["  /* no initial state satisfies the declarations and assumes */", "  false;"]
    varying = [i for i in range(len(system.vars)) if len({s[i] for s in inits}) > 1]
    out = [f"  /* one of the {len(inits)} initial states (pan stores one more state: this "
           "one) */", "  if"]
    for k, s in enumerate(inits):
        sets = "".join(f"; {names[system.vars[i].name]} = {_literal(system.vars[i].sort, s[i])}"
                       for i in varying)
        out += wrap("  :: d_step { ", f'printf("@I{k}\\n"){sets} }}', "       ")
    return [*out, "  fi;"]


def _header(system: ir.System, ts: Sequence[Target], initial: int) -> list[str]:
    options = ", ".join(f"{k}={v}" for k, v in system.options) or "none"
    first = comment_lines(f"spec {system.name} ({system.file or 'no file'}), options: "
                          f"{options}", "")
    first = [first[0], *(" * " + line.removeprefix("   ") for line in first[1:])]
    first[-1] = first[-1].removesuffix(" */")
    return [
        *first,
        " * Generated by rmapsmt: one d_step per IR transition (printf @T<index> names it);",
        " * the monitor (the loop's last option) checks every target in every state.",
        " * Build: spin -a -o2 M.pml; gcc -DSAFETY -DNOREDUCE -DNOCLAIM -DBFS -o pan pan.c",
        " * Run:   ./pan -m<D> -c0 -e -n -E, D = depth + 1 (+ 1 with several initial states);",
        " *        ./pan -S -r<trail>: its @I/@T markers name the initial state and IR steps",
        " *",
        f" * @rmapsmt initial-states {initial}",
        f" * @rmapsmt depth {system.depth}",
        *(f" * @rmapsmt target {t.index} {t.kind} {comment(t.name)}" for t in ts),
        " */",
        "",
    ]
