"""Group and instance normalisation, the bilinear map and adaptive max pooling of
``dualad.nn.functional`` (PyTorch's signatures and definitions), composed from
``dualad.numpy`` operations."""
from __future__ import annotations

from .. import numpy as dnp
from .._core.primitive import ndim_of, shape_of
from ..typing import Array, ArrayLike
from ._conv import _batched, _tuple, _unbatched, _adaptive_bounds

__all__ = ["group_norm", "instance_norm", "bilinear", "adaptive_max_pool1d",
           "adaptive_max_pool2d"]


def _normalised(x, axes, eps):
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (the biased variance, as PyTorch's)."""
    mean = dnp.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    var = dnp.mean(centred * centred, axis=axes, keepdims=True)
    return centred / dnp.sqrt(var + eps)


def _affine(y, weight, bias):
    """``y * weight + bias`` per channel (axis 1)."""
    shape = (-1,) + (1,) * (ndim_of(y) - 2)
    if weight is not None:
        y = y * dnp.reshape(weight, shape)
    if bias is not None:
        y = y + dnp.reshape(bias, shape)
    return y


def group_norm(input: ArrayLike, num_groups: int, weight: ArrayLike | None = None,
               bias: ArrayLike | None = None, eps: float = 1e-5) -> Array:
    """Normalise ``(N, C, *)`` over each group of ``C / num_groups`` channels (and every
    spatial position), then scale and shift per channel.

    >>> nn.functional.group_norm(np.array([[[1.0], [3.0]]]), 1).ravel()
    array([-0.999995,  0.999995])
    """
    shape = shape_of(input)
    if len(shape) < 2 or shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {shape} needs a channel axis (axis 1) "
                         f"divisible by num_groups={num_groups}")
    grouped = dnp.reshape(input, (shape[0], num_groups, -1))
    y = dnp.reshape(_normalised(grouped, (2,), eps), shape)
    return _affine(y, weight, bias)


def instance_norm(input: ArrayLike, running_mean: ArrayLike | None = None,
                  running_var: ArrayLike | None = None, weight: ArrayLike | None = None,
                  bias: ArrayLike | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Array:
    """Normalise each channel of each sample of ``(N, C, *spatial)`` over its spatial axes,
    then scale and shift per channel. (Running statistics are not implemented: give
    ``use_input_stats=True`` and no running buffers.)

    >>> nn.functional.instance_norm(np.array([[[1.0, 3.0]]]))
    array([[[-0.999995,  0.999995]]])
    """
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not implemented "
                                  "(use track_running_stats=False)")
    if ndim_of(input) < 3:
        raise ValueError(f"instance_norm: expected (N, C, *spatial), got shape "
                         f"{shape_of(input)}")
    y = _normalised(input, tuple(range(2, ndim_of(input))), eps)
    return _affine(y, weight, bias)


def bilinear(input1: ArrayLike, input2: ArrayLike, weight: ArrayLike,
             bias: ArrayLike | None = None) -> Array:
    """``y_k = x1^T W_k x2 + b_k`` for ``weight`` ``(out, in1, in2)``, over any leading axes.

    >>> nn.functional.bilinear(np.ones((1, 2)), np.ones((1, 3)), np.ones((4, 2, 3))).shape
    (1, 4)
    """
    if ndim_of(weight) != 3 or shape_of(weight)[1:] != (shape_of(input1)[-1],
                                                        shape_of(input2)[-1]):
        raise ValueError(f"bilinear: weight must be (out, in1, in2) = (out, "
                         f"{shape_of(input1)[-1]}, {shape_of(input2)[-1]}), got "
                         f"{shape_of(weight)}")
    y = dnp.einsum("...i,oij,...j->...o", input1, weight, input2)
    return y if bias is None else y + bias


def _adaptive_max(x, axis, m):
    n = shape_of(x)[axis]
    if n % m == 0:   # equal windows: one reshape and one max
        split = shape_of(x)[:axis] + (m, n // m) + shape_of(x)[axis + 1:]
        return dnp.max(dnp.reshape(x, split), axis=axis + 1)
    index = [slice(None)] * ndim_of(x)
    pieces = []
    for lo, hi in _adaptive_bounds(n, m):
        index[axis] = slice(lo, hi)
        pieces.append(dnp.max(x[tuple(index)], axis=axis, keepdims=True))
    return dnp.concatenate(pieces, axis=axis)


def _adaptive_max_pool(input, output_size, return_indices, d, what):
    if return_indices:
        raise NotImplementedError(f"{what}: return_indices=True is not implemented")
    x, added = _batched(input, d, what)
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * d
    _tuple([0 if s is None else s for s in size], d, f"{what}: output_size")
    for axis, m in zip(range(2, 2 + d), size):
        x = x if m is None else _adaptive_max(x, axis, int(m))
    return _unbatched(x, added)


def adaptive_max_pool1d(input: ArrayLike, output_size: int | tuple[int, ...],
                        return_indices: bool = False) -> Array:
    """Maximum over ``output_size`` windows that tile the last axis (PyTorch's bounds).

    >>> nn.functional.adaptive_max_pool1d(np.array([[[1.0, 5.0, 2.0, 0.0]]]), 2)
    array([[[5., 2.]]])
    """
    return _adaptive_max_pool(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: ArrayLike, output_size: int | tuple[int, ...],
                        return_indices: bool = False) -> Array:
    """Maximum over windows that tile the last two axes into ``output_size`` (an int, a
    pair, or a pair with None for "keep this size").

    >>> nn.functional.adaptive_max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1)
    array([[[[15.]]]])
    """
    return _adaptive_max_pool(input, output_size, return_indices, 2, "adaptive_max_pool2d")

