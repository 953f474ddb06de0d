"""The intermediate representation: expressions (`expr`) and the transition system (`system`).

`from rmapsmt import ir` gives both vocabularies under one name.
"""

from .expr import *  # noqa: F403
from .expr import __all__ as _expr_all
from .system import *  # noqa: F403
from .system import __all__ as _system_all

__all__ = [*_expr_all, *_system_all]
