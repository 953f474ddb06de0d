"""A solver session: one incremental z3 solver over an `Encoder`, queries inside the budget.

Every engine that talks to z3 does so through a `Session` (benchmarks too):
each query sits in its own push/pop frame, gets the time left as its timeout,
can be interrupted (Ctrl-C) through the budget, and says in words why an
answer was unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import z3
from z3.z3core import (
    Z3_ast_vector_dec_ref,
    Z3_ast_vector_get,
    Z3_ast_vector_inc_ref,
    Z3_ast_vector_size,
    Z3_get_ast_id,
    Z3_solver_assert,
    Z3_solver_check_assumptions,
    Z3_solver_get_unsat_core,
)

from .. import ir
from ..budget import Budget
from ..result import Trace
from .encode import Encoder

SAT, UNSAT, UNKNOWN = z3.sat, z3.unsat, z3.unknown


class Session:
    def __init__(self, system: ir.System, budget: Budget, logic: str | None = "QF_BV") -> None:
        self.budget = budget
        self.enc = Encoder(system, budget=budget)
        # The QF_BV solver bit-blasts to a SAT core: on the flagship it is ~20x faster than
        # the default combined solver at equal answers (bench/bench.py, solver choice).
        self.solver = (z3.SolverFor(logic, ctx=self.enc.ctx) if logic
                       else z3.Solver(ctx=self.enc.ctx))
        self.solver.set("random_seed", 0)
        self.solver.set("max_memory", budget.max_memory_mb)  # past it: unknown, not a crash
        # z3 would take Ctrl-C for itself (cancel one query, then carry on); the budget's
        # watchdog interrupts it instead, and the whole run stops (cancel.py)
        self.solver.set("ctrl_c", False)
        self.calls = 0
        self.why = ""
        self.model: z3.ModelRef | None = None
        self.core: set[int] = set()
        self._unhook = budget.on_interrupt(self.enc.ctx.interrupt)

    def close(self) -> None:
        self._unhook()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def scope(self) -> Iterator[None]:
        """A push/pop frame around several queries: what is added inside goes at its end."""
        self.solver.push()
        try:
            yield
        finally:
            self.solver.pop()

    def add(self, *constraints: z3.ExprRef) -> None:
        """Assert each constraint in one call into z3 (z3py's `add` coerces each in
        Python: a transition step is dozens of frame conditions, asked thousands of times)."""
        ctx, solver = self.enc.ctx.ref(), self.solver.solver
        for c in constraints:
            Z3_solver_assert(ctx, solver, c.as_ast())

    def ask(self, *extra: z3.ExprRef, assume: Sequence[z3.ExprRef] = (),
            want_model: bool = True) -> z3.CheckSatResult:
        """One query in its own push/pop frame, under the assumption literals `assume`
        (after unsat, `core` names those it needed); `why` says why an answer was unknown.

        Without `want_model` a sat answer keeps no model: IC3 asks thousands of yes/no
        questions, and z3 takes milliseconds to extract each model of a big solver."""
        out = self.budget.exhausted()
        if out is not None:
            self.why = out
            return UNKNOWN
        left = self.budget.left()
        if left is not None:
            self.solver.set("timeout", max(1, int(left * 1000)))
        self.calls += 1
        r, pushed = UNKNOWN, False
        try:
            self.solver.push()
            pushed = True
            r = self._query(extra, assume, want_model)
        except z3.Z3Exception as err:
            r = self._out_of_memory(err)
        finally:
            if pushed:
                try:
                    self.solver.pop()
                except z3.Z3Exception as err:
                    r = self._out_of_memory(err)
        return r

    def _out_of_memory(self, err: z3.Z3Exception) -> z3.CheckSatResult:
        """Past `max_memory` z3 throws from any call (push, add, pop): unknown, not a crash;
        the session answers unknown from then on."""
        if "memory" not in str(err):
            raise err
        self.model, self.core, self.why = None, set(), "ran out of memory"
        return UNKNOWN

    def _query(self, extra: Sequence[z3.ExprRef], assume: Sequence[z3.ExprRef],
               want_model: bool) -> z3.CheckSatResult:
        self.add(*extra)
        r = self._check(assume)
        self.model = self.solver.model() if r == SAT and want_model else None
        self.core = self._core_ids() if r == UNSAT and assume else set()
        if r == UNKNOWN:
            said = self.solver.reason_unknown()
            self.why = ("interrupted" if self.budget.cancel.is_set()
                        else "timed out" if "timeout" in said or "canceled" in said
                        else "ran out of memory" if "memory" in said
                        else f"solver returned unknown ({said})")
        return r

    def _check(self, assume: Sequence[z3.ExprRef]) -> z3.CheckSatResult:
        """`solver.check(*assume)` in one call into z3 (z3py coerces each assumption in
        Python: seconds, with the thousands of candidate flags of Houdini)."""
        if not assume:
            return self.solver.check()
        arr = (z3.Ast * len(assume))(*(a.as_ast() for a in assume))
        ctx = self.enc.ctx
        r = Z3_solver_check_assumptions(ctx.ref(), self.solver.solver, len(assume), arr)
        return z3.CheckSatResult(r)

    def _core_ids(self) -> set[int]:
        """The unsat core as term ids (z3 terms overload ==; `in_core` looks ids up), read
        through the C API: z3py wraps every element in Python objects, and IC3 reads
        thousands of cores."""
        ctx = self.enc.ctx.ref()
        vec = Z3_solver_get_unsat_core(ctx, self.solver.solver)
        Z3_ast_vector_inc_ref(ctx, vec)
        try:
            return {Z3_get_ast_id(ctx, Z3_ast_vector_get(ctx, vec, i))
                    for i in range(Z3_ast_vector_size(ctx, vec))}
        finally:
            Z3_ast_vector_dec_ref(ctx, vec)

    def in_core(self, literal: z3.ExprRef) -> bool:
        return literal.get_id() in self.core

    def holds_in_model(self, e: z3.ExprRef) -> bool:
        assert self.model is not None
        return bool(z3.is_true(self.model.eval(e, model_completion=True)))

    def trace(self, k: int) -> Trace:
        assert self.model is not None
        states, steps = self.enc.read_trace(self.model, k)
        return Trace(states, steps)
