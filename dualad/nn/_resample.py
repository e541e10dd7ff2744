"""Transposed convolution, padding and interpolation functions of ``dualad.nn.functional``
(PyTorch's signatures), composed from the ``unfold``/``fold`` primitives and ``dualad.numpy``.

# Design: a transposed convolution is the VJP of a convolution: one matrix product of every
# input position with the weights gives, per position, the patch it spreads over the output,
# and ``fold`` (col2im) sums the patches in place. Its derivatives in both modes and to any
# order follow from those of ``matmul`` and ``fold``. Interpolation is a gather (``take``)
# along each spatial axis, mixed with constant weights for the linear modes; bilinear is linear
# along each axis in turn (separable), the same numbers as PyTorch's up to rounding.
"""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..primitives.conv import fold as _fold
from ..primitives.conv import out_size, unfold as _unfold
from ..typing import Array, ArrayLike
from ._conv import _batched, _tuple, _unbatched, check_same_dtype

__all__ = ["conv_transpose1d", "conv_transpose2d", "pad", "interpolate", "upsample",
           "affine_grid", "grid_sample", "pixel_shuffle", "pixel_unshuffle", "unfold", "fold"]


def transposed_output_padding(in_size: tuple[int, ...], output_size: tuple[int, ...],
                              kernel: tuple[int, ...], stride: tuple[int, ...],
                              padding: tuple[int, ...], dilation: tuple[int, ...],
                              what: str = "conv_transpose") -> tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution of spatial size ``in_size``
    produce ``output_size`` (PyTorch's ``output_size=`` argument of ``ConvTranspose2d``).

    >>> transposed_output_padding((4, 4), (8, 8), (3, 3), (2, 2), (1, 1), (1, 1))
    (1, 1)
    """
    out = []
    for n, want, k, s, p, d in zip(in_size, output_size, kernel, stride, padding, dilation):
        least = (n - 1) * s - 2 * p + d * (k - 1) + 1
        if not least <= want < least + s:
            raise ValueError(f"{what}: requested output size {tuple(output_size)} is not "
                             f"reachable from input size {tuple(in_size)} (each must lie in "
                             f"[{least}, {least + s}) for this geometry)")
        out.append(want - least)
    return tuple(out)


def _conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation, d,
                    what):
    x, added = _batched(x, d, what)
    check_same_dtype(x, weight, what)
    n, c = shape_of(x)[:2]
    size = shape_of(x)[2:]
    if ndim_of(weight) != d + 2:
        raise ValueError(f"{what}: weight must be {d + 2}-D (in, out/groups, *kernel), got "
                         f"shape {shape_of(weight)}")
    cin, og = shape_of(weight)[:2]
    kernel = shape_of(weight)[2:]
    if c != cin or c % groups:
        raise RuntimeError(f"{what}: input has {c} channels, but the weight "
                           f"{shape_of(weight)} expects {cin} (divisible by groups={groups})")
    stride = _tuple(stride, d, f"{what}: stride")
    pads = _tuple(padding, d, f"{what}: padding")
    extra = _tuple(output_padding, d, f"{what}: output_padding")
    dilation = _tuple(dilation, d, f"{what}: dilation")
    if any(e >= max(s, dil) for e, s, dil in zip(extra, stride, dilation)):
        raise ValueError(f"{what}: output_padding {extra} must be smaller than either stride "
                         f"{stride} or dilation {dilation}")
    if any(e >= s for e, s in zip(extra, stride)):
        raise NotImplementedError(f"{what}: output_padding {extra} >= stride {stride} is not "
                                  "implemented")
    out = tuple((m - 1) * s - 2 * p + dil * (k - 1) + e + 1
                for m, s, p, dil, k, e in zip(size, stride, pads, dilation, kernel, extra))
    if any(o <= 0 for o in out):
        raise ValueError(f"{what}: the output size {out} is not positive (input {size}, "
                         f"padding {pads})")
    k_total = int(np.prod(kernel))
    rows = n * int(np.prod(size))
    cols = dnp.reshape(dnp.moveaxis(x, 1, -1), (rows, c))           # one row per position
    o = og * groups
    if groups == 1:
        patches = dnp.matmul(cols, dnp.reshape(weight, (c, og * k_total)))
    else:               # one product per group, batched
        cg = c // groups
        cols = dnp.transpose(dnp.reshape(cols, (rows, groups, cg)), (1, 0, 2))
        w = dnp.reshape(weight, (groups, cg, og * k_total))
        patches = dnp.transpose(dnp.matmul(cols, w), (1, 0, 2))
    patches = dnp.reshape(patches, (n,) + size + (o, k_total))
    y = _fold(patches, size=out, kernel=kernel, stride=stride,
             padding=tuple((p, p) for p in pads), dilation=dilation)     # (N, O, *out)
    if bias is not None:
        y = y + dnp.reshape(bias, (o,) + (1,) * d)
    return _unbatched(y, added)


def conv_transpose1d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Array:
    """1-D transposed convolution ("deconvolution"), the gradient of ``conv1d`` with respect
    to its input: ``input`` ``(N, C_in, L)``, ``weight`` ``(C_in, C_out / groups, k)``; the
    output has length ``(L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1``.

    >>> nn.functional.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)), stride=2)
    array([[[1., 1., 1., 1.]]])
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                     output_padding: int | tuple[int, ...] = 0, groups: int = 1,
                     dilation: int | tuple[int, ...] = 1) -> Array:
    """2-D transposed convolution: ``input`` ``(N, C_in, H, W)``, ``weight``
    ``(C_in, C_out / groups, kh, kw)``, as in DCGAN's generator::

        y = F.conv_transpose2d(z, w, stride=2, padding=1)   # 4x4 kernel: doubles H and W

    >>> nn.functional.conv_transpose2d(np.ones((1, 1, 1, 1)), np.ones((1, 2, 2, 2))).shape
    (1, 2, 2, 2)
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


# ------------------------------------------------------------------------------ padding
_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def pad(input: ArrayLike, pad: tuple[int, ...] | list[int], mode: str = "constant",
        value: float | None = None) -> Array:
    """Pad the last ``len(pad) // 2`` axes, PyTorch's way round: ``pad`` is
    ``(left, right)`` of the last axis, then ``(top, bottom)`` of the one before, and so on.
    ``mode`` is ``"constant"`` (``value``, default 0; negative amounts crop), ``"reflect"``,
    ``"replicate"`` or ``"circular"``.

    >>> nn.functional.pad(np.ones((1, 2)), (1, 0), value=5.0)
    array([[5., 1., 1.]])
    """
    amounts = [int(p) for p in pad]
    if len(amounts) % 2 or len(amounts) // 2 > ndim_of(input):
        raise ValueError(f"pad: pad must have an even length of at most 2 * input.ndim "
                         f"({2 * ndim_of(input)}), got {tuple(amounts)}")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {tuple(_PAD_MODES)}, got {mode!r}")
    if mode != "constant" and value:
        raise ValueError(f"pad: value is only for mode='constant', got value={value} with "
                         f"mode={mode!r}")
    nd = ndim_of(input)
    widths = [[0, 0] for _ in range(nd)]
    for i in range(len(amounts) // 2):
        widths[nd - 1 - i] = amounts[2 * i:2 * i + 2]
    if any(w < 0 for pair in widths for w in pair):
        if mode != "constant":
            raise ValueError(f"pad: negative padding needs mode='constant', got {mode!r}")
        crop = tuple(slice(max(-lo, 0), n - max(-hi, 0))
                     for (lo, hi), n in zip(widths, shape_of(input)))
        input = input[crop]
        widths = [[max(lo, 0), max(hi, 0)] for lo, hi in widths]
    if not any(lo or hi for lo, hi in widths):
        return input
    widths = tuple(tuple(pair) for pair in widths)
    if mode == "constant":
        return dnp.pad(input, widths, mode="constant", constant_values=value or 0.0)
    if mode == "reflect" and any(max(lo, hi) >= n for (lo, hi), n in zip(widths, shape_of(
            input))):
        raise ValueError(f"pad: reflect padding {tuple(amounts)} must be smaller than the "
                         f"padded axes of shape {shape_of(input)}")
    return dnp.pad(input, widths, mode=_PAD_MODES[mode])


# ------------------------------------------------------------------------------ interpolation
_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_NEAREST = ("nearest", "nearest-exact")


def _output_geometry(shape, d, size, scale_factor, recompute_scale_factor):
    """Output sizes and PyTorch's ``scale`` per axis (input length per output length, from
    ``scale_factor`` itself when given and not recomputed)."""
    in_size = shape[-d:]
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        out = _tuple(size, d, "interpolate: size")
        return out, tuple(n / m for n, m in zip(in_size, out))
    factors = (tuple(float(f) for f in scale_factor) if isinstance(scale_factor, (tuple, list))
               else (float(scale_factor),) * d)
    if len(factors) != d:
        raise ValueError(f"interpolate: scale_factor must be a number or {d} numbers, got "
                         f"{scale_factor}")
    out = tuple(int(math.floor(n * f)) for n, f in zip(in_size, factors))
    if recompute_scale_factor:
        return out, tuple(n / m for n, m in zip(in_size, out))
    return out, tuple(1.0 / f for f in factors)


def _nearest(x, axis, n, m, scale, exact):
    dst = np.arange(m, dtype=np.float32)
    src = np.floor((dst + 0.5) * np.float32(scale)) if exact else np.floor(dst * np.float32(
        scale))
    return dnp.take(x, np.minimum(src.astype(np.int64), n - 1), axis=axis)


def _linear(x, axis, n, m, scale, align_corners):
    dtype = np.dtype(dtype_of(x))
    dst = np.arange(m, dtype=np.float64)
    if align_corners:
        src = dst * ((n - 1) / (m - 1) if m > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n - 1)
    hi = np.minimum(lo + 1, n - 1)
    shape = [1] * ndim_of(x)
    shape[axis] = m
    xp = array_module(raw_value(x))
    frac = xp.asarray((src - lo).astype(dtype).reshape(shape))
    return dnp.take(x, lo, axis=axis) * (1 - frac) + dnp.take(x, hi, axis=axis) * frac


def interpolate(input: ArrayLike, size: int | tuple[int, ...] | None = None,
                scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Array:
    """Resize the spatial axes of ``input`` ``(N, C, *spatial)`` to ``size`` or by
    ``scale_factor``, with PyTorch's sampling positions: ``mode`` ``"nearest"``,
    ``"nearest-exact"``, ``"linear"`` (3-D input), ``"bilinear"`` (4-D) or ``"trilinear"``
    (5-D), ``align_corners`` for the linear modes.

    >>> nn.functional.interpolate(np.array([[[1.0, 2.0]]]), scale_factor=2)
    array([[[1., 1., 2., 2.]]])
    >>> nn.functional.interpolate(np.array([[[1.0, 2.0]]]), size=3, mode="linear",
    ...                           align_corners=True)
    array([[[1. , 1.5, 2. ]]])
    """
    nd = ndim_of(input)
    d = nd - 2
    if d < 1:
        raise ValueError(f"interpolate: input must be (N, C, *spatial) with at least one "
                         f"spatial axis, got shape {shape_of(input)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if mode in _LINEAR:
        if _LINEAR[mode] != d:
            raise NotImplementedError(f"interpolate: mode={mode!r} needs a "
                                      f"{_LINEAR[mode] + 2}-D input, got shape "
                                      f"{shape_of(input)}")
    elif mode in _NEAREST:
        if align_corners is not None:
            raise ValueError("interpolate: align_corners is only for the linear modes "
                             "(linear, bilinear, trilinear)")
    else:
        raise NotImplementedError(f"interpolate: mode={mode!r} is not implemented (nearest, "
                                  "nearest-exact, linear, bilinear, trilinear are)")
    out, scales = _output_geometry(shape_of(input), d, size, scale_factor,
                                   recompute_scale_factor)
    x = input
    for i, (m, scale) in enumerate(zip(out, scales)):
        axis = 2 + i
        n = shape_of(input)[axis]
        if mode in _NEAREST:
            x = _nearest(x, axis, n, m, scale, mode == "nearest-exact")
        else:
            x = _linear(x, axis, n, m, scale, bool(align_corners))
    return x


def upsample(input: ArrayLike, size: int | tuple[int, ...] | None = None,
             scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Array:
    """The deprecated spelling of ``interpolate`` (same arguments).

    >>> nn.functional.upsample(np.array([[[1.0, 2.0]]]), size=4).shape
    (1, 1, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


# ------------------------------------------------------------------ spatial transformers
def _base_coords(n, align_corners, dtype):
    """The normalised coordinates in [-1, 1] of ``n`` pixel centres (or corners)."""
    if align_corners:
        return np.linspace(-1.0, 1.0, n, dtype=dtype) if n > 1 else np.zeros(1, dtype)
    return ((np.arange(n, dtype=dtype) * 2 + 1) / n - 1).astype(dtype)


def affine_grid(theta: ArrayLike, size: tuple[int, ...] | list[int],
                align_corners: bool | None = None) -> Array:
    """The sampling grid ``(N, H, W, 2)`` of the affine maps ``theta`` ``(N, 2, 3)`` over an
    output of ``size`` ``(N, C, H, W)``, for ``grid_sample`` (the spatial transformer
    tutorial); differentiable in ``theta``.

    >>> theta = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> nn.functional.affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, :, :, 0]
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    size = tuple(int(s) for s in size)
    if len(size) != 4 or shape_of(theta) != (size[0], 2, 3):
        raise ValueError(f"affine_grid: expected theta (N, 2, 3) and size (N, C, H, W), got "
                         f"theta of shape {shape_of(theta)} and size {size} (only 2-D)")
    n, _, h, w = size
    dtype = np.dtype(dtype_of(theta))
    xs = _base_coords(w, bool(align_corners), dtype)
    ys = _base_coords(h, bool(align_corners), dtype)
    base = np.stack([np.broadcast_to(xs, (h, w)), np.broadcast_to(ys[:, None], (h, w)),
                     np.ones((h, w), dtype)], axis=-1).reshape(1, h * w, 3)
    base = array_module(raw_value(theta)).asarray(base)
    grid = dnp.matmul(base, dnp.swapaxes(theta, 1, 2))             # (N, H * W, 2)
    return dnp.reshape(grid, (n, h, w, 2))


def _unnormalise(coord, n, align_corners):
    if align_corners:
        return (coord + 1) * ((n - 1) / 2)
    return ((coord + 1) * n - 1) / 2


def grid_sample(input: ArrayLike, grid: ArrayLike, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Array:
    """Samples ``input`` ``(N, C, H, W)`` at the normalised positions ``grid``
    ``(N, H_out, W_out, 2)`` (x, then y, in [-1, 1]), bilinearly or at the nearest pixel;
    outside the input, zeros (``padding_mode="zeros"``) or the border values (``"border"``).
    Differentiable in ``input`` and (bilinear) in ``grid``.

    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> g = np.zeros((1, 1, 1, 2))                  # the centre
    >>> nn.functional.grid_sample(x, g, align_corners=False)
    array([[[[1.5]]]])
    """
    if mode not in ("bilinear", "nearest"):
        raise NotImplementedError(f"grid_sample: mode={mode!r} is not implemented (bilinear, "
                                  "nearest are)")
    if padding_mode not in ("zeros", "border"):
        raise NotImplementedError(f"grid_sample: padding_mode={padding_mode!r} is not "
                                  "implemented (zeros, border are)")
    if ndim_of(input) != 4 or ndim_of(grid) != 4 or shape_of(grid)[-1] != 2 or \
            shape_of(grid)[0] != shape_of(input)[0]:
        raise ValueError(f"grid_sample: expected input (N, C, H, W) and grid (N, H_out, W_out, "
                         f"2), got shapes {shape_of(input)} and {shape_of(grid)} (only 2-D)")
    check_same_dtype(grid, input, "grid_sample")
    n, c, h, w = shape_of(input)
    ho, wo = shape_of(grid)[1:3]
    ac = bool(align_corners)
    ix = _unnormalise(grid[..., 0], w, ac)                           # (N, H_out, W_out)
    iy = _unnormalise(grid[..., 1], h, ac)
    if padding_mode == "border":
        ix = dnp.clip(ix, 0, w - 1)
        iy = dnp.clip(iy, 0, h - 1)
    pixels = dnp.reshape(dnp.moveaxis(input, 1, -1), (n, h * w, c))   # (N, H W, C)
    batch = np.arange(n)[:, None]

    def gather(yc, xc):
        """``input`` at the integer positions ``(yc, xc)`` ``(N, H_out, W_out)``, zero where
        outside: ``(N, H_out, W_out, C)``."""
        inside = (xc >= 0) & (xc < w) & (yc >= 0) & (yc < h)
        flat = (np.clip(yc, 0, h - 1) * w + np.clip(xc, 0, w - 1)).reshape(n, -1)
        values = dnp.reshape(dnp.getitem(pixels, (batch, flat)), (n, ho, wo, c))
        return values * inside[..., None].astype(np.dtype(dtype_of(input)))

    rx, ry = np.asarray(raw_value(ix)), np.asarray(raw_value(iy))
    if mode == "nearest":
        out = gather(np.rint(ry).astype(np.int64), np.rint(rx).astype(np.int64))
    else:
        x0, y0 = np.floor(rx).astype(np.int64), np.floor(ry).astype(np.int64)
        fx = dnp.expand_dims(ix - x0, -1)                            # the weights, (.., 1)
        fy = dnp.expand_dims(iy - y0, -1)
        out = ((gather(y0, x0) * (1 - fx) + gather(y0, x0 + 1) * fx) * (1 - fy)
               + (gather(y0 + 1, x0) * (1 - fx) + gather(y0 + 1, x0 + 1) * fx) * fy)
    return dnp.moveaxis(out, -1, 1)


def pixel_shuffle(input: ArrayLike, upscale_factor: int) -> Array:
    """Rearrange ``(*, C r**2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel convolution's
    upsampling, ``r = upscale_factor``).

    >>> nn.functional.pixel_shuffle(np.arange(4.0).reshape(1, 4, 1, 1), 2)[0, 0]
    array([[0., 1.],
           [2., 3.]])
    """
    r = int(upscale_factor)
    *lead, c, h, w = shape_of(input)
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: the channels ({c}) must be divisible by "
                         f"upscale_factor**2 ({r * r})")
    k = len(lead)
    x = dnp.reshape(input, tuple(lead) + (c // (r * r), r, r, h, w))
    x = dnp.transpose(x, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return dnp.reshape(x, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: ArrayLike, downscale_factor: int) -> Array:
    """The inverse of ``pixel_shuffle``: ``(*, C, H r, W r)`` into ``(*, C r**2, H, W)``.

    >>> nn.functional.pixel_unshuffle(np.arange(4.0).reshape(1, 1, 2, 2), 2).ravel()
    array([0., 1., 2., 3.])
    """
    r = int(downscale_factor)
    *lead, c, h, w = shape_of(input)
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: the height and width ({h}, {w}) must be divisible "
                         f"by downscale_factor ({r})")
    k = len(lead)
    x = dnp.reshape(input, tuple(lead) + (c, h // r, r, w // r, r))
    x = dnp.transpose(x, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return dnp.reshape(x, tuple(lead) + (c * r * r, h // r, w // r))


def _sliding_geometry(kernel_size, dilation, padding, stride, what):
    kernel = _tuple(kernel_size, 2, f"{what}: kernel_size")
    return (kernel, _tuple(dilation, 2, f"{what}: dilation"),
            tuple((p, p) for p in _tuple(padding, 2, f"{what}: padding")),
            _tuple(stride, 2, f"{what}: stride"))


def unfold(input: ArrayLike, kernel_size: int | tuple[int, ...],
           dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
           stride: int | tuple[int, ...] = 1) -> Array:
    """The sliding ``kernel_size`` blocks of ``(N, C, H, W)`` as columns ``(N, C * kh * kw,
    L)`` (im2col, PyTorch's order: channel, then the kernel offsets).

    >>> nn.functional.unfold(np.arange(9.0).reshape(1, 1, 3, 3), 2)[0, :, 0]
    array([0., 1., 3., 4.])
    """
    x, added = _batched(input, 2, "unfold")
    kernel, dilation, pads, stride = _sliding_geometry(kernel_size, dilation, padding, stride,
                                                       "unfold")
    cols = _unfold(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    n, oh, ow, c, k = shape_of(cols)
    y = dnp.swapaxes(dnp.reshape(cols, (n, oh * ow, c * k)), 1, 2)
    return _unbatched(y, added)


def fold(input: ArrayLike, output_size: int | tuple[int, ...],
         kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
         padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> Array:
    """The inverse arrangement of ``unfold``: columns ``(N, C * kh * kw, L)`` summed back into
    ``(N, C, *output_size)`` (overlapping blocks add up; col2im).

    >>> nn.functional.fold(np.ones((1, 4, 4)), (3, 3), 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    x, added = (dnp.expand_dims(input, 0), True) if ndim_of(input) == 2 else (input, False)
    if ndim_of(x) != 3:
        raise ValueError(f"fold: expected a 2-D or 3-D input (N, C * kh * kw, L), got shape "
                         f"{shape_of(input)}")
    size = _tuple(output_size, 2, "fold: output_size")
    kernel, dilation, pads, stride = _sliding_geometry(kernel_size, dilation, padding, stride,
                                                       "fold")
    n, ck, blocks = shape_of(x)
    k = int(np.prod(kernel))
    out = out_size(size, kernel, stride, pads, dilation)
    if ck % k or int(np.prod(out)) != blocks:
        raise ValueError(f"fold: input of shape {shape_of(input)} does not fit kernel "
                         f"{kernel} over output_size {size} ({int(np.prod(out))} blocks of "
                         f"C * {k} values expected)")
    cols = dnp.reshape(dnp.swapaxes(x, 1, 2), (n,) + out + (ck // k, k))
    y = _fold(cols, size=size, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    return _unbatched(y, added)
