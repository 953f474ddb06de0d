"""The hand-verdict corpus: tests/corpus/*.rmap, every spec against every engine.

Each spec covers one corner of the language semantics, and its leading comment
block states the expected outcome, worked out BY HAND from the semantics (not
copied from a run of the tool). Annotation lines (one or more per line,
separated by ' | '):

    // verdict: holds | violated | vacuous
    // complete: yes | no | any
    // holds: NAME                 a named property (invariant, named assert) holds
    // violated: NAME at N         ... is violated; its shortest counterexample has N steps
    // holds: KIND line L          a run-time check (range, index, div, lock, assert for an
    // violated: KIND line L at N  unnamed assert), addressed by its kind and spec line
    // vacuous: NAME               a property reported vacuous
    // cover: NAME at N            reached, shortest at depth N
    // cover: NAME unreached
    // deadlock: violated at N | deadlock: holds | deadlock: off   (off: `allow deadlock`)

Every annotation is checked exactly; a property that is not listed must not be
violated, and every cover must be listed. A violated property's (and a reached
cover's) trace must have exactly the stated number of steps.

`complete: yes`: every engine must report complete (all runs are at most the
spec's `depth` long). `complete: no`: some run is infinite (a loop that never
ends), so BMC can only say "holds up to k" and must report complete=false; the
state space of these specs is finite and their `depth` covers its diameter, so
the explicit-state engine is expected to exhaust it and report complete=true
(see COMPLETE_WHEN_UNBOUNDED). `complete: any`: not checked (e.g. no initial
state at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_cli

import rmapsmt.engines

# The engines every corpus spec is proved with. New engines are added HERE (and,
# for `complete: no` specs, to COMPLETE_WHEN_UNBOUNDED if their behaviour is known).
ENGINES = tuple(rmapsmt.engines.ENGINES)  # every registered engine, new ones included

# What each engine must report as `complete` for a `complete: no` spec (infinite runs,
# finite state space within the spec's depth). Engines not listed are not checked.
COMPLETE_WHEN_UNBOUNDED: dict[str, bool] = {"bmc": False, "explicit": True}

CORPUS = ROOT / "tests" / "corpus"
SPECS = sorted(CORPUS.glob("*.rmap"))

EXIT_CODES = {"holds": 0, "violated": 1, "vacuous": 1}
RUNTIME_KINDS = ("range", "index", "div", "lock")
KEYS = ("verdict", "complete", "holds", "violated", "vacuous", "cover", "deadlock")
_ANNOTATION = re.compile(rf"^({'|'.join(KEYS)}):\s*(.*)$")
_PROP = re.compile(r"^(?:(?P<kind>[a-z]+) line (?P<line>\d+)|(?P<name>[A-Za-z_][\w@]*))"
                   r"(?: at (?P<depth>\d+))?$")
_COVER = re.compile(r"^(?P<name>[A-Za-z_]\w*) (?:at (?P<depth>\d+)|(?P<unreached>unreached))$")
_DEADLOCK = re.compile(r"^(?:violated at (?P<depth>\d+)|(?P<word>holds|off))$")


@dataclass(frozen=True)
class PropExpect:
    verdict: str  # holds | violated | vacuous
    name: str | None  # a named property, or
    kind: str | None  # a check addressed by kind ...
    line: int | None  # ... and line
    depth: int | None  # for violated

    def describe(self) -> str:
        return self.name if self.name is not None else f"{self.kind} line {self.line}"


@dataclass
class Expected:
    verdict: str = ""
    complete: str = ""
    props: list[PropExpect] = field(default_factory=list)
    covers: dict[str, int | None] = field(default_factory=dict)  # None: unreached
    deadlock: tuple[str, int | None] | None = None  # ("violated", N) | ("holds"|"off", None)


def parse_expected(path: Path) -> Expected:
    """The annotations of the spec's leading comment block."""
    exp = Expected()
    for raw in path.read_text().splitlines():
        if not raw.startswith("//"):
            break
        for part in raw[2:].strip().split(" | "):
            m = _ANNOTATION.match(part.strip())
            if m is None:
                continue  # prose
            key, value = m.group(1), m.group(2).strip()
            if key == "verdict":
                assert value in EXIT_CODES, f"{path.name}: bad verdict {value!r}"
                exp.verdict = value
            elif key == "complete":
                assert value in ("yes", "no", "any"), f"{path.name}: bad complete {value!r}"
                exp.complete = value
            elif key in ("holds", "violated", "vacuous"):
                pm = _PROP.match(value)
                assert pm is not None, f"{path.name}: bad property annotation {part!r}"
                depth = int(pm["depth"]) if pm["depth"] is not None else None
                assert (depth is not None) == (key == "violated"), (
                    f"{path.name}: 'at N' goes with (and only with) violated: {part!r}")
                exp.props.append(PropExpect(
                    key, pm["name"], pm["kind"], int(pm["line"]) if pm["line"] else None, depth))
            elif key == "cover":
                cm = _COVER.match(value)
                assert cm is not None, f"{path.name}: bad cover annotation {part!r}"
                exp.covers[cm["name"]] = None if cm["unreached"] else int(cm["depth"])
            elif key == "deadlock":
                dm = _DEADLOCK.match(value)
                assert dm is not None, f"{path.name}: bad deadlock annotation {part!r}"
                exp.deadlock = (("violated", int(dm["depth"])) if dm["depth"] is not None
                                else (dm["word"], None))
    assert exp.verdict, f"{path.name}: no '// verdict:' annotation"
    assert exp.complete, f"{path.name}: no '// complete:' annotation"
    return exp


@cache
def prove(path: Path, engine: str) -> tuple[int, dict[str, Any]]:
    r = run_cli("prove", str(path), "--format", "json", "--engine", engine)
    assert r.exit_code in (0, 1, 3), f"exit {r.exit_code}: {r.stdout}{r.stderr}"
    return r.exit_code, r.report


def _matches(p: dict[str, Any], e: PropExpect) -> bool:
    if e.name is not None:
        return bool(p["name"] == e.name)
    return bool(p["kind"] == e.kind and p["line"] == e.line)


def _check_trace(what: str, trace: dict[str, Any] | None, depth: int) -> None:
    assert trace is not None, f"{what}: no trace"
    assert len(trace["steps"]) == depth, (
        f"{what}: counterexample has {len(trace['steps'])} steps, expected {depth}")
    assert trace["length"] == depth, f"{what}: trace length {trace['length']} != {depth}"


def test_corpus_is_large_enough() -> None:
    assert len(SPECS) >= 60


# What a line must contain to carry a check of each kind (a guard against a mistyped line:
# a `holds:` run-time check may legitimately be absent from the report).
_KIND_TEXT = {"range": ":=", "index": "[", "div": ("/", "%"), "lock": "release", "assert": "assert"}


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_annotated_lines_are_code(path: Path) -> None:
    lines = path.read_text().splitlines()
    for e in parse_expected(path).props:
        if e.kind is None:
            continue
        assert e.kind in _KIND_TEXT, f"{path.name}: unknown check kind {e.kind!r}"
        assert e.line is not None and 1 <= e.line <= len(lines), f"{path.name}: {e.describe()}"
        code = lines[e.line - 1].split("//")[0]
        want = _KIND_TEXT[e.kind]
        assert any(w in code for w in ((want,) if isinstance(want, str) else want)), (
            f"{path.name}: {e.describe()} is not a line that can fail a {e.kind} check: {code!r}")


# the fast tier runs the two engines that share no code (solver, interpreter); the full
# suite runs every registered engine
FAST_ENGINES = ("bmc", "explicit")


@pytest.mark.parametrize("engine", [e if e in FAST_ENGINES else
                                    pytest.param(e, marks=pytest.mark.slow) for e in ENGINES])
@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_corpus(path: Path, engine: str) -> None:
    exp = parse_expected(path)
    code, rep = prove(path, engine)
    props: list[dict[str, Any]] = rep["properties"]
    where = f"{path.name} [{engine}]"

    assert rep["verdict"] == exp.verdict, f"{where}: verdict {rep['verdict']} ({rep['reason']})"
    assert code == EXIT_CODES[exp.verdict], f"{where}: exit code {code}"

    if exp.complete == "yes":
        assert rep["complete"] is True, f"{where}: expected a complete result"
    elif exp.complete == "no" and engine in COMPLETE_WHEN_UNBOUNDED:
        assert rep["complete"] is COMPLETE_WHEN_UNBOUNDED[engine], (
            f"{where}: complete={rep['complete']}, expected {COMPLETE_WHEN_UNBOUNDED[engine]}")

    listed: set[int] = set()
    for e in exp.props:
        hits = [i for i, p in enumerate(props) if _matches(p, e)]
        what = f"{where}: {e.describe()}"
        if not hits and e.verdict == "holds" and e.kind in RUNTIME_KINDS:
            continue  # a run-time check the tool discharged statically: it holds
        assert hits, f"{what}: no matching property in the report"
        if e.name is None and e.kind in RUNTIME_KINDS:
            # one line may carry several checks of a kind (a call's argument, its result and
            # the assignment): "violated" means exactly one of them fails, "holds" none
            bad = [i for i in hits if props[i]["verdict"] != "holds"]
            assert len(bad) == (e.verdict != "holds"), (
                f"{what}: {len(bad)} of {len(hits)} checks on the line are not 'holds'")
            hits = bad or hits[:1]
        assert len(hits) == 1, f"{what}: {len(hits)} matching properties in the report"
        listed.update(hits)
        p = props[hits[0]]
        assert p["verdict"] == e.verdict, f"{what}: {p['verdict']}, expected {e.verdict}"
        if e.verdict == "violated":
            assert e.depth is not None
            assert p["depth"] == e.depth, f"{what}: depth {p['depth']}, expected {e.depth}"
            _check_trace(what, p["trace"], e.depth)

    dead = [i for i, p in enumerate(props) if p["kind"] == "deadlock"]
    if exp.deadlock is not None:
        word, depth = exp.deadlock
        if word == "off":
            assert not any(props[i]["verdict"] == "violated" for i in dead), (
                f"{where}: deadlock reported although the spec allows it")
        else:
            assert len(dead) == 1, f"{where}: {len(dead)} deadlock properties"
            p = props[dead[0]]
            assert p["verdict"] == word, f"{where}: deadlock {p['verdict']}, expected {word}"
            if depth is not None:
                assert p["depth"] == depth, f"{where}: deadlock at {p['depth']}, expected {depth}"
                _check_trace(f"{where}: deadlock", p["trace"], depth)
        listed.update(dead)

    for i, p in enumerate(props):
        if i not in listed:
            assert p["verdict"] != "violated", (
                f"{where}: {p['name']} ({p['kind']}, line {p['line']}) is violated at depth "
                f"{p['depth']} but the spec does not expect it")

    if exp.verdict == "violated":
        first = next((p for p in props if p["name"] == rep["property"]), None)
        assert first is not None and first["verdict"] == "violated", (
            f"{where}: the reported property {rep['property']} is not a violated one")
        assert rep["trace"]["length"] == first["depth"], f"{where}: top-level trace length"

    covers = {c["name"]: c for c in rep["covers"]}
    assert set(covers) == set(exp.covers), (
        f"{where}: covers {sorted(covers)} but annotated {sorted(exp.covers)}")
    for name, cdepth in exp.covers.items():
        c = covers[name]
        if cdepth is None:
            assert c["reached"] is False, f"{where}: cover {name} reached at {c['depth']}"
        else:
            assert c["reached"] is True, f"{where}: cover {name} not reached"
            assert c["depth"] == cdepth, f"{where}: cover {name} at {c['depth']}, expected {cdepth}"
            _check_trace(f"{where}: cover {name}", c["trace"], cdepth)
