"""Matrix products of the array tape that read a transposed operand in place.

A layer's weight enters its forward pass as ``w.T`` and its gradient flows back through
``h.T @ g``: products of transposes. The tape's C loops read C-ordered values only, so each
transposed operand would be a copy (W9: a 128 x 64 copy of the hidden layer every step).

# Design: before the tape is listed, ``read_transposed`` replaces each ``matmul`` of float64
# matrices (two axes, or leading axes of length one) whose operand is a swap of an arena
# value's two axes by a ``TransposedProduct`` step reading that value itself; the tape's
# matmul instruction reads it with swapped strides (``_matmul.h``). Its value function, for
# the program's Python version, is the primitive's own on the transposes, so both versions
# compute eager's product. A transpose that nothing reads any more is dropped.
"""
import numpy as np

from .program import OP, Step, eliminate_dead_code

__all__ = ["read_transposed", "TransposedProduct"]


class TransposedProduct:
    """The value function of ``matmul(a.T if ta, b.T if tb)`` (``transposed``: the pair)."""

    name = "matmul"

    def __init__(self, matmul, ta, tb):
        self._matmul, self.transposed = matmul, (ta, tb)

    def impl(self, a, b):
        ta, tb = self.transposed
        return self._matmul.impl(a.T if ta else a, b.T if tb else b)

    def __repr__(self):
        return "matmul" + "".join(t for t, on in zip(("[a.T]", "[b.T]"), self.transposed) if on)


def read_transposed(program, in_arena):
    """Let products read their swapped operands in place (see the module docstring);
    ``in_arena(v)``: whether the tape's loops hold value ``v``. Returns ``program``."""
    from .._core.primitive import REGISTRY
    matmul = REGISTRY["matmul"]
    values = program.values
    swapped = {}   # slot -> the arena matrix it transposes
    changed = False
    for k, step in enumerate(program.steps):
        if (step.kind == OP and getattr(step.fn, "name", None) == "transpose"
                and not step.dynamic and np.ndim(values[step.ins[0]]) == 2
                and tuple((step.params or {}).get("axes") or (1, 0)) == (1, 0)
                and in_arena(values[step.ins[0]])):
            swapped[step.out] = step.ins[0]
            continue
        if not (step.kind == OP and step.fn is matmul and not step.dynamic and not step.params
                and len(step.ins) == 2 and any(s in swapped for s in step.ins)
                and all(_matrix(values[s]) for s in step.ins)):
            continue
        flags = [s in swapped for s in step.ins]
        ins = [swapped[s] if t else s for s, t in zip(step.ins, flags)]
        program.steps[k] = Step(OP, TransposedProduct(matmul, *flags), ins, None, step.out,
                                False)
        changed = True
    if changed:
        eliminate_dead_code(program)
    return program


def _matrix(v):
    """Whether ``v`` is a float64 matrix, possibly with leading axes of length one."""
    return (type(v) is np.ndarray and v.dtype == np.float64 and v.ndim >= 2
            and all(n == 1 for n in v.shape[:-2]))
