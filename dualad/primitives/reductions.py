"""Reductions. ``axis`` reaches the primitives as a tuple of negative integers (``dualad.numpy``
normalises it), which names the same axes with or without the leading batch axis."""
import numpy as np

from .._core.primitive import Primitive, ndim_of, shape_of
from .shape import broadcast_to, reshape


def expand_reduced(g, x, axis, keepdims):
    """Broadcast a reduced cotangent ``g`` (batch axis first) back to ``(k,) + x.shape``."""
    if not keepdims:
        g = reshape(g, shape=_reinsert(g.shape, axis))
    return broadcast_to(g, shape=(g.shape[0],) + shape_of(x))


def _reinsert(shape, axis):
    """``shape`` with unit axes put back at the negative positions ``axis``."""
    ndim = len(shape) + len(axis)
    reduced = {ndim + a for a in axis}
    it = iter(shape)
    return tuple(1 if i in reduced else next(it) for i in range(ndim))


sum_p = Primitive(
    "sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    jvp=(lambda t, ans, x, axis, keepdims: sum_p(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, ans, x, axis, keepdims: expand_reduced(g, x, axis, keepdims),))
