"""Progress on a terminal: per engine, what it is doing and for how long.

Shown on stderr while a run lasts, then erased; never when stderr is not a
terminal or with `--quiet`, so reports and pipes see nothing of it. Rich is
imported only when a display is wanted: a quiet run does not pay for it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


class Progress:
    def __init__(self, console: Console) -> None:
        from rich.live import Live

        self.started = time.monotonic()
        self.rows: dict[str, tuple[str, float]] = {}
        self.live = Live(self._table(), console=console, refresh_per_second=6, transient=True)

    def __call__(self, engine: str, doing: str) -> None:
        since = self.rows.get(engine, ("", time.monotonic()))[1]
        self.rows[engine] = (doing, since)
        self.live.update(self._table())

    def _table(self) -> Table:
        from rich.table import Table

        t = Table.grid(padding=(0, 2))
        now = time.monotonic()
        for engine, (doing, since) in self.rows.items():
            t.add_row(f"[bold]{engine}[/bold]", doing, f"{now - since:5.1f} s")
        if not self.rows:
            t.add_row("starting", "", f"{now - self.started:5.1f} s")
        return t


@contextmanager
def shown(enabled: bool) -> Iterator[Progress | None]:
    """A live progress display on stderr if enabled and stderr is a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    p = Progress(console)
    with p.live:
        yield p
