"""Convolution and pooling layers, with PyTorch's parameter shapes, initialisation and names."""
from __future__ import annotations

from typing import Any

import math

import numpy as np

from . import functional as F
from . import init
from ._conv import _tuple
from .module import Module, Parameter
from ..typing import Array, ArrayLike, DTypeLike



def conv_repr(module: Module) -> str:
    """PyTorch's ``extra_repr`` of a convolution (plain or transposed): the settings that
    differ from their defaults."""
    s = (f"{module.in_channels}, {module.out_channels}, kernel_size={module.kernel_size}, "
         f"stride={module.stride}")
    d = module.d
    for name, default in (("padding", (0,) * d), ("output_padding", (0,) * d),
                          ("dilation", (1,) * d), ("groups", 1)):
        value = getattr(module, name, default)
        if value != default and not (name == "padding" and value == "valid"):
            s += f", {name}={value}"
    return s + ("" if module.bias is not None else ", bias=False")


def reset_parameters(module: Module, shape: tuple, out_channels: int, bias: bool,
                     dtype: DTypeLike) -> None:
    """PyTorch's ``reset_parameters`` of a convolution (plain or transposed): a ``weight`` of
    ``shape`` by ``kaiming_uniform_(a=sqrt(5))``, i.e. U(+-1/sqrt(fan_in)) with ``fan_in`` =
    ``shape[1]`` times the kernel size, and a ``bias`` from the same bound (or None)."""
    module.weight = init.kaiming_uniform_(Parameter(np.empty(shape, dtype)), a=math.sqrt(5))
    if bias:
        bound = 1.0 / math.sqrt(init.fans(module.weight)[0])
        module.bias = init.uniform_(Parameter(np.empty(out_channels, dtype)), -bound, bound)
    else:
        module.register_parameter("bias", None)

def conv_geometry(module: Module, in_channels: int, out_channels: int, kernel_size, stride,
                  dilation, groups: int) -> None:
    """Check and set a convolution's (plain or transposed) channels, groups, ``kernel_size``,
    ``stride`` and ``dilation`` as tuples of ``module.d`` ints, as PyTorch's layers keep them."""
    name = type(module).__name__
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                         f"({out_channels}) must be divisible by groups ({groups})")
    module.in_channels, module.out_channels, module.groups = in_channels, out_channels, groups
    module.kernel_size = _tuple(kernel_size, module.d, f"{name}: kernel_size")
    module.stride = _tuple(stride, module.d, f"{name}: stride")
    module.dilation = _tuple(dilation, module.d, f"{name}: dilation")


class _ConvNd(Module):
    d = None
    fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
                 dilation: int | tuple[int, ...] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        name = type(self).__name__
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not "
                                      "implemented (only 'zeros')")
        conv_geometry(self, in_channels, out_channels, kernel_size, stride, dilation, groups)
        self.padding = padding if isinstance(padding, str) else _tuple(
            padding, self.d, f"{name}: padding")
        reset_parameters(self, (out_channels, in_channels // groups) + self.kernel_size,
                         out_channels, bias, dtype)

    def forward(self, x: ArrayLike) -> Array:
        return type(self).fn(x, self.weight, self.bias, self.stride, self.padding,
                             self.dilation, self.groups)

    def extra_repr(self) -> str:
        return conv_repr(self)


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)``: ``weight`` ``(C_out, C_in / groups, k)``,
    ``bias`` ``(C_out,)``, both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as in PyTorch."""
    d = 1
    fn = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, C_in, H, W)``: ``weight`` ``(C_out, C_in / groups, kh, kw)``,
    ``bias`` ``(C_out,)``::

        conv = nn.Conv2d(1, 8, 3, padding=1)
        y = conv(x)                     # (N, 8, H, W)
    """
    d = 2
    fn = staticmethod(F.conv2d)


class _Pool(Module):
    fn = None
    options = ()

    def __init__(self, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
                 **kwargs: Any) -> None:
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = kernel_size if stride is None else stride
        values = dict(self.options)
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument "
                                f"{k!r}")
            values[k] = v
        for k, v in values.items():
            setattr(self, k, v)

    def forward(self, x: ArrayLike) -> Array:
        extra = {name: getattr(self, name) for name, _ in self.options}
        return type(self).fn(x, self.kernel_size, self.stride, self.padding, **extra)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool):
    fn = staticmethod(F.max_pool1d)
    options = (("dilation", 1), ("ceil_mode", False), ("return_indices", False))


class MaxPool2d(_Pool):
    """Maximum over ``kernel_size`` windows (stride: the kernel size): ``nn.MaxPool2d(2)``."""
    fn = staticmethod(F.max_pool2d)
    options = (("dilation", 1), ("ceil_mode", False), ("return_indices", False))


class AvgPool1d(_Pool):
    fn = staticmethod(F.avg_pool1d)
    options = (("ceil_mode", False), ("count_include_pad", True))


class AvgPool2d(_Pool):
    fn = staticmethod(F.avg_pool2d)
    options = (("ceil_mode", False), ("count_include_pad", True), ("divisor_override", None))


class AdaptiveAvgPool1d(Module):
    def __init__(self, output_size: int | tuple[int, ...]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: ArrayLike) -> Array:
        return F.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """Average pooling to a fixed ``output_size`` (``nn.AdaptiveAvgPool2d((1, 1))`` is global
    average pooling)."""

    def forward(self, x: ArrayLike) -> Array:
        return F.adaptive_avg_pool2d(x, self.output_size)
