"""Convolution and pooling functions of ``dualad.nn.functional`` (PyTorch's signatures), written
on the ``unfold`` primitive (im2col, ``dualad/primitives/conv.py``): a convolution is one
matrix product of the weights with the patches, a pooling a ``max`` or ``mean`` over them.

Inputs are ``(N, C, *spatial)`` or, unbatched, ``(C, *spatial)``, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..primitives.conv import out_size, unfold
from ..typing import Array, ArrayLike


def _tuple(v, d, what):
    v = tuple(int(e) for e in v) if isinstance(v, (tuple, list)) else (int(v),) * d
    if len(v) != d:
        raise ValueError(f"{what} must be an int or a tuple of {d} ints, got {v}")
    return v


def _padding(padding, kernel, dilation, stride, d, what):
    """``(before, after)`` pairs from an int, a tuple, ``"valid"`` or ``"same"``."""
    if padding == "valid":
        return ((0, 0),) * d
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{what}: padding='same' is not supported for strided "
                             "convolutions (as in PyTorch)")
        total = [dil * (k - 1) for k, dil in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in total)
    if isinstance(padding, str):
        raise ValueError(f"{what}: padding must be an int, a tuple, 'valid' or 'same', got "
                         f"{padding!r}")
    return tuple((p, p) for p in _tuple(padding, d, f"{what}: padding"))


def _batched(x, d, what):
    """``x`` with a batch axis, and whether one was added (PyTorch's unbatched inputs)."""
    nd = ndim_of(x)
    if nd == d + 1:
        return dnp.expand_dims(x, 0), True
    if nd != d + 2:
        raise ValueError(f"{what}: expected a {d + 1}-D (unbatched) or {d + 2}-D (batched) "
                         f"input, got shape {shape_of(x)}")
    return x, False


def _unbatched(y, added):
    return dnp.squeeze(y, 0) if added else y


def check_same_dtype(x, weight, what):
    """PyTorch's refusal to mix dtypes in a layer (it never promotes silently)."""
    have, want = np.dtype(dtype_of(x)), np.dtype(dtype_of(weight))
    if have != want:
        raise RuntimeError(
            f"{what}: input dtype {have} and weight dtype {want} must be the same (PyTorch: "
            f"'mat1 and mat2 must have the same dtype'); convert the input with "
            f"x.to({want.name}) / x.float(), or the model with model.to({have.name})")


def _conv(x, weight, bias, stride, padding, dilation, groups, d, what):
    x, added = _batched(x, d, what)
    check_same_dtype(x, weight, what)
    n, c = shape_of(x)[:2]
    o, cg = shape_of(weight)[:2]
    kernel = shape_of(weight)[2:]
    if len(kernel) != d:
        raise ValueError(f"{what}: weight must be {d + 2}-D (out, in/groups, *kernel), got "
                         f"shape {shape_of(weight)}")
    if c != cg * groups or o % groups:
        raise RuntimeError(f"{what}: input has {c} channels, but the weight {shape_of(weight)} "
                           f"with groups={groups} expects {cg * groups} (and out channels "
                           "divisible by groups)")
    stride = _tuple(stride, d, f"{what}: stride")
    dilation = _tuple(dilation, d, f"{what}: dilation")
    pads = _padding(padding, kernel, dilation, stride, d, what)
    out = out_size(shape_of(x)[2:], kernel, stride, pads, dilation)
    rows, ck = n * int(np.prod(out)), cg * int(np.prod(kernel))
    cols = unfold(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    if groups == 1:     # one matrix product of every output position's row with the weights
        y = dnp.matmul(dnp.reshape(cols, (rows, ck)),
                       dnp.transpose(dnp.reshape(weight, (o, ck))))
    else:               # one product per group, batched
        cols = dnp.transpose(dnp.reshape(cols, (rows, groups, ck)), (1, 0, 2))
        w = dnp.transpose(dnp.reshape(weight, (groups, o // groups, ck)), (0, 2, 1))
        y = dnp.reshape(dnp.transpose(dnp.matmul(cols, w), (1, 0, 2)), (rows, o))
    # channels first, in C order: the layers after it (activations, pooling, the next
    # convolution's unfold) take C-contiguous arrays in their compiled kernels
    y = dnp.ascontiguousarray(dnp.moveaxis(dnp.reshape(y, (n,) + out + (o,)), -1, 1))
    if bias is not None:
        y = y + dnp.reshape(bias, (o,) + (1,) * d)
    return _unbatched(y, added)


def conv1d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
           dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """1-D cross-correlation (PyTorch's "convolution"): ``input`` ``(N, C_in, L)``, ``weight``
    ``(C_out, C_in / groups, k)``. ``padding`` may be ``"same"`` or ``"valid"``."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
           stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
           dilation: int | tuple[int, ...] = 1, groups: int = 1) -> Array:
    """2-D cross-correlation: ``input`` ``(N, C_in, H, W)``, ``weight``
    ``(C_out, C_in / groups, kh, kw)``::

        y = F.conv2d(x, w, b, padding=1)      # (N, C_out, H, W) for a 3x3 kernel
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_geometry(kernel_size, stride, padding, dilation, ceil_mode, d, what):
    if ceil_mode:
        raise NotImplementedError(f"{what}: ceil_mode=True is not implemented; pad the input "
                                  "instead")
    kernel = _tuple(kernel_size, d, f"{what}: kernel_size")
    stride = kernel if stride is None or stride == () else _tuple(stride, d, f"{what}: stride")
    pads = tuple((p, p) for p in _tuple(padding, d, f"{what}: padding"))
    if any(2 * p > k for (p, _), k in zip(pads, kernel)):
        raise ValueError(f"{what}: padding should be at most half of the kernel size, got "
                         f"padding {padding} for kernel {kernel}")
    return kernel, stride, pads, _tuple(dilation, d, f"{what}: dilation")


def _tiles(x, kernel, stride, pads, dilation):
    """The pooling windows of ``x`` ``(N, C, *spatial)`` as ``(*kernel, N, C, *out)`` in C
    order when they tile it (stride = kernel, no padding or dilation; a remainder is dropped,
    as PyTorch drops it), so that pooling is a reduction over the leading axes, along which
    NumPy's loops run over long rows; None otherwise."""
    if stride != kernel or any(p for p, _ in pads) or any(dil != 1 for dil in dilation):
        return None
    size = shape_of(x)[2:]
    out = tuple(m // k for m, k in zip(size, kernel))
    if any(o == 0 for o in out):
        return None
    if any(o * k != m for o, k, m in zip(out, kernel, size)):
        x = x[(slice(None), slice(None)) + tuple(slice(0, o * k) for o, k in zip(out, kernel))]
    d = len(kernel)
    split = tuple(v for o, k in zip(out, kernel) for v in (o, k))
    tiles = dnp.reshape(x, shape_of(x)[:2] + split)          # (N, C, o1, k1, o2, k2, …)
    return dnp.ascontiguousarray(dnp.transpose(
        tiles, tuple(range(3, 3 + 2 * d, 2)) + (0, 1) + tuple(range(2, 2 + 2 * d, 2))))


def _pool(x, reduce, geometry, d, what, pad_value):
    """``reduce(windows, axes)`` over every pooling window of ``x``."""
    x, added = _batched(x, d, what)
    kernel, stride, pads, dilation = geometry
    tiles = _tiles(x, kernel, stride, pads, dilation)
    if tiles is not None:
        return _unbatched(reduce(tiles, tuple(range(d))), added)
    cols = unfold(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation,
                  pad_value=pad_value)                            # (N, *out, C, K)
    windows = dnp.ascontiguousarray(dnp.moveaxis(cols, -1, 0))   # (K, N, *out, C)
    return _unbatched(dnp.ascontiguousarray(dnp.moveaxis(reduce(windows, (0,)), -1, 1)), added)


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, d, what):
    if return_indices:
        raise NotImplementedError(f"{what}: return_indices=True is not implemented")
    geometry = _pool_geometry(kernel_size, stride, padding, dilation, ceil_mode, d, what)
    return _pool(x, lambda w, axes: dnp.max(w, axis=axes), geometry, d, what, -np.inf)


def max_pool1d(input: ArrayLike, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Array:
    """Maximum over windows of ``kernel_size`` along the last axis (stride: the kernel size)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, "max_pool1d")


def max_pool2d(input: ArrayLike, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Array:
    """Maximum over ``kernel_size`` windows of the last two axes::

        y = F.max_pool2d(x, 2)     # (N, C, H // 2, W // 2)

    Tied maxima share the derivative evenly (API.md section 8; PyTorch gives it to one)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, "max_pool2d")


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
              d, what):
    geometry = _pool_geometry(kernel_size, stride, padding, 1, ceil_mode, d, what)
    total = _pool(x, lambda w, axes: dnp.sum(w, axis=axes), geometry, d, what, 0.0)
    kernel, stride, pads, dil = geometry
    if divisor_override is not None:
        return total / divisor_override
    if count_include_pad or not any(p for p, _ in pads):
        return total / int(np.prod(kernel))
    # PyTorch's count_include_pad=False: divide by the number of real elements per window
    ones = array_module(raw_value(x)).ones((1, 1) + shape_of(x)[-d:], dtype=dtype_of(x))
    counts = unfold(ones, kernel=kernel, stride=stride, padding=pads, dilation=dil).sum(
        axis=-1)
    counts = np.moveaxis(counts, -1, 1)
    return total / (counts[0] if ndim_of(x) == d + 1 else counts)


def avg_pool1d(input: ArrayLike, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Array:
    """Mean over windows of ``kernel_size`` along the last axis."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


def avg_pool2d(input: ArrayLike, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Array:
    """Mean over ``kernel_size`` windows of the last two axes (zero padding counted, unless
    ``count_include_pad=False``)::

        y = F.avg_pool2d(x, 2)
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


def _adaptive_bounds(n, m):
    """PyTorch's adaptive windows: output i averages ``[floor(i n / m), ceil((i + 1) n / m))``."""
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def adaptive_reduce(x, axis, m, reduce):
    """``reduce(window, axis=, keepdims=)`` (``dnp.mean``, ``dnp.max``) over each of PyTorch's
    ``m`` adaptive windows along ``axis`` of ``x``."""
    n = shape_of(x)[axis]
    if n % m == 0:   # equal windows: one reshape and one reduction
        shape = shape_of(x)
        split = shape[:axis] + (m, n // m) + shape[axis + 1:]
        return reduce(dnp.reshape(x, split), axis=axis + 1)
    index = [slice(None)] * ndim_of(x)
    pieces = []
    for lo, hi in _adaptive_bounds(n, m):
        index[axis] = slice(lo, hi)
        pieces.append(reduce(x[tuple(index)], axis=axis, keepdims=True))
    return dnp.concatenate(pieces, axis=axis)


def adaptive_avg_pool1d(input: ArrayLike, output_size: int | tuple[int, ...]) -> Array:
    """Mean over ``output_size`` windows that tile the last axis (PyTorch's bounds)."""
    x, added = _batched(input, 1, "adaptive_avg_pool1d")
    (m,) = _tuple(output_size, 1, "adaptive_avg_pool1d: output_size")
    return _unbatched(adaptive_reduce(x, 2, m, dnp.mean), added)


def adaptive_avg_pool2d(input: ArrayLike, output_size: int | tuple[int, ...]) -> Array:
    """Mean over windows that tile the last two axes into ``output_size`` (an int, a pair, or
    a pair with None for "keep this size")::

        y = F.adaptive_avg_pool2d(x, 1)     # global average pooling: (N, C, 1, 1)
    """
    x, added = _batched(input, 2, "adaptive_avg_pool2d")
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    for axis, m in zip((2, 3), size):
        x = x if m is None else adaptive_reduce(x, axis, int(m), dnp.mean)
    return _unbatched(x, added)
