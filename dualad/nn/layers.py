"""Layers, containers and loss modules, with PyTorch's names, shapes and defaults."""
import math
from collections import OrderedDict

import numpy as np

from .. import numpy as dnp
from .._core.primitive import shape_of
from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` ``(out_features, in_features)`` and ``bias``
    ``(out_features,)``, both drawn from U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's default
    initialisation) with ``dualad.nn``'s seeded generator; float32 unless ``dtype`` says
    otherwise."""

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = init.uniform_(Parameter(np.empty((out_features, in_features), dtype)),
                                    -bound, bound)
        self.bias = (init.uniform_(Parameter(np.empty(out_features, dtype)), -bound, bound)
                     if bias else None)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied in order; sub-modules are named ``"0"``, ``"1"``, … (or by the keys of
    an ``OrderedDict``), so parameter names read ``"0.weight"`` as in PyTorch."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                setattr(self, name, m)
        else:
            for i, m in enumerate(modules):
                setattr(self, str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        items = list(self._modules.values())
        return Sequential(*items[i]) if isinstance(i, slice) else items[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add ``module`` at the end (named by its position); returns the ``Sequential``."""
        setattr(self, str(len(self)), module)
        return self


class _Elementwise(Module):
    """A parameter-free layer applying ``fn``."""

    fn = None

    def forward(self, x):
        return type(self).fn(x)


class ReLU(_Elementwise):
    """``max(x, 0)`` elementwise (derivative 0 at 0), as ``torch.nn.ReLU``.

    >>> nn.ReLU()(ad.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    fn = staticmethod(F.relu)


class Tanh(_Elementwise):
    """``tanh(x)`` elementwise, as ``torch.nn.Tanh``."""

    fn = staticmethod(F.tanh)


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))`` elementwise, as ``torch.nn.Sigmoid``."""

    fn = staticmethod(F.sigmoid)


class Identity(_Elementwise):
    """Returns its input unchanged (a placeholder layer), as ``torch.nn.Identity``."""

    fn = staticmethod(lambda x: x)


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim`` (default the last axis), computed stably, as
    ``torch.nn.Softmax``.

    >>> nn.Softmax(dim=-1)(ad.tensor([[0.0, 0.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log(softmax(x))`` along ``dim``, computed without forming the softmax (no underflow),
    as ``torch.nn.LogSoftmax``."""

    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Flatten(Module):
    """Flattens the axes from ``start_dim`` (default 1: keep the batch axis) to the end."""

    def __init__(self, start_dim=1):
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x):
        shape = shape_of(x)
        return dnp.reshape(x, shape[:self.start_dim] + (int(np.prod(shape[self.start_dim:])),))


class Dropout(Module):
    """Zeroes elements with probability ``p`` in training mode (``model.train()``), scaling the
    rest by ``1 / (1 - p)``; the identity in evaluation mode (``model.eval()``). Seeded by
    ``dualad.nn.manual_seed``."""

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class _Loss(Module):
    """A loss module over ``fn(input, target, reduction=...)``."""

    fn = None

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return type(self).fn(input, target, reduction=self.reduction)

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits ``(N, C)`` against integer class labels ``(N,)``, averaged over the
    batch by default (``reduction="mean"``; also ``"sum"`` and ``"none"``), as
    ``torch.nn.CrossEntropyLoss``. See ``nn.functional.cross_entropy``.

    >>> loss = nn.CrossEntropyLoss()(ad.tensor([[0.0, 0.0]]), np.array([1]))
    >>> round(loss.item(), 4)    # log 2
    0.6931
    """

    fn = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities ``(N, C)`` (from ``LogSoftmax``) against
    integer labels ``(N,)``, as ``torch.nn.NLLLoss``. See ``nn.functional.nll_loss``."""

    fn = staticmethod(F.nll_loss)


class MSELoss(_Loss):
    """Mean squared error between input and target of one shape (``reduction`` as
    ``CrossEntropyLoss``), as ``torch.nn.MSELoss``.

    >>> nn.MSELoss()(ad.tensor([1.0, 3.0]), np.array([1.0, 1.0]))
    tensor(2.)
    """

    fn = staticmethod(F.mse_loss)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits against targets in [0, 1], computed stably from the
    logits, as ``torch.nn.BCEWithLogitsLoss``. See
    ``nn.functional.binary_cross_entropy_with_logits``."""

    fn = staticmethod(F.binary_cross_entropy_with_logits)
