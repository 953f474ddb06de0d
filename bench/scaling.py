"""The scaling family: every engine, and Spin on the exported model, per configuration.

    .venv/bin/python bench/scaling.py [--runs N] [--timeout S] [--quick | --only I,J] [--out DIR]

For each configuration of specs/shift_arg_pages.rmap (fix x migrations x attempts x
argument pages x changed flags) it times, as whole processes:

- `rmapsmt prove ... --engine E --quiet --format json` for E in auto, explicit, bmc,
  kind, pdr: start-up, parsing, lowering, the search and the replay included;
- Spin on `rmapsmt export ... --to promela`: `spin -a -o2`, `gcc -O1` and `pan`
  (the export itself not counted), via `rmapsmt.export.spin.check`.

Each cell is the median of --runs runs (default 3); a run over --timeout seconds
(default 120) counts as a timeout. The verdicts must agree wherever they are
decided (the script stops otherwise). It writes DIR/scaling.md (the table the
README includes) and DIR/scaling.svg (time per configuration, log scale). On a
shared machine compare the ratios within one run, not the seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "shift_arg_pages.rmap"
RMAPSMT = ROOT / ".venv" / "bin" / "rmapsmt"
ENGINES = ("auto", "explicit", "bmc", "kind", "pdr")

# (fix, migrations, attempts, arg_pages, flags_change)
CONFIGS = [
    ("v2", 1, 1, 1, False),
    ("none", 1, 1, 1, False),
    ("merged", 1, 1, 2, True),
    ("v1", 2, 1, 1, False),
    ("merged", 2, 1, 2, True),
    ("anon_vma_lock", 2, 2, 2, True),
    ("seqcount", 2, 2, 2, True),
    ("none", 2, 2, 2, True),
    ("merged", 3, 1, 2, False),
    ("anon_vma_lock", 3, 2, 2, False),
]
QUICK = CONFIGS[:5]


@dataclass
class Cell:
    verdict: str  # holds | violated | unknown | timeout
    seconds: float  # median, whole process
    detail: str  # states, depth, frames...


def sets(cfg: tuple[str, int, int, int, bool]) -> list[str]:
    fix, mig, att, ap, flags = cfg
    out = []
    for name, value in (("fix", fix), ("migrations", mig), ("attempts", att),
                        ("arg_pages", ap), ("flags_change", str(flags).lower())):
        out += ["--set", f"{name}={value}"]
    return out


def run_engine(engine: str, cfg: tuple[str, int, int, int, bool], timeout: float) -> Cell:
    cmd = [str(RMAPSMT), "prove", str(SPEC), *sets(cfg), "--engine", engine, "--quiet",
           "--format", "json", "--timeout", str(timeout)]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30,
                           check=False)
    except subprocess.TimeoutExpired:
        return Cell("timeout", timeout, "")
    took = time.monotonic() - start
    if p.returncode not in (0, 1, 3):
        raise SystemExit(f"{engine} {cfg}: exit {p.returncode}\n{p.stderr}")
    rep = json.loads(p.stdout)
    verdict = rep["verdict"] if rep.get("complete") else (
        "violated" if rep["verdict"] == "violated" else "timeout")
    s = rep.get("stats", {})
    detail = (f"{s['states']} states" if s.get("states") else
              f"depth {s.get('depth_reached')}" if s.get("depth_reached", -1) >= 0 else "")
    return Cell(verdict, took, detail)


def run_spin(cfg: tuple[str, int, int, int, bool], timeout: float) -> Cell:
    from rmapsmt.budget import Budget
    from rmapsmt.export import spin
    from rmapsmt.pipeline import load

    overrides = dict(zip(["fix", "migrations", "attempts", "arg_pages", "flags_change"],
                         [str(v).lower() if isinstance(v, bool) else str(v) for v in cfg],
                         strict=True))
    system = load(str(SPEC), overrides).system
    r = spin.check(system, budget=Budget.start(timeout), depth=None)
    if not r.complete:
        return Cell("timeout", timeout, r.stopped)
    verdict = "violated" if r.violated else "holds"
    return Cell(verdict, r.build_seconds + r.search_seconds,
                f"{r.states} states; build {r.build_seconds:.1f} s")


def median(cells: list[Cell]) -> Cell:
    """The median run, whole: its time with its own verdict (a run that timed out counts
    at the timeout, so it never lends its verdict to a faster run's time)."""
    return sorted(cells, key=lambda c: c.seconds)[(len(cells) - 1) // 2]


def compile_sources() -> None:
    """Byte-compile the sources first (`make bytecode`), as an installed wheel is: the
    times are then the tool's, not the compiler's."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--quick", action="store_true", help="the first five configurations")
    ap.add_argument("--only", help="configurations by number (1-based), e.g. 6,7")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()
    compile_sources()
    configs = QUICK if args.quick else CONFIGS
    if args.only:
        configs = [CONFIGS[int(i) - 1] for i in args.only.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[tuple[str, int, int, int, bool], dict[str, Cell]]] = []
    for cfg in configs:
        cells: dict[str, Cell] = {}
        for engine in (*ENGINES, "spin"):
            runs = [run_spin(cfg, args.timeout) if engine == "spin"
                    else run_engine(engine, cfg, args.timeout) for _ in range(args.runs)]
            cells[engine] = median(runs)
            print(f"{cfg} {engine}: {cells[engine]}", file=sys.stderr, flush=True)
        decided = {c.verdict for c in cells.values() if c.verdict in ("holds", "violated")}
        if len(decided) > 1:
            raise SystemExit(f"engines disagree on {cfg}: {cells}")
        rows.append((cfg, cells))
    (out / "scaling.md").write_text(table(rows, args))
    (out / "scaling.svg").write_text(plot(rows))


def table(rows: list[tuple[tuple[str, int, int, int, bool], dict[str, Cell]]],
          args: argparse.Namespace) -> str:
    head = ["fix", "migrations × attempts", "pages", "flags", "verdict", "states",
            *ENGINES, "spin", "fastest"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (fix, mig, att, ap, flags), cells in rows:
        decided = [c for c in cells.values() if c.verdict in ("holds", "violated")]
        verdict = decided[0].verdict if decided else "unknown"
        states = cells["explicit"].detail if cells["explicit"].verdict != "timeout" else (
            cells["spin"].detail.split(";")[0])
        best = min((c.seconds, e) for e, c in cells.items() if c.verdict != "timeout")[1] \
            if decided else "-"
        shown = [f"{c.seconds:.2f}" if c.verdict != "timeout" else f">{args.timeout:.0f}"
                 for c in (cells[e] for e in (*ENGINES, "spin"))]
        lines.append(f"| {fix} | {mig} × {att} | {ap} | {'yes' if flags else 'no'} | {verdict} "
                     f"| {states} | " + " | ".join(shown) + f" | {best} |")
    return "\n".join(lines) + (
        f"\n\nSeconds, whole process, median of {args.runs} runs; >{args.timeout:.0f}: no "
        "answer within the timeout. Spin: spin -a, gcc -O1 and pan on the exported model.\n")


def plot(rows: list[tuple[tuple[str, int, int, int, bool], dict[str, Cell]]]) -> str:
    """A small SVG: seconds (log scale) per configuration, one line per engine."""
    w, h, pad = 760, 360, 50
    names = [*ENGINES, "spin"]
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#444444"]
    ts = [c.seconds for _, cells in rows for c in cells.values()] or [1.0]
    lo, hi = math.log10(max(min(ts), 0.01)), math.log10(max(ts) * 1.2)

    def x(i: int) -> float:
        return pad + i * (w - 2 * pad) / max(1, len(rows) - 1)

    def y(t: float) -> float:
        return h - pad - (math.log10(max(t, 0.01)) - lo) / max(hi - lo, 1e-9) * (h - 2 * pad)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             'font-family="sans-serif" font-size="11">',
             f'<text x="{pad}" y="20">seconds (log scale), whole process, per configuration'
             '</text>']
    for k, (name, colour) in enumerate(zip(names, colours, strict=True)):
        pts = " ".join(f"{x(i):.1f},{y(cells[name].seconds):.1f}"
                       for i, (_, cells) in enumerate(rows))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{pts}"/>')
        parts.append(f'<text x="{w - pad + 5}" y="{40 + 14 * k}" fill="{colour}">{name}</text>')
    for i in range(len(rows)):
        parts.append(f'<text x="{x(i):.1f}" y="{h - pad + 15}" text-anchor="middle">'
                     f'{i + 1}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    main()
