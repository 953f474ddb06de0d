"""Run Spin on an exported system and read back what it found, in IR terms.

`check` writes the Promela (`promela.to_promela`) to a temporary directory,
builds the verifier (`spin -a -o2`, then gcc with -DBFS so every trail is a
shortest one), runs `pan` under a time limit, parses its output (pan exits 0
even on errors and out of memory: only stdout tells) and reads each trail's
`@I`/`@T` markers back into IR transition indices. `replay` re-executes such a
trail in the interpreter and checks that it ends where Spin says it does.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .. import ir
from ..budget import Budget
from ..interp import Interpreter, ReplayError
from ..result import Trace
from .promela import to_promela

UNBOUNDED = 1_000_000_000  # pan's -m for "no depth limit" (BFS allocates nothing per level)
DEFAULT_MEMORY_MB = 4096
DEFAULT_HASH_BITS = 22
PAN_DEFINES = ("-DSAFETY", "-DNOREDUCE", "-DNOCLAIM", "-DBFS")
POLL = 0.1  # seconds between looks at the deadline and the Ctrl-C flag
TRAIL_TIMEOUT = 30.0  # for reading a trail back after the run's own time is up

_MANIFEST = re.compile(r"^ \* @rmapsmt (\S+) (.*)$", re.M)
_ASSERT = re.compile(r"^pan:(\d+): assertion violated \((\d+)<0\) \(at depth (\d+)\)", re.M)
_WROTE = re.compile(r"^pan: wrote (\S+\.trail)", re.M)
_NUM = {
    "stored": re.compile(r"^\s*([\d.e+]+) states, stored", re.M),
    "transitions": re.compile(r"^\s*([\d.e+]+) transitions \(", re.M),
    "depth": re.compile(r"depth reached (\d+)"),
    "vector": re.compile(r"State-vector (\d+) byte"),
}
_INCOMPLETE = (
    ("error: max search depth too small", "depth bound reached"),
    ("pan: reached -DMEMLIM bound", "out of memory (-DMEMLIM)"),
    ("pan: out of memory", "out of memory"),
    ("VECTORSZ too small", "state vector larger than -DVECTORSZ"),
    ("Interrupted", "interrupted"),
    ("Warning: Search not completed", "search not completed"),
)
_SIZES = {"bool": 1, "bit": 1, "byte": 1, "short": 2, "int": 4}


class SpinError(Exception):
    """Spin could not be run: a tool is missing, the model does not build, time ran out."""


@dataclass(frozen=True, slots=True)
class SpinTrail:
    initial: int  # index into `Interpreter.initial_states()` order
    steps: tuple[int, ...]  # IR transition indices


@dataclass(frozen=True, slots=True)
class SpinTarget:
    index: int
    kind: str  # "property" | "cover"
    name: str
    hit: bool  # property violated / cover reached
    trail: SpinTrail | None = None
    depth: int | None = None  # pan's depth of the error (the monitor's step included)


@dataclass(frozen=True, slots=True)
class SpinResult:
    targets: tuple[SpinTarget, ...]
    states: int  # IR states visited (pan's stored count, minus the pre-choice state)
    stored: int  # pan's "states, stored" in the checking run (-1: pan said nothing)
    transitions: int
    depth: int  # pan's "depth reached"
    initial_states: int
    bound: int | None  # the IR depth bound searched (None: unbounded)
    complete: bool  # every reachable state was visited (within no bound)
    stopped: str  # why not complete ("" when complete)
    build_seconds: float  # spin -a + gcc
    search_seconds: float  # pan
    trail_seconds: float  # reading the trails back (pan -r)
    vector_bytes: int
    output: str  # pan's stdout

    def target(self, kind: str, name: str) -> SpinTarget:
        for t in self.targets:
            if t.kind == kind and t.name == name:
                return t
        raise KeyError(f"no {kind} {name!r} was checked")

    def prop(self, name: str) -> SpinTarget:
        return self.target("property", name)

    def cover(self, name: str) -> SpinTarget:
        return self.target("cover", name)

    @property
    def violated(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets if t.kind == "property" and t.hit)

    @property
    def reached(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.targets if t.kind == "cover" and t.hit)


def tools() -> tuple[str, str]:
    """Paths of spin and gcc, or a `SpinError` that says how to get them."""
    spin, gcc = shutil.which("spin"), shutil.which("gcc")
    missing = [n for n, p in (("spin", spin), ("gcc", gcc)) if p is None]
    if spin is None or gcc is None:
        raise SpinError(f"{' and '.join(missing)} not found on PATH: the Spin back end needs "
                        "both (e.g. apt-get install spin gcc)")
    return spin, gcc


class _Clock:
    """The run's deadline (`timeout`, and the budget's) and its Ctrl-C flag."""

    def __init__(self, timeout: float | None, budget: Budget | None) -> None:
        ends = [time.monotonic() + timeout] if timeout is not None else []
        if budget is not None and budget.deadline is not None:
            ends.append(budget.deadline)
        self.deadline = min(ends) if ends else None
        self.budget = budget

    def stop(self) -> str | None:
        """Why to stop now, or None."""
        if self.budget is not None and self.budget.cancel.is_set():
            return "interrupted"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "timed out"
        return None


def _run(cmd: Sequence[str], cwd: str, clock: _Clock,
         soft: bool = False) -> tuple[int, str, str, str | None]:
    """Run `cmd` in its own process group; when the clock says stop, SIGINT the group
    (`soft`: pan then prints its statistics) or SIGKILL it. Returns rc, stdout, stderr
    and why it was stopped (None: it ended by itself)."""
    with subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True) as p:
        while True:
            try:
                out, err = p.communicate(timeout=POLL)
                return p.returncode, out, err, None
            except subprocess.TimeoutExpired:
                why = clock.stop()
                if why is not None:
                    break
        try:
            os.killpg(p.pid, signal.SIGINT if soft else signal.SIGKILL)
            out, err = p.communicate(timeout=10 if soft else None)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
        return p.returncode, out, err, why


def manifest(text: str) -> tuple[int, int, list[tuple[int, str, str]]]:
    """Initial-state count, spec depth and targets from the exported Promela's header."""
    initial, depth = 1, UNBOUNDED
    found: list[tuple[int, str, str]] = []
    for key, value in _MANIFEST.findall(text):
        if key == "initial-states":
            initial = int(value)
        elif key == "depth":
            depth = int(value)
        elif key == "target":
            index, kind, name = value.split(" ", 2)
            found.append((int(index), kind, name))
    return initial, depth, found


def _vector_size(text: str) -> int:
    """-DVECTORSZ: twice the declared variables' bytes (pan's default, 1024, is easily too
    small; a too large one costs nothing)."""
    size = 64 + sum(_SIZES[ty] for ty in re.findall(r"\b(bool|bit|byte|short|int) \w+\s*[=;]",
                                                       text))
    return max(1024, 2 * size)


def _number(key: str, out: str) -> int:
    m = _NUM[key].search(out)
    return int(float(m.group(1))) if m else -1


def check(model: ir.System | str, *, target: str | None = None,
          depth: int | None | Literal["spec"] = "spec", timeout: float | None = None,
          budget: Budget | None = None, memory_mb: int | None = None,
          hash_bits: int = DEFAULT_HASH_BITS, cflags: Sequence[str] = ("-O1",),
          workdir: str | None = None) -> SpinResult:
    """Build and run Spin on `model`: a system, or Promela written by `to_promela`.

    `target`: check only this property or cover. `depth`: "spec" searches to the
    budget's depth, else the spec's, as the explicit engine does; None, without
    bound. `timeout`
    (seconds) and `budget` (its deadline, Ctrl-C flag and memory cap, which
    `memory_mb` overrides: pan's -DMEMLIM) bound the whole run: a
    build that runs out raises `SpinError`, a search that runs out is stopped
    and reported incomplete, with what it found. `workdir` keeps the files
    (model.pml, pan.c, pan, trails) there; by default they go to a temporary
    directory, removed afterwards.
    """
    spin, gcc = tools()
    if target is not None and not isinstance(model, ir.System):
        raise ValueError("`target` selects what to export: pass a system, not Promela")
    text = to_promela(model, target) if isinstance(model, ir.System) else model
    clock = _Clock(timeout, budget)
    if depth == "spec" and budget is not None and budget.depth is not None:
        depth = budget.depth  # as the engines do
    if memory_mb is None:
        memory_mb = DEFAULT_MEMORY_MB if budget is None else budget.max_memory_mb
    run = _Run(text, spin, gcc, clock, depth, memory_mb, hash_bits, tuple(cflags))
    if workdir is not None:
        os.makedirs(workdir, exist_ok=True)
        return run.go(workdir)
    with tempfile.TemporaryDirectory(prefix="rmapsmt-spin-") as tmp:
        return run.go(tmp)


@dataclass(frozen=True)
class _Run:
    text: str
    spin: str
    gcc: str
    clock: _Clock
    depth: int | None | Literal["spec"]
    memory_mb: int
    hash_bits: int
    cflags: tuple[str, ...]

    def go(self, cwd: str) -> SpinResult:
        initial, spec_depth, declared = manifest(self.text)
        bound = spec_depth if self.depth == "spec" else self.depth
        bound = None if bound is None or bound >= UNBOUNDED else bound
        extra = 0 if initial == 1 else 1  # the state before the initial choice
        for name in os.listdir(cwd):
            if name.endswith(".trail") or name in ("pan", "pan.c"):
                os.remove(os.path.join(cwd, name))
        with open(os.path.join(cwd, "model.pml"), "w") as f:
            f.write(self.text)
        start = time.monotonic()
        self.build(cwd)
        build = time.monotonic() - start

        start = time.monotonic()
        limit = UNBOUNDED if bound is None else bound + 1 + extra  # the monitor: one deeper
        pan = ["./pan", f"-w{self.hash_bits}", "-n", "-E"]
        rc, out, _, why = _run([*pan, f"-m{limit}", "-c0", "-e"], cwd, self.clock, soft=True)
        reasons = [f"{why} after {time.monotonic() - start:.1f} s"] if why else \
            [reason for marker, reason in _INCOMPLETE if marker in out]
        if len(reasons) > 1 and reasons[-1] == "search not completed":
            reasons.pop()
        stored = _number("stored", out)
        if stored < 0 or rc != 0:
            reasons.append(f"pan exited {rc}" + (" without statistics" if stored < 0 else ""))
        states = stored - extra
        if reasons == ["depth bound reached"] and bound is not None:
            # states at depth bound + 1 were stored, never checked: count the others
            counted = self.count(cwd, pan, limit - 1) if limit > 1 else initial
            if counted < 0:
                reasons.append("counting the states within the bound failed")
            states = counted - extra
        search = time.monotonic() - start

        start = time.monotonic()
        hits = _trails(out, cwd, extra, self.clock)
        replays = time.monotonic() - start
        targets = tuple(SpinTarget(i, kind, name, i in hits, *hits.get(i, (None, None)))
                        for i, kind, name in declared)
        return SpinResult(targets, max(states, 0), stored, _number("transitions", out),
                          _number("depth", out), initial, bound, not reasons,
                          "; ".join(dict.fromkeys(reasons)), build, search, replays,
                          _number("vector", out), out)

    def build(self, cwd: str) -> None:
        rc, out, err, why = _run([self.spin, "-a", "-o2", "model.pml"], cwd, self.clock)
        if why is not None:
            raise SpinError(f"{why} in spin -a")
        if rc != 0 or "Error" in out + err or not os.path.exists(os.path.join(cwd, "pan.c")):
            raise SpinError(f"spin -a failed (exit {rc}):\n{(out + err).strip()[-4000:]}")
        rc, out, err, why = _run([self.gcc, *self.cflags, "-w", *PAN_DEFINES,
                                  f"-DMEMLIM={self.memory_mb}",
                                  f"-DVECTORSZ={_vector_size(self.text)}", "-o", "pan",
                                  "pan.c"], cwd, self.clock)
        if why is not None:
            raise SpinError(f"{why} compiling pan.c")
        if rc != 0:
            raise SpinError(f"gcc failed on pan.c (exit {rc}):\n{(out + err).strip()[-4000:]}")

    def count(self, cwd: str, pan: list[str], limit: int) -> int:
        """States within `limit` Spin steps (-A: the monitor's asserts are off)."""
        rc, out, _, why = _run([*pan, f"-m{limit}", "-A"], cwd, self.clock, soft=True)
        return _number("stored", out) if rc == 0 and why is None else -1


def _trails(out: str, cwd: str, extra: int,
            clock: _Clock) -> dict[int, tuple[SpinTrail, int]]:
    """Target index -> (its trail in IR steps, pan's depth), for each assertion pan
    reported: `pan -S -r` replays the trail file, printing only our markers."""
    events = sorted([(m.start(), m.groups()) for m in _ASSERT.finditer(out)]
                    + [(m.start(), m.groups()) for m in _WROTE.finditer(out)])
    found: dict[int, tuple[SpinTrail, int]] = {}
    pending: tuple[int, int] | None = None
    for _, groups in events:
        if len(groups) == 3:  # "assertion violated (k<0) (at depth d)"
            pending = (int(groups[1]), int(groups[2]))
            continue
        if pending is None or pending[0] in found:
            continue
        (index, at), pending = pending, None
        late = _Clock(TRAIL_TIMEOUT, None) if clock.stop() else clock
        rc, text, err, why = _run(["./pan", "-w10", "-S", "-r", groups[0]], cwd, late)
        init = [int(x) for x in re.findall(r"^@I(\d+)$", text, re.M)]
        steps = tuple(int(x) for x in re.findall(r"^@T(\d+)$", text, re.M))
        if why is not None or len(init) > 1 or len(steps) + len(init) != at \
                or len(init) != extra:
            raise SpinError(f"cannot read back trail {groups[0]} of target {index} (depth {at}):"
                            f" pan -r exited {rc}: {(text + err).strip()[-2000:]}")
        found[index] = (SpinTrail(init[0] if init else 0, steps), at)
    return found


def replay(system: ir.System, trail: SpinTrail, *, prop: str | None = None,
           cover: str | None = None, interp: Interpreter | None = None) -> Trace:
    """A Spin trail as an rmapsmt trace, re-executed in the interpreter: `ReplayError` if a
    step is not enabled or the last state does not violate `prop` (reach `cover`)."""
    interp = Interpreter(system) if interp is None else interp
    state = None
    for k, s in enumerate(interp.initial_states()):
        if k == trail.initial:
            state = s
            break
    if state is None:
        raise ReplayError(f"the trail starts in initial state {trail.initial}, which does "
                          "not exist")
    states = [state]
    for i, index in enumerate(trail.steps):
        if not 0 <= index < len(system.transitions):
            raise ReplayError(f"step {i + 1}: no transition number {index}")
        states.append(interp.step(states[-1], system.transitions[index]))
    interp.replay(tuple(states), trail.steps, prop=prop, cover=cover)
    return Trace(tuple(states), trail.steps)
