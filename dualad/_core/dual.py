"""Forward mode: dual-number arrays.

A ``Dual`` holds a primal array and a tangent array whose leading axis batches k directions
(see NOTE: batch axis in ``primitive.py``). Each Dual belongs to a ``ForwardTrace`` whose level
tags its perturbation, so nested forward transforms never mix their tangents.
"""
import numpy as np

from .primitive import Box, dtype_of, shape_of
from .state import USER_DUAL_LEVEL, new_level
from .tree import check_float_leaf


class ForwardTrace:
    """One forward-mode context (one ``jvp`` call, or the hand-made Duals of a thread)."""

    __slots__ = ("level", "active")

    def __init__(self, level):
        self.level = level
        self.active = True

    def process(self, prim, args, params):
        level = self.level
        if not self.active:
            # Design: a Dual that escaped its finished transform behaves as a constant.
            return prim(*[a._primal if type(a) is Dual and a._level == level else a
                          for a in args], **params)
        primals, tangents = [], []
        batched = False
        for a in args:
            if type(a) is Dual and a._level == level:
                primals.append(a._primal)
                tangents.append(a._tangent)
                batched = batched or a._batched
            else:
                primals.append(a)
                tangents.append(None)
        ans, t = prim.forward(primals, tangents, params)
        if t is None:
            return ans
        return Dual._make(ans, t, self, batched)


_USER_TRACE = ForwardTrace(USER_DUAL_LEVEL)


class Dual(Box):
    """A dual-number array: ``Dual(primal, tangent)``.

    ``tangent.shape`` is ``primal.shape`` (one direction) or ``(k,) + primal.shape`` (k
    directions, propagated together in one pass). Every ``dualad.numpy`` function and operator
    accepts Duals.
    """

    __slots__ = ("_primal", "_tangent", "_batched")

    def __init__(self, primal, tangent):
        primal = check_float_leaf(primal, "Dual primal")
        if not hasattr(tangent, "dtype"):  # Python numbers and lists take the primal's dtype
            tangent = np.asarray(tangent, dtype=dtype_of(primal))
        tshape, pshape = shape_of(tangent), shape_of(primal)
        if tshape == pshape:
            batched = False
            tangent = tangent[None]
        elif len(tshape) == len(pshape) + 1 and tshape[1:] == pshape:
            batched = True
        else:
            raise ValueError(
                f"Dual tangent has shape {tshape}, but the primal has shape {pshape}: the tangent "
                f"must have shape {pshape} (one direction) or (k,) + {pshape} (k directions)")
        if dtype_of(tangent) != dtype_of(primal):
            raise TypeError(
                f"Dual tangent has dtype {dtype_of(tangent)}, but the primal has dtype "
                f"{dtype_of(primal)}; they must match (cast the tangent with "
                f".astype({dtype_of(primal)}))")
        trace = _USER_TRACE
        if _max_level(primal, tangent) >= USER_DUAL_LEVEL:
            trace = ForwardTrace(new_level())
        self._primal = primal
        self._tangent = tangent
        self._trace = trace
        self._level = trace.level
        self._batched = batched

    @classmethod
    def _make(cls, primal, tangent, trace, batched):
        self = Box.__new__(cls)
        self._primal = primal
        self._tangent = tangent
        self._trace = trace
        self._level = trace.level
        self._batched = batched
        return self

    def _raw(self):
        return self._primal

    @property
    def primal(self):
        return self._primal

    @property
    def tangent(self):
        """The tangent: ``primal.shape``, or ``(k,) + primal.shape`` for k directions."""
        return self._tangent if self._batched else self._tangent[0]

    def __repr__(self):
        return f"Dual(primal={self._primal!r}, tangent={self.tangent!r})"


def _max_level(*xs):
    return max((x._level for x in xs if isinstance(x, Box)), default=-1)
