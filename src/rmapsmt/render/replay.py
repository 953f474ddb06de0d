"""What `rmapsmt replay` prints: where a saved counterexample stops being one."""

from __future__ import annotations

from .. import ir
from ..diagnostics import Source
from ..interp import Interpreter
from ..replay import Outcome, Saved
from .diagram import Diagram


def _wrote(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{n} := {v}" for n, v in pairs) or "(no change)"


def text(system: ir.System, source: Source | None, saved: Saved, out: Outcome,
         where: str) -> str:
    lines = [f"replay of the counterexample for {saved.prop} ({len(saved.steps)} steps) "
             f"on {where}:"]
    if not out.started:
        lines.append("  no initial state agrees with the saved one: the spec starts elsewhere")
        return "\n".join([*lines, "verdict: the counterexample does not apply to this spec"])
    d = out.divergence
    if d is not None and d.transition is not None:
        step = f"step {d.index + 1}: {d.step.process} {d.step.label}"
        if d.inserted:
            lines.append(f"  first difference before {step}: {d.step.process} first takes "
                         f"{d.transition.name} (line {d.transition.span.line}), a step the "
                         f"saved trace does not have: {_wrote(d.wrote)}")
        else:
            lines += [f"  first difference at {step} (line {d.transition.span.line})",
                      f"    saved: {_wrote(d.step.wrote)}",
                      f"    now:   {_wrote(d.wrote)}",
                      *(f"    {c}" for c in Diagram(system, source).decided(
                          d.transition, d.before))]
    if out.stuck is not None:
        assert out.last is not None
        can = sorted({t.name for t in Interpreter(system).enabled(out.last)
                      if t.process == out.stuck.process})
        lines += [f"  blocked at step {out.replayed + 1}: {out.stuck.process} "
                  f"{out.stuck.label} cannot run here",
                  f"    {out.stuck.process} can " + ("take " + ", ".join(can) if can
                                                     else "take no step: it waits")]
    else:
        lines.append(f"  replayed all {out.replayed} steps"
                     + (" (as saved)" if d is None else " (by process and label)"))
    if out.still_violates(saved.prop):
        verdict = f"the counterexample still violates {saved.prop}" + (
            "" if d is None else f", although it differs from step {d.index + 1} on")
    elif out.stuck is not None:
        verdict = (f"this spec blocks the counterexample at step {out.replayed + 1} "
                   f"({out.stuck.process} {out.stuck.label} cannot run)")
    elif d is not None:
        verdict = (f"this spec blocks the counterexample at step {d.index + 1} "
                   f"({d.step.process} {d.step.label} behaves differently)")
    else:
        verdict = f"the steps replay unchanged but {saved.prop} no longer fails"
    others = [p for p in out.violated if p != saved.prop]
    if others:
        verdict += "; violated instead: " + ", ".join(others)
    return "\n".join([*lines, f"verdict: {verdict}"])
