"""More activation, distance and dropout functions of ``dualad.nn.functional``, with PyTorch's
definitions, signatures and defaults, each composed from ``dualad.numpy`` operations (so every
mode and order of differentiation works). Where PyTorch defines a derivative at a kink (the
edges of ``hardtanh``, the thresholds of the shrinkage functions) the choice is PyTorch's.
"""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..typing import Array, ArrayLike
from . import init

__all__ = ["relu6", "hardtanh", "selu", "celu", "mish", "hardswish", "hardsigmoid",
           "softsign", "logsigmoid", "softmin", "threshold", "glu", "prelu", "tanhshrink",
           "softshrink", "hardshrink", "normalize", "cosine_similarity", "pairwise_distance",
           "dropout1d", "dropout2d", "alpha_dropout"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _constant_like(value, x):
    """``value`` as a constant array of ``x``'s dtype (on ``x``'s device)."""
    raw = raw_value(x)
    return array_module(raw).asarray(value, dtype=raw.dtype)


def hardtanh(input: ArrayLike, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Array:
    """``input`` clamped to ``[min_val, max_val]``; derivative 1 strictly inside, 0 elsewhere
    (PyTorch's).

    >>> nn.functional.hardtanh(np.array([-2.0, 0.5, 3.0]))
    array([-1. ,  0.5,  1. ])
    """
    raw = raw_value(input)
    inside = (raw > min_val) & (raw < max_val)
    return dnp.where(inside, input, _constant_like(np.clip(raw, min_val, max_val), input))


def relu6(input: ArrayLike, inplace: bool = False) -> Array:
    """``min(max(input, 0), 6)``.

    >>> nn.functional.relu6(np.array([-1.0, 3.0, 8.0]))
    array([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0)


def _negative_exp(x, alpha):
    """``alpha * (exp(x / alpha) - 1)`` where ``x <= 0``, with ``exp`` kept from overflowing."""
    return dnp.expm1(dnp.minimum(x, 0.0) / alpha) * alpha


def selu(input: ArrayLike, inplace: bool = False) -> Array:
    """``scale * (x if x > 0 else alpha * (exp(x) - 1))`` with the self-normalising constants
    ``alpha = 1.6733``, ``scale = 1.0507``.

    >>> nn.functional.selu(np.array([0.0, 1.0]))
    array([0.        , 1.05070099])
    """
    pos = raw_value(input) > 0
    return dnp.where(pos, input, _negative_exp(input, 1.0) * _SELU_ALPHA) * _SELU_SCALE


def celu(input: ArrayLike, alpha: float = 1.0, inplace: bool = False) -> Array:
    """``x if x > 0 else alpha * (exp(x / alpha) - 1)``.

    >>> nn.functional.celu(np.array([2.0, 0.0]))
    array([2., 0.])
    """
    return dnp.where(raw_value(input) > 0, input, _negative_exp(input, alpha))


def mish(input: ArrayLike, inplace: bool = False) -> Array:
    """``x * tanh(softplus(x))``.

    >>> nn.functional.mish(np.array([0.0]))
    array([0.])
    """
    return input * dnp.tanh(dnp.logaddexp(input, 0.0))


def hardsigmoid(input: ArrayLike, inplace: bool = False) -> Array:
    """``relu6(x + 3) / 6``.

    >>> nn.functional.hardsigmoid(np.array([-4.0, 0.0, 4.0]))
    array([0. , 0.5, 1. ])
    """
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input: ArrayLike, inplace: bool = False) -> Array:
    """``x * relu6(x + 3) / 6``.

    >>> nn.functional.hardswish(np.array([-4.0, 1.0, 4.0]))
    array([-0.        ,  0.66666667,  4.        ])
    """
    return input * hardsigmoid(input)


def softsign(input: ArrayLike) -> Array:
    """``x / (1 + |x|)``.

    >>> nn.functional.softsign(np.array([1.0, -3.0]))
    array([ 0.5 , -0.75])
    """
    return input / (dnp.abs(input) + 1.0)


def logsigmoid(input: ArrayLike) -> Array:
    """``log(sigmoid(x)) = -softplus(-x)``, computed without overflow.

    >>> nn.functional.logsigmoid(np.array([0.0]))
    array([-0.69314718])
    """
    return -dnp.logaddexp(-input, 0.0)


def softmin(input: ArrayLike, dim: int = -1, dtype: object = None) -> Array:
    """``softmax(-x)`` along ``dim`` (default the last axis).

    >>> nn.functional.softmin(np.array([0.0, np.log(3.0)]))
    array([0.75, 0.25])
    """
    from .functional import softmax
    x = input if dtype is None else dnp.astype(input, dtype)
    return softmax(-x, dim)


def threshold(input: ArrayLike, threshold: float, value: float, inplace: bool = False) -> Array:
    """``x`` where ``x > threshold``, else ``value``.

    >>> nn.functional.threshold(np.array([0.5, 2.0]), 1.0, -1.0)
    array([-1.,  2.])
    """
    return dnp.where(raw_value(input) > threshold, input, _constant_like(value, input))


def glu(input: ArrayLike, dim: int = -1) -> Array:
    """Gated linear unit: ``a * sigmoid(b)`` for the halves ``a, b`` of ``input`` along
    ``dim``.

    >>> nn.functional.glu(np.array([2.0, 0.0]))
    array([1.])
    """
    n = shape_of(input)[dim]
    if n % 2:
        raise ValueError(f"glu: the halved axis {dim} must have an even length, got shape "
                         f"{shape_of(input)}")
    index = [slice(None)] * ndim_of(input)
    index[dim] = slice(0, n // 2)
    a = input[tuple(index)]
    index[dim] = slice(n // 2, n)
    return a * dnp.sigmoid(input[tuple(index)])


def prelu(input: ArrayLike, weight: ArrayLike) -> Array:
    """``x`` where positive, ``weight * x`` elsewhere; ``weight`` holds one slope or one per
    channel (axis 1 of the input).

    >>> nn.functional.prelu(np.array([[-2.0, 3.0]]), np.array([0.25]))
    array([[-0.5,  3. ]])
    """
    w = weight
    k = shape_of(weight)[0] if ndim_of(weight) else 1
    if k != 1:
        if ndim_of(input) < 2 or shape_of(input)[1] != k:
            raise ValueError(f"prelu: {k} slopes need an input with {k} channels at axis 1, "
                             f"got shape {shape_of(input)}")
        w = dnp.reshape(weight, (k,) + (1,) * (ndim_of(input) - 2))
    elif ndim_of(weight):
        w = dnp.reshape(weight, ())
    return dnp.where(raw_value(input) > 0, input, input * w)


def tanhshrink(input: ArrayLike) -> Array:
    """``x - tanh(x)``.

    >>> nn.functional.tanhshrink(np.array([0.0]))
    array([0.])
    """
    return input - dnp.tanh(input)


def softshrink(input: ArrayLike, lambd: float = 0.5) -> Array:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between.

    >>> nn.functional.softshrink(np.array([-1.0, 0.2, 2.0]))
    array([-0.5,  0. ,  1.5])
    """
    raw = raw_value(input)
    zero = _constant_like(0.0, input)
    return dnp.where(raw > lambd, input - lambd, dnp.where(raw < -lambd, input + lambd, zero))


def hardshrink(input: ArrayLike, lambd: float = 0.5) -> Array:
    """``x`` where ``|x| > lambd``, 0 elsewhere.

    >>> nn.functional.hardshrink(np.array([-1.0, 0.2, 2.0]))
    array([-1.,  0.,  2.])
    """
    raw = raw_value(input)
    return dnp.where((raw > lambd) | (raw < -lambd), input, _constant_like(0.0, input))


# ------------------------------------------------------------------------------ distances
def _norm(x, p, dim, keepdim):
    """The ``p``-norm along ``dim``, with derivative 0 (not NaN) where the vector is 0, as
    PyTorch's."""
    if p == 2:
        sq = dnp.sum(x * x, axis=dim, keepdims=keepdim)
        positive = raw_value(sq) > 0
        return dnp.where(positive, dnp.sqrt(dnp.where(positive, sq, 1.0)), 0.0)
    if p == 1:
        return dnp.sum(dnp.abs(x), axis=dim, keepdims=keepdim)
    if p == math.inf:
        return dnp.max(dnp.abs(x), axis=dim, keepdims=keepdim)
    a = dnp.abs(x)
    nonzero = raw_value(a) > 0
    powered = dnp.where(nonzero, dnp.where(nonzero, a, 1.0) ** p, 0.0)
    total = dnp.sum(powered, axis=dim, keepdims=keepdim)
    positive = raw_value(total) > 0
    return dnp.where(positive, dnp.where(positive, total, 1.0) ** (1.0 / p), 0.0)


def normalize(input: ArrayLike, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: None = None) -> Array:
    """``input / max(||input||_p, eps)`` along ``dim``.

    >>> nn.functional.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported (dualad never writes into arrays)")
    return input / dnp.maximum(_norm(input, p, dim, True), eps)


def cosine_similarity(x1: ArrayLike, x2: ArrayLike, dim: int = 1, eps: float = 1e-8) -> Array:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast together), each
    norm clamped below at ``eps``.

    >>> nn.functional.cosine_similarity(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]))
    array([0.70710678])
    """
    n1 = dnp.maximum(_norm(x1, 2, dim, True), eps)
    n2 = dnp.maximum(_norm(x2, 2, dim, True), eps)
    return dnp.sum((x1 / n1) * (x2 / n2), axis=dim)


def pairwise_distance(x1: ArrayLike, x2: ArrayLike, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Array:
    """``||x1 - x2 + eps||_p`` along the last axis.

    >>> nn.functional.pairwise_distance(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), eps=0)
    array([5.])
    """
    return _norm(x1 - x2 + eps, p, -1, keepdim)


# ------------------------------------------------------------------------------ dropout
def _channel_dropout(x, p, training, spatial, what):
    if not 0 <= p <= 1:
        raise ValueError(f"{what}: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if ndim_of(x) not in (spatial + 1, spatial + 2):
        raise ValueError(f"{what}: expected a {spatial + 1}-D or {spatial + 2}-D input, got "
                         f"shape {shape_of(x)}")
    shape = shape_of(x)[:-spatial] + (1,) * spatial       # one draw per channel
    keep = init.generator().random(shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * _constant_like(keep * scale, x)


def dropout1d(input: ArrayLike, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Array:
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) with probability ``p``, scaling the
    rest by ``1 / (1 - p)``, in training; the identity otherwise.

    >>> nn.functional.dropout1d(np.ones((1, 2, 3)), training=False).shape
    (1, 2, 3)
    """
    return _channel_dropout(input, p, training, 1, "dropout1d")


def dropout2d(input: ArrayLike, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Array:
    """Zero whole channels of ``(N, C, H, W)`` (or ``(C, H, W)``) with probability ``p``,
    scaling the rest by ``1 / (1 - p)``, in training; the identity otherwise.

    >>> nn.functional.dropout2d(np.ones((1, 2, 3, 3)), p=0.0).shape
    (1, 2, 3, 3)
    """
    return _channel_dropout(input, p, training, 2, "dropout2d")


def alpha_dropout(input: ArrayLike, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Array:
    """Dropout for SELU networks: dropped elements are set to SELU's negative saturation and
    the result rescaled so that mean and variance are kept (PyTorch's constants).

    >>> nn.functional.alpha_dropout(np.ones(3), 0.5, training=False)
    array([1., 1., 1.])
    """
    if not 0 <= p <= 1:
        raise ValueError(f"alpha_dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    keep = (init.generator().random(shape_of(input)) >= p).astype(np.dtype(dtype_of(input)))
    b = (keep - 1) * (alpha * a) + alpha * a * p
    return input * _constant_like(keep * a, input) + _constant_like(b, input)
