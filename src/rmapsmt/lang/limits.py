"""The size limits of a spec, in one place: each with a positioned error where it is crossed.

rmapsmt checks small finite models; these limits keep every stage (lowering,
encoding, the interpreter) near-linear and inside its stack, and turn a
runaway spec into an error that names the declaration at fault.
"""

MAX_ABS_INT = 1 << 24  # constants and literals: keeps bit-vector widths sane
MAX_RANGE_VALUES = 1 << 16  # values of one integer type
MAX_NESTING = 100  # nesting of expressions and blocks (a chain a + b + c is one level)
MAX_CHAIN = 10_000  # operands of one chain of + - * && ||
MAX_PROCESSES = 64  # process instances
MAX_STATE_SCALARS = 1 << 12  # scalar state variables, arrays and records flattened
MAX_TRANSITIONS = 50_000  # atomic steps of the whole system (forks of either/choose included)
MAX_DEPTH = 10_000  # -k / depth
