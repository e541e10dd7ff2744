"""The pattern trace: dependency patterns pushed through the primitives' pattern rules.

# Design: sparsity detection is one more interpretation of the primitives, beside forward and
# reverse mode. A ``PatternTracer`` carries a value (computed normally, so control flow on
# values works) and a boolean dependency pattern of shape ``(n_in,) + value.shape`` whose entry
# ``[j, ...]`` says whether that element may depend on input element ``j``: the batch axis of a
# JVP (see NOTE: batch axis in ``dualad/_core/primitive.py``) with one direction per input
# element. Each primitive declares how patterns flow through it (``Primitive.pattern_rule``);
# the rules describe the structure of the derivative, never its values, so the pattern found at
# one point holds at every point where the function takes the same branches. No Jacobian is
# probed: the cost is one evaluation on boolean arrays.
"""
import numpy as np

from .._core.backend import raw_value
from .._core.primitive import Box, shape_of


class PatternTrace:
    """One sparsity-detection context (one ``jacobian_sparsity`` pass)."""

    __slots__ = ("level", "active")

    def __init__(self, level):
        self.level = level
        self.active = True

    def process(self, prim, args, params):
        values, patterns = [], []
        for a in args:
            if type(a) is PatternTracer and a._trace is self:
                values.append(a._value)
                patterns.append(a._pattern)
            else:
                values.append(a)
                patterns.append(None)
        ans = prim(*values, **params)
        if not self.active or all(p is None for p in patterns):
            return ans
        rule = prim.pattern_rule()
        if rule is None:
            raise NotImplementedError(
                f"sparsity detection: the primitive {prim.name!r} declares no sparsity-pattern "
                "rule; give it one with pattern= (or linear=True for a linear primitive), or "
                "pass the Jacobian's sparsity explicitly")
        out = rule(tuple(patterns), ans, *values, **params)
        if out is None:
            return ans
        return PatternTracer(ans, as_pattern(out, shape_of(ans)), self)


def as_pattern(p, shape):
    """A rule's result as a boolean pattern of shape ``(n_in,) + shape``: the linear rules that
    patterns borrow from JVP rules may sum booleans into integers or broadcast lazily."""
    p = np.asarray(raw_value(p))
    if p.dtype != bool:
        p = p != 0
    full = (p.shape[0],) + tuple(shape)
    if p.shape != full:
        p = np.broadcast_to(p, full)
    return p


class PatternTracer(Box):
    """A value under sparsity detection: the value and its dependency pattern."""

    __slots__ = ("_value", "_pattern")

    def __init__(self, value, pattern, trace):
        self._value = value
        self._pattern = pattern
        self._trace = trace
        self._level = trace.level

    def _raw(self):
        return self._value

    def __repr__(self):
        return (f"PatternTracer(value={self._value!r}, "
                f"dependencies={int(np.count_nonzero(self._pattern))})")
