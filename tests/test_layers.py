"""The pipeline's one-way layering, as ARCHITECTURE.md draws it.

The import table in ARCHITECTURE.md is the contract: every import of every
module under src/rmapsmt must be allowed by its row, lark stays in the
parser, z3 in the solver layer.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "rmapsmt"
THIRD_PARTY = {"z3", "lark", "rich", "typer"}


@cache
def allowed() -> dict[str, set[str]]:
    """module -> what it may import, from the table in ARCHITECTURE.md."""
    table: dict[str, set[str]] = {}
    for line in (ROOT / "ARCHITECTURE.md").read_text().splitlines():
        m = re.match(r"\| `(\w+)` \| .* \| ([^|]*) \|$", line)
        if not m:
            continue
        deps = {d.strip() for d in m.group(2).replace("—", "").split(",") if d.strip()}
        table[m.group(1)] = deps
    return table


def component(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    """The rmapsmt components and third-party packages a module imports."""
    tree = ast.parse(path.read_text())
    package = list(path.relative_to(SRC).parts[:-1])
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                out.add((node.module or "").split(".")[0])
                continue
            base = package[: len(package) - (node.level - 1)]
            parts = base + [p for p in (node.module or "").split(".") if p]
            if parts:
                out.add(parts[0].removesuffix(".py"))
            else:  # `from . import x` at the top of the package
                out |= {a.name for a in node.names}
    return out


FILES = sorted(p for p in SRC.rglob("*.py")
               if p.parent != SRC or p.stem not in ("__init__", "__main__"))


def test_the_table_names_every_component() -> None:
    components = {component(p) for p in FILES}
    assert components <= set(allowed()), components - set(allowed())


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_documented_table(path: Path) -> None:
    me = component(path)
    rules = allowed()[me]
    everything = "everything above" in " ".join(rules)
    for dep in imports(path) - {me}:
        if dep in THIRD_PARTY or dep in allowed():
            assert everything or dep in rules, f"{path.relative_to(SRC)} imports {dep}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_z3_and_lark_stay_in_their_layers(path: Path) -> None:
    mods = imports(path)
    rel = path.relative_to(SRC)
    if "z3" in mods:
        assert rel.parts[0] in ("smt", "engines"), f"{rel} imports z3"
    if "lark" in mods:
        assert rel.parts[:2] == ("lang", "parser"), f"{rel} imports lark"


def test_the_front_end_never_sees_engines() -> None:
    for path in (SRC / "lang").rglob("*.py"):
        assert not imports(path) & {"engines", "smt", "z3", "interp", "run"}, path
