"""Scatters to positions known to be distinct, written by assignment.

``index_add`` of integer-array indices (the VJP of ``z[rows, labels]``: a cross-entropy's pick
of each row's label) accumulates with ``np.add.at``, which must allow repeated positions and
is an order of magnitude slower than an assignment. When one component of the index is a
constant array of distinct integers (``arange(n)``: one position per row) and every component
has its shape, the positions are distinct whatever the other components hold, and each element
of the result is ``0 + y`` once: ``ScatterDistinct`` writes ``y + 0`` (IEEE addition commutes:
the same bits, ``-0.0`` becoming ``+0.0`` as in the accumulation) into zeros.
"""
import numpy as np

from .program import NP, OP, Slot, Step, _collect_slots

__all__ = ["scatter_distinct"]


class ScatterDistinct:
    """The value function of ``index_add(y, index, shape, trailing)`` at distinct positions:
    called with ``y`` and the index (its traced components filled in)."""

    def __init__(self, shape, trailing):
        self.shape, self.trailing = tuple(shape), trailing
        self.__name__ = "scatter_distinct"

    def __call__(self, y, index):
        full = self.shape + tuple(y.shape[y.ndim - self.trailing:])
        out = np.zeros(full, dtype=y.dtype)
        out[index] = y + 0.0
        return out

    def __repr__(self):
        return "scatter_distinct"


def scatter_distinct(program):
    """Rewrite ``index_add`` steps whose positions are distinct (see the module docstring):
    the primitive's steps, and the NumPy steps calling its value function (its derivative
    rules' own scatters of plain values); returns ``program``."""
    from .._core.primitive import REGISTRY
    impl = REGISTRY["index_add"].impl
    values = program.values
    for k, step in enumerate(program.steps):
        if step.kind == OP and step.fn.name == "index_add" and len(step.ins) == 1:
            y, params = Slot(step.ins[0]), step.params or {}
        elif step.kind == NP and step.fn is impl and len(step.params[0]) == 1:
            (y,), params = step.params
        else:
            continue
        index = params.get("index")
        value = values[y.index] if type(y) is Slot else y
        if not (isinstance(value, np.ndarray) and _distinct(index, values)):
            continue
        template = ((y, index), {})
        reads = []
        _collect_slots(template, reads)
        program.steps[k] = Step(NP, ScatterDistinct(params["shape"], params.get("trailing", 0)),
                                reads, template, step.out, False)
    return program


def _distinct(index, values):
    """Whether ``index`` (a tuple of integer arrays, constants or ``Slot``s, of one shape)
    has a constant component of distinct values."""
    if type(index) is not tuple or not index:
        return False
    arrays = [values[i.index] if type(i) is Slot else i for i in index]
    if not all(isinstance(a, np.ndarray) and a.dtype.kind in "iu" for a in arrays):
        return False
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays) or len(shape) != 1:
        return False
    return any(type(i) is not Slot and len(np.unique(i)) == i.size for i in index)
