"""Group and instance normalisation, the bilinear map and adaptive max pooling of
``dualad.nn.functional`` (PyTorch's signatures and definitions), composed from
``dualad.numpy`` operations."""
from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..typing import Array, ArrayLike
from ._conv import _batched, _tuple, _unbatched, adaptive_reduce

__all__ = ["group_norm", "instance_norm", "bilinear", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "embedding_bag"]


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


def _adaptive_max_pool(input, output_size, return_indices, d, what):
    if return_indices:
        raise NotImplementedError(f"{what}: return_indices=True is not implemented")
    x, added = _batched(input, d, what)
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * d
    _tuple([0 if s is None else s for s in size], d, f"{what}: output_size")
    for axis, m in zip(range(2, 2 + d), size):
        x = x if m is None else adaptive_reduce(x, axis, int(m), dnp.max)
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



def _bags(input, offsets, include_last_offset, what):
    """Flat indices and the ``(start, stop)`` of each bag."""
    idx = np.asarray(raw_value(input))
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"{what}: indices must be integers, got dtype {idx.dtype}")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{what}: offsets must be None for a 2-D input (one bag per row)")
        b, n = idx.shape
        return idx.reshape(-1), [(i * n, (i + 1) * n) for i in range(b)]
    if idx.ndim != 1 or offsets is None:
        raise ValueError(f"{what}: expected a 2-D input, or a 1-D input with offsets, got "
                         f"shape {idx.shape} and offsets {offsets!r}")
    starts = [int(o) for o in np.asarray(raw_value(offsets)).reshape(-1)]
    if not starts or starts[0] != 0 or any(a > b for a, b in zip(starts, starts[1:])):
        raise ValueError(f"{what}: offsets must start at 0 and not decrease, got {starts}")
    ends = starts[1:] + ([] if include_last_offset else [len(idx)])
    return idx, list(zip(starts, ends))


def embedding_bag(input: ArrayLike, weight: ArrayLike, offsets: ArrayLike | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: ArrayLike | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Array:
    """Sums, means or maxima of bags of rows of ``weight`` ``(num, dim)``: each row of a 2-D
    ``input`` is a bag, or a 1-D ``input`` is cut into bags at ``offsets`` (PyTorch's text
    classification tutorial). Empty bags give zeros; indices equal to ``padding_idx`` are left
    out; ``per_sample_weights`` scale the rows (``mode="sum"`` only).

    >>> w = np.arange(6.0).reshape(3, 2)
    >>> nn.functional.embedding_bag(np.array([0, 2, 1]), w, np.array([0, 2]))
    array([[2., 3.],
           [2., 3.]])
    """
    what = "embedding_bag"
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError(f"{what}: max_norm and scale_grad_by_freq are not "
                                  "implemented")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{what}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{what}: per_sample_weights needs mode='sum', got "
                                  f"{mode!r} (as in PyTorch)")
    flat, bags = _bags(input, offsets, include_last_offset, what)
    n = shape_of(weight)[0]
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        raise IndexError(f"{what}: index out of range for {n} embeddings")
    rows = dnp.getitem(weight, flat)                          # (T, dim)
    keep = np.ones(len(flat), bool) if padding_idx is None else flat != padding_idx % n
    if per_sample_weights is not None:
        psw = dnp.reshape(per_sample_weights, (-1,))
        rows = rows * dnp.expand_dims(psw, 1)
    if mode == "max":
        zero = array_module(raw_value(weight)).zeros(shape_of(weight)[1:], dtype_of(weight))
        out = []
        for lo, hi in bags:
            picked = np.nonzero(keep[lo:hi])[0] + lo
            out.append(dnp.max(dnp.getitem(rows, picked), axis=0) if len(picked) else zero)
        return dnp.stack(out, axis=0)
    member = np.zeros((len(bags), len(flat)), np.dtype(dtype_of(weight)))
    for b, (lo, hi) in enumerate(bags):
        member[b, lo:hi] = keep[lo:hi]
    if mode == "mean":
        member /= np.maximum(member.sum(axis=1, keepdims=True), 1)
    xp = array_module(raw_value(weight))
    return dnp.matmul(xp.asarray(member), rows)
