"""The CI recipes in examples/ci/: valid YAML that names only commands and options that
exist, so a team copying them gets a working gate."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from conftest import ROOT

from rmapsmt.cli import app

RECIPES = sorted((ROOT / "examples" / "ci").glob("*.y*ml"))
COMMAND = typer.main.get_command(app)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _invocations(path: Path) -> list[list[str]]:
    doc = yaml.safe_load(path.read_text())
    out = []
    for s in _strings(doc):
        s = re.sub(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}", "1", s)  # CI variables: any value
        for line in s.splitlines():
            words = shlex.split(line)
            if words[:1] == ["rmapsmt"]:
                out.append(words[1:])
    return out


def test_there_are_recipes_for_github_gitlab_and_pre_commit() -> None:
    assert {p.stem for p in RECIPES} == {"github-actions", "gitlab-ci", "pre-commit-hooks"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipe_names_real_commands_and_options(path: Path) -> None:
    calls = _invocations(path)
    assert calls, f"{path.name} runs no rmapsmt command"
    assert isinstance(COMMAND, typer.core.TyperGroup)
    for words in calls:
        sub = COMMAND.commands.get(words[0])
        assert sub is not None, f"{path.name}: no command 'rmapsmt {words[0]}'"
        known = {o for p in sub.params for o in p.opts}
        for w in words[1:]:
            if w.startswith("-"):
                assert w.split("=")[0] in known, f"{path.name}: 'rmapsmt {words[0]}' has no {w}"
        # and the options parse: click accepts the argument list
        ctx = sub.make_context(sub.name, words[1:], resilient_parsing=True)
        assert ctx.params is not None


def test_the_projects_own_ci_runs_the_gate() -> None:
    run = (ROOT / ".ci" / "run").read_text()
    assert "make test" in run and "rmapsmt ci" in run
