"""Matrix products of the array tape that read a transposed operand in place.

A layer's weight enters its forward pass as ``w.T``, its gradient flows back through
``h.T @ g`` and comes out as ``(x.T @ g).T``: products of transposes, and transposes of
products. The tape's C loops read and write C-ordered values only, so each would be a copy
(W9: copies of 128 x 64 matrices every step).

# Design: before the tape is listed, ``read_transposed`` rewrites, among float64 matrices of
# the arena (two axes, or leading axes of length one): a ``matmul`` whose operand is a swap of
# a value's two axes, as a ``TransposedProduct`` step reading that value itself, and a swap of
# the last two axes of a product that nothing else reads, as the product of the swapped
# operands in reverse order (``(AB)' = B'A'``). The tape's matmul instruction reads either
# operand with swapped strides (``_matmul.h``). The step's value function, for the program's
# Python version, is the primitive's own on the swapped operands. The results are eager's
# within rounding (the same products, summed in the tape's order). Steps that nothing reads
# any more are dropped.
"""
import numpy as np

from .program import OP, Step, eliminate_dead_code

__all__ = ["read_transposed", "TransposedProduct"]


class TransposedProduct:
    """The value function of ``matmul(a.T if ta, b.T if tb)`` (``transposed``: the pair; ``.T``
    swaps the last two axes), named for the printed program: ``matmul[a.T]``, ``matmul[b.T]``,
    ``matmul[a.T,b.T]``."""

    def __init__(self, matmul, ta, tb):
        self._matmul, self.transposed = matmul, (ta, tb)
        self.name = "matmul[" + ",".join(t for t, on in zip(("a.T", "b.T"), (ta, tb)) if on) + "]"

    def impl(self, a, b):
        ta, tb = self.transposed
        return self._matmul.impl(np.swapaxes(a, -1, -2) if ta else a,
                                 np.swapaxes(b, -1, -2) if tb else b)

    def __repr__(self):
        return self.name


def read_transposed(program, in_arena):
    """Let products read their swapped operands in place, and compute the products only read
    swapped as such (see the module docstring); ``in_arena(v)``: whether the tape's loops hold
    value ``v``. Returns ``program``."""
    from .._core.primitive import REGISTRY
    matmul = REGISTRY["matmul"]
    values = program.values
    readers = {s: 1 for s in program.outs}
    for step in program.steps:
        for s in step.reads():
            readers[s] = readers.get(s, 0) + 1

    def matrix(s):
        return _matrix(values[s]) and in_arena(values[s])
    swapped = {}   # slot -> the arena matrix it transposes
    made = {}      # slot -> the product step that made it

    def read(s, t):
        """The slot and flag that read value ``s`` (its swap if ``t``): a swap's swap is the
        value itself."""
        while s in swapped:
            s, t = swapped[s], not t
        return s, t
    changed = False
    for k, step in enumerate(program.steps):
        product = made.get(step.ins[0]) if _swaps(step, values) else None
        if product is not None and readers[product.out] == 1:
            # (op(a) @ op(b)).T = op(b).T @ op(a).T
            reads = [read(s, not t) for s, t in zip(product.ins, _flags(product.fn))][::-1]
        elif _swaps(step, values) and np.ndim(values[step.ins[0]]) == 2 and matrix(step.ins[0]):
            swapped[step.out] = step.ins[0]
            continue
        elif (step.kind == OP and step.fn is matmul and not step.dynamic and not step.params
              and len(step.ins) == 2 and any(s in swapped for s in step.ins)
              and all(matrix(s) for s in step.ins)):
            reads = [read(s, False) for s in step.ins]
        else:
            reads = None
        if reads is not None:
            step = program.steps[k] = _product(matmul, reads, step.out)
            changed = True
        if (step.kind == OP and (step.fn is matmul or isinstance(step.fn, TransposedProduct))
                and not step.dynamic and not step.params and len(step.ins) == 2
                and all(matrix(s) for s in step.ins)):
            made[step.out] = step
    if changed:
        eliminate_dead_code(program)
    return program


def _product(matmul, reads, out):
    """The step of ``matmul`` of ``reads``' slots, each read transposed where its flag is
    set."""
    flags = [t for _, t in reads]
    fn = TransposedProduct(matmul, *flags) if any(flags) else matmul
    return Step(OP, fn, [s for s, _ in reads], None, out, False)


def _flags(fn):
    return fn.transposed if isinstance(fn, TransposedProduct) else (False, False)


def _swaps(step, values):
    """Whether ``step`` is a transpose swapping its one operand's last two axes only."""
    if not (step.kind == OP and getattr(step.fn, "name", None) == "transpose"
            and not step.dynamic):
        return False
    n = np.ndim(values[step.ins[0]])
    axes = (step.params or {}).get("axes")
    axes = tuple(reversed(range(n))) if axes is None else tuple(axes)
    return n >= 2 and axes == tuple(range(n - 2)) + (n - 1, n - 2)


def _matrix(v):
    """Whether ``v`` is a float64 matrix, possibly with leading axes of length one."""
    return (type(v) is np.ndarray and v.dtype == np.float64 and v.ndim >= 2
            and all(n == 1 for n in v.shape[:-2]))
