"""The abstract syntax of a spec: frozen values, each carrying its source span.

Spans are excluded from equality so that two parses of the same text compare
equal whatever their layout (mypyvy does the same).
"""

from .decls import *  # noqa: F403
from .exprs import *  # noqa: F403
from .stmts import *  # noqa: F403
