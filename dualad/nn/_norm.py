"""Normalisation functions of ``dualad.nn.functional``: ``batch_norm`` and ``layer_norm``.

# Design: each is one fused primitive (``dualad/primitives/normalization.py``: compiled
# kernels forward and backward) where its operands allow (``fusable``: plain arrays or one
# reverse trace over them), and composed from ``dualad.numpy`` means and variances otherwise
# (forward mode, nested transforms), which differentiates to any order. The running statistics
# of batch normalisation are state, not part of the function: in training mode they are
# updated in place from the batch's values (a kernel on the raw values: they carry no
# derivative, as in PyTorch), while the output is normalised by the batch's own statistics,
# which are differentiated.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from .._kernels import NORM
from ..primitives import normalization as _fused
from ..primitives.fused import fusable
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
    fused = fusable(input, weight, bias) and _one_float_dtype(input, weight, bias)
    if training:
        count = int(np.prod([shape_of(input)[a] for a in axes]))
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {shape_of(input)}")
        if running_mean is not None and running_var is not None:
            _update_running_stats(raw_value(input), raw_value(running_mean),
                                  raw_value(running_var), momentum, count)
        if fused:
            return _fused.batch_norm_train(input, weight, bias, eps=eps)
        mean = dnp.mean(input, axis=axes, keepdims=True)
        centred = input - mean
        var = dnp.mean(centred * centred, axis=axes, keepdims=True)
        y = centred / dnp.sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation mode needs running_mean and running_var")
        if fused and fusable(input, running_mean, running_var, weight, bias) and (
                _one_float_dtype(input, running_mean, running_var)):
            return _fused.batch_norm_eval(input, running_mean, running_var, weight, bias,
                                          eps=eps)
        rm = dnp.reshape(running_mean, cshape)
        rv = dnp.reshape(running_var, cshape)
        y = (input - rm) / dnp.sqrt(rv + eps)
    if weight is not None:
        y = y * dnp.reshape(weight, cshape)
    if bias is not None:
        y = y + dnp.reshape(bias, cshape)
    return y


def _update_running_stats(x, rm, rv, momentum, count):
    """Move the running statistics towards the batch's mean and unbiased variance, in place."""
    x3 = x.reshape(x.shape[0], x.shape[1], -1)
    mean, var = NORM["batch_norm_stats"](x3 if x3.flags.c_contiguous else x3.copy())
    rm *= 1.0 - momentum
    rm += momentum * mean.astype(rm.dtype)
    rv *= 1.0 - momentum
    rv += (momentum * count / (count - 1)) * var.astype(rv.dtype)


def _one_float_dtype(x, *others):
    """Whether ``x`` is float32 or float64 and the other operands given have its dtype (the
    kernels' case; mixed precisions take the composed path, which promotes as NumPy does)."""
    dtype = dtype_of(x)
    return dtype in (np.float32, np.float64) and all(
        o is None or dtype_of(o) == dtype for o in others)


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
    if fusable(input, weight, bias) and _one_float_dtype(input, weight, bias):
        return _fused.layer_norm(input, weight, bias, eps=eps, d=d)
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
