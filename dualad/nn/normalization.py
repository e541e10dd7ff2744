"""``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm``, with PyTorch's parameters, buffers,
state-dict keys (``weight bias running_mean running_var num_batches_tracked``) and defaults."""
from __future__ import annotations

import numpy as np

from .._core.backend import raw_value
from .._core.primitive import ndim_of, shape_of
from . import functional as F
from .module import Module, Parameter
from ..typing import Array, ArrayLike, DTypeLike



def affine_parameters(module: Module, shape: int | tuple | None, dtype: DTypeLike,
                      bias: bool = True) -> None:
    """A normalisation's ``weight`` (ones) and ``bias`` (zeros) of ``shape``, or both None
    when ``shape`` is None (``affine=False``); ``bias=False`` leaves only the bias None."""
    for name, fill in (("weight", np.ones), ("bias", np.zeros)):
        absent = shape is None or (name == "bias" and not bias)
        module.register_parameter(name, None if absent else Parameter(fill(shape, dtype)))

class _BatchNorm(Module):
    dims = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        affine_parameters(self, num_features if affine else None, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Reset the running statistics: mean 0, variance 1, batch count 0.

        >>> bn = nn.BatchNorm1d(2)
        >>> _ = bn(np.array([[1.0, 2.0], [3.0, 6.0]], np.float32))   # training: updates them
        >>> bn.reset_running_stats()
        >>> bn.running_mean.tolist(), bn.running_var.tolist()
        ([0.0, 0.0], [1.0, 1.0])
        """
        if self.track_running_stats:
            raw_value(self.running_mean)[...] = 0
            raw_value(self.running_var)[...] = 1
            raw_value(self.num_batches_tracked)[...] = 0

    def forward(self, x: ArrayLike) -> Array:
        if ndim_of(x) not in self.dims:
            raise ValueError(f"{type(self).__name__}: expected a {' or '.join(map(str, self.dims))}"
                             f"-D input, got shape {shape_of(x)}")
        if shape_of(x)[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels "
                             f"(axis 1), got input of shape {shape_of(x)}")
        if self.weight is not None:
            F.check_same_dtype(x, self.weight, type(self).__name__)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            count = raw_value(self.num_batches_tracked)
            count += 1
            if self.momentum is None:   # a cumulative moving average
                momentum = 1.0 / float(count)
        use_batch = self.training or not self.track_running_stats
        update = self.training and self.track_running_stats
        return F.batch_norm(x, self.running_mean if update or not use_batch else None,
                            self.running_var if update or not use_batch else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over ``(N, C)`` or ``(N, C, L)``: ``weight`` ones, ``bias`` zeros,
    buffers ``running_mean`` (0), ``running_var`` (1), ``num_batches_tracked``; in training
    mode the batch's statistics normalise and the running ones move by ``momentum`` (0.1)."""
    dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of each channel of ``(N, C, H, W)``; see ``BatchNorm1d``."""
    dims = (4,)


class LayerNorm(Module):
    """Normalisation over the last axes, ``normalized_shape``, with ``weight`` (ones) and
    ``bias`` (zeros) of that shape when ``elementwise_affine``::

        ln = nn.LayerNorm(64)
        y = ln(x)        # x: (..., 64)
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                                 else tuple(normalized_shape))
        self.eps, self.elementwise_affine = eps, elementwise_affine
        affine_parameters(self, self.normalized_shape if elementwise_affine else None, dtype,
                          bias)

    def forward(self, x: ArrayLike) -> Array:
        if self.weight is not None:
            F.check_same_dtype(x, self.weight, "LayerNorm")
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
