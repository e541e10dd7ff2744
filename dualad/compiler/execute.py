"""Running a ``Program``: one tight loop over prebuilt steps on plain arrays.

# Design: each step becomes a tuple ``(tag, fn, out, ins, params, dead)`` read by one loop: no
# boxes, no dispatch, no tape, only the primitives' value functions (and the NumPy functions of
# ``np`` steps) on the register file. Registers whose last reader has run are released
# (``dead``), so intermediates die as early as they do in eager code. A guard that comes out
# differently, or a step that raises, abandons the run (``None``): the caller traces again,
# and the eager semantics (the other branch, or the error) follow from that trace.
"""
import numpy as np

from .program import GUARD, NP
from .tracing import Slot

_UNARY, _BINARY, _STATIC, _DYNAMIC, _NUMPY, _GUARD = range(6)


class Executable:
    """A ``Program`` compiled for ``run``."""

    def __init__(self, program):
        self.program = program
        self.n_in = program.n_in
        self.outs = program.outs
        self.init = [None] * len(program.values)
        for slot in program.consts:
            self.init[slot] = program.values[slot]
        last = {}
        for k, step in enumerate(program.steps):
            for s in step.reads():
                last[s] = k
        keep = set(program.outs) | set(program.consts)
        code = []
        for k, step in enumerate(program.steps):
            dead = tuple(s for s in set(step.reads()) if last[s] == k and s not in keep)
            code.append(_instruction(step, dead))
        self.code = code

    def run(self, inputs):
        """The output values for ``inputs`` (one per input slot), or None when a guard fails
        or a step raises (the path does not hold for these inputs)."""
        regs = list(self.init)
        regs[:self.n_in] = inputs
        try:
            for tag, fn, out, ins, params, dead in self.code:
                if tag == _UNARY:
                    regs[out] = fn(regs[ins])
                elif tag == _BINARY:
                    regs[out] = fn(regs[ins[0]], regs[ins[1]])
                elif tag == _STATIC:
                    regs[out] = fn(*[regs[i] for i in ins], **params)
                elif tag == _DYNAMIC:
                    regs[out] = fn(*[regs[i] for i in ins], **_fill(params, regs))
                elif tag == _NUMPY:
                    args, kwargs = _fill(params, regs)
                    regs[out] = fn(*args, **kwargs)
                elif not same(regs[ins], params):
                    return None
                for s in dead:
                    regs[s] = None
        except Exception:   # noqa: BLE001  (the eager trace that follows raises it properly)
            return None
        return [regs[o] for o in self.outs]


def _instruction(step, dead):
    if step.kind == GUARD:
        return _GUARD, None, -1, step.ins[0], step.params, dead
    if step.kind == NP:
        return _NUMPY, step.fn, step.out, None, step.params, dead
    impl = step.fn.impl
    if step.dynamic:
        return _DYNAMIC, impl, step.out, tuple(step.ins), step.params, dead
    if not step.params and len(step.ins) == 1:
        return _UNARY, impl, step.out, step.ins[0], None, dead
    if not step.params and len(step.ins) == 2:
        return _BINARY, impl, step.out, tuple(step.ins), None, dead
    return _STATIC, impl, step.out, tuple(step.ins), step.params or {}, dead


def _fill(tree, regs):
    """``tree`` with each ``Slot`` replaced by its register's value."""
    kind = type(tree)
    if kind is Slot:
        return regs[tree.index]
    if kind is tuple or kind is list:
        return kind(_fill(v, regs) for v in tree)
    if kind is dict:
        return {k: _fill(v, regs) for k, v in tree.items()}
    return tree


def same(a, b):
    """Whether the guarded value ``a`` equals the traced ``b`` (NaN equal to NaN, shapes and
    dtypes alike)."""
    if a is b:
        return True
    if np.shape(a) != np.shape(b) or getattr(a, "dtype", None) != getattr(b, "dtype", None):
        return False
    eq = a == b
    if np.ndim(eq) == 0:
        return bool(eq) or bool(a != a and b != b)
    return bool(np.all(eq | ((a != a) & (b != b))))
