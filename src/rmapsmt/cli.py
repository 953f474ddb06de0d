"""The `rmapsmt` command. Thin: parse arguments, run the pipeline, render, exit.

Exit codes: 0 every property holds (within the bound, or for all executions),
1 a property is violated or the check is vacuous, 2 bad input, 3 unknown
(timeout, solver gave up), 70 internal error (a trace failed to replay),
130 interrupted (Ctrl-C; what was established is still reported).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, NoReturn

import typer

from . import run
from .budget import (
    DEFAULT_MAX_MEMORY_MB,
    DEFAULT_MAX_STATES,
    MAX_MEMORY_MB,
    MAX_TIMEOUT_S,
    Budget,
    OutOfBudget,
)
from .cancel import Signals
from .diagnostics import SpecError, render_error
from .engines import ENGINES
from .expect import Outcome
from .interp import ReplayError, TooManyStates
from .lang.parser import parse
from .pipeline import Loaded, load, parse_sets, read_source
from .render import json as json_render
from .render import junit as junit_render
from .render import progress
from .render import text as text_render
from .report import Report
from .result import HOLDS, UNKNOWN, VIOLATED, Result

EXIT_HOLDS, EXIT_VIOLATED, EXIT_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3
EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,  # plain help: no raw type placeholders
                  help="Prove or refute race-freedom properties of memory-management specs.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"rmapsmt {version('rmapsmt')} (z3 {version('z3-solver')}, "
                   f"lark {version('lark')}, Python {sys.version.split()[0]})")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the versions of rmapsmt, z3 and lark, then exit.")] = False) -> None:
    """Prove or refute race-freedom properties of memory-management specs."""


class Format(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"


class TableFormat(StrEnum):
    text = "text"
    md = "md"
    json = "json"
    junit = "junit"


Engine = StrEnum("Engine", {name: name for name in ENGINES})  # type: ignore[misc]
ENGINE_HELP = "; ".join(f"{name}: {doc}" for name, (_, _, doc) in ENGINES.items())


def _timeout(value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
        raise typer.BadParameter(f"a number of seconds in (0, {MAX_TIMEOUT_S:g}]")
    return value


SpecArg = Annotated[str, typer.Argument(metavar="SPEC", help="The .rmap spec file.")]
SpecsArg = Annotated[list[str], typer.Argument(metavar="SPEC", help="The .rmap spec files.")]
SetOpt = Annotated[list[str], typer.Option("--set", metavar="NAME=VALUE",
                                           help="Override an option declared in the spec.")]
DepthOpt = Annotated[int | None, typer.Option("-k", "--depth", min=0, max=10_000, metavar="N",
                                              help="Bound (default: the spec's 'depth').")]
TimeoutOpt = Annotated[float | None, typer.Option(
    callback=_timeout, metavar="SECONDS",
    help="Bound the whole command (reading, lowering, solving, replay) to SECONDS; on "
    "timeout: exit 3, reporting what was established and which stage ran out.")]
MemoryOpt = Annotated[int, typer.Option(min=16, max=MAX_MEMORY_MB, metavar="MB",
                                        help="Solver memory cap; past it the result is "
                                        "unknown (exit 3).")]
StatesOpt = Annotated[int, typer.Option(min=1, max=1 << 31, metavar="N",
                                        help="State cap of the explicit engine.")]
EngineOpt = Annotated[Engine, typer.Option(help=ENGINE_HELP)]
MergeOpt = Annotated[bool | None, typer.Option(
    "--merge/--no-merge", help="Merge steps that commute with every other process's steps "
    "into the step after them, where Z3 shows that changes no verdict (default: for bmc, "
    "kind and pdr, and auto's workers; not for the explicit engine).")]
HtmlOpt = Annotated[str | None, typer.Option(
    metavar="FILE", help="Also write a self-contained HTML report to FILE.")]


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        _fail_input(SpecError(None, f"{path}: cannot write: {err.strerror}"), None)


# ----------------------------------------------------------------- failures


def _fail_input(err: SpecError, path: str | None) -> NoReturn:
    src = None
    if path is not None and err.span is not None:
        try:
            src = read_source(path)
        except SpecError:
            src = None
    typer.echo(render_error(err, src), err=True)
    raise typer.Exit(EXIT_INPUT)


def _out_of_budget(err: OutOfBudget, budget: Budget, spec: str, fmt: str) -> NoReturn:
    """The run stopped before any property was checked: say where, claim nothing."""
    spent = f" (after {budget.timeout:g} s)" if budget.timeout and err.why == "timed out" else ""
    reason = f"{err.why} while {err.stage}{spent}; nothing was checked"
    if fmt == "json":
        typer.echo(json.dumps({"format": json_render.FORMAT, "spec": spec,
                               "verdict": "unknown", "complete": False,
                               "bound": -1, "reason": reason, "property": None, "trace": None,
                               "properties": [], "covers": [], "warnings": []}, indent=2))
    else:
        typer.echo(f"verdict: UNKNOWN: {reason}")
    raise typer.Exit(EXIT_INTERRUPTED if err.why == "interrupted" else EXIT_UNKNOWN)


def _replay_failed(err: ReplayError) -> NoReturn:
    typer.echo(f"rmapsmt: internal error: a counterexample did not replay in the "
               f"interpreter: {err}\nThis is a bug in rmapsmt; the trace is not shown.",
               err=True)
    raise typer.Exit(EXIT_INTERNAL)


@contextmanager
def _session(spec: str, fmt: str, budget: Budget) -> Iterator[Signals]:
    """Signals installed, and every way a run can stop turned into its exit code."""
    with Signals(budget).installed() as signals:
        try:
            yield signals
        except SpecError as err:
            _fail_input(err, spec)
        except OutOfBudget as err:
            _out_of_budget(err, budget, spec, fmt)
        except ReplayError as err:
            _replay_failed(err)


def _load(spec: str, sets: list[str], budget: Budget, signals: Signals) -> Loaded:
    with signals.abrupt():  # the front end keeps nothing worth saving: stop it at once
        return load(spec, parse_sets(sets), budget)


def exit_code(result: Result, budget: Budget | None = None) -> int:
    if budget is not None and budget.cancel.is_set() and result.verdict != VIOLATED:
        return EXIT_INTERRUPTED
    if result.verdict == HOLDS:
        return EXIT_HOLDS
    if result.verdict == UNKNOWN:
        return EXIT_UNKNOWN
    return EXIT_VIOLATED


RENDER: dict[Format, Callable[[Report], str]] = {
    Format.text: text_render.render, Format.json: json_render.render,
    Format.junit: junit_render.prove,
}


# ----------------------------------------------------------------- commands


@app.command()
def prove(
    spec: SpecArg,
    depth: DepthOpt = None,
    sets: SetOpt = [],  # noqa: B006  (typer reads the default; it is never mutated)
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    timeout: TimeoutOpt = None,
    engine: EngineOpt = Engine.auto,  # type: ignore[attr-defined]
    max_memory: MemoryOpt = DEFAULT_MAX_MEMORY_MB,
    max_states: StatesOpt = DEFAULT_MAX_STATES,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="No progress display on the terminal.")] = False,
    diagram: Annotated[bool | None, typer.Option(
        "--diagram/--no-diagram", help="Show counterexamples as race diagrams, one column "
        "per process (default: on a terminal).")] = None,
    full_state: Annotated[bool, typer.Option(
        "--full-state", help="Show every variable of a counterexample's initial state, not "
        "only those it writes.")] = False,
    html: HtmlOpt = None,
    merge: MergeOpt = None,
) -> None:
    """Check every property of SPEC: prove it, or print the shortest interleaving that breaks it."""
    with progress.shown(not quiet and fmt == Format.text) as display:
        budget = Budget.start(timeout, depth=depth, max_memory_mb=max_memory,
                              max_states=max_states)
        budget = replace(budget, progress=display)
        with _session(spec, fmt.value, budget) as signals:
            loaded = _load(spec, sets, budget, signals)
            with signals.abrupt(grace=1.0):  # a backstop: engines stop on their own
                report = run.prove(loaded, engine.value, budget, merge=merge)
    if html is not None:
        from .render import html as html_render
        _write(html, html_render.prove(report))
    if fmt is Format.text:
        tty = sys.stdout.isatty()
        typer.echo(text_render.render(report, diagram=tty if diagram is None else diagram,
                                      width=shutil.get_terminal_size().columns if tty else 100,
                                      unicode=tty, full_state=full_state))
    else:
        typer.echo(RENDER[fmt](report))
    assert report.result is not None
    # The exit code is the verdict's; `matrix` is the gate that fails on unmet expectations.
    raise typer.Exit(exit_code(report.result, budget))


@app.command()
def matrix(
    spec: SpecArg,
    vary: Annotated[list[str], typer.Option(
        "--vary", metavar="OPTION[=V1,V2]",
        help="An option to range over, all its values or those listed (repeatable).")],
    sets: SetOpt = [],  # noqa: B006
    fmt: Annotated[TableFormat, typer.Option("--format", help="Table format.")] = TableFormat.text,
    depth: DepthOpt = None,
    engine: EngineOpt = Engine.auto,  # type: ignore[attr-defined]
    timeout: Annotated[float | None, typer.Option(
        callback=_timeout, metavar="SECONDS", help="Bound each cell's run to SECONDS.")] = None,
    baseline: Annotated[str | None, typer.Option(
        metavar="OPTION=VALUE", help="Judge each passing cell against this setting, e.g. "
        "fix=none: a fix whose removal changes nothing is reported 'not needed'.")] = None,
    jobs: Annotated[int, typer.Option(min=0, max=256, metavar="N",
                                      help="Cells in parallel (0, the default: the CPU count)."
                                      )] = 0,
    html: HtmlOpt = None,
    merge: MergeOpt = None,
) -> None:
    """Prove SPEC under every combination of the --vary options (exit 0 iff all meet `expect`)."""
    from .matrix import run_matrix  # subcommands import what only they use: a fast `prove`
    from .render import matrix as matrix_render
    started = time.monotonic()
    try:
        base = None
        if baseline is not None:
            (name, value), = parse_sets([baseline]).items()
            base = (name, value)
        cells = run_matrix(spec, vary, parse_sets(sets), engine.value, depth, base, timeout,
                           jobs or os.cpu_count() or 1, merge)
    except SpecError as err:
        _fail_input(err, spec)
    except ReplayError as err:
        _replay_failed(err)
    total = time.monotonic() - started
    render = {TableFormat.text: matrix_render.text, TableFormat.md: matrix_render.markdown,
              TableFormat.json: matrix_render.as_json, TableFormat.junit: junit_render.matrix}[fmt]
    typer.echo(render(cells, total))
    if html is not None:
        _write(html, matrix_render.html(spec, cells))
    raise typer.Exit(_gate_exit([c.report.outcome for c in cells]))


@app.command()
def ci(
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATH", help="Spec files or directories (default: specs/ and examples/).")
    ] = None,
    jobs: Annotated[int, typer.Option(min=0, max=256, metavar="N",
                                      help="Runs in parallel (0, the default: the CPU count)."
                                      )] = 0,
    timeout: Annotated[float | None, typer.Option(
        callback=_timeout, metavar="SECONDS", help="Bound each run to SECONDS.")] = None,
    shard: Annotated[str | None, typer.Option(
        metavar="I/N", help="Only every N-th run from the I-th: N runners, each run once.")
    ] = None,
    engine: EngineOpt = Engine.auto,  # type: ignore[attr-defined]
    junit: Annotated[str | None, typer.Option(metavar="FILE", help="Write JUnit XML.")] = None,
    sarif: Annotated[str | None, typer.Option(metavar="FILE", help="Write SARIF 2.1.0.")
                     ] = None,
    json_out: Annotated[str | None, typer.Option(
        "--json", metavar="FILE", help="Write the JSON report (format rmapsmt-ci/1).")] = None,
    cache: Annotated[str | None, typer.Option(
        metavar="DIR", help="The proof cache (default: ~/.cache/rmapsmt/proofs).")] = None,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Neither read nor write the proof cache.")] = False,
    html: HtmlOpt = None,
    merge: MergeOpt = None,
) -> None:
    """The CI gate: every spec under every option combination its `expect`s mention, judged
    strictly (exit 0 all met, 1 something unmet, 2 bad input, 3 something unknown)."""
    from . import ci as ci_run
    from .render import ci as ci_render
    started = time.monotonic()
    try:
        planned = ci_run.plan(paths or list(ci_run.DEFAULT_PATHS))
        if shard is not None:
            planned = ci_run.shard(planned, shard)
        runs = ci_run.run_jobs(planned, engine.value, timeout, jobs or os.cpu_count() or 1,
                               cache, not no_cache, merge=merge)
    except SpecError as err:
        _fail_input(err, None)
    except ReplayError as err:
        _replay_failed(err)
    total = time.monotonic() - started
    for note in sorted({n for r in runs for n in r.notes}):
        typer.echo(f"warning: {note}", err=True)
    writers: list[tuple[str | None, Callable[[], str]]] = [
        (junit, lambda: ci_render.junit_xml(runs, total)),
        (sarif, lambda: ci_render.sarif_json(runs)),
        (json_out, lambda: ci_render.as_json(runs, total)),
        (html, lambda: ci_render.html(runs, total))]
    for path, render in writers:
        if path is not None:
            _write(path, render())
    typer.echo(ci_render.text(runs, total), nl=False)
    raise typer.Exit(ci_run.exit_code(runs))


@app.command()
def replay(
    trace: Annotated[str, typer.Argument(
        metavar="TRACE", help="A report saved with `rmapsmt prove --format json`.")],
    spec: SpecArg,
    sets: SetOpt = [],  # noqa: B006
    prop: Annotated[str | None, typer.Option(
        "--property", metavar="NAME",
        help="Whose counterexample (default: the report's shortest).")] = None,
) -> None:
    """Replay a saved counterexample on SPEC (edited, or under other --set options): where
    does it stop being one? Exit 1 if it still violates its property, else 0."""
    from . import replay as replay_run
    from .render import replay as replay_render
    budget = Budget.start()
    try:
        with open(trace, encoding="utf-8") as f:
            saved = replay_run.saved_from_json(json.load(f), prop)
    except (OSError, json.JSONDecodeError) as err:
        _fail_input(SpecError(None, f"{trace}: cannot read a saved report: {err}"), None)
    except SpecError as err:
        _fail_input(SpecError(None, f"{trace}: {err.message}"), None)
    with _session(spec, "text", budget) as signals:
        loaded = _load(spec, sets, budget, signals)
    out = replay_run.replay(loaded.system, saved)
    opts = ", ".join(f"{k}={v}" for k, v in loaded.system.options)
    typer.echo(replay_render.text(loaded.system, loaded.source, saved, out,
                                  spec + (f" [{opts}]" if opts else "")))
    raise typer.Exit(EXIT_VIOLATED if out.still_violates(saved.prop) else EXIT_HOLDS)


@app.command()
def fmt(
    specs: SpecsArg,
    check_only: Annotated[bool, typer.Option(
        "--check", help="Change nothing; exit 1 if a file is not in canonical layout.")] = False,
    write: Annotated[bool, typer.Option(
        "--write", "-w", help="Rewrite the files in place instead of printing them.")] = False,
) -> None:
    """Print each SPEC in canonical layout (indentation, whitespace; comments and line
    numbers kept). The spec must parse; its meaning never changes."""
    from .lang.layout import layout
    changed = []
    for spec in specs:
        try:
            source = read_source(spec)
            parse(source)
        except SpecError as err:
            _fail_input(err, spec)
        text = layout(source.text)
        if text != source.text:
            changed.append(spec)
            if write:
                with open(spec, "w", encoding="utf-8") as f:
                    f.write(text)
        if not (write or check_only):
            typer.echo(text, nl=False)
    if check_only:
        for spec in changed:
            typer.echo(f"{spec}: not in canonical layout (rmapsmt fmt --write {spec})")
        raise typer.Exit(EXIT_VIOLATED if changed else EXIT_HOLDS)


@app.command()
def check(specs: SpecsArg, sets: SetOpt = []) -> None:  # noqa: B006
    """Parse and check each SPEC without running a solver (exit 2 if any is malformed)."""
    code = EXIT_HOLDS
    for spec in specs:
        budget = Budget.start()
        try:
            with _session(spec, "text", budget) as signals:
                report = run.describe(_load(spec, sets, budget, signals))
        except typer.Exit as stop:  # its error is printed; go on with the next spec
            code = max(code, stop.exit_code)
            continue
        typer.echo(text_render.summary(report))
    raise typer.Exit(code)


class ExportFormat(StrEnum):
    promela = "promela"


@app.command()
def export(
    spec: SpecArg,
    to: Annotated[ExportFormat, typer.Option("--to", help="Target language.")],
    sets: SetOpt = [],  # noqa: B006
    output: Annotated[str | None, typer.Option("-o", "--output", metavar="FILE",
                                               help="Write here instead of stdout.")] = None,
    only: Annotated[str | None, typer.Option(
        "--only", metavar="PROPERTY", help="Check only this property or cover.")] = None,
) -> None:
    """Write SPEC's transition system for another model checker: the very same atomic steps,
    properties and covers (Spin: `spin -a -o2`, then `gcc -DSAFETY -DNOREDUCE -DBFS`)."""
    from .export import ExportError, to_promela

    budget = Budget.start()
    with _session(spec, "text", budget) as signals:
        system = _load(spec, sets, budget, signals).system
    try:
        text = to_promela(system, only)
    except ExportError as err:
        typer.echo(f"rmapsmt: cannot export {spec}: {err}", err=True)
        raise typer.Exit(EXIT_INPUT) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        with open(output, "w") as f:
            f.write(text)


@app.command()
def simulate(
    spec: SpecArg,
    steps: Annotated[int, typer.Option(min=0, max=1_000_000, metavar="N",
                                       help="Maximum steps.")] = 50,
    seed: Annotated[int, typer.Option(metavar="S",
                                      help="Random seed: the same seed gives the same run.")] = 0,
    sets: SetOpt = [],  # noqa: B006
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Run SPEC once with random scheduling in the interpreter (no solver)."""
    budget = Budget.start()
    with _session(spec, fmt.value, budget) as signals:
        loaded = _load(spec, sets, budget, signals)
        try:
            report = run.simulate(loaded, steps, seed, budget)
        except TooManyStates as err:
            typer.echo(f"rmapsmt: {err}", err=True)
            raise typer.Exit(EXIT_VIOLATED) from None
    render = json_render.simulation if fmt == Format.json else text_render.simulation
    typer.echo(render(report))
    assert report.simulation is not None
    raise typer.Exit(EXIT_VIOLATED if report.simulation.violated else EXIT_HOLDS)


def _gate_exit(outcomes: list[Outcome]) -> int:
    """The gate's exit code: 1 if anything failed, else 3 if anything is unknown, else 0."""
    if Outcome.FAIL in outcomes:
        return EXIT_VIOLATED
    return EXIT_UNKNOWN if Outcome.ERROR in outcomes else EXIT_HOLDS


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("rmapsmt: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except MemoryError:
        typer.echo("rmapsmt: out of memory; try a smaller -k/--depth or fewer options", err=True)
        sys.exit(EXIT_UNKNOWN)
    except Exception as err:  # a bug in rmapsmt: say so plainly, keep the traceback opt-in
        if os.environ.get("RMAPSMT_DEBUG"):
            raise
        typer.echo(f"rmapsmt: internal error: {type(err).__name__}: {err}\n"
                   "This is a bug in rmapsmt; RMAPSMT_DEBUG=1 shows the traceback.", err=True)
        sys.exit(EXIT_INTERNAL)
