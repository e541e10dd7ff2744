"""More of ``torch.nn``'s layers: activations, channel dropout, group and instance
normalisation, ``Unflatten``, ``Bilinear``, adaptive max pooling, distances, parameter
containers and the ranking/embedding/likelihood losses, with PyTorch's names, constructor
arguments, parameter names and initialisation."""
from __future__ import annotations

import math
from collections.abc import ItemsView, KeysView, ValuesView
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import ndim_of, shape_of
from .._core.tape import Tensor
from ..typing import Array, ArrayLike, DTypeLike
from . import _activations as A
from . import _losses_more as L
from . import _more as M
from . import init
from .layers import _Parametrised
from .module import Module, Parameter
from .normalization import affine_parameters

__all__ = ["ReLU6", "Hardtanh", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid",
           "Softsign", "LogSigmoid", "Softmin", "Threshold", "GLU", "PReLU", "Tanhshrink",
           "Softshrink", "Hardshrink", "CosineSimilarity", "PairwiseDistance", "Dropout1d",
           "Dropout2d", "AlphaDropout", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
           "Unflatten", "ParameterList", "ParameterDict", "Bilinear", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "MarginRankingLoss", "TripletMarginLoss",
           "CosineEmbeddingLoss", "SoftMarginLoss", "HingeEmbeddingLoss", "PoissonNLLLoss",
           "GaussianNLLLoss", "EmbeddingBag", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
           "Softmax2d"]


class _Activation(_Parametrised):
    """The activations added for the tutorials: ``fn(x, **options)`` (see ``_Parametrised``)."""


class ReLU6(_Activation):
    """``min(max(x, 0), 6)``. ``nn.ReLU6()(ad.tensor([7.0]))`` is ``tensor([6.])``.

    >>> nn.ReLU6()(ad.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """
    fn = staticmethod(A.relu6)


class Hardtanh(_Activation):
    """``x`` clamped to ``[min_val, max_val]`` (default [-1, 1]).

    >>> nn.Hardtanh()(ad.tensor([-2.0, 0.5]))
    tensor([-1. ,  0.5])
    """
    fn = staticmethod(A.hardtanh)
    options = (("min_val", -1.0), ("max_val", 1.0))


class SELU(_Activation):
    """Scaled ELU with the self-normalising constants.

    >>> nn.SELU()(ad.tensor([0.0]))
    tensor([0.])
    """
    fn = staticmethod(A.selu)


class CELU(_Activation):
    """``x if x > 0 else alpha (exp(x / alpha) - 1)``.

    >>> nn.CELU(alpha=2.0)(ad.tensor([1.0]))
    tensor([1.])
    """
    fn = staticmethod(A.celu)
    options = (("alpha", 1.0),)


class Mish(_Activation):
    """``x tanh(softplus(x))``.

    >>> nn.Mish()(ad.tensor([0.0]))
    tensor([0.])
    """
    fn = staticmethod(A.mish)


class Hardswish(_Activation):
    """``x relu6(x + 3) / 6``.

    >>> nn.Hardswish()(ad.tensor([4.0]))
    tensor([4.])
    """
    fn = staticmethod(A.hardswish)


class Hardsigmoid(_Activation):
    """``relu6(x + 3) / 6``.

    >>> nn.Hardsigmoid()(ad.tensor([0.0]))
    tensor([0.5])
    """
    fn = staticmethod(A.hardsigmoid)


class Softsign(_Activation):
    """``x / (1 + |x|)``.

    >>> nn.Softsign()(ad.tensor([1.0]))
    tensor([0.5])
    """
    fn = staticmethod(A.softsign)


class LogSigmoid(_Activation):
    """``log(sigmoid(x))``, stably.

    >>> nn.LogSigmoid()(ad.tensor([0.0]))
    tensor([-0.6931472])
    """
    fn = staticmethod(A.logsigmoid)


class Softmin(_Activation):
    """``softmax(-x)`` along ``dim`` (default the last axis).

    >>> nn.Softmin(dim=-1)(ad.tensor([0.0, 0.0]))
    tensor([0.5, 0.5])
    """
    fn = staticmethod(A.softmin)
    options = (("dim", -1),)


class Threshold(_Activation):
    """``x`` where ``x > threshold``, else ``value``: ``nn.Threshold(threshold, value)``.

    >>> nn.Threshold(1.0, 0.0)(ad.tensor([0.5, 2.0]))
    tensor([0., 2.])
    """
    fn = staticmethod(A.threshold)
    options = (("threshold", 0.0), ("value", 0.0))


class GLU(_Activation):
    """Gated linear unit over the halves of axis ``dim`` (default the last).

    >>> nn.GLU()(ad.tensor([2.0, 0.0]))
    tensor([1.])
    """
    fn = staticmethod(A.glu)
    options = (("dim", -1),)


class Tanhshrink(_Activation):
    """``x - tanh(x)``.

    >>> nn.Tanhshrink()(ad.tensor([0.0]))
    tensor([0.])
    """
    fn = staticmethod(A.tanhshrink)


class Softshrink(_Activation):
    """Soft thresholding by ``lambd`` (default 0.5).

    >>> nn.Softshrink()(ad.tensor([1.0]))
    tensor([0.5])
    """
    fn = staticmethod(A.softshrink)
    options = (("lambd", 0.5),)


class Hardshrink(_Activation):
    """Zero where ``|x| <= lambd`` (default 0.5).

    >>> nn.Hardshrink()(ad.tensor([0.25, 1.0]))
    tensor([0., 1.])
    """
    fn = staticmethod(A.hardshrink)
    options = (("lambd", 0.5),)


class PReLU(Module):
    """``x`` where positive, ``weight * x`` elsewhere, with a learnt ``weight``
    ``(num_parameters,)`` starting at ``init`` (one slope, or one per channel).

    >>> nn.PReLU()(ad.tensor([-4.0]))
    tensor([-1.], ...)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, dtype))

    def forward(self, input: ArrayLike) -> Array:
        return A.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class CosineSimilarity(Module):
    """``F.cosine_similarity(x1, x2, dim, eps)`` as a module (``dim=1``, ``eps=1e-8``).

    >>> nn.CosineSimilarity()(ad.tensor([[1.0, 0.0]]), ad.tensor([[2.0, 0.0]]))
    tensor([1.])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: ArrayLike, x2: ArrayLike) -> Array:
        return A.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``F.pairwise_distance(x1, x2, p, eps, keepdim)`` as a module.

    >>> nn.PairwiseDistance(eps=0.0)(ad.tensor([[0.0, 0.0]]), ad.tensor([[3.0, 4.0]]))
    tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: ArrayLike, x2: ArrayLike) -> Array:
        return A.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class _ChannelDropout(Module):
    fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, input: ArrayLike) -> Array:
        return type(self).fn(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Dropout1d(_ChannelDropout):
    """Zeroes whole channels of ``(N, C, L)`` with probability ``p`` in training.

    >>> nn.Dropout1d(0.5).eval()(ad.ones(1, 2, 3)).shape
    (1, 2, 3)
    """
    fn = staticmethod(A.dropout1d)


class Dropout2d(_ChannelDropout):
    """Zeroes whole channels of ``(N, C, H, W)`` with probability ``p`` in training.

    >>> nn.Dropout2d(0.5).eval()(ad.ones(1, 2, 3, 3)).shape
    (1, 2, 3, 3)
    """
    fn = staticmethod(A.dropout2d)


class AlphaDropout(_ChannelDropout):
    """Dropout that keeps SELU's self-normalisation (``F.alpha_dropout``).

    >>> nn.AlphaDropout(0.2).eval()(ad.ones(2)).shape
    (2,)
    """
    fn = staticmethod(A.alpha_dropout)


class GroupNorm(Module):
    """Normalises ``(N, C, *)`` over groups of ``C / num_groups`` channels; ``weight`` (ones)
    and ``bias`` (zeros) ``(C,)`` when ``affine``.

    >>> nn.GroupNorm(2, 4)(ad.randn(3, 4, 5)).shape
    (3, 4, 5)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        self.affine = affine
        affine_parameters(self, num_channels if affine else None, dtype)

    def forward(self, input: ArrayLike) -> Array:
        return M.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    d = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        if track_running_stats:
            raise NotImplementedError(f"{type(self).__name__}: track_running_stats=True is "
                                      "not implemented")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        affine_parameters(self, num_features if affine else None, dtype)

    def forward(self, input: ArrayLike) -> Array:
        unbatched = ndim_of(input) == self.d + 1
        x = dnp.expand_dims(input, 0) if unbatched else input
        if ndim_of(x) != self.d + 2:
            raise ValueError(f"{type(self).__name__}: expected a {self.d + 1}-D or "
                             f"{self.d + 2}-D input, got shape {shape_of(input)}")
        y = M.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)
        return dnp.squeeze(y, 0) if unbatched else y

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


class InstanceNorm1d(_InstanceNorm):
    """Normalises each channel of each sample of ``(N, C, L)`` over ``L``.

    >>> nn.InstanceNorm1d(2)(ad.randn(3, 2, 5)).shape
    (3, 2, 5)
    """
    d = 1


class InstanceNorm2d(_InstanceNorm):
    """Normalises each channel of each sample of ``(N, C, H, W)`` over ``H, W``.

    >>> nn.InstanceNorm2d(2, affine=True)(ad.randn(1, 2, 3, 3)).shape
    (1, 2, 3, 3)
    """
    d = 2


class Unflatten(Module):
    """Splits axis ``dim`` into ``unflattened_size`` (the inverse of ``Flatten``).

    >>> nn.Unflatten(1, (2, 3))(ad.zeros(4, 6)).shape
    (4, 2, 3)
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: ArrayLike) -> Array:
        shape = shape_of(input)
        dim = self.dim % len(shape)
        return dnp.reshape(input, shape[:dim] + self.unflattened_size + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _as_parameter(value):
    return value if isinstance(value, Parameter) else Parameter(value)


class ParameterList(Module):
    """Parameters held in a list, registered as ``"0"``, ``"1"``, … so that the owner's
    ``parameters()`` and state dict include them.

    >>> ps = nn.ParameterList([nn.Parameter(np.zeros(2)) for _ in range(3)])
    >>> len(ps), len(list(ps.parameters()))
    (3, 3)
    """

    def __init__(self, values: Iterable[ArrayLike] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Tensor]:
        return iter(self._parameters.values())

    def __getitem__(self, i: int) -> Tensor:
        if isinstance(i, slice):
            return ParameterList(list(self)[i])
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for a ParameterList of length {n}")
        return self._parameters[str(i % n)]

    def __setitem__(self, i: int, value: ArrayLike) -> None:
        self.register_parameter(str(i % len(self)), _as_parameter(value))

    def append(self, value: ArrayLike) -> ParameterList:
        """Add ``value`` (made a ``Parameter`` if it is not one) at the end; returns the list.

        >>> len(nn.ParameterList().append(np.zeros(2)))
        1
        """
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[ArrayLike]) -> ParameterList:
        """Append each of ``values``; returns the list.

        >>> len(nn.ParameterList().extend([np.zeros(1), np.ones(1)]))
        2
        """
        for v in values:
            self.append(v)
        return self


class ParameterDict(Module):
    """Parameters held in a dict, registered under their keys.

    >>> pd = nn.ParameterDict({"scale": nn.Parameter(np.ones(1))})
    >>> list(pd.state_dict())
    ['scale']
    """

    def __init__(self, parameters: Mapping[str, ArrayLike] | None = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def __getitem__(self, key: str) -> Tensor:
        return self._parameters[key]

    def __setitem__(self, key: str, value: ArrayLike) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def keys(self) -> KeysView:
        """The keys, in insertion order.

        >>> list(nn.ParameterDict({"a": np.zeros(1)}).keys())
        ['a']
        """
        return self._parameters.keys()

    def values(self) -> ValuesView:
        """The parameters, in insertion order.

        >>> len(nn.ParameterDict({"a": np.zeros(1)}).values())
        1
        """
        return self._parameters.values()

    def items(self) -> ItemsView:
        """``(key, parameter)`` pairs, in insertion order.

        >>> [k for k, _ in nn.ParameterDict({"a": np.zeros(1)}).items()]
        ['a']
        """
        return self._parameters.items()

    def update(self, parameters: Mapping[str, ArrayLike] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries from a mapping or from ``(key, value)`` pairs.

        >>> pd = nn.ParameterDict(); pd.update({"b": np.ones(2)}); len(pd)
        1
        """
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for k, v in pairs:
            self[k] = v


class Bilinear(Module):
    """``y = x1^T W x2 + b`` with ``weight`` ``(out, in1, in2)`` and ``bias`` ``(out,)``,
    U(-1/sqrt(in1), 1/sqrt(in1)) as in PyTorch.

    >>> nn.Bilinear(2, 3, 4)(ad.zeros(5, 2), ad.zeros(5, 3)).shape
    (5, 4)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in1_features)
        self.weight = init.uniform_(
            Parameter(np.empty((out_features, in1_features, in2_features), dtype)),
            -bound, bound)
        if bias:
            self.bias = init.uniform_(Parameter(np.empty(out_features, dtype)), -bound, bound)
        else:
            self.register_parameter("bias", None)

    def forward(self, input1: ArrayLike, input2: ArrayLike) -> Array:
        return M.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class AdaptiveMaxPool1d(Module):
    """Maximum pooling to a fixed ``output_size`` along the last axis.

    >>> nn.AdaptiveMaxPool1d(2)(ad.zeros(1, 3, 7)).shape
    (1, 3, 2)
    """

    def __init__(self, output_size: int | tuple[int, ...],
                 return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: ArrayLike) -> Array:
        return M.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(AdaptiveMaxPool1d):
    """Maximum pooling to a fixed ``output_size`` over the last two axes.

    >>> nn.AdaptiveMaxPool2d((1, 1))(ad.zeros(2, 3, 5, 5)).shape
    (2, 3, 1, 1)
    """

    def forward(self, input: ArrayLike) -> Array:
        return M.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _Loss(Module):
    """A loss module over ``fn(*inputs, reduction=..., **options)``."""

    fn = None
    options: tuple = ()

    def __init__(self, *args: Any, reduction: str = "mean", size_average: Any = None,
                 reduce: Any = None, **kwargs: Any) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            raise TypeError(f"{type(self).__name__}: size_average and reduce are deprecated "
                            "in PyTorch and not supported; use reduction=")
        names = [name for name, _ in self.options]
        values = dict(self.options)
        values.update(zip(names, args))
        for k, v in kwargs.items():
            if k not in values:
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument "
                                f"{k!r}")
            values[k] = v
        self.reduction = reduction
        for k, v in values.items():
            if k == "weight":        # PyTorch's weighted losses keep it as a buffer
                self.register_buffer("weight", v)
            else:
                setattr(self, k, v)

    def forward(self, *inputs: ArrayLike) -> Array:
        options = {name: getattr(self, name) for name, _ in self.options}
        return type(self).fn(*inputs, reduction=self.reduction, **options)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MarginRankingLoss(_Loss):
    """``F.margin_ranking_loss`` as a module: ``loss(x1, x2, y)``.

    >>> nn.MarginRankingLoss()(ad.tensor([2.0]), ad.tensor([1.0]), ad.tensor([1.0]))
    tensor(0.)
    """
    fn = staticmethod(L.margin_ranking_loss)
    options = (("margin", 0.0),)


class TripletMarginLoss(_Loss):
    """``F.triplet_margin_loss`` as a module: ``loss(anchor, positive, negative)``.

    >>> a = ad.zeros(1, 2)
    >>> nn.TripletMarginLoss(eps=0.0)(a, a, a + 2.0)
    tensor(0.)
    """
    fn = staticmethod(L.triplet_margin_loss)
    options = (("margin", 1.0), ("p", 2.0), ("eps", 1e-6), ("swap", False))


class CosineEmbeddingLoss(_Loss):
    """``F.cosine_embedding_loss`` as a module: ``loss(x1, x2, y)``.

    >>> x = ad.tensor([[1.0, 0.0]])
    >>> nn.CosineEmbeddingLoss()(x, x, ad.tensor([1.0]))
    tensor(0.)
    """
    fn = staticmethod(L.cosine_embedding_loss)
    options = (("margin", 0.0),)


class SoftMarginLoss(_Loss):
    """``F.soft_margin_loss`` as a module.

    >>> nn.SoftMarginLoss()(ad.tensor([0.0]), ad.tensor([1.0]))
    tensor(0.6931472)
    """
    fn = staticmethod(L.soft_margin_loss)


class HingeEmbeddingLoss(_Loss):
    """``F.hinge_embedding_loss`` as a module.

    >>> nn.HingeEmbeddingLoss()(ad.tensor([2.0]), ad.tensor([-1.0]))
    tensor(0.)
    """
    fn = staticmethod(L.hinge_embedding_loss)
    options = (("margin", 1.0),)


class PoissonNLLLoss(_Loss):
    """``F.poisson_nll_loss`` as a module (``log_input=True``, ``full=False``, ``eps=1e-8``).

    >>> nn.PoissonNLLLoss()(ad.tensor([0.0]), ad.tensor([1.0]))
    tensor(1.)
    """
    fn = staticmethod(L.poisson_nll_loss)
    options = (("log_input", True), ("full", False), ("eps", 1e-8))


class GaussianNLLLoss(_Loss):
    """``F.gaussian_nll_loss`` as a module: ``loss(input, target, var)``.

    >>> nn.GaussianNLLLoss()(ad.zeros(2), ad.zeros(2), ad.ones(2))
    tensor(0.)
    """
    fn = staticmethod(L.gaussian_nll_loss)
    options = (("full", False), ("eps", 1e-6))


class MultiLabelSoftMarginLoss(_Loss):
    """``F.multilabel_soft_margin_loss`` as a module (``weight`` per class).

    >>> nn.MultiLabelSoftMarginLoss()(ad.zeros(1, 2), ad.ones(1, 2))
    tensor(0.6931472)
    """
    fn = staticmethod(L.multilabel_soft_margin_loss)
    options = (("weight", None),)


class MultiMarginLoss(_Loss):
    """``F.multi_margin_loss`` as a module: ``MultiMarginLoss(p=1, margin=1.0, weight=None)``.

    >>> nn.MultiMarginLoss()(ad.tensor([[0.0, 2.0]]), ad.tensor([1]))
    tensor(0.)
    """
    fn = staticmethod(L.multi_margin_loss)
    options = (("p", 1), ("margin", 1.0), ("weight", None))


class Softmax2d(Module):
    """Softmax over the channels (axis -3) of ``(N, C, H, W)`` or ``(C, H, W)``.

    >>> nn.Softmax2d()(ad.zeros(1, 2, 1, 1)).ravel()
    tensor([0.5, 0.5])
    """

    def forward(self, input: ArrayLike) -> Array:
        if ndim_of(input) not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape "
                             f"{shape_of(input)}")
        from .functional import softmax
        return softmax(input, -3)


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings without forming the embeddings one by one:
    ``weight`` ``(num_embeddings, embedding_dim)`` drawn from N(0, 1), as in PyTorch's text
    classification tutorial::

        bag = nn.EmbeddingBag(vocab_size, 64)           # mode="mean"
        features = bag(token_ids, offsets)              # one row per bag

    >>> nn.EmbeddingBag(10, 3)(ad.tensor([1, 2, 4, 5]), ad.tensor([0, 2])).shape
    (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: ArrayLike | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("EmbeddingBag: max_norm and scale_grad_by_freq are not "
                                      "implemented")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.num_embeddings, self.embedding_dim, self.mode = num_embeddings, embedding_dim, mode
        self.include_last_offset = include_last_offset
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"EmbeddingBag: padding_idx {padding_idx} is out of range for "
                                 f"{num_embeddings} embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim),
                                                          dtype)))
            if padding_idx is not None:
                raw_value(self.weight)[padding_idx] = 0
        else:
            self.weight = Parameter(np.array(raw_value(_weight)))

    def forward(self, input: ArrayLike, offsets: ArrayLike | None = None,
                per_sample_weights: ArrayLike | None = None) -> Array:
        return M.embedding_bag(input, self.weight, offsets, mode=self.mode,
                               per_sample_weights=per_sample_weights,
                               include_last_offset=self.include_last_offset,
                               padding_idx=self.padding_idx)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
