"""Reductions and scans. ``axis`` reaches the primitives as a tuple of negative integers (a single
negative integer for ``cumsum``; ``dualad.numpy`` normalises it), which names the same axes with
or without the leading batch axis.

# Design: ``prod`` never divides by ``x``. Its derivative with respect to one element is the
# product of all the others (the exclusive product), computed with prefix and suffix products
# (a doubling scan of ``multiply``), so zeros in the input are exact and the rule is itself
# differentiable to any order.
"""
import numpy as np

from .._core.backend import array_module, raw_value
from ._compiled_rules import ExpandReduced, SumVJP, reinsert, sum_value
from .._core.primitive import Primitive, dtype_of, ndim_of, shape_of
from .binary import multiply
from .indexing import concatenate, getitem
from .shape import broadcast_to, reshape, transpose


def _expand_traced(g, x, axis, keepdims):
    """Broadcast a reduced cotangent ``g`` (batch axis first) back to ``(k,) + x.shape`` in
    dualad operations (what ``expand_reduced`` does for a box)."""
    if not keepdims:
        g = reshape(g, shape=reinsert(tuple(g.shape), axis))
    return broadcast_to(g, shape=(g.shape[0],) + shape_of(x))


expand_reduced = ExpandReduced(_expand_traced)


def _reduction(name, impl, weights):
    """A reduction whose derivative is ``sum(t * w)`` (JVP) and ``expand(g) * w`` (VJP), with
    ``w = weights(ans, x, axis, keepdims)`` of the shape of ``x``."""
    def jvp(t, ans, x, axis, keepdims):
        return sum_p(multiply(t, weights(ans, x, axis, keepdims)), axis=axis, keepdims=keepdims)

    def vjp(g, ans, x, axis, keepdims):
        return multiply(expand_reduced(g, x, axis, keepdims), weights(ans, x, axis, keepdims))

    return Primitive(name, impl, jvp=(jvp,), vjp=(vjp,), pattern=_reduced_pattern, batched=True)


def _reduced_pattern(patterns, ans, x, axis, keepdims):
    """Each result depends on every element of its slice (the pattern of ``sum``)."""
    return sum_p(patterns[0], axis=axis, keepdims=keepdims)


sum_p = Primitive(
    "sum", sum_value,
    jvp=(lambda t, ans, x, axis, keepdims: sum_p(t, axis=axis, keepdims=keepdims),),
    vjp=(SumVJP(expand_reduced),), linear=True, batched=True)


# ---------------------------------------------------------------- max and min
def _tie_weights(ans, x, axis, keepdims):
    """Which elements of ``x`` attain the extremum ``ans``, each weighted 1/(number of ties)
    (API.md section 8). A NaN is the extremum of its slice and takes the derivative. Not
    differentiated: the weights are piecewise constant."""
    xr, best = raw_value(x), raw_value(ans)
    xp = array_module(xr)
    if not keepdims:
        best = xp.reshape(best, reinsert(shape_of(best), axis))
    hit = (xr == best) | xp.isnan(xr)
    dtype = dtype_of(xr)
    return hit.astype(dtype) / xp.sum(hit, axis=axis, keepdims=True).astype(dtype)


max_p = _reduction("max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
                   _tie_weights)
min_p = _reduction("min", lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
                   _tie_weights)


# ---------------------------------------------------------------- prod
def _take_last(v, start, stop):
    """``v[..., start:stop]``."""
    return getitem(v, index=(slice(None),) * (ndim_of(v) - 1) + (slice(start, stop),))


def _flip_axis(v, axis):
    """``v`` reversed along the negative axis ``axis``."""
    return getitem(v, index=(slice(None),) * (ndim_of(v) + axis) + (slice(None, None, -1),))


def _cumprod_last(v):
    """Inclusive prefix products along the last axis, by doubling: after the step with stride
    s, element i holds the product of elements ``max(0, i - 2s + 1) .. i``."""
    n = shape_of(v)[-1]
    stride = 1
    while stride < n:
        shifted = multiply(_take_last(v, stride, n), _take_last(v, 0, n - stride))
        v = concatenate(_take_last(v, 0, stride), shifted, axis=-1)
        stride *= 2
    return v


def _exclusive_prefix(v):
    """Products of the elements strictly before each one along the last axis (1 first)."""
    shape = shape_of(v)
    ones = array_module(v).ones(shape[:-1] + (1,), dtype=dtype_of(v))
    return concatenate(ones, _take_last(_cumprod_last(v), 0, shape[-1] - 1), axis=-1)


def _exclusive_last(v):
    """Product of all the other elements along the last axis, for each element."""
    if shape_of(v)[-1] == 0:
        return v
    before = _exclusive_prefix(v)
    after = _flip_axis(_exclusive_prefix(_flip_axis(v, -1)), -1)
    return multiply(before, after)


def _exclusive_products(ans, x, axis, keepdims):
    """For each element of ``x``, the product of the other elements of its reduced slice."""
    shape = shape_of(x)
    ndim = len(shape)
    reduced = [ndim + a for a in axis]
    order = [i for i in range(ndim) if i not in reduced] + reduced
    moved = order != list(range(ndim))
    kept = tuple(shape[i] for i in order[:ndim - len(reduced)])
    flat = reshape(transpose(x, axes=tuple(order)) if moved else x,
                   shape=kept + (int(np.prod([shape[i] for i in reduced])),))
    excl = reshape(_exclusive_last(flat), shape=tuple(shape[i] for i in order))
    return transpose(excl, axes=tuple(np.argsort(order))) if moved else excl


prod_p = _reduction("prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
                    _exclusive_products)


# ---------------------------------------------------------------- cumsum
cumsum_p = Primitive(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis),
    jvp=(lambda t, ans, x, axis: cumsum_p(t, axis=axis),),
    vjp=(lambda g, ans, x, axis: _flip_axis(cumsum_p(_flip_axis(g, axis), axis=axis), axis),),
    linear=True, batched=True)
