"""Matrix products and linear algebra.

NOTE: matmul and vectors. NumPy's ``matmul`` promotes a 1-D left operand to a row and a 1-D
right operand to a column and drops that axis from the result. The rules do the same promotion
explicitly, so they only ever see stacks of matrices, and then drop the promoted axes again.
"""
import numpy as np

from .._core.primitive import Primitive, ndim_of, shape_of
from .shape import reshape, transpose, unbroadcast


def _expand(v, axis):
    shape = list(v.shape)
    shape.insert(len(shape) + 1 + axis, 1)
    return reshape(v, shape=tuple(shape))


def _squeeze(v, axis):
    shape = list(v.shape)
    del shape[axis]
    return reshape(v, shape=tuple(shape))


def _align(v, ndim):
    """Unit axes after the batch axis until ``v`` has ``ndim`` axes."""
    missing = ndim - v.ndim
    if missing <= 0:
        return v
    return reshape(v, shape=(v.shape[0],) + (1,) * missing + tuple(v.shape[1:]))


def mT(v):
    """Swap the last two axes."""
    axes = tuple(range(v.ndim - 2)) + (v.ndim - 1, v.ndim - 2)
    return transpose(v, axes=axes)


def _promote(a, b):
    """Promote 1-D operands of a matmul to matrices; returns the matrices and result rank."""
    a2 = _expand(a, -2) if ndim_of(a) == 1 else a
    b2 = _expand(b, -1) if ndim_of(b) == 1 else b
    return a2, b2, max(ndim_of(a2), ndim_of(b2))


def _demote(v, a, b):
    """Drop the axes that ``_promote`` added, from a batched result ``v``."""
    if ndim_of(b) == 1:
        v = _squeeze(v, -1)
    if ndim_of(a) == 1:
        v = _squeeze(v, -1 if ndim_of(b) == 1 else -2)
    return v


def _matmul_jvp_a(t, ans, a, b):
    a2, b2, rank = _promote(a, b)
    t2 = _expand(t, -2) if ndim_of(a) == 1 else t
    return _demote(matmul(_align(t2, rank + 1), b2), a, b)


def _matmul_jvp_b(t, ans, a, b):
    a2, b2, rank = _promote(a, b)
    t2 = _expand(t, -1) if ndim_of(b) == 1 else t
    return _demote(matmul(a2, _align(t2, rank + 1)), a, b)


def _sum_to(v, shape):
    """Sum a batched product back to an operand's ``shape`` (batch axis kept)."""
    return v if tuple(v.shape[1:]) == tuple(shape) else unbroadcast(v, shape=shape, lead=1)


def _promoted_cotangent(g, a, b):
    if ndim_of(a) == 1:
        g = _expand(g, -1 if ndim_of(b) == 1 else -2)
    if ndim_of(b) == 1:
        g = _expand(g, -1)
    return g


def _matmul_vjp_a(g, ans, a, b):
    a2, b2, _ = _promote(a, b)
    ga = _sum_to(matmul(_promoted_cotangent(g, a, b), mT(b2)), shape_of(a2))
    return _squeeze(ga, -2) if ndim_of(a) == 1 else ga


def _matmul_vjp_b(g, ans, a, b):
    a2, b2, _ = _promote(a, b)
    gb = _sum_to(matmul(mT(a2), _promoted_cotangent(g, a, b)), shape_of(b2))
    return _squeeze(gb, -1) if ndim_of(b) == 1 else gb


matmul = Primitive("matmul", np.matmul, jvp=(_matmul_jvp_a, _matmul_jvp_b),
                   vjp=(_matmul_vjp_a, _matmul_vjp_b))
