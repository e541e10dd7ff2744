"""Recurrent layers: an LSTM or GRU layer run over a whole sequence in one direction, in
PyTorch's gate order, as one fused primitive each. Every time step is one BLAS product with
the recurrent weights and one compiled pass over the gates, forward and backward, in a loop
over the steps that is itself compiled (``dualad._kernels.RECURRENT``); the products with the
input weights, and every weight's cotangent, are one BLAS product for the whole sequence.

* ``lstm_layer(xs, hc, w_ih, w_hh, b, reverse=False) -> states``: ``xs`` ``(T, N, in)``,
  ``hc`` ``(2, N, H)`` the initial hidden and cell states stacked, ``w_ih`` ``(4H, in)``,
  ``w_hh`` ``(4H, H)``, ``b`` ``(4H,)`` (both biases summed) or None; ``states`` ``(T, 2, N,
  H)`` the hidden and cell states after each step (in time order; ``reverse`` runs the steps
  from the last to the first). Gates ``i, f, g, o`` of ``z = x w_ih^T + h w_hh^T + b``;
  ``c' = sigmoid(f) c + sigmoid(i) tanh(g)``, ``h' = sigmoid(o) tanh(c')``.
* ``gru_layer(xs, h, w_ih, w_hh, b_ih, b_hh, reverse=False) -> hs``: ``hs`` ``(T, N, H)``;
  gates ``r, z, n`` of the projections ``x w_ih^T + b_ih`` and ``h w_hh^T + b_hh``;
  ``n = tanh(x_n + r h_n)`` (``h_n`` with its bias, as PyTorch), ``h' = n + z (h - n)``;
  biases may be None.

# Design: see ``dualad/primitives/fused.py``. Where the fused primitive does not apply (forward
# mode, nested transforms) the layer is composed from differentiable operations, step by step
# (``_lstm_step`` and ``_gru_step`` below: the same function), so its derivatives there are
# those of the composition, to any order; the kernels hold the hand-written backward. One
# primitive per layer rather than per step: a step's tape entry would cost its backward three
# small products (the input, both weights) where the layer's costs one large one, and the
# Python of a tape entry per step.
"""
from .._core.backend import array_module
from .._core.primitive import shape_of
from .._kernels import RECURRENT
from . import elementwise as _e
from .fused import FusedPrimitive, fusable
from .indexing import stack


def _contiguous(a):
    return a if a.flags.c_contiguous else array_module(a).ascontiguousarray(a)


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def _flat(a):
    """``a`` ``(T, N, k)`` as a C-contiguous ``(T * N, k)`` matrix: one BLAS product for a
    whole sequence (a strided ``(T, N, k)`` operand is multiplied step by step)."""
    return _contiguous(a).reshape(-1, a.shape[-1])


def _times(a, w):
    """``a (T, N, k) @ w``, one product."""
    return (_flat(a) @ w).reshape(a.shape[:-1] + w.shape[-1:])


def _input_projection(xs, w, b):
    """``xs w^T (+ b)`` for every step at once: ``(T, N, gates)``, on plain arrays."""
    z = _times(xs, w.T)
    if b is not None:
        z += b
    return z


def _weight_ct(dz, v):
    """The cotangent of a weight ``(out, in)`` used as ``v (T, N, in) @ w^T`` at every step:
    ``sum_t dz_t^T v_t``, one product."""
    return _flat(dz).T @ _flat(v)


def _previous(first, later, reverse):
    """The state each step started from: ``first`` then the results ``later`` ``(T, ...)``,
    one step behind (ahead, for ``reverse``)."""
    xp = array_module(later)
    if reverse:
        return xp.concatenate([later[1:], first[None]])
    return xp.concatenate([first[None], later[:-1]])


def _batch_rows(g, bwd):
    """``bwd`` (one cotangent direction ``g[r]`` -> a tuple of cotangents) over the batch axis
    of ``g``, the results stacked (None stays None)."""
    rows = [bwd(g[r]) for r in range(g.shape[0])]
    xp = array_module(g)
    return tuple(None if parts[0] is None else xp.stack(parts) for parts in zip(*rows))


# ------------------------------------------------------------------------------ LSTM
def _lstm_fwd(xs, hc, w_ih, w_hh, b, reverse=False):
    hc = _contiguous(hc)
    states, acts = RECURRENT["lstm_layer_fwd"](_input_projection(xs, w_ih, b), hc, w_hh,
                                               reverse)
    return states, (xs, hc, w_ih, w_hh, states, acts)


def _lstm_bwd(g, residuals, needs, reverse=False):
    xs, hc, w_ih, w_hh, states, acts = residuals
    cells = _previous(hc[1], states[:, 1], reverse)

    def one_direction(g):
        dzs, dhc = RECURRENT["lstm_layer_bwd"](_contiguous(g), acts, cells, w_hh, reverse)
        return (_times(dzs, w_ih) if needs[0] else None, dhc,
                _weight_ct(dzs, xs) if needs[2] else None,
                _weight_ct(dzs, _previous(hc[0], states[:, 0], reverse)) if needs[3] else None,
                dzs.sum(axis=(0, 1)) if needs[4] else None)

    dxs, dhc, dw_ih, dw_hh, db = _batch_rows(g, one_direction)
    return dxs, dhc if needs[1] else None, dw_ih, dw_hh, db


lstm_layer_p = FusedPrimitive("nn.lstm_layer", _lstm_fwd, _lstm_bwd)


def _pieces(z, k):
    """``z`` split into ``k`` equal blocks along its last axis."""
    h = shape_of(z)[-1] // k
    return [z[..., j * h:(j + 1) * h] for j in range(k)]


def _lstm_step(x, hc, w_ih, w_hh, b):
    """One LSTM step composed from differentiable operations: ``(2, N, H)`` from
    ``(2, N, H)``."""
    z = x @ w_ih.T + hc[0] @ w_hh.T
    if b is not None:
        z = z + b
    i, f, g, o = _pieces(z, 4)
    c = _e.sigmoid(f) * hc[1] + _e.sigmoid(i) * _e.tanh(g)
    return stack([_e.sigmoid(o) * _e.tanh(c), c])


def lstm_layer(xs, hc, w_ih, w_hh, b=None, reverse=False):
    """An LSTM layer over the sequence ``xs`` ``(T, N, in)`` from the stacked initial states
    ``hc`` ``(2, N, H)``: the states after each step, ``(T, 2, N, H)``::

        states = lstm_layer(xs, hc, lstm.weight_ih_l0, lstm.weight_hh_l0, b_ih + b_hh)
        outputs, (h_n, c_n) = states[:, 0], (states[-1, 0], states[-1, 1])
    """
    if fusable(xs, hc, w_ih, w_hh, b):
        return lstm_layer_p(xs, hc, w_ih, w_hh, b, reverse=reverse)
    return _composed(_lstm_step, xs, hc, (w_ih, w_hh, b), reverse)


def _composed(step, xs, state, weights, reverse):
    """The layer as one composed step per time step, the states stacked in time order."""
    states = [None] * shape_of(xs)[0]
    for t in _steps(len(states), reverse):
        state = states[t] = step(xs[t], state, *weights)
    return stack(states)


# ------------------------------------------------------------------------------ GRU
def _gru_fwd(xs, h, w_ih, w_hh, b_ih, b_hh, reverse=False):
    h = _contiguous(h)
    hs, acts, zhs = RECURRENT["gru_layer_fwd"](_input_projection(xs, w_ih, b_ih), h, w_hh,
                                               b_hh, reverse)
    return hs, (xs, h, w_ih, w_hh, hs, acts, zhs)


def _gru_bwd(g, residuals, needs, reverse=False):
    xs, h, w_ih, w_hh, hs, acts, zhs = residuals
    previous = _previous(h, hs, reverse)

    def one_direction(g):
        dzx, dzh, dh = RECURRENT["gru_layer_bwd"](_contiguous(g), acts, zhs, previous, w_hh,
                                                  reverse)
        return (_times(dzx, w_ih) if needs[0] else None, dh,
                _weight_ct(dzx, xs) if needs[2] else None,
                _weight_ct(dzh, previous) if needs[3] else None,
                dzx.sum(axis=(0, 1)) if needs[4] else None,
                dzh.sum(axis=(0, 1)) if needs[5] else None)

    dxs, dh, dw_ih, dw_hh, db_ih, db_hh = _batch_rows(g, one_direction)
    return dxs, dh if needs[1] else None, dw_ih, dw_hh, db_ih, db_hh


gru_layer_p = FusedPrimitive("nn.gru_layer", _gru_fwd, _gru_bwd)


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    """One GRU step composed from differentiable operations."""
    zx = x @ w_ih.T
    zh = h @ w_hh.T
    if b_ih is not None:
        zx = zx + b_ih
    if b_hh is not None:
        zh = zh + b_hh
    xr, xz, xn = _pieces(zx, 3)
    hr, hz, hn = _pieces(zh, 3)
    r, u = _e.sigmoid(xr + hr), _e.sigmoid(xz + hz)
    n = _e.tanh(xn + r * hn)
    return n + u * (h - n)


def gru_layer(xs, h, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """A GRU layer over the sequence ``xs`` ``(T, N, in)`` from the initial state ``h``
    ``(N, H)``: the hidden states after each step, ``(T, N, H)``::

        hs = gru_layer(xs, h, gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0,
                       gru.bias_hh_l0)
    """
    if fusable(xs, h, w_ih, w_hh, b_ih, b_hh):
        return gru_layer_p(xs, h, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
    return _composed(_gru_step, xs, h, (w_ih, w_hh, b_ih, b_hh), reverse)
