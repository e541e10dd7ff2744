"""Running a program of float64 scalars on the compiled scalar interpreter.

# Design: a gradient of a scalar chain (W1) is a program of a few hundred operations on single
# float64 values, where a Python call per operation costs a hundred times the arithmetic. When
# every value of a program is one float64 (Python floats, NumPy float64 scalars, and the
# one-element arrays that carry a batch axis of one direction through a reverse sweep), and
# every operation is one of the interpreter's (the op table's functions of one argument, its
# arithmetic, and moves of one element: ``getitem``, ``reshape``, ``broadcast_to``, ``sum`` …
# of a one-element value), the program becomes instructions of ``_interpreters.ScalarTape`` and
# runs its values only: the derivatives are already operations of the program. Its values
# use the eager kernels' scalar loops' formulas (``optable.py``), so results are the eager
# ones. A guard pins a value: an ``equal`` comparison with a constant register. Outputs come
# back as the types the traced program returned (NumPy float64 scalars, Python floats, or
# one-element arrays of their shape). The interpreter keeps its registers in the object, so a
# call that finds it busy (another thread) runs the Python version instead.
"""
import threading

import numpy as np

from .program import GUARD, NP, OP
from .tracing import Slot

__all__ = ["CompiledExecutable", "ScalarExecutable", "output_kind"]

from .._kernels import _load

_interpreters = _load("_interpreters")   # None without the compiled module (or DUALAD_PUREPYTHON)

# primitives that move the one element of a one-element value
_MOVES = frozenset({"getitem", "reshape", "broadcast_to", "sum", "transpose", "squeeze",
                    "expand_dims", "max", "min", "unbroadcast"})
_F64 = np.dtype(np.float64)
# the comparisons a guard may test (a decision such as ``if x > 0:``), by their
# ``_interpreters.GUARDS`` name
_COMPARISONS = {np.less: "less", np.less_equal: "less_equal", np.greater: "greater",
                np.greater_equal: "greater_equal", np.equal: "equal",
                np.not_equal: "not_equal"}


def _number(v):
    """A comparison's constant operand as a float (anything else is not a scalar program)."""
    if type(v) in (int, float) or (isinstance(v, (np.generic, np.ndarray)) and v.size == 1
                                   and v.dtype.kind in "iuf"):
        return float(np.asarray(v).reshape(-1)[0])
    raise _NotScalar


def _one_float64(v):
    """Whether ``v`` is a single float64 value (a Python float, a NumPy float64, or a float64
    array of one element)."""
    if type(v) is float:
        return True
    if isinstance(v, (np.ndarray, np.generic)):
        return v.dtype == _F64 and v.size == 1
    return False


class CompiledExecutable:
    """A program run for its values by one of ``_interpreters``'s compiled interpreters (built
    before the program forgets its values: the outputs' types are read from them).
    ``_values(inputs)`` gives the interpreter's outputs, None when a guard fails, or
    ``_interpreters.BUSY`` while another thread is in it, when the Python version (``fallback()``)
    runs instead."""

    def __init__(self, program, tape, fallback):
        self.program = program
        self._tape = tape
        self._fallback = fallback
        self._kinds = [output_kind(program.values[o]) for o in program.outs]

    def run(self, inputs):
        """The outputs for ``inputs``, or None when a guard fails."""
        outs = self._values(inputs)
        if outs is _interpreters.BUSY:
            return self._fallback().run(inputs)
        if outs is None or self._kinds is None:   # None: the interpreter's types are right
            return outs
        return [kind(v) for kind, v in zip(self._kinds, outs)]


class ScalarExecutable(CompiledExecutable):
    """A program compiled to the scalar interpreter; ``build`` returns None for any program it
    cannot run (see the module docstring)."""

    @classmethod
    def build(cls, program, fallback):
        if _interpreters is None:
            return None
        values = program.values
        if not all(type(values[i]) in (float, np.float64) for i in range(program.n_in)):
            return None
        opcodes = _interpreters.OPCODES
        copy = opcodes.index("copy")
        equal = _interpreters.GUARD_OPCODE + _interpreters.GUARDS.index("equal")
        registers = {s: s for s in range(program.n_in)}   # inputs first, then the rest
        code, init = [], [0.0] * program.n_in

        def register(slot):
            r = registers.get(slot)
            if r is None:
                v = values[slot]   # a constant: one float64, or a Python int (``1 - y``)
                if slot not in program.consts or not (
                        _one_float64(v) or (type(v) is int and abs(v) < 2 ** 53)):
                    raise _NotScalar
                r = registers[slot] = len(init)
                init.append(float(np.asarray(values[slot]).reshape(-1)[0]))
            return r

        def constant(value):
            init.append(float(value))
            return len(init) - 1

        comparisons = {}   # slot of a comparison's result -> (its guard opcode, a, b)
        try:
            zero = constant(0.0)
            for step in program.steps:
                if step.kind == GUARD:
                    slot, expected = step.ins[0], step.params
                    if slot in comparisons and type(expected) in (bool, np.bool_):
                        cmp, a, b = comparisons[slot]
                        code.append((cmp, int(bool(expected)), a, b))
                        continue
                    if not _one_float64(expected) or np.isnan(expected):
                        raise _NotScalar
                    code.append((equal, 1, register(slot), constant(
                        np.asarray(expected).reshape(-1)[0])))
                    continue
                if step.kind == NP and step.fn in _COMPARISONS:
                    args, kwargs = step.params
                    if kwargs or len(args) != 2:
                        raise _NotScalar
                    comparisons[step.out] = (
                        _interpreters.GUARD_OPCODE
                        + _interpreters.GUARDS.index(_COMPARISONS[step.fn]),
                        *[register(a.index) if type(a) is Slot else
                          constant(_number(a)) for a in args])
                    continue
                if step.kind != OP or step.dynamic or not _one_float64(values[step.out]):
                    raise _NotScalar
                name = step.fn.name
                if name in _MOVES and len(step.ins) == 1:
                    op = copy
                elif name in opcodes and name != "copy" and not step.params:
                    op = opcodes.index(name)
                else:
                    raise _NotScalar
                ins = [register(s) for s in step.ins]
                out = registers[step.out] = len(init)
                init.append(0.0)
                code.append((op, out, ins[0], ins[1] if len(ins) > 1 else zero))
            outs = [register(o) for o in program.outs]
        except _NotScalar:
            return None
        tape = _interpreters.ScalarTape(np.array(code, dtype=np.int32).reshape(-1, 4), init,
                                  program.n_in, outs)
        return cls(program, tape, fallback)

    def __init__(self, program, tape, fallback):
        super().__init__(program, tape, fallback)
        self._lock = threading.Lock()   # the scalar tape's registers serve one call at a time

    def _values(self, inputs):
        if not self._lock.acquire(blocking=False):
            return _interpreters.BUSY
        try:
            return self._tape.value(inputs)
        finally:
            self._lock.release()


class _NotScalar(Exception):
    pass


def output_kind(v):
    """A function giving an interpreter's result (a number, or an array of ``v``'s shape) the
    type and shape the traced output ``v`` had."""
    if type(v) in (float, int, complex):
        return type(v)
    if type(v) is np.float64:
        return np.float64
    shape = v.shape
    return lambda x: x if type(x) is np.ndarray and x.shape == shape else np.full(shape, x)
