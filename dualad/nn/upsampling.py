"""Transposed convolutions, upsampling and padding layers, with PyTorch's names, parameter
shapes (``weight`` ``(in, out / groups, *kernel)`` for a transposed convolution), defaults and
initialisation."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._conv import _tuple
from ._resample import (conv_transpose1d, conv_transpose2d, fold, interpolate, pad,
                        pixel_shuffle, pixel_unshuffle, transposed_output_padding, unfold)
from .conv import conv_geometry, conv_repr, reset_parameters
from .module import Module
from .._core.primitive import shape_of
from ..typing import Array, ArrayLike, DTypeLike

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "Upsample", "UpsamplingNearest2d",
           "UpsamplingBilinear2d", "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d",
           "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d",
           "PixelShuffle", "PixelUnshuffle", "Unfold", "Fold"]


class _ConvTransposeNd(Module):
    d = 1
    fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                 output_padding: int | tuple[int, ...] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, ...] = 1, padding_mode: str = "zeros",
                 device: Any = None, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported (as in PyTorch), "
                             f"got {padding_mode!r}")
        conv_geometry(self, in_channels, out_channels, kernel_size, stride, dilation, groups)
        self.padding = _tuple(padding, self.d, f"{name}: padding")
        self.output_padding = _tuple(output_padding, self.d, f"{name}: output_padding")
        reset_parameters(self, (in_channels, out_channels // groups) + self.kernel_size,
                         out_channels, bias, dtype)

    def forward(self, input: ArrayLike, output_size: tuple[int, ...] | None = None) -> Array:
        """The transposed convolution of ``input``; ``output_size`` (the full shape or the
        spatial sizes) picks the ``output_padding`` that reaches it, as in PyTorch."""
        extra = self.output_padding
        if output_size is not None:
            want = tuple(int(s) for s in output_size)[-self.d:]
            extra = transposed_output_padding(shape_of(input)[-self.d:], want,
                                              self.kernel_size, self.stride, self.padding,
                                              self.dilation, type(self).__name__)
        return type(self).fn(input, self.weight, self.bias, self.stride, self.padding, extra,
                             self.groups, self.dilation)

    def extra_repr(self) -> str:
        return conv_repr(self)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over ``(N, C_in, L)``: ``weight``
    ``(C_in, C_out / groups, k)``, ``bias`` ``(C_out,)``, PyTorch's initialisation.

    >>> nn.ConvTranspose1d(2, 3, 4, stride=2, padding=1)(ad.zeros(1, 2, 5)).shape
    (1, 3, 10)
    """
    d = 1
    fn = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over ``(N, C_in, H, W)`` (DCGAN's upsampling layer):
    ``weight`` ``(C_in, C_out / groups, kh, kw)``, ``bias`` ``(C_out,)``::

        up = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1, bias=False)   # doubles H, W

    >>> nn.ConvTranspose2d(4, 2, 4, 1, 0, bias=False)(ad.zeros(1, 4, 1, 1)).shape
    (1, 2, 4, 4)
    """
    d = 2
    fn = staticmethod(conv_transpose2d)


class Upsample(Module):
    """Resizes ``(N, C, *spatial)`` inputs to ``size`` or by ``scale_factor`` with
    ``F.interpolate`` (``mode`` ``"nearest"``, ``"linear"``, ``"bilinear"``, ``"trilinear"``).

    >>> nn.Upsample(scale_factor=2)(ad.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size: int | tuple[int, ...] | None = None,
                 scale_factor: float | tuple[float, ...] | None = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: ArrayLike) -> Array:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = (f"scale_factor={self.scale_factor}" if self.size is None
                else f"size={self.size}")
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` (PyTorch's older name).

    >>> nn.UpsamplingNearest2d(scale_factor=2)(ad.ones(1, 1, 1, 1)).shape
    (1, 1, 2, 2)
    """

    def __init__(self, size: int | tuple[int, ...] | None = None,
                 scale_factor: float | tuple[float, ...] | None = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)`` (PyTorch's older
    name).

    >>> nn.UpsamplingBilinear2d(size=3)(ad.ones(1, 1, 2, 2)).shape
    (1, 1, 3, 3)
    """

    def __init__(self, size: int | tuple[int, ...] | None = None,
                 scale_factor: float | tuple[float, ...] | None = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class _PadNd(Module):
    d = 1
    mode = "constant"

    def __init__(self, padding: int | tuple[int, ...], value: float = 0.0) -> None:
        super().__init__()
        self.padding = _tuple(padding, 2 * self.d, f"{type(self).__name__}: padding")
        self.value = value

    def forward(self, input: ArrayLike) -> Array:
        return pad(input, self.padding, self.mode,
                   self.value if self.mode == "constant" else None)

    def extra_repr(self) -> str:
        return f"{self.padding}" + (f", value={self.value}" if self.mode == "constant" else "")


class ConstantPad1d(_PadNd):
    """Pads the last axis with ``value``: ``padding`` an int or ``(left, right)``.

    >>> nn.ConstantPad1d((1, 0), 3.0)(ad.zeros(1, 2))
    tensor([[3., 0., 0.]])
    """
    d = 1


class ConstantPad2d(_PadNd):
    """Pads the last two axes with ``value``: ``padding`` an int or
    ``(left, right, top, bottom)``.

    >>> nn.ConstantPad2d(1, 0.5)(ad.zeros(1, 1, 1)).shape
    (1, 3, 3)
    """
    d = 2


class ZeroPad1d(ConstantPad1d):
    """Pads the last axis with zeros (``padding`` as ``ConstantPad1d``).

    >>> nn.ZeroPad1d(2)(ad.ones(1, 1)).shape
    (1, 5)
    """

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ConstantPad2d):
    """Pads the last two axes with zeros: ``padding`` an int or ``(left, right, top, bottom)``.

    >>> nn.ZeroPad2d((1, 1, 2, 0))(ad.ones(1, 2, 2)).shape
    (1, 4, 4)
    """

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad1d(_PadNd):
    """Pads the last axis with its reflection (the edge not repeated).

    >>> nn.ReflectionPad1d(1)(ad.tensor([[1.0, 2.0, 3.0]]))
    tensor([[2., 1., 2., 3., 2.]])
    """
    d = 1
    mode = "reflect"

    def __init__(self, padding: int | tuple[int, ...]) -> None:
        super().__init__(padding)


class ReflectionPad2d(ReflectionPad1d):
    """Pads the last two axes with their reflection (``(left, right, top, bottom)``).

    >>> nn.ReflectionPad2d(1)(ad.ones(1, 2, 2)).shape
    (1, 4, 4)
    """
    d = 2


class ReplicationPad1d(ReflectionPad1d):
    """Pads the last axis by repeating its edge values.

    >>> nn.ReplicationPad1d((0, 2))(ad.tensor([[1.0, 2.0]]))
    tensor([[1., 2., 2., 2.]])
    """
    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pads the last two axes by repeating their edge values.

    >>> nn.ReplicationPad2d(1)(ad.ones(1, 2, 2)).shape
    (1, 4, 4)
    """
    d = 2


class PixelShuffle(Module):
    """``F.pixel_shuffle`` as a layer (the super-resolution example's upsampling).

    >>> nn.PixelShuffle(3)(ad.zeros(1, 9, 4, 4)).shape
    (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: ArrayLike) -> Array:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``F.pixel_unshuffle`` as a layer.

    >>> nn.PixelUnshuffle(2)(ad.zeros(1, 1, 4, 4)).shape
    (1, 4, 2, 2)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: ArrayLike) -> Array:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class Unfold(Module):
    """``F.unfold`` as a layer: the sliding blocks of ``(N, C, H, W)`` as columns.

    >>> nn.Unfold(kernel_size=2)(ad.zeros(1, 3, 4, 4)).shape
    (1, 12, 9)
    """

    def __init__(self, kernel_size: int | tuple[int, ...], dilation: int | tuple[int, ...] = 1,
                 padding: int | tuple[int, ...] = 0, stride: int | tuple[int, ...] = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: ArrayLike) -> Array:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


class Fold(Module):
    """``F.fold`` as a layer: columns summed back into ``(N, C, *output_size)``.

    >>> nn.Fold((3, 3), 2)(ad.zeros(1, 8, 4)).shape
    (1, 2, 3, 3)
    """

    def __init__(self, output_size: int | tuple[int, ...], kernel_size: int | tuple[int, ...],
                 dilation: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                 stride: int | tuple[int, ...] = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: ArrayLike) -> Array:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)
