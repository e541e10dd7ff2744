"""``RNN``, ``LSTM`` and ``GRU``, with PyTorch's gate order, parameter names
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``…_reverse``), shapes,
initialisation (U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter) and call convention
(``output, h_n`` / ``output, (h_n, c_n)``), so weights move across by ``load_state_dict``.

# Design: a layer in one direction is one call: for LSTM and GRU the fused layer primitives of
# ``dualad/primitives/recurrent.py`` (one tape entry for the whole sequence; an LSTM's hidden and
# cell states travel stacked, ``(2, N, H)``); for plain RNNs one matrix product gives every
# step's input projection, then each step is ``tanh``/``relu`` of it plus the recurrent product.
"""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from ..primitives.recurrent import gru_layer, lstm_layer
from . import functional as F
from . import init
from .module import Module, Parameter
from .utils.rnn import PackedSequence, packed_forward
from ..typing import Array, ArrayLike, DTypeLike


_ACTIVATIONS = {"tanh": dnp.tanh, "relu": F.relu}


class _RNNBase(Module):
    gates = 1
    has_cell = False

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
        g = self.gates * hidden_size
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (g, in_size), "weight_hh": (g, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(g,), bias_hh=(g,))
                for name, shape in shapes.items():
                    p = init.uniform_(Parameter(np.empty(shape, dtype)), -bound, bound)
                    setattr(self, f"{name}_l{layer}{suffix}", p)

    def _run(self, seq, h, c, weights, reverse):
        """One layer in one direction over ``seq`` ``(T, N, in)`` from the states ``h`` (and
        ``c``): the state after each step, in time order."""
        raise NotImplementedError

    def _cell_weights(self, layer, suffix):
        """What ``_run`` takes for the weights: both weight matrices and the summed biases
        (each bias simply adds to the pre-activations; not so in a GRU)."""
        get = self._parameters.get
        w_ih, w_hh = get(f"weight_ih_l{layer}{suffix}"), get(f"weight_hh_l{layer}{suffix}")
        b_ih, b_hh = get(f"bias_ih_l{layer}{suffix}"), get(f"bias_hh_l{layer}{suffix}")
        return w_ih, w_hh, None if b_ih is None else b_ih + b_hh

    def _hidden(self, states):
        """The hidden states among the states ``_run`` returns (an LSTM's hold the cell's too)."""
        return states

    def forward(self, input: ArrayLike,
                hx: ArrayLike | tuple[ArrayLike, ArrayLike] | None = None
                ) -> tuple[Array, Array | tuple[Array, Array]]:
        if isinstance(input, PackedSequence):      # each sequence stops at its own length
            return packed_forward(self, input, hx)
        name = type(self).__name__
        if ndim_of(input) not in (2, 3):
            raise ValueError(f"{name}: expected a 2-D (unbatched) or 3-D input, got shape "
                             f"{shape_of(input)}")
        F.check_same_dtype(input, self.weight_ih_l0, name)
        unbatched = ndim_of(input) == 2
        seq = dnp.expand_dims(input, 1) if unbatched else (
            dnp.swapaxes(input, 0, 1) if self.batch_first else input)
        if shape_of(seq)[2] != self.input_size:
            raise ValueError(f"{name}: expected input with {self.input_size} features, got "
                             f"shape {shape_of(input)}")
        h0, c0 = self._initial_state(hx, shape_of(seq)[1], dtype_of(input), unbatched,
                                     raw_value(input))
        directions = ("", "_reverse") if self.bidirectional else ("",)
        finals = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0:
                seq = F.dropout(seq, self.dropout, self.training)
            outs = []
            for d, suffix in enumerate(directions):
                k = layer * len(directions) + d
                states = self._run(seq, h0[k], None if c0 is None else c0[k],
                                   self._cell_weights(layer, suffix), bool(suffix))
                finals.append(states[0] if suffix else states[-1])
                outs.append(self._hidden(states))
            seq = outs[0] if len(outs) == 1 else dnp.concatenate(outs, axis=-1)
        output = dnp.squeeze(seq, 1) if unbatched else (
            dnp.swapaxes(seq, 0, 1) if self.batch_first else seq)
        last = dnp.stack(finals, axis=0)
        h_n = self._hidden(last)
        if unbatched:
            h_n = dnp.squeeze(h_n, 1)
        if not self.has_cell:
            return output, h_n
        c_n = last[:, 1]
        return output, (h_n, dnp.squeeze(c_n, 1) if unbatched else c_n)

    def _initial_state(self, hx, n, dtype, unbatched, like):
        """The initial hidden (and cell) states, ``(layers * directions, N, H)``."""
        shape = (self.num_layers * (2 if self.bidirectional else 1), n, self.hidden_size)
        if hx is None:
            zeros = array_module(like).zeros(shape, dtype=dtype)
            return zeros, (zeros if self.has_cell else None)
        h, c = hx if self.has_cell else (hx, None)
        if unbatched:
            h = dnp.expand_dims(h, 1)
            c = None if c is None else dnp.expand_dims(c, 1)
        for what, v in (("h_0", h), ("c_0", c)):
            if v is not None and shape_of(v) != shape:
                raise ValueError(f"{type(self).__name__}: {what} must have shape {shape}, got "
                                 f"{shape_of(v)}")
        return h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman RNN, ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (``nonlinearity="relu"`` for
    ReLU); with ``batch_first=True`` an input ``(N, T, input_size)`` gives ``output``
    ``(N, T, hidden_size)`` and ``h_n`` ``(num_layers, N, hidden_size)``:

    >>> rnn = nn.RNN(10, 20, num_layers=2, batch_first=True)
    >>> output, h_n = rnn(ad.zeros(3, 5, 10))
    >>> output.shape, h_n.shape
    ((3, 5, 20), (2, 3, 20))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 dtype: DTypeLike = np.float32) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, dtype)
        self.nonlinearity = nonlinearity

    def _run(self, seq, h, c, weights, reverse):
        w_ih, w_hh, b = weights
        proj = dnp.matmul(seq, dnp.transpose(w_ih))     # every step's input projection at once
        if b is not None:
            proj = proj + b
        w_hh_t = dnp.transpose(w_hh)
        activation = _ACTIVATIONS[self.nonlinearity]
        steps = range(shape_of(seq)[0])
        states = [None] * len(steps)
        for t in (reversed(steps) if reverse else steps):
            h = states[t] = activation(proj[t] + dnp.matmul(h, w_hh_t))
        return dnp.stack(states, axis=0)


class LSTM(_RNNBase):
    """Long short-term memory, PyTorch's gates ``i, f, g, o`` (``weight_ih_l0`` is
    ``(4 * hidden, input)``):

    >>> lstm = nn.LSTM(8, 16, batch_first=True)
    >>> output, (h_n, c_n) = lstm(ad.zeros(2, 7, 8))
    >>> output.shape, h_n.shape, c_n.shape
    ((2, 7, 16), (1, 2, 16), (1, 2, 16))
    >>> lstm.weight_ih_l0.shape
    (64, 8)
    """
    gates = 4
    has_cell = True

    def _run(self, seq, h, c, weights, reverse):
        return lstm_layer(seq, dnp.stack([h, c]), *weights, reverse=reverse)

    def _hidden(self, states):
        return states[:, 0]          # of the states (T, 2, N, H) of a run, or of the last ones


class GRU(_RNNBase):
    """Gated recurrent unit, PyTorch's gates ``r, z, n`` (``weight_ih_l0`` is
    ``(3 * hidden, input)``).

    >>> gru = nn.GRU(8, 16, bidirectional=True)
    >>> output, h_n = gru(ad.zeros(7, 2, 8))
    >>> output.shape, h_n.shape
    ((7, 2, 32), (2, 2, 16))
    >>> gru.weight_hh_l0_reverse.shape
    (48, 16)
    """
    gates = 3

    def _cell_weights(self, layer, suffix):
        get = self._parameters.get   # b_hh is inside the reset gate's product: kept apart
        return tuple(get(f"{name}_l{layer}{suffix}")
                     for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def _run(self, seq, h, c, weights, reverse):
        return gru_layer(seq, h, *weights, reverse=reverse)
