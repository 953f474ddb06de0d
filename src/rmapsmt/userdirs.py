"""Where rmapsmt keeps per-user files: the parser tables and the proof cache."""

from __future__ import annotations

import os


def cache_dir(*parts: str) -> str | None:
    """`$XDG_CACHE_HOME/rmapsmt/...` (default `~/.cache`), created; None if not writable."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    where = os.path.join(base, "rmapsmt", *parts)
    try:
        os.makedirs(where, exist_ok=True)
    except OSError:
        return None
    return where
