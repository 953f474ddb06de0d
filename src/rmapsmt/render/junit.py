"""JUnit XML, the format CI systems read: a test suite per run, a test case per gate case.

The cases are the gate's (`expect.gate`): each property, check and cover, and each
expectation, named stably (property names, not lines). A failure carries the
counterexample in its body; an unknown result or bad input is an `<error>`, not a
`<failure>`. Times are in seconds with millisecond precision (the junit schema's).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..expect import Outcome
from ..report import Report
from .text import render_trace

if TYPE_CHECKING:  # `prove --format junit` need not load the matrix runner
    from ..matrix import Cell


def _suite(parent: ET.Element, name: str, report: Report | None, seconds: float,
           problem: str = "") -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", name=name)
    failures = errors = 0
    if report is None:  # the spec did not load, or nothing was decided in time
        case = ET.SubElement(suite, "testcase", classname=name, name="spec")
        ET.SubElement(case, "error", message=problem.splitlines()[0] if problem else "error"
                      ).text = problem
        errors = 1
    else:
        traces = {p.name: p.trace for p in report.result.properties} if report.result else {}
        for c in report.cases:
            case = ET.SubElement(suite, "testcase", classname=name, name=c.name)
            if c.outcome is Outcome.PASS:
                continue
            tag = "failure" if c.outcome is Outcome.FAIL else "error"
            failures += c.outcome is Outcome.FAIL
            errors += c.outcome is Outcome.ERROR
            el = ET.SubElement(case, tag, message=f"{c.span}: {c.message}", type=c.kind)
            trace = traces.get(c.name)
            if trace is not None:
                el.text = "\n".join(render_trace(report.system, trace,
                                                 report.failing_steps(c.name)))
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("time", f"{seconds:.3f}")
    return suite


def _xml(suites: ET.Element) -> str:
    for key in ("tests", "failures", "errors"):
        suites.set(key, str(sum(int(s.get(key, "0")) for s in suites)))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def prove(report: Report) -> str:
    assert report.result is not None
    suites = ET.Element("testsuites", name="rmapsmt prove")
    _suite(suites, report.result.spec, report, report.result.stats.seconds)
    suites.set("time", f"{report.result.stats.seconds:.3f}")
    return _xml(suites)


def matrix(cells: list[Cell], total: float) -> str:
    suites = ET.Element("testsuites", name="rmapsmt matrix", time=f"{total:.3f}")
    for c in cells:
        label = ",".join(f"{k}={v}" for k, v in c.varied)
        _suite(suites, f"{c.result.spec}[{label}]", c.report, c.result.stats.seconds)
    return _xml(suites)


def runs(named: Sequence[tuple[str, Report | None, float, str]], total: float) -> str:
    """`ci`: (job name, report or None, seconds, problem) per job."""
    suites = ET.Element("testsuites", name="rmapsmt ci", time=f"{total:.3f}")
    for name, report, seconds, problem in named:
        _suite(suites, name, report, seconds, problem)
    return _xml(suites)
