"""The engines, behind one contract: `engine(system, budget) -> Result`.

Each engine returns a `Result` whose `proof` says what backs a "holds"; the
run (`run.check`) replays its traces and adds the engine-independent warnings.
Engines are imported on first use: start-up stays small.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from .. import ir
from ..budget import Budget
from ..result import Result

Engine = Callable[[ir.System, Budget], Result]

# name -> (module, function, one line for --help)
ENGINES: dict[str, tuple[str, str, str]] = {
    "auto": ("portfolio", "auto", "the default: the explicit engine, joined after 0.25 s by "
             "pdr and kind in parallel; the first decisive answer wins"),
    "bmc": ("bmc", "bmc", "Z3 bounded model checking, complete when every execution ends"),
    "explicit": ("explicit", "explicit", "breadth-first search of the state space, no solver"),
    "kind": ("kind", "kind", "k-induction: BMC for counterexamples, induction (strengthened "
             "by proved invariants) for proofs"),
    "pdr": ("pdr", "pdr", "an inductive invariant, printed and independently checked: made "
            "from every reachable state where the exploration sees them all, else by IC3"),
    "ic3": ("pdr", "ic3", "pdr by IC3 frames always, even where the exploration sees every "
            "reachable state"),
}


# The engines that merge steps unless told not to (`merge.py`): merging shortens the
# executions their unrollings and frames must cover. The explicit engine does not:
# in bench/merging.py its states fall by 6-31%, but the solver queries cost more than
# the states save on every spec measured.
MERGING = frozenset({"bmc", "ic3", "kind", "pdr"})


def get(name: str, merge: bool | None = None) -> Engine:
    """The engine `name`; with `merge` (None: if `name` is in MERGING), run on the system
    with steps merged (`merge.py`): its traces come back in original steps all the same."""
    module, function, _ = ENGINES[name]
    engine: Engine = getattr(importlib.import_module(f".{module}", __name__), function)
    if name == "auto":
        auto: Engine = functools.partial(engine, merge=merge)  # type: ignore[call-arg]
        return auto
    if merge or (merge is None and name in MERGING):
        from .merge import merging
        return merging(engine)
    return engine
