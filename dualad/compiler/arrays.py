"""Running a program of small float64 arrays on the compiled array interpreter.

# Design: a small model's gradient (W2: a 32x16 MLP) is a program of a few dozen operations on
# arrays of tens to hundreds of elements, where a Python call per operation costs more than the
# arithmetic. When every value of a program is a float64 array of at most ``SMALL_ARRAY``
# elements (constants: float arrays or integer scalars) and every step is a primitive or a
# guard on a value, the program becomes instructions of ``_replay.ArrayTape`` (C loops for the
# op table's elementwise functions and arithmetic with broadcasting, small matmuls and element
# moves; a primitive's own value function for the rest, ``sum`` included, so that its bits are
# NumPy's pairwise summation as in eager code) and runs for its values only: the derivatives
# are already steps of the program. Outputs come back as the types the traced program
# returned. The interpreter's buffers serve one call at a time: a call that finds it busy runs
# the Python version.
"""
import numpy as np

from .._core.primitive import Primitive
from .program import GUARD, OP
from .scalar import CompiledExecutable, _replay

__all__ = ["ArrayExecutable"]

SMALL_ARRAY = 1 << 16    # elements of the largest value the C array tape takes
SMALL_MATMUL = 1 << 15   # multiply-adds of the largest matmul it runs as C loops (BLAS beyond)
# linear primitives that only move elements: ``out[i] = x[map[i]]``, the map from ``impl`` itself
_GATHERS = frozenset({"reshape", "broadcast_to", "transpose", "getitem"})


class ArrayExecutable(CompiledExecutable):
    """A program compiled to ``_replay.ArrayTape``; ``build`` returns None for a program it
    cannot run (see the module docstring)."""

    @classmethod
    def build(cls, program, fallback):
        if _replay is None:
            return None
        values = program.values
        for slot, v in enumerate(values):
            if slot in program.consts:
                ok = _is_real_constant(v)
            else:
                ok = (isinstance(v, (np.ndarray, np.generic, float))
                      and np.result_type(v) == np.float64)
            if not ok or np.size(v) > SMALL_ARRAY:
                return None
        for step in program.steps:
            if not (step.kind == GUARD or step.kind == OP and not step.dynamic
                    and isinstance(step.fn, Primitive)):
                return None
        return cls(program, _array_tape(program), fallback)

    def _values(self, inputs):
        return self._tape.value(inputs)   # BUSY while another thread runs it


def _is_real_constant(v):
    """A constant the C arena (doubles) may hold: a float array, or an integer scalar (an
    exponent, a count). Integer arrays (class labels, indices) keep their dtype, in programs
    that run as Python."""
    a = np.asarray(v)
    return a.dtype.kind == "f" or (a.dtype.kind in "iu" and a.ndim == 0)


def _array_tape(program):
    """The ``_replay.ArrayTape`` of ``program`` (see its docstring for the instructions)."""
    values = program.values
    shapes = [np.shape(v) for v in values]
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    init = np.zeros(offsets[-1])
    for slot in program.consts:
        init[offsets[slot]:offsets[slot + 1]] = np.ravel(values[slot])
    maps, calls, checks = [], [], []

    def map_at(index_map):
        """The offset of ``index_map`` in the tape's one array of maps."""
        start = sum(len(m) for m in maps)
        maps.append(np.ravel(index_map).astype(np.intp))
        return start

    code = []
    for step in program.steps:
        if step.kind == GUARD:
            code.append((_replay.KINDS.index("guard"), 0, -1, -1, -1, 0, 0, len(checks)))
            checks.append(_guard_check(step.ins[0], step.params))
            continue
        prim, params, out, ins = step.fn, step.params or {}, step.out, list(step.ins)
        kind, opcode, extra = _array_instruction(prim, params, [shapes[i] for i in ins],
                                                 shapes[out], map_at)
        a, b = ins[0] if ins else -1, ins[1] if len(ins) > 1 else -1
        if kind == "generic":
            extra, a, b = (0, 0, len(calls)), -1, -1
            calls.append((_value_fn(prim, params), tuple(ins)))
        code.append((_replay.KINDS.index(kind), opcode, out, a, b, *extra))
    return _replay.ArrayTape(np.array(code, dtype=np.intp).reshape(-1, _replay.N_COLUMNS),
                             offsets, shapes, init, np.concatenate(maps or [[]]),
                             program.n_in, list(program.outs), calls, checks)


def _array_instruction(prim, params, shapes, out_shape, map_at):
    """``(kind, opcode, (p, q, r))`` of one operation (see ``_replay.ArrayTape``); the
    columns of a generic one are filled in by the caller."""
    name = prim.name
    if name in _replay.OPCODES and name != "copy" and not params and len(shapes) in (1, 2):
        modes = [_operand_mode(shape, out_shape, map_at) for shape in shapes]
        if len(modes) == 1:
            modes.append(_replay.OPERAND_NONE)
        return "elementwise", _replay.OPCODES.index(name), (*modes, 0)
    if name == "matmul" and all(1 <= len(s) <= 2 for s in shapes):
        (a, b) = shapes
        m, k, n = (a[0] if len(a) == 2 else 1), a[-1], (b[1] if len(b) == 2 else 1)
        if m * k * n <= SMALL_MATMUL:
            return "matmul", 0, (m, k, n)
    if len(shapes) == 1 and name in _GATHERS:
        positions = np.arange(int(np.prod(shapes[0]))).reshape(shapes[0])
        return "gather", 0, (map_at(prim.impl(positions, **params)), 0, 0)
    return "generic", 0, None


def _operand_mode(shape, out_shape, map_at):
    """How an elementwise instruction reads an operand of ``shape`` broadcast to ``out_shape``."""
    if tuple(shape) == tuple(out_shape):
        return _replay.OPERAND_SAME
    size = int(np.prod(shape))
    if size == 1:
        return _replay.OPERAND_SCALAR
    return map_at(np.broadcast_to(np.arange(size).reshape(shape), out_shape))


def _value_fn(prim, params):
    impl = prim.impl
    if not params:
        return impl
    return lambda *vals: impl(*vals, **params)


def _guard_check(slot, expected):
    """``check(values)``: whether slot ``slot`` still holds the value it had while tracing."""
    def check(values):
        return _same(values[slot], expected)
    return check


def _same(a, b):
    """Equal values (NaN equal to NaN, so a pinned NaN pins)."""
    if np.shape(a) != np.shape(b):
        return False
    same = a == b
    if np.ndim(same) == 0 and same:
        return True
    return bool(np.all(same | (a != a) & (b != b)))
