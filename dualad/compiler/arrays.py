"""Running a program of small float64 arrays on the compiled array interpreter.

# Design: a small model's gradient (W2: a 32x16 MLP) is a program of a few dozen operations on
# arrays of tens to hundreds of elements, where a Python call per operation costs more than the
# arithmetic. When every value of a program is a float64 array of at most ``SMALL_ARRAY``
# elements (constants: float arrays or integer scalars) and every step is a primitive or a
# guard on a value, the program becomes instructions of ``_replay.ArrayTape`` (the interpreter
# ``ad.record`` compiles to: C loops for the op table's elementwise functions and arithmetic
# with broadcasting, small matmuls, sums and element moves; a primitive's own value function
# for the rest) and runs for its values only: the derivatives are already steps of the
# program. Outputs come back as the types the traced program returned. The interpreter's
# buffers serve one call at a time: a call that finds it busy runs the Python version.
"""
import numpy as np

from .._core.primitive import Primitive
from .program import GUARD, OP
from .scalar import CompiledExecutable, _replay

__all__ = ["ArrayExecutable"]

class ArrayExecutable(CompiledExecutable):
    """A program compiled to ``_replay.ArrayTape``; ``build`` returns None for a program it
    cannot run (see the module docstring)."""

    @classmethod
    def build(cls, program, fallback):
        if _replay is None:
            return None
        from ..recording import SMALL_ARRAY, _array_tape, _is_real_constant
        values = program.values
        for slot, v in enumerate(values):
            if slot in program.consts:
                ok = _is_real_constant(v)
            else:
                ok = (isinstance(v, (np.ndarray, np.generic, float))
                      and np.result_type(v) == np.float64)
            if not ok or np.size(v) > SMALL_ARRAY:
                return None
        steps = []
        for step in program.steps:
            if step.kind == GUARD:
                steps.append(("guard", None, (step.ins[0],), {}, step.params))
            elif step.kind == OP and not step.dynamic and isinstance(step.fn, Primitive):
                fn = _NumpySum(step.fn) if step.fn.name == "sum" else step.fn
                steps.append(("op", fn, step.params or {}, step.out, list(step.ins)))
            else:
                return None
        tape, _ = _array_tape(_Listing(program, steps), [], [False] * len(values))
        return cls(program, tape, fallback)

    def _values(self, inputs):
        return self._tape.value(inputs)   # BUSY while another thread replays it


class _NumpySum:
    """``sum`` through its own value function (NumPy's pairwise summation, eager's bits), not
    the interpreter's running sum."""

    name = "sum (NumPy)"

    def __init__(self, prim):
        self.impl, self.record, self.backward = prim.impl, prim.record, prim.backward


class _Listing:
    """What ``recording._array_tape`` reads of a program: its values, constants (slot ->
    value), input count, steps as tuples, and outputs."""

    def __init__(self, program, steps):
        self.values = program.values
        self.consts = {s: program.values[s] for s in program.consts}
        self.n_in = program.n_in
        self.steps = steps
        self.outs = list(program.outs)
