"""`rmapsmt fmt` and the editor grammar: layout changes whitespace only, never meaning."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_differential import full_specs

from rmapsmt.budget import Budget
from rmapsmt.cache import key
from rmapsmt.diagnostics import Source
from rmapsmt.lang.layout import layout
from rmapsmt.pipeline import load_source

SPECS = sorted([*(ROOT / "specs").glob("*.rmap"), *(ROOT / "examples").glob("*.rmap"),
                *(ROOT / "tests" / "corpus").glob("*.rmap")])


def meaning(text: str) -> str:
    """The lowered system, positions left out (what the proof cache keys on)."""
    return key(load_source(Source("spec.rmap", text)).system, "-", Budget.start())


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_repository_is_in_canonical_layout(path: Path) -> None:
    text = path.read_text()
    assert layout(text) == text


def _mangle(text: str, indents: list[int], tabs: bool, trailing: bool) -> str:
    """The same spec with other whitespace: random indentation, tabs, trailing blanks."""
    out = []
    for i, line in enumerate(text.split("\n")):
        pad = indents[i % len(indents)]
        body = line.lstrip()
        lead = ("\t" * (pad // 4) + " " * (pad % 4)) if tabs else " " * pad
        out.append((lead + body if body else "") + ("  " if trailing and body else ""))
    return "\n".join(out)


@settings(max_examples=60, deadline=None)
@given(text=full_specs(), indents=st.lists(st.integers(0, 9), min_size=1, max_size=7),
       tabs=st.booleans(), trailing=st.booleans())
def test_layout_never_changes_meaning_and_is_idempotent(text: str, indents: list[int],
                                                        tabs: bool, trailing: bool) -> None:
    mangled = _mangle(text, indents, tabs, trailing)
    pretty = layout(mangled)
    assert layout(pretty) == pretty
    assert pretty.count("\n") == mangled.rstrip("\n").count("\n") + 1  # no line moves
    assert meaning(pretty) == meaning(text)


def test_comments_are_kept_and_their_braces_do_not_count() -> None:
    text = ("spec c\n// a { in a comment\nvar x: 0..1 = 0\n/* a block\n   { comment\n*/\n"
            "process p {\n      s: x := 1 // closing } here\n}\n")
    pretty = layout(text)
    assert pretty == ("spec c\n// a { in a comment\nvar x: 0..1 = 0\n/* a block\n   { comment\n"
                      "*/\nprocess p {\n  s: x := 1 // closing } here\n}\n")
    assert meaning(pretty) == meaning(text)


def test_fmt_check_and_write(tmp_path: Path) -> None:
    spec = tmp_path / "messy.rmap"
    spec.write_text("spec m\nvar x: 0..1 = 0\nprocess p {\n\t\ts: x := 1   \n}\n")
    assert run_cli("fmt", spec).stdout == "spec m\nvar x: 0..1 = 0\nprocess p {\n  s: x := 1\n}\n"
    r = run_cli("fmt", "--check", spec)
    assert r.exit_code == 1 and "not in canonical layout" in r.stdout
    assert run_cli("fmt", "--write", spec).exit_code == 0
    assert run_cli("fmt", "--check", spec).exit_code == 0
    broken = tmp_path / "broken.rmap"
    broken.write_text("spec b\nprocess {\n")
    bad = run_cli("fmt", broken)
    assert bad.exit_code == 2 and "error:" in bad.stderr


# ------------------------------------------------------- the editor grammar

GRAMMAR = ROOT / "editors" / "rmapsmt.tmLanguage.json"


def _regexes(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k in ("match", "begin", "end")] + [
            r for v in node.values() for r in _regexes(v)]
    if isinstance(node, list):
        return [r for v in node for r in _regexes(v)]
    return []


def test_the_textmate_grammar_covers_every_keyword_and_compiles() -> None:
    grammar = json.loads(GRAMMAR.read_text())
    assert grammar["scopeName"] == "source.rmapsmt" and "rmap" in grammar["fileTypes"]
    patterns = _regexes(grammar)
    for p in patterns:
        re.compile(p)  # the subset used is common to Oniguruma and Python
    lark = (ROOT / "src" / "rmapsmt" / "lang" / "grammar.lark").read_text()
    keywords = set(re.findall(r'"([a-z_]+)"', lark))
    highlighted = {w for p in patterns for w in re.findall(r"[a-z_]+", p)}
    assert keywords <= highlighted, keywords - highlighted
    package = json.loads((ROOT / "editors" / "package.json").read_text())
    assert package["contributes"]["grammars"][0]["path"] == "./rmapsmt.tmLanguage.json"
