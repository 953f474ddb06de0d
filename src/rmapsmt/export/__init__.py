"""Exporters: the same transition system for another model checker.

`promela.to_promela` writes an `ir.System` as Promela, one Spin step per IR
transition; `spin.check` builds and runs Spin on it and maps its trails back to
IR transitions; `spin.replay` re-executes such a trail in the interpreter.
"""

from __future__ import annotations

from .promela import ExportError, Target, targets, to_promela

__all__ = ["ExportError", "Target", "targets", "to_promela"]
