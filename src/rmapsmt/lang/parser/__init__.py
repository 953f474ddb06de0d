"""Spec text -> AST. The only package that imports lark.

The transformer (`transform`) only builds nodes; every syntax error becomes a
`SpecError` pointing at the offending token, with a hint for the common
mistakes (`errors`). Nesting is bounded before the recursive transformer runs.
"""

from __future__ import annotations

import os
import sys
from functools import cache, lru_cache
from importlib import resources

import lark
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput, VisitError

from ...diagnostics import Source, SpecError
from ...userdirs import cache_dir
from .. import ast as A
from ..limits import MAX_NESTING
from ..nesting import check_nesting
from .errors import syntax_error
from .transform import ToAst, meta_span


@cache
def grammar() -> Lark:
    """The LALR parser, its tables cached in the user's cache directory: building them
    is most of the start-up time (0.03 s cached against 0.2-0.3 s). Lark keys the
    cache file by a hash of the grammar and the options, so a stale one is rebuilt."""
    text = resources.files("rmapsmt.lang").joinpath("grammar.lark").read_text()
    return Lark(text, parser="lalr", propagate_positions=True, maybe_placeholders=True,
                cache=_cache_file())


def _cache_file() -> str | bool:
    where = cache_dir()
    if where is None:
        return False  # no writable cache directory: build the tables every time
    return os.path.join(where, f"grammar-lark{lark.__version__}.cache")


LARK_MAX_DEPTH = 20 * MAX_NESTING  # parse-tree levels; several per level of the language


def _too_deep(src: Source, tree: Tree[Token]) -> SpecError | None:
    """An iterative look at the parse tree, so the recursive transformer stays in its stack."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > LARK_MAX_DEPTH:
            span = meta_span(src.name, node.meta)
            return SpecError(span if span.line else None,
                             f"nested too deeply: more than {MAX_NESTING} levels")
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
    return None


@lru_cache(maxsize=32)
def parse(src: Source) -> A.Spec:
    """Parse one spec; raise `SpecError` on any syntax problem. The AST is frozen, so one
    parse serves every option combination of a spec (`matrix`, `ci`)."""
    try:
        tree = grammar().parse(src.text)
    except UnexpectedInput as err:
        raise syntax_error(grammar(), src, err) from None
    deep = _too_deep(src, tree)
    if deep is not None:
        raise deep
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 6 * LARK_MAX_DEPTH))
    try:
        spec = ToAst(src.name).transform(tree)
    except VisitError as err:
        if isinstance(err.orig_exc, SpecError):
            raise err.orig_exc from None
        raise
    finally:
        sys.setrecursionlimit(limit)
    check_nesting(spec)
    return spec
