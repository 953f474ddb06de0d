"""Checked spec -> transition system (`ir.System`).

`state` lays out the state variables, `control` builds each process's control
graph, `steps` executes one atomic step symbolically, `process` turns a
control graph into transitions, `system` assembles the whole. Step merging (a
Lipton reduction) works on the finished `ir.System`, in `engines/merge.py`.
"""

from .system import DEFAULT_DEPTH, lower

__all__ = ["DEFAULT_DEPTH", "lower"]
