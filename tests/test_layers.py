"""The pipeline's one-way layering: only the solver layer sees z3, only the parser sees lark."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "rmapsmt"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


FILES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_z3_and_lark_stay_in_their_layers(path: Path) -> None:
    mods = imported_modules(path)
    rel = path.relative_to(SRC)
    if "z3" in mods:
        assert rel.parts[0] in ("smt", "engines"), f"{rel} imports z3"
    if "lark" in mods:
        assert rel == Path("lang/parser.py"), f"{rel} imports lark"


def test_the_front_end_never_sees_engines() -> None:
    for path in (SRC / "lang").glob("*.py"):
        text = path.read_text()
        assert "engines" not in text and "smt" not in imported_modules(path), path
