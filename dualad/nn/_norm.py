"""Normalisation functions of ``dualad.nn.functional``: ``batch_norm`` and ``layer_norm``,
composed from ``dualad.numpy`` means and variances (fused kernels are a later step).

# Design: the running statistics of batch normalisation are state, not part of the function:
# in training mode they are updated in place from the batch's values (taken with ``raw_value``:
# they carry no derivative, as in PyTorch), while the output is normalised by the batch's own
# statistics, which are differentiated.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import ndim_of, shape_of
from ..typing import Array, ArrayLike


def _channel_shape(x):
    """Where a per-channel vector broadcasts against ``x`` ``(N, C, *spatial)`` or ``(N, C)``."""
    return (shape_of(x)[1],) + (1,) * (ndim_of(x) - 2)


def batch_norm(input: ArrayLike, running_mean: ArrayLike | None, running_var: ArrayLike | None,
               weight: ArrayLike | None = None, bias: ArrayLike | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """Normalise each channel (axis 1) of ``input`` ``(N, C, ...)``: by the batch's mean and
    biased variance when ``training`` (then ``running_mean``/``running_var``, when given, move
    towards the batch's mean and unbiased variance by ``momentum``, in place), by the running
    statistics otherwise; then scale by ``weight`` and shift by ``bias`` (per channel)."""
    if ndim_of(input) < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got "
                         f"{shape_of(input)}")
    cshape = _channel_shape(input)
    axes = (0,) + tuple(range(2, ndim_of(input)))
    if training:
        count = int(np.prod([shape_of(input)[a] for a in axes]))
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {shape_of(input)}")
        mean = dnp.mean(input, axis=axes, keepdims=True)
        centred = input - mean
        var = dnp.mean(centred * centred, axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            rm, rv = raw_value(running_mean), raw_value(running_var)
            m, v = raw_value(mean).reshape(-1), raw_value(var).reshape(-1)
            rm *= 1.0 - momentum
            rm += momentum * m.astype(rm.dtype)
            rv *= 1.0 - momentum
            rv += (momentum * count / (count - 1)) * v.astype(rv.dtype)
        y = centred / dnp.sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
        rm = dnp.reshape(running_mean, cshape)
        rv = dnp.reshape(running_var, cshape)
        y = (input - rm) / dnp.sqrt(rv + eps)
    if weight is not None:
        y = y * dnp.reshape(weight, cshape)
    if bias is not None:
        y = y + dnp.reshape(bias, cshape)
    return y


def layer_norm(input: ArrayLike, normalized_shape: int | tuple[int, ...],
               weight: ArrayLike | None = None, bias: ArrayLike | None = None,
               eps: float = 1e-5) -> Array:
    """Normalise over the last ``len(normalized_shape)`` axes by their mean and biased
    variance, then scale by ``weight`` and shift by ``bias`` (both of ``normalized_shape``)."""
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                        else tuple(normalized_shape))
    d = len(normalized_shape)
    if shape_of(input)[ndim_of(input) - d:] != normalized_shape:
        raise ValueError(f"layer_norm: the input's last axes {shape_of(input)} do not match "
                         f"normalized_shape {normalized_shape}")
    axes = tuple(range(-d, 0))
    mean = dnp.mean(input, axis=axes, keepdims=True)
    centred = input - mean
    var = dnp.mean(centred * centred, axis=axes, keepdims=True)
    y = centred / dnp.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y
