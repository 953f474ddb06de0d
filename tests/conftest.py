"""Shared helpers: run the real CLI in-process and read its JSON report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings
from typer.testing import CliRunner

from rmapsmt import engines, ir
from rmapsmt.budget import Budget
from rmapsmt.cli import app
from rmapsmt.result import Result

# CI replays the same examples every run: a gate must not be flaky. Locally
# hypothesis explores afresh each time, which is where new bugs come from.
settings.register_profile("ci", derandomize=True, database=None)
# bug hunting: many fresh examples, reported unshrunk (shrinking a solver test is slow)
settings.register_profile("hunt", phases=[Phase.generate], database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
if os.environ.get("RMAPSMT_HUNT"):
    settings.load_profile("hunt")

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "specs" / "shift_arg_pages.rmap"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        rep: dict[str, Any] = json.loads(self.stdout)
        return rep


def run_cli(*args: str | os.PathLike[str]) -> Run:
    res = CliRunner().invoke(app, [str(a) for a in args])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Run(res.exit_code, res.stdout, res.stderr)


@pytest.fixture
def cli() -> Any:
    return run_cli


def prop(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in report["properties"] if p["name"] == name)


def labels(trace: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["process"], s["label"]) for s in trace["steps"]]


def run_engine(name: str, system: ir.System, depth: int | None = None,
               timeout: float | None = None, merge: bool = False) -> Result:
    """One engine, raw (traces not yet replayed), through the engine contract; on the
    system as written unless `merge` (tests/test_merge.py checks merging against it)."""
    return engines.get(name, merge)(system, Budget.start(timeout, depth=depth))


def bmc(system: ir.System, depth: int | None = None) -> Result:
    return run_engine("bmc", system, depth)


def explicit(system: ir.System, depth: int | None = None) -> Result:
    return run_engine("explicit", system, depth)


def apt_install(packages: list[str]) -> str | None:
    """apt-get install, non-interactive; None on success, else why it failed."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root, or no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log = ""
    for update in (False, True):  # the package lists may be missing or stale: update once
        if update:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600,
                           check=False)
        p = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *packages],
                           env=env, capture_output=True, text=True, timeout=1200, check=False)
        log = (p.stdout + p.stderr).strip()[-500:]
        if p.returncode == 0:
            return None
    return log


def require_tools(tools: dict[str, str], what: str) -> None:
    """Each command (tool -> Debian package) on PATH, installed with apt-get where missing
    (as root); the test is skipped, saying why, only where that cannot be done."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        why = apt_install([tools[tool] for tool in missing])
        if why is not None or any(shutil.which(tool) is None for tool in tools):
            pytest.skip(f"{what}: cannot install {' '.join(missing)} ({why})")
