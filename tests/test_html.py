"""The HTML report, loaded in a real headless browser (Debian's chromium, installed with
apt-get where missing): no console errors, a row per step, a screenshot kept as an
artefact in build/test-artifacts/."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FLAGSHIP, ROOT, require_tools, run_cli

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "build" / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str | None]] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "step":
            self.rows.append(a)
        for k in ("src", "href"):
            v = a.get(k)
            if v is not None and not v.startswith("#"):
                self.external.append(v)


def chromium(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(["chromium", *FLAGS, f"--user-data-dir={profile}", *extra,
                               page.as_uri()], capture_output=True, text=True, timeout=120,
                              check=False)


def console_errors(page: Path) -> list[str]:
    p = chromium(page, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=2000",
                 "--dump-dom")
    return [line for line in p.stderr.splitlines() if "CONSOLE" in line]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "flagship_none.html"
    r = run_cli("prove", FLAGSHIP, "--set", "fix=none", "--html", out, "--no-diagram")
    assert r.exit_code == 1
    return out


def test_the_page_is_self_contained_with_a_row_per_step(report: Path) -> None:
    tags = Tags()
    tags.feed(report.read_text())
    assert tags.external == []  # no network, no external assets
    assert len(tags.rows) == 7 + 11  # the orphan's 7 steps, the BUG_ON's 11
    assert "<svg" in report.read_text() and 'class="changed"' in report.read_text()


def test_chromium_loads_it_without_console_errors(report: Path,
                                                  tmp_path: Path) -> None:
    require_tools({"chromium": "chromium"}, "HTML report in a browser")
    # the detector works: a page with a script error is caught
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><script>nosuch();</script></body></html>")
    assert any("nosuch" in line for line in console_errors(broken))
    assert console_errors(report) == []
    dom = chromium(report, "--virtual-time-budget=2000", "--dump-dom").stdout
    tags = Tags()
    tags.feed(dom)
    assert len(tags.rows) == 18  # the DOM after the page's script ran
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "flagship_none.png"
    shot.unlink(missing_ok=True)
    chromium(report, f"--screenshot={shot}", "--window-size=1400,1800")
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_matrix_and_ci_write_html(tmp_path: Path) -> None:
    m = tmp_path / "matrix.html"
    r = run_cli("matrix", ROOT / "specs" / "fork_migration.rmap", "--vary", "fix", "--vary",
                "child_order", "--html", m, "--jobs", "1")
    assert r.exit_code == 0
    assert m.read_text().count('<tr class="holds">') == 4  # every cell passes the gate
    c = tmp_path / "ci.html"
    spec = tmp_path / "broken_mutex.rmap"
    shutil.copy(ROOT / "examples" / "broken_mutex.rmap", spec)
    r = run_cli("ci", spec, "--html", c, "--no-cache", "--jobs", "1")
    assert r.exit_code == 0 and "ci: 1 runs: 1 passed" in c.read_text()
