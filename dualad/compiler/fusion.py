"""Fusion: a chain of elementwise steps over big arrays becomes one step of the blocked
interpreter (``dualad._kernels.FusedChain``), which runs the whole chain over cache-sized
blocks: the intermediates never reach memory, and each block is read and written once.

# Design: the steps are scanned in program order. An elementwise step (a primitive the
# interpreter runs, no params) over float64 or float32 arrays of ``FUSE_MIN`` elements or more
# joins the open group when its operands are values of the group, or values that existed
# before the group began, of the group's size and dtype, or rows or columns broadcast to its
# shape (a bias, a per-row scale), or scalars (numbers, 0-d values, and constants that repeat
# one value, such as the all-ones seed of a gradient); any other step
# that reads a value of the group closes it, so that the group can run where it stood. A
# group of two steps or more becomes one ``fused`` step, whose results (the values read after
# the group, by a step, a guard or as an output) come out through ``getitem`` steps; the rest
# live only in the interpreter's block registers, reused once dead. The interpreter computes
# what eager evaluation computes, element for element (its loops are the eager kernels',
# generated from the same op table), so fusion changes no result. ``power`` is not fused:
# NumPy computes ``x ** 2`` and ``x ** 0.5`` as ``square`` and ``sqrt``, whose special values
# (``sqrt(-0.0)``, ``sqrt(-inf)``) differ from ``pow``'s.
"""
import operator

import numpy as np

from .._kernels import FUSED_OPCODES, FusedChain, fused_broadcast
from .program import NP, OP, Step
from .tracing import Slot

__all__ = ["fuse_elementwise", "FUSE_MIN"]

FUSE_MIN = 1 << 14   # elements: below this a fused call's fixed cost outweighs what it saves
_FUSABLE = frozenset(FUSED_OPCODES) - {"power"}
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def fuse_elementwise(program):
    """Replace each chain of elementwise steps over big arrays by one fused step (see the
    module docstring); returns ``program``."""
    if FusedChain is None:
        return program
    readers = {}   # slot -> indices of the steps that read it
    for k, step in enumerate(program.steps):
        for s in step.reads():
            readers.setdefault(s, []).append(k)
    steps, group = [], None
    for k, step in enumerate(program.steps):
        if group is not None:
            if group.accepts(step, program):
                group.add(step, k)
                continue
            if any(s in group.slots for s in step.reads()):
                steps += group.close(program, readers)
                group = None
            # otherwise the step does not depend on the group and runs before it
        if group is None and _fusable(step, program):
            group = _Group(step, program, k)
        else:
            steps.append(step)
    if group is not None:
        steps += group.close(program, readers)
    program.steps = steps
    return program


def _fusable(step, program, shape=None):
    """Whether ``step`` is an elementwise step the interpreter runs over big float arrays: its
    array operands of its result's dtype, and of its size or a row or a column of it (of the
    group's ``shape``, when given, which the result then must have)."""
    if step.kind != OP or step.dynamic or step.params or step.fn.name not in _FUSABLE:
        return False
    out = program.values[step.out]
    if type(out) is not np.ndarray or out.dtype not in _FLOATS or out.size < FUSE_MIN:
        return False
    for s in step.ins:
        v = program.values[s]
        if _scalar(v) is not None or (s in program.consts and _repeated(v) is not None):
            continue
        if type(v) is not np.ndarray or v.dtype != out.dtype:
            return False
        if v.size == out.size:
            if np.broadcast_shapes(v.shape, out.shape) != out.shape:
                return False
        elif (np.broadcast_shapes(v.shape, out.shape) != out.shape
              or (shape is not None and out.shape != shape)
              or not fused_broadcast(v.shape, out.shape)):
            return False
    return True


def _scalar(value):
    """The number a scalar operand stands for, or None for an array operand."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        return value
    return None


def _repeated(value):
    """The one value a constant array repeats (a broadcast view), or None."""
    if type(value) is np.ndarray and value.size and all(
            stride == 0 for stride, n in zip(value.strides, value.shape) if n > 1):
        return value.reshape(-1)[0]
    return None


class _Group:
    """An open group of fusable steps, all of one size and dtype."""

    def __init__(self, step, program, k):
        out = program.values[step.out]
        self.size, self.dtype, self.shape = out.size, out.dtype, out.shape
        self.first_slot = step.out   # slots are numbered in creation order
        self.steps, self.indices, self.slots = [], [], set()
        self.add(step, k)

    def accepts(self, step, program):
        """Whether ``step`` may join: fusable, of the group's size and dtype, reading only
        values of the group, constants, or values that existed before it began."""
        if not _fusable(step, program, self.shape):
            return False
        out = program.values[step.out]
        return out.size == self.size and out.dtype == self.dtype and all(
            s in self.slots or s < self.first_slot or s in program.consts for s in step.ins)

    def add(self, step, k):
        self.steps.append(step)
        self.indices.append(k)
        self.slots.add(step.out)

    def close(self, program, readers):
        """The steps that replace the group: itself when it is a single step, else one
        ``fused`` step and a ``getitem`` step for each result read outside it."""
        if len(self.steps) < 2:
            return self.steps
        inside = set(self.indices)
        results = [st.out for st in self.steps
                   if st.out in program.outs or any(r not in inside
                                                    for r in readers.get(st.out, ()))]
        op = FusedOp(self.steps, results, program)
        values = [program.values[s] for s in results]
        out = program._new(values)
        fused = Step(OP, op, op.inputs, None, out, False)
        return [fused] + [Step(NP, operator.getitem, [out], ((Slot(out), i), {}), s, False)
                          for i, s in enumerate(results)]


class FusedOp:
    """The value function of a fused step: ``impl(*inputs)`` runs the chain and returns its
    results (a list), each in the shape it had in the program."""

    def __init__(self, steps, results, program):
        self._shape = program.values[steps[0].out].shape   # the chain's shape
        self._size = program.values[steps[0].out].size
        self.inputs = []          # the non-constant array and scalar slots the chain reads
        self.name = "fused[" + ",".join(st.fn.name for st in steps) + "]"
        register, constants, code = {}, {}, []   # slot -> register; register -> constant
        free = []                                 # registers of dead temporaries
        last_read = {}
        for k, st in enumerate(steps):
            for s in st.ins:
                last_read[s] = k
        n_regs = 0

        def new_register():
            nonlocal n_regs
            if free:
                return free.pop()
            n_regs += 1
            return n_regs - 1

        produced = {st.out for st in steps}
        for st in steps:                      # inputs first: their registers are never reused
            for s in st.ins:
                if s in produced or s in register:
                    continue
                v = program.values[s]
                register[s] = new_register()
                if s in program.consts:
                    one = _scalar(v)
                    one = _repeated(v) if one is None else one
                    constants[register[s]] = one if one is not None else self._shaped(v)
                else:
                    self.inputs.append(s)
        input_regs = [register[s] for s in self.inputs] + sorted(constants)
        kept = set(results)
        output_regs = []
        for k, st in enumerate(steps):
            operands = [register[s] for s in st.ins]
            for s in set(st.ins):                # operands dying here free their registers
                if s in produced and last_read[s] == k and s not in kept:
                    free.append(register[s])
            register[st.out] = new_register()   # a result's register is never freed
            if st.out in kept:
                output_regs.append(register[st.out])
            code.append((FUSED_OPCODES.index(st.fn.name), register[st.out], operands[0],
                         operands[-1]))
        self._constants = [constants[r] for r in sorted(constants)]
        self._shapes = [program.values[s].shape for s in results]   # results in step order
        self._chain = FusedChain(code, n_regs, input_regs, output_regs)

    def _shaped(self, a):
        """An operand as the chain reads it: an array of the chain's size in the chain's shape
        (a ``(1, n)`` cotangent for an ``(n,)`` chain), a row or column as it is."""
        if isinstance(a, np.ndarray) and a.ndim and a.size == self._size:
            return a.reshape(self._shape)
        return a

    def impl(self, *args):
        outs = self._chain(*[self._shaped(a) for a in args], *self._constants)
        return [o.reshape(shape) for o, shape in zip(outs, self._shapes)]

    def __repr__(self):
        return self.name
