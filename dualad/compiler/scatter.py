"""Scatters to positions known to be distinct, written by assignment.

``index_add`` of integer-array indices (the VJP of ``z[rows, labels]``: a cross-entropy's pick
of each row's label) accumulates with ``np.add.at``, which must allow repeated positions and
is an order of magnitude slower than an assignment. When one component of the index is a
constant array of distinct integers (``arange(n)``: one position per row) and every component
has its shape, the positions are distinct whatever the other components hold, and each element
of the result is ``0 + y`` once: ``ScatterDistinct`` writes ``y + 0`` (IEEE addition commutes:
the same bits, ``-0.0`` becoming ``+0.0`` as in the accumulation) into zeros. In the array
interpreter, such a scatter at ``(arange(rows), labels)`` is a C loop (``row_scatters``).
"""
import numpy as np

from .program import NP, OP, Slot, Step, _collect_slots

__all__ = ["scatter_distinct", "row_scatters"]


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


class RowScatter:
    """``ScatterDistinct`` at positions ``(arange(rows), labels)``, one per row: the value
    function of a step ``(y, labels)`` the array interpreter runs as a C loop (``scatter``)."""

    name = "scatter_rows"

    def __init__(self, scatter, rows):
        self._scatter, self._rows = scatter, np.arange(rows)

    def impl(self, y, labels):
        return self._scatter(y, (self._rows, labels))

    def __repr__(self):
        return "scatter_rows"


def row_scatters(program):
    """Rewrite each ``ScatterDistinct`` step at ``(arange(rows), labels)`` of a float64 ``y``
    (a value or a constant) and labels of one integer array as a ``RowScatter`` step reading
    ``y`` and the labels; returns ``program``."""
    values = program.values
    for k, step in enumerate(program.steps):
        if not (step.kind == NP and type(step.fn) is ScatterDistinct):
            continue
        (y, index), _ = step.params
        if not (len(step.fn.shape) == 2 and type(index) is tuple and len(index) == 2):
            continue
        rows, labels = index
        n = step.fn.shape[0]
        label_value = values[labels.index] if type(labels) is Slot else None
        y_value = values[y.index] if type(y) is Slot else y
        if not (type(rows) is np.ndarray and np.array_equal(rows, np.arange(n))
                and type(label_value) is np.ndarray and label_value.shape == (n,)
                and label_value.dtype in (np.dtype(np.int64), np.dtype(np.intp))
                and type(y_value) is np.ndarray and y_value.dtype == np.float64
                and y_value.shape[:1] == (n,) and y_value.ndim == 1 + step.fn.trailing):
            continue
        if type(y) is not Slot:   # a constant cotangent: a constant slot
            y = Slot(program._new(y))
            program.consts.add(y.index)
        program.steps[k] = Step(OP, RowScatter(step.fn, n), [y.index, labels.index], None,
                                step.out, False)
    return program
