"""Forward mode: dual-number arrays.

A ``Dual`` holds a primal array and a tangent array whose leading axis batches k directions
(see NOTE: batch axis in ``primitive.py``). Each Dual belongs to a ``ForwardTrace`` whose level
tags its perturbation, so nested forward transforms never mix their tangents. The trace and the
Dual's fields are compiled (``_engine.pyx``); this module adds the user-facing constructor.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _engine
from ._engine import DualBase, ForwardTrace, make_dual
from .primitive import Box, dtype_of, shape_of
from .state import USER_DUAL_LEVEL, new_level
from .tree import check_float_leaf

if TYPE_CHECKING:   # dualad.typing imports this package: the aliases are for checkers
    from ..typing import ArrayLike


_USER_TRACE = ForwardTrace(USER_DUAL_LEVEL)


class Dual(DualBase, Box):
    """A dual-number array: ``Dual(primal, tangent)``.

    ``tangent.shape`` is ``primal.shape`` (one direction) or ``(k,) + primal.shape`` (k
    directions, propagated together in one pass). Every ``dualad.numpy`` function and operator
    accepts Duals.
    """

    __slots__ = ()

    def __init__(self, primal: ArrayLike, tangent: ArrayLike) -> None:
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

    _make = staticmethod(make_dual)

    def _raw(self):
        return self._primal

    @property
    def primal(self):
        """The value part (an array of the primal's shape and dtype)."""
        return self._primal

    @property
    def tangent(self):
        """The tangent: ``primal.shape``, or ``(k,) + primal.shape`` for k directions."""
        return self._tangent if self._batched else self._tangent[0]

    def __repr__(self):
        return f"Dual(primal={self._primal!r}, tangent={self.tangent!r})"


def _max_level(*xs):
    return max((x._level for x in xs if isinstance(x, Box)), default=-1)


_engine.use_dual_class(Dual)
