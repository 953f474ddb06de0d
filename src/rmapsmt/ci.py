"""`rmapsmt ci`: every spec, under every option combination its expectations mention,
judged by the gate (`expect.gate`).

A job is one spec under one combination of options. Jobs are listed in a fixed
order (spec paths sorted, option values in the order the spec declares them), so
`--shard I/N` (every N-th job from the I-th) spreads the same work over N runners
with every job run exactly once. Jobs run in worker processes; each returns its
report as a plain dict (the shape the proof cache stores) and the parent rebuilds
it against its own load of the spec, so a worker's answer is judged the same way
as an in-process one.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from . import run
from .budget import Budget, OutOfBudget
from .cache import Cache
from .diagnostics import SpecError, render_error
from .expect import Outcome, judge
from .pipeline import load, option_values, read_source
from .report import Report

DEFAULT_PATHS = ("specs", "examples")


@dataclass(frozen=True, slots=True)
class Job:
    path: str
    options: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in self.options)
        return self.path + (f" [{opts}]" if opts else "")


@dataclass(frozen=True, slots=True)
class Run:
    job: Job
    report: Report | None  # None: bad input or nothing decided before the deadline
    problem: str  # the rendered spec error, or why nothing was decided
    bad_input: bool
    seconds: float
    notes: tuple[str, ...] = ()  # proof-cache warnings

    @property
    def outcome(self) -> Outcome:
        if self.report is None:
            return Outcome.FAIL if self.bad_input else Outcome.ERROR
        return self.report.outcome


def discover(paths: Sequence[str]) -> list[str]:
    """The .rmap files under `paths` (directories searched recursively), sorted."""
    found: set[str] = set()
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                found.update(os.path.join(root, f) for f in files if f.endswith(".rmap"))
        elif os.path.exists(p):
            found.add(p)
        else:
            raise SpecError(None, f"{p}: no such file or directory")
    if not found:
        raise SpecError(None, f"no .rmap files under {', '.join(paths)}")
    return sorted(found)


def plan(paths: Sequence[str]) -> list[Job]:
    """One job per spec and combination of the options its `expect ... when`s mention."""
    jobs: list[Job] = []
    for path in discover(paths):
        try:
            gated = option_values(path, gated=True)
        except SpecError:
            jobs.append(Job(path, ()))  # the job reports the error
            continue
        names = list(gated)
        for combo in itertools.product(*(gated[n] for n in names)):
            jobs.append(Job(path, tuple(zip(names, combo, strict=True))))
    return jobs


def shard(jobs: list[Job], spec: str) -> list[Job]:
    """`I/N`: every N-th job from the I-th (1-based)."""
    i, sep, n = spec.partition("/")
    if not sep or not i.isdigit() or not n.isdigit() or not 1 <= int(i) <= int(n):
        raise SpecError(None, f"--shard {spec}: expected I/N with 1 <= I <= N", hint="e.g. 1/4")
    return jobs[int(i) - 1::int(n)]


def run_jobs(jobs: list[Job], engine: str, timeout: float | None, workers: int,
             cache_root: str | None, use_cache: bool, depth: int | None = None,
             merge: bool | None = None) -> list[Run]:
    """Every job (in worker processes when `workers` > 1), in the order given; `merge`
    as `run.prove` takes it (None: the engine's default)."""
    args = [(job, engine, timeout, cache_root, use_cache, depth, merge) for job in jobs]
    if workers <= 1 or len(jobs) <= 1:
        raw = [_work(*a) for a in args]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            raw = list(pool.map(_work, *zip(*args, strict=True)))
    return [_rebuild(job, d) for job, d in zip(jobs, raw, strict=True)]


def _work(job: Job, engine: str, timeout: float | None, cache_root: str | None,
          use_cache: bool, depth: int | None, merge: bool | None) -> dict[str, Any]:
    """One job, as plain data (a worker process sends it back to the parent)."""
    start = time.monotonic()
    cache = Cache(cache_root) if use_cache else None
    budget = Budget.start(timeout, depth=depth)
    try:
        report = run.prove(load(job.path, dict(job.options), budget), engine, budget, cache,
                           merge=merge)
    except SpecError as err:
        try:
            src = read_source(job.path) if err.span is not None else None
        except SpecError:
            src = None
        return {"error": render_error(err, src), "bad_input": True,
                "seconds": time.monotonic() - start}
    except OutOfBudget as err:
        return {"error": f"{err.why} while {err.stage}", "bad_input": False,
                "seconds": time.monotonic() - start}
    notes = cache.notes if cache else []
    return {"report": report.to_dict(), "cached": report.cached, "notes": notes,
            "seconds": time.monotonic() - start}


def _rebuild(job: Job, d: dict[str, Any]) -> Run:
    if "error" in d:
        return Run(job, None, d["error"], d["bad_input"], d["seconds"])
    loaded = load(job.path, dict(job.options))
    stored = Report.from_dict(d["report"], loaded.system, loaded.source)
    assert stored.result is not None
    report = Report(loaded.system, loaded.source, stored.result,
                    judge(loaded.system, stored.result), stored.failing, cached=d["cached"])
    return Run(job, report, "", False, d["seconds"], tuple(d["notes"]))


def exit_code(runs: list[Run]) -> int:
    """2 bad input, else 1 something failed, else 3 something unknown, else 0."""
    if any(r.bad_input for r in runs):
        return 2
    outcomes = {r.outcome for r in runs}
    return 1 if Outcome.FAIL in outcomes else 3 if Outcome.ERROR in outcomes else 0
