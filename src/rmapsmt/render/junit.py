"""JUnit XML, the format CI systems read: one test case per property or matrix cell."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..matrix import Cell
from ..report import Report
from ..result import HOLDS, VIOLATED


def _xml(suite: ET.Element) -> str:
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def prove(report: Report) -> str:
    """A property fails the test when it is violated, or when the run is not a pass."""
    r, judgements = report.result, report.judgements
    assert r is not None
    suite = ET.Element("testsuite", name=f"rmapsmt.{r.spec}", time=f"{r.stats.seconds:.3f}")
    failures = 0
    for p in r.properties:
        case = ET.SubElement(suite, "testcase", classname=r.spec, name=p.name)
        if p.verdict == VIOLATED:
            failures += 1
            length = p.trace.length if p.trace else 0
            ET.SubElement(case, "failure", message=f"violated in {length} steps")
        elif p.verdict != HOLDS:
            failures += 1
            ET.SubElement(case, "failure", message=f"{p.verdict}: {r.reason}")
        elif not r.complete:
            ET.SubElement(case, "system-out").text = f"holds up to {r.bound} steps (bounded)"
    for j in judgements:
        case = ET.SubElement(suite, "testcase", classname=f"{r.spec}.expect",
                             name=f"line {j.expectation.span.line}")
        if not j.met:
            failures += 1
            ET.SubElement(case, "failure", message=j.describe())
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    return _xml(suite)


def matrix(cells: list[Cell], total: float) -> str:
    """A cell fails the test when it does not meet the spec's expectations."""
    name = cells[0].result.spec if cells else "matrix"
    suite = ET.Element("testsuite", name=f"rmapsmt.{name}.matrix", time=f"{total:.3f}")
    failures = 0
    for c in cells:
        label = ",".join(f"{k}={v}" for k, v in c.varied)
        case = ET.SubElement(suite, "testcase", classname=f"{name}.matrix", name=label,
                             time=f"{c.result.stats.seconds:.3f}")
        ET.SubElement(case, "system-out").text = (
            f"{c.result.verdict}" + ("" if c.result.complete else " (bounded)"))
        if not c.matches:
            failures += 1
            ET.SubElement(case, "failure", message="; ".join(
                j.describe() for j in c.judgements if not j.met))
    suite.set("tests", str(len(cells)))
    suite.set("failures", str(failures))
    return _xml(suite)
