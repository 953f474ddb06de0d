"""`rmapsmt ci`: the strict gate, its reports (validated against their schemas), sharding
and the proof cache. Each hole the CI-gate issue lists has a test here."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import FLAGSHIP, ROOT, Run, run_cli
from lxml import etree

from rmapsmt import ci

pytestmark = pytest.mark.slow  # solver runs over whole spec directories

DATA = Path(__file__).resolve().parent / "data"
ORPHAN = "no_orphaned_migration_entry"


def ci_run(tmp_path: Path, *args: str | Path) -> tuple[Run, dict[str, Any]]:
    """`rmapsmt ci ARGS --json F` with a private cache; the JSON report parsed."""
    out = tmp_path / "ci.json"
    r = run_cli("ci", *args, "--jobs", "1", "--cache", tmp_path / "cache", "--json", out)
    return r, json.loads(out.read_text())


def validate_sarif(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    return doc


def validate_junit(path: Path) -> Any:
    xsd = etree.XMLSchema(etree.parse(str(DATA / "junit.xsd")))
    doc = etree.parse(str(path))
    xsd.assertValid(doc)
    return doc


def validate_json(doc: dict[str, Any]) -> None:
    schema = json.loads(resources.files("rmapsmt").joinpath("schemas/ci-report.json")
                        .read_text())
    jsonschema.Draft7Validator(schema).validate(doc)


# ------------------------------------------------------------- the repository


def test_the_repository_passes_the_gate_and_every_report_validates(tmp_path: Path,
                                                                   monkeypatch: Any) -> None:
    monkeypatch.chdir(ROOT)
    r = run_cli("ci", "--jobs", "2", "--cache", tmp_path / "cache", "--junit",
                tmp_path / "out.xml", "--sarif", tmp_path / "out.sarif", "--json",
                tmp_path / "out.json")
    assert r.exit_code == 0, r.stdout
    doc = json.loads((tmp_path / "out.json").read_text())
    validate_json(doc)
    specs = {run["spec"] for run in doc["runs"]}
    assert specs == {str(p.relative_to(ROOT)) for d in ("specs", "examples")
                     for p in (ROOT / d).glob("*.rmap")}
    # every combination of the options the flagship's expectations mention
    flagship = [run for run in doc["runs"] if run["spec"] == "specs/shift_arg_pages.rmap"]
    assert len(flagship) == 8 * 4 * 2  # fix x arg_pages x flags_change
    assert all(isinstance(run["options"]["arg_pages"], int) for run in flagship)
    assert all(isinstance(run["options"]["flags_change"], bool) for run in flagship)
    assert doc["summary"]["passed"] == len(doc["runs"]) and doc["summary"]["failed"] == 0
    assert validate_sarif(tmp_path / "out.sarif")["runs"][0]["results"] == []
    junit = validate_junit(tmp_path / "out.xml")
    assert junit.getroot().get("failures") == "0" and junit.getroot().get("errors") == "0"
    assert r.stdout.rstrip().splitlines()[-1].startswith(f"ci: {len(doc['runs'])} runs: ")


def test_a_broken_fix_fails_naming_the_combination_with_the_interleaving(
        tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    text = FLAGSHIP.read_text()
    skip = "if !(mode == unmap && temporary_stack()) {"
    assert text.count(skip) == 1
    (specs / "broken.rmap").write_text(text.replace(skip, "if true {"))
    r, doc = ci_run(tmp_path, specs, "--sarif", tmp_path / "out.sarif", "--junit",
                    tmp_path / "out.xml")
    assert r.exit_code == 1
    failed = [run for run in doc["runs"] if run["outcome"] == "fail"]
    assert {run["options"]["fix"] for run in failed} == {"v1", "v2", "merged"}
    # compiler-style lines name the spec line and the combination
    assert any(line.startswith(f"{specs / 'broken.rmap'}:") and "fix=v2" in line
               and ORPHAN in line for line in r.stdout.splitlines())
    sarif = validate_sarif(tmp_path / "out.sarif")
    flows = [res for res in sarif["runs"][0]["results"]
             if res["ruleId"] == f"property/{ORPHAN}" and "codeFlows" in res]
    assert flows
    threads = flows[0]["codeFlows"][0]["threadFlows"]
    assert {t["id"] for t in threads} == {"exec", "migrate[0]"}  # one per process
    order = sorted(loc["executionOrder"] for t in threads for loc in t["locations"])
    assert order == list(range(1, len(order) + 1))  # every step once, in order
    junit = validate_junit(tmp_path / "out.xml")
    bodies = [c.find("failure").text for c in junit.iter("testcase")
              if c.get("name") == ORPHAN and c.find("failure") is not None]
    assert bodies and all(b and "migrate[0]" in b for b in bodies)  # the trace


# ------------------------------------------------------- holes in the gate


def _spec(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.rmap"
    path.write_text(text)
    return path


TOGGLE = """spec toggle
option mode = safe in {safe, racy}
var x: 0..1 = 0
process p { s: x := if mode == racy then 1 else 0 }
invariant zero: x == 0
expect holds when mode == safe
"""


def test_matrix_fails_a_violated_cell_no_expect_mentions(tmp_path: Path) -> None:
    r = run_cli("matrix", _spec(tmp_path, "toggle", TOGGLE), "--vary", "mode")
    assert r.exit_code == 1
    assert "NO: zero" in r.stdout


def test_a_vacuous_run_is_a_junit_failure(tmp_path: Path) -> None:
    r = run_cli("prove", ROOT / "examples" / "counter_overflow.rmap", "-k", "2",
                "--format", "junit")
    assert r.exit_code == 1
    out = tmp_path / "out.xml"
    out.write_text(r.stdout)
    suites = validate_junit(out).getroot()
    assert int(suites.get("failures")) >= 1
    covers = [c for c in suites.iter("testcase") if c.get("name") == "cover:counting"]
    assert len(covers) == 1 and covers[0].find("failure") is not None


MUTEX_FOREVER = """spec spin
var locked: bool = false
var in_cs: [0..1] bool = false
process p[2] {
  while true {
    take: atomic { await !locked; locked := true }
    enter: in_cs[self] := true
    leave: atomic { in_cs[self] := false; locked := false }
  }
}
invariant mutual_exclusion: !(in_cs[0] && in_cs[1])
expect holds
depth 12
"""


def test_a_bounded_check_does_not_meet_expect_holds(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "spin", MUTEX_FOREVER)
    r, doc = ci_run(tmp_path, spec, "--engine", "bmc")
    assert r.exit_code == 1  # BMC only shows "holds up to 12": not a proof
    [run] = doc["runs"]
    bad = {c["name"]: c["message"] for c in run["cases"] if c["outcome"] == "fail"}
    assert "holds only up to 12 steps" in bad["mutual_exclusion"]
    assert bad["expect holds"] == "holds; got holds up to 12"
    proved, _ = ci_run(tmp_path, spec, "--engine", "kind")
    assert proved.exit_code == 0  # k-induction proves it for every execution
    declared = _spec(tmp_path, "spin", MUTEX_FOREVER.replace("expect holds",
                                                              "expect holds up to 12"))
    ok, _ = ci_run(tmp_path, declared, "--engine", "bmc")
    assert ok.exit_code == 0  # a bounded check declared as such


def test_a_spec_without_options_is_gated_on_its_expect(tmp_path: Path) -> None:
    r, doc = ci_run(tmp_path, ROOT / "examples" / "broken_mutex.rmap")
    assert r.exit_code == 0  # the violation is the expected one
    [run] = doc["runs"]
    assert run["options"] == {} and run["report"]["verdict"] == "violated"


HARD = """spec hard
var x: 0..4095 = 0
var y: 0..4095 = 0
process p { while true { s: atomic { x := (x * 3 + 7) % 4096; y := (y + x) % 4096 } } }
invariant never: !(x == 4095 && y == 1234)
depth 5000
"""


def test_unknown_is_an_error_not_a_failure(tmp_path: Path) -> None:
    r, doc = ci_run(tmp_path, _spec(tmp_path, "hard", HARD), "--engine", "bmc", "--timeout",
                    "1", "--junit", tmp_path / "out.xml")
    assert r.exit_code == 3
    assert doc["runs"][0]["outcome"] == "error"
    suites = validate_junit(tmp_path / "out.xml").getroot()
    assert suites.get("failures") == "0" and int(suites.get("errors")) >= 1


def test_case_names_do_not_move_with_lines(tmp_path: Path) -> None:
    spec = tmp_path / "flagship.rmap"
    shutil.copy(FLAGSHIP, spec)
    _, before = ci_run(tmp_path, spec, "--no-cache")
    spec.write_text("// a new first line\n\n" + FLAGSHIP.read_text())
    _, after = ci_run(tmp_path, spec, "--no-cache")
    names = [[c["name"] for c in run["cases"]] for run in before["runs"]]
    assert names == [[c["name"] for c in run["cases"]] for run in after["runs"]]
    lines = [[c["line"] for c in run["cases"]] for run in before["runs"]]
    assert lines != [[c["line"] for c in run["cases"]] for run in after["runs"]]


# ----------------------------------------------------------------- sharding


def test_shards_together_run_every_job_exactly_once(monkeypatch: Any) -> None:
    monkeypatch.chdir(ROOT)
    jobs = ci.plan(list(ci.DEFAULT_PATHS))
    for n in (1, 2, 3, 7):
        parts = [ci.shard(jobs, f"{i}/{n}") for i in range(1, n + 1)]
        assert sorted((j.path, j.options) for p in parts for j in p) == sorted(
            (j.path, j.options) for j in jobs)
    assert run_cli("ci", "--shard", "3/2").exit_code == 2


# --------------------------------------------------------------- the cache


def test_the_cache_keeps_answers_across_comment_edits_and_drops_edited_steps(
        tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("broken_mutex", "peterson"):
        shutil.copy(ROOT / "examples" / f"{name}.rmap", specs / f"{name}.rmap")
    first, cold = ci_run(tmp_path, specs)
    assert first.exit_code == 0 and not any(run["cached"] for run in cold["runs"])
    again, warm = ci_run(tmp_path, specs)
    assert again.exit_code == 0 and all(run["cached"] for run in warm["runs"])
    assert [run["cases"] for run in warm["runs"]] == [run["cases"] for run in cold["runs"]]
    # a comment moves every line: the answers stay cached, their locations follow
    mutex = specs / "broken_mutex.rmap"
    mutex.write_text("// moved down by a comment\n" + mutex.read_text())
    _, commented = ci_run(tmp_path, specs)
    assert all(run["cached"] for run in commented["runs"])
    lines = {c["name"]: c["line"] for c in commented["runs"][0]["cases"]}
    cold_lines = {c["name"]: c["line"] for c in cold["runs"][0]["cases"]}
    assert lines["mutual_exclusion"] == cold_lines["mutual_exclusion"] + 1
    # editing a step invalidates that spec only
    mutex.write_text(mutex.read_text().replace("leave: in_cs[self] := false",
                                               "leave: in_cs[self] := false; skip"))
    _, edited = ci_run(tmp_path, specs)
    assert {run["spec"]: run["cached"] for run in edited["runs"]} == {
        str(mutex): False, str(specs / "peterson.rmap"): True}


def test_a_corrupt_cache_entry_is_ignored_with_a_warning(tmp_path: Path) -> None:
    spec = tmp_path / "broken_mutex.rmap"
    shutil.copy(ROOT / "examples" / "broken_mutex.rmap", spec)
    ci_run(tmp_path, spec)
    [entry] = (tmp_path / "cache").rglob("*.json")
    stored = json.loads(entry.read_text())
    # a forged entry: the violation "found" in one step, which the interpreter refutes
    for p in stored["result"]["properties"]:
        if p["trace"] is not None:
            p["trace"]["steps"] = p["trace"]["steps"][:1]
            p["trace"]["states"] = p["trace"]["states"][:2]
    entry.write_text(json.dumps(stored))
    r, doc = ci_run(tmp_path, spec)
    assert r.exit_code == 0 and not doc["runs"][0]["cached"]
    assert "proof cache: ignored entry" in r.stderr and "does not replay" in r.stderr
    entry.write_text("{not json")
    r2, doc2 = ci_run(tmp_path, spec)
    assert r2.exit_code == 0 and not doc2["runs"][0]["cached"]
    assert "unreadable" in r2.stderr
