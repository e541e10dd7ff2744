"""Recurrent cells: one LSTM or GRU time step, in PyTorch's gate order, as one fused primitive
each (the matrix products with both weights by BLAS, then the gate arithmetic and its backward
in one compiled pass each: ``dualad._kernels.RECURRENT``).

* ``lstm_cell(x, hc, w_ih, w_hh, b) -> hc'``: ``x`` ``(N, in)``, ``hc`` ``(2, N, H)`` the hidden
  and cell states stacked (so that a step has one result, which the next step takes whole),
  ``w_ih`` ``(4H, in)``, ``w_hh`` ``(4H, H)``, ``b`` ``(4H,)`` (both biases summed) or None.
  Gates ``i, f, g, o`` of ``z = x w_ih^T + h w_hh^T + b``; ``c' = sigmoid(f) c + sigmoid(i)
  tanh(g)``, ``h' = sigmoid(o) tanh(c')``.
* ``gru_cell(x, h, w_ih, w_hh, b_ih, b_hh) -> h'``: gates ``r, z, n`` of the projections
  ``x w_ih^T + b_ih`` and ``h w_hh^T + b_hh``; ``n = tanh(x_n + r h_n)`` (``h_n`` with its
  bias, as PyTorch), ``h' = n + z (h - n)``; biases may be None.

# Design: see ``dualad/primitives/fused.py``. Where the fused primitive does not apply (forward
# mode, nested transforms) the cell is composed from ``dualad.numpy`` operations (``_lstm`` and
# ``_gru`` below, the same function), so its derivatives there are those of the composition,
# to any order; the kernels hold the hand-written backward.
"""
from .. import numpy as dnp
from .._core.backend import array_module
from .._kernels import RECURRENT
from . import elementwise as _e
from .fused import FusedPrimitive, fusable


def _contiguous(a):
    return a if a.flags.c_contiguous else array_module(a).ascontiguousarray(a)


def _project(x, w, h, u, b):
    """``x w^T + h u^T (+ b)`` on plain arrays."""
    z = x @ w.T
    z += h @ u.T
    if b is not None:
        z += b
    return z


def _weight_ct(dz, v):
    """The cotangent of a weight ``(out, in)`` in ``v (N, in) @ w^T``: ``dz^T v``, per batch
    row of ``dz`` ``(k, N, out)``."""
    return dz.transpose(0, 2, 1) @ v


# ------------------------------------------------------------------------------ LSTM
def _lstm_fwd(x, hc, w_ih, w_hh, b):
    hc = _contiguous(hc)
    z = _project(x, w_ih, hc[0], w_hh, b)
    new, act = RECURRENT["lstm_cell_fwd"](z, hc[1])
    return new, (x, hc, w_ih, w_hh, act)


def _lstm_bwd(g, residuals, needs):
    x, hc, w_ih, w_hh, act = residuals
    dz, dc = RECURRENT["lstm_cell_bwd"](_contiguous(g), act, hc[1])
    dhc = None
    if needs[1]:
        dhc = array_module(g).empty(g.shape, dtype=dz.dtype)
        dhc[:, 0] = dz @ w_hh
        dhc[:, 1] = dc
    return (dz @ w_ih if needs[0] else None, dhc,
            _weight_ct(dz, x) if needs[2] else None, _weight_ct(dz, hc[0]) if needs[3] else None,
            dz.sum(axis=1) if needs[4] else None)


lstm_cell_p = FusedPrimitive("nn.lstm_cell", _lstm_fwd, _lstm_bwd)


def _lstm(x, hc, w_ih, w_hh, b):
    """The LSTM step composed from dualad.numpy operations."""
    z = dnp.matmul(x, dnp.transpose(w_ih)) + dnp.matmul(hc[0], dnp.transpose(w_hh))
    if b is not None:
        z = z + b
    i, f, g, o = dnp.split(z, 4, axis=-1)
    c = _e.sigmoid(f) * hc[1] + _e.sigmoid(i) * _e.tanh(g)
    return dnp.stack([_e.sigmoid(o) * _e.tanh(c), c])


def lstm_cell(x, hc, w_ih, w_hh, b=None):
    """One LSTM step: the new hidden and cell states ``(2, N, H)`` from the input ``x`` and the
    stacked states ``hc``, with PyTorch's gates ``i, f, g, o``::

        hc = lstm_cell(x, hc, lstm.weight_ih_l0, lstm.weight_hh_l0, b_ih + b_hh)
    """
    if fusable(x, hc, w_ih, w_hh, b):
        return lstm_cell_p(x, hc, w_ih, w_hh, b)
    return _lstm(x, hc, w_ih, w_hh, b)


# ------------------------------------------------------------------------------ GRU
def _gru_fwd(x, h, w_ih, w_hh, b_ih, b_hh):
    h = _contiguous(h)
    zx = x @ w_ih.T
    if b_ih is not None:
        zx += b_ih
    zh = h @ w_hh.T
    if b_hh is not None:
        zh += b_hh
    new, act = RECURRENT["gru_cell_fwd"](zx, zh, h)
    return new, (x, h, w_ih, w_hh, act, zh)


def _gru_bwd(g, residuals, needs):
    x, h, w_ih, w_hh, act, zh = residuals
    dzx, dzh, dh = RECURRENT["gru_cell_bwd"](_contiguous(g), act, zh, h)
    if needs[1]:
        dh += dzh @ w_hh
    return (dzx @ w_ih if needs[0] else None, dh if needs[1] else None,
            _weight_ct(dzx, x) if needs[2] else None, _weight_ct(dzh, h) if needs[3] else None,
            dzx.sum(axis=1) if needs[4] else None, dzh.sum(axis=1) if needs[5] else None)


gru_cell_p = FusedPrimitive("nn.gru_cell", _gru_fwd, _gru_bwd)


def _gru(x, h, w_ih, w_hh, b_ih, b_hh):
    """The GRU step composed from dualad.numpy operations."""
    zx = dnp.matmul(x, dnp.transpose(w_ih))
    zh = dnp.matmul(h, dnp.transpose(w_hh))
    if b_ih is not None:
        zx = zx + b_ih
    if b_hh is not None:
        zh = zh + b_hh
    xr, xz, xn = dnp.split(zx, 3, axis=-1)
    hr, hz, hn = dnp.split(zh, 3, axis=-1)
    r, u = _e.sigmoid(xr + hr), _e.sigmoid(xz + hz)
    n = _e.tanh(xn + r * hn)
    return n + u * (h - n)


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: the new hidden state ``(N, H)`` with PyTorch's gates ``r, z, n``::

        h = gru_cell(x, h, gru.weight_ih_l0, gru.weight_hh_l0, gru.bias_ih_l0, gru.bias_hh_l0)
    """
    if fusable(x, h, w_ih, w_hh, b_ih, b_hh):
        return gru_cell_p(x, h, w_ih, w_hh, b_ih, b_hh)
    return _gru(x, h, w_ih, w_hh, b_ih, b_hh)
