"""One-step recurrent cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, with PyTorch's parameter
names (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), gate orders (``i, f, g, o``;
``r, z, n``), initialisation (U(-1/sqrt(hidden), 1/sqrt(hidden))) and call convention
(``h' = cell(x, h)``; ``h', c' = cell(x, (h, c))``; unbatched ``(in,)`` inputs too).

# Design: an LSTM or GRU step is the fused layer primitive of ``dualad/primitives/recurrent.py``
# on a sequence of length one (the gates in one kernel pass, forward and backward); an RNN step
# is composed from ``dualad.numpy``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..primitives.recurrent import gru_layer, lstm_layer
from ..typing import Array, ArrayLike, DTypeLike
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


class _CellBase(Module):
    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
        g = self.gates * hidden_size
        shapes = {"weight_ih": (g, input_size), "weight_hh": (g, hidden_size)}
        if bias:
            shapes.update(bias_ih=(g,), bias_hh=(g,))
        for name, shape in shapes.items():
            setattr(self, name, init.uniform_(Parameter(np.empty(shape, dtype)), -bound, bound))
        if not bias:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def _prepare(self, input, states):
        """``input`` as ``(N, in)``, the states as ``(N, H)`` (zeros when None), and whether
        the call was unbatched."""
        name = type(self).__name__
        if ndim_of(input) not in (1, 2):
            raise ValueError(f"{name}: expected a 1-D (unbatched) or 2-D input, got shape "
                             f"{shape_of(input)}")
        F.check_same_dtype(input, self.weight_ih, name)
        if shape_of(input)[-1] != self.input_size:
            raise ValueError(f"{name}: expected input with {self.input_size} features, got "
                             f"shape {shape_of(input)}")
        unbatched = ndim_of(input) == 1
        x = dnp.expand_dims(input, 0) if unbatched else input
        n = shape_of(x)[0]
        out = []
        for s in states:
            if s is None:
                s = array_module(raw_value(input)).zeros((n, self.hidden_size),
                                                         dtype=dtype_of(input))
            elif unbatched:
                s = dnp.expand_dims(s, 0)
            if shape_of(s) != (n, self.hidden_size):
                raise ValueError(f"{name}: a state must have shape "
                                 f"{(n, self.hidden_size)[1 if unbatched else 0:]}, got "
                                 f"{shape_of(s)[1 if unbatched else 0:]}")
            out.append(s)
        return x, out, unbatched

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


def _summed_bias(cell):
    return None if cell.bias_ih is None else cell.bias_ih + cell.bias_hh


class RNNCell(_CellBase):
    """``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity="relu"`` for ReLU), one
    step, as ``torch.nn.RNNCell``.

    >>> cell = nn.RNNCell(3, 5)
    >>> cell(ad.zeros(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None,
                 dtype: DTypeLike = np.float32) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: ArrayLike, hx: ArrayLike | None = None) -> Array:
        """The next hidden state ``(N, H)`` (``(H,)`` for an unbatched input)."""
        x, (h,), unbatched = self._prepare(input, [hx])
        z = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                 self.bias_hh)
        h = dnp.tanh(z) if self.nonlinearity == "tanh" else F.relu(z)
        return dnp.squeeze(h, 0) if unbatched else h


class LSTMCell(_CellBase):
    """One LSTM step, PyTorch's gates ``i, f, g, o`` (``weight_ih`` ``(4 H, in)``), as
    ``torch.nn.LSTMCell``::

        h, c = cell(x, (h, c))

    >>> h, c = nn.LSTMCell(3, 4)(ad.zeros(2, 3))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))
    """
    gates = 4

    def forward(self, input: ArrayLike,
                hx: tuple[ArrayLike, ArrayLike] | None = None) -> tuple[Array, Array]:
        """The next hidden and cell states ``(h', c')``, each ``(N, H)``."""
        h, c = (None, None) if hx is None else hx
        x, (h, c), unbatched = self._prepare(input, [h, c])
        states = lstm_layer(dnp.expand_dims(x, 0), dnp.stack([h, c]), self.weight_ih,
                            self.weight_hh, _summed_bias(self), reverse=False)
        h, c = states[0, 0], states[0, 1]
        if unbatched:
            h, c = dnp.squeeze(h, 0), dnp.squeeze(c, 0)
        return h, c


class GRUCell(_CellBase):
    """One GRU step, PyTorch's gates ``r, z, n`` (``weight_ih`` ``(3 H, in)``), as
    ``torch.nn.GRUCell``.

    >>> nn.GRUCell(3, 4)(ad.zeros(3)).shape
    (4,)
    """
    gates = 3

    def forward(self, input: ArrayLike, hx: ArrayLike | None = None) -> Array:
        """The next hidden state ``(N, H)``."""
        x, (h,), unbatched = self._prepare(input, [hx])
        states = gru_layer(dnp.expand_dims(x, 0), h, self.weight_ih, self.weight_hh,
                           self.bias_ih, self.bias_hh, reverse=False)
        h = states[0]
        return dnp.squeeze(h, 0) if unbatched else h
