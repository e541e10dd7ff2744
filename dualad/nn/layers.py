"""Layers, containers and loss modules, with PyTorch's names, shapes and defaults."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Iterator

import numpy as np

from .. import numpy as dnp
from .._core.backend import raw_value
from .._core.primitive import shape_of
from . import functional as F
from . import init
from .module import Module, Parameter
from ..typing import Array, ArrayLike, DTypeLike


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` ``(out_features, in_features)`` and ``bias``
    ``(out_features,)``, both drawn from U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's default
    initialisation) with ``dualad.nn``'s seeded generator; float32 unless ``dtype`` says
    otherwise.

    >>> _ = nn.manual_seed(0)
    >>> layer = nn.Linear(3, 2)
    >>> layer.weight.shape, layer(ad.ones(4, 3)).shape
    ((2, 3), (4, 2))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = init.uniform_(Parameter(np.empty((out_features, in_features), dtype)),
                                    -bound, bound)
        self.bias = (init.uniform_(Parameter(np.empty(out_features, dtype)), -bound, bound)
                     if bias else None)

    def forward(self, x: ArrayLike) -> Array:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied in order; sub-modules are named ``"0"``, ``"1"``, … (or by the keys of
    an ``OrderedDict``), so parameter names read ``"0.weight"`` as in PyTorch.

    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model(ad.ones(2, 3)).shape
    (2, 1)
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                setattr(self, str(i), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int | slice) -> Module:
        items = list(self._modules.values())
        return Sequential(*items[i]) if isinstance(i, slice) else items[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position); returns the ``Sequential``.

        >>> nn.Sequential(nn.Linear(2, 2)).append(nn.Tanh())
        Sequential(
          (0): Linear(in_features=2, out_features=2, bias=True)
          (1): Tanh()
        )
        """
        setattr(self, str(len(self)), module)
        return self


class _Elementwise(Module):
    """A parameter-free layer applying ``fn`` (``inplace=`` is accepted and ignored: dualad's
    layers never overwrite their input)."""

    fn = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, x: ArrayLike) -> Array:
        return type(self).fn(x)


class ReLU(_Elementwise):
    """``max(x, 0)`` elementwise (derivative 0 at 0), as ``torch.nn.ReLU``.

    >>> nn.ReLU()(ad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    fn = staticmethod(F.relu)


class Tanh(_Elementwise):
    """``tanh(x)`` elementwise, as ``torch.nn.Tanh``.

    >>> nn.Tanh()(ad.tensor([0.0]))
    tensor([0.])
    """

    fn = staticmethod(F.tanh)


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))`` elementwise, as ``torch.nn.Sigmoid``.

    >>> nn.Sigmoid()(ad.tensor([0.0]))
    tensor([0.5])
    """

    fn = staticmethod(F.sigmoid)


def _identity(x: Any) -> Any:
    """``x`` itself.

    >>> nn.Identity.fn(3)
    3
    """
    return x


class Identity(_Elementwise):
    """Returns its input unchanged (a placeholder layer), as ``torch.nn.Identity``.

    >>> nn.Identity()(ad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """

    fn = staticmethod(_identity)


class SiLU(_Elementwise):
    """``x * sigmoid(x)`` elementwise, as ``torch.nn.SiLU``.

    >>> nn.SiLU()(ad.tensor([0.0]))
    tensor([0.])
    """

    fn = staticmethod(F.silu)


class _Parametrised(Module):
    """A parameter-free layer applying ``fn(x, **options)``; the options are attributes, given
    by position or keyword in the order of ``options`` (PyTorch's ``inplace``, positional
    after them or by keyword, is accepted and ignored)."""

    fn = None
    options = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        names = [name for name, _ in self.options]
        if len(args) > len(names) + 1:
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional "
                            "arguments")
        values = dict(self.options)
        values.update(zip(names, args))
        for k, v in kwargs.items():
            if k not in values and k != "inplace":
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument "
                                f"{k!r}")
            values[k] = v
        values.pop("inplace", None)
        for k, v in values.items():
            setattr(self, k, v)

    def forward(self, x: ArrayLike) -> Array:
        return type(self).fn(x, **{name: getattr(self, name) for name, _ in self.options})

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name, _ in self.options)


class LeakyReLU(_Parametrised):
    """``x`` where positive, ``negative_slope * x`` elsewhere, as ``torch.nn.LeakyReLU``.

    >>> nn.LeakyReLU(0.1)(ad.tensor([-1.0, 2.0]))
    tensor([-0.1,  2. ])
    """

    fn = staticmethod(F.leaky_relu)
    options = (("negative_slope", 0.01),)


class ELU(_Parametrised):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere, as ``torch.nn.ELU``.

    >>> nn.ELU()(ad.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """

    fn = staticmethod(F.elu)
    options = (("alpha", 1.0),)


class GELU(_Parametrised):
    """``x * Phi(x)`` (``approximate="tanh"``: the tanh approximation), as
    ``torch.nn.GELU``.

    >>> nn.GELU()(ad.tensor([0.0]))
    tensor([0.])
    >>> nn.GELU(approximate='tanh')
    GELU(approximate=tanh)
    """

    fn = staticmethod(F.gelu)
    options = (("approximate", "none"),)


class Softplus(_Parametrised):
    """``log(1 + exp(beta * x)) / beta``, linear above ``threshold``, as
    ``torch.nn.Softplus``.

    >>> nn.Softplus()(ad.tensor([0.0]))
    tensor([0.6931472])
    """

    fn = staticmethod(F.softplus)
    options = (("beta", 1.0), ("threshold", 20.0))


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim`` (default the last axis), computed stably, as
    ``torch.nn.Softmax``.

    >>> nn.Softmax(dim=-1)(ad.tensor([[0.0, 0.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: ArrayLike) -> Array:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log(softmax(x))`` along ``dim``, computed without forming the softmax (no underflow),
    as ``torch.nn.LogSoftmax``.

    >>> nn.LogSoftmax(dim=1)(ad.tensor([[0.0, 0.0]])).exp()
    tensor([[0.5, 0.5]])
    """

    def forward(self, x: ArrayLike) -> Array:
        return F.log_softmax(x, self.dim)


class Flatten(Module):
    """Flattens the axes ``start_dim`` (default 1: keep the batch axis) to ``end_dim``
    (default -1, the last) into one.

    >>> nn.Flatten()(ad.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: ArrayLike) -> Array:
        shape = shape_of(x)
        start = self.start_dim % len(shape) if shape else 0
        end = self.end_dim % len(shape) if shape else 0
        merged = int(np.prod(shape[start:end + 1]))
        return dnp.reshape(x, shape[:start] + (merged,) + shape[end + 1:])


class Embedding(Module):
    """A lookup table: ``weight`` ``(num_embeddings, embedding_dim)`` drawn from N(0, 1) (the
    row ``padding_idx``, if given, zero and left without gradient), indexed by integer
    tensors::

        emb = nn.Embedding(1000, 64)
        vectors = emb(token_ids)          # token_ids.shape + (64,)

    >>> emb = nn.Embedding(10, 4, padding_idx=0)
    >>> emb(ad.tensor([[0, 3, 9]])).shape
    (1, 3, 4)
    >>> emb.weight[0]
    tensor([0., 0., 0., 0.], requires_grad=True)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{num_embeddings} embeddings")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim), dtype)))
        if padding_idx is not None:
            raw_value(self.weight)[padding_idx] = 0

    def forward(self, input: ArrayLike) -> Array:
        return F.embedding(input, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: ArrayLike, freeze: bool = True,
                        padding_idx: int | None = None) -> Embedding:
        """An ``Embedding`` holding a copy of ``embeddings`` ``(num, dim)``, left out of
        training when ``freeze``.

        >>> emb = nn.Embedding.from_pretrained(np.eye(3))
        >>> emb(ad.tensor([2])), emb.weight.requires_grad
        (tensor([[0., 0., 1.]], dtype=float64), False)
        """
        value = np.asarray(raw_value(embeddings))
        if value.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{value.shape}")
        layer = cls(*value.shape, padding_idx=padding_idx, dtype=value.dtype)
        raw_value(layer.weight)[...] = value
        layer.weight.requires_grad_(not freeze)
        return layer

    def extra_repr(self) -> str:
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


class Dropout(Module):
    """Zeroes elements with probability ``p`` in training mode (``model.train()``), scaling the
    rest by ``1 / (1 - p)``; the identity in evaluation mode (``model.eval()``). Seeded by
    ``dualad.nn.manual_seed``.

    >>> drop = nn.Dropout(0.5)
    >>> drop(ad.ones(1000)).mean().item() > 0.8
    True
    >>> drop.eval()(ad.ones(2))
    tensor([1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: ArrayLike) -> Array:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _Loss(Module):
    """A loss module over ``fn(input, target, reduction=..., **options)``."""

    fn = None
    options = ()

    def __init__(self, *args: Any, reduction: str = "mean", size_average: None = None,
                 reduce: None = None, **kwargs: Any) -> None:
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
            setattr(self, k, v)

    def forward(self, input: ArrayLike, target: ArrayLike) -> Array:
        options = {name: getattr(self, name) for name, _ in self.options}
        return type(self).fn(input, target, reduction=self.reduction, **options)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """``F.cross_entropy`` as a module: ``CrossEntropyLoss(weight=None, ignore_index=-100,
    reduction="mean", label_smoothing=0.0)``.

    >>> nn.CrossEntropyLoss()(ad.tensor([[0.0, 0.0]]), ad.tensor([1]))
    tensor(0.6931472)
    """
    fn = staticmethod(F.cross_entropy)
    options = (("weight", None), ("ignore_index", -100), ("label_smoothing", 0.0))


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities ``(N, C)`` (from ``LogSoftmax``) against
    integer labels ``(N,)``, as ``torch.nn.NLLLoss``. See ``nn.functional.nll_loss``.

    >>> nn.NLLLoss()(ad.tensor([[-1.0, -2.0]]), ad.tensor([1]))
    tensor(2.)
    """

    fn = staticmethod(F.nll_loss)
    options = (("weight", None), ("ignore_index", -100))


class MSELoss(_Loss):
    """Mean squared error between input and target of one shape (``reduction`` as
    ``CrossEntropyLoss``), as ``torch.nn.MSELoss``.

    >>> nn.MSELoss()(ad.tensor([1.0, 3.0]), ad.tensor([1.0, 1.0]))
    tensor(2.)
    """

    fn = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error (``reduction`` as ``CrossEntropyLoss``), as ``torch.nn.L1Loss``.

    >>> nn.L1Loss()(ad.tensor([1.0, 3.0]), ad.tensor([2.0, 1.0]))
    tensor(1.5)
    """

    fn = staticmethod(F.l1_loss)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above it, as
    ``torch.nn.SmoothL1Loss``.

    >>> nn.SmoothL1Loss()(ad.tensor([0.0, 0.0]), ad.tensor([0.5, 3.0]))
    tensor(1.3125)
    """

    fn = staticmethod(F.smooth_l1_loss)
    options = (("beta", 1.0),)


class HuberLoss(_Loss):
    """Squared error below ``delta``, linear above it, as ``torch.nn.HuberLoss``.

    >>> nn.HuberLoss(delta=1.0)(ad.tensor([0.0]), ad.tensor([3.0]))
    tensor(2.5)
    """

    fn = staticmethod(F.huber_loss)
    options = (("delta", 1.0),)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in (0, 1) against targets in [0, 1], as
    ``torch.nn.BCELoss``.

    >>> nn.BCELoss()(ad.tensor([0.5]), ad.tensor([1.0]))
    tensor(0.6931472)
    """

    fn = staticmethod(F.binary_cross_entropy)
    options = (("weight", None),)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits against targets in [0, 1], computed stably from the
    logits, as ``torch.nn.BCEWithLogitsLoss``. See
    ``nn.functional.binary_cross_entropy_with_logits``.

    >>> nn.BCEWithLogitsLoss()(ad.tensor([0.0]), ad.tensor([1.0]))
    tensor(0.6931472)
    """

    fn = staticmethod(F.binary_cross_entropy_with_logits)
    options = (("weight", None), ("pos_weight", None))


class KLDivLoss(_Loss):
    """``F.kl_div`` as a module (``reduction="batchmean"`` gives the true KL divergence).

    >>> p = ad.tensor([[0.5, 0.5]])
    >>> nn.KLDivLoss(reduction='batchmean')(ad.log(p), p)
    tensor(0.)
    """
    fn = staticmethod(F.kl_div)
    options = (("log_target", False),)
