"""Spans on AST nodes: kept, but left out of equality and repr (two layouts, one AST)."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from ...diagnostics import NO_SPAN


def span_field() -> Any:
    return field(default=NO_SPAN, compare=False, repr=False, kw_only=True)
