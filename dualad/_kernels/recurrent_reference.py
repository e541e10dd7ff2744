"""NumPy references of the recurrent-cell kernels in ``_recurrent.pyx`` (same names, same
results): the elementwise part of one LSTM or GRU time step, forward and backward, in
PyTorch's gate order. The matrix products are the caller's (BLAS); these take the
pre-activations. Written with array methods and ufuncs only, so CuPy arrays run through them
too.

* ``lstm_cell_fwd(z, c) -> (hc, act)``: ``z`` ``(N, 4H)`` the pre-activations of the gates
  ``i, f, g, o``, ``c`` ``(N, H)`` the cell state. ``hc`` ``(2, N, H)`` holds the new hidden
  state ``h' = o tanh(c')`` and cell state ``c' = f c + i g`` (``i, f, o`` sigmoids, ``g`` a
  tanh); ``act`` ``(N, 5H)`` holds ``i, f, g, o, tanh(c')``, what the backward needs.
* ``lstm_cell_bwd(g, act, c) -> (dz, dc)``: ``g`` ``(k, 2, N, H)`` the cotangents of ``hc``
  (batch axis first); ``dz`` ``(k, N, 4H)`` and ``dc`` ``(k, N, H)`` those of ``z`` and ``c``.
* ``gru_cell_fwd(zx, zh, h) -> (h_new, act)``: ``zx`` and ``zh`` ``(N, 3H)`` the input and
  hidden projections (gates ``r, z, n``), ``h`` ``(N, H)``; ``r = sigmoid(x_r + h_r)``,
  ``u = sigmoid(x_z + h_z)``, ``n = tanh(x_n + r h_n)``, ``h' = n + u (h - n)``; ``act``
  ``(N, 3H)`` holds ``r, u, n``.
* ``gru_cell_bwd(g, act, zh, h) -> (dzx, dzh, dh)``: ``g`` ``(k, N, H)``; the cotangents of
  ``zx``, ``zh`` (they differ in the ``n`` block only: ``dzh_n = r dzx_n``) and ``h``.
"""
import numpy as np

from .._core.backend import array_module


def _sigmoid(x):
    e = np.exp(-abs(x))             # <= 1: never overflows
    return np.where(x >= 0, 1, e) / (1 + e)


def lstm_cell_fwd(z, c):
    n, h = c.shape
    xp = array_module(z)
    act = xp.empty((n, 5 * h), dtype=z.dtype)
    act[:, :2 * h] = _sigmoid(z[:, :2 * h])
    act[:, 2 * h:3 * h] = np.tanh(z[:, 2 * h:3 * h])
    act[:, 3 * h:4 * h] = _sigmoid(z[:, 3 * h:])
    i, f, g, o = (act[:, j * h:(j + 1) * h] for j in range(4))
    hc = xp.empty((2, n, h), dtype=z.dtype)
    hc[1] = f * c + i * g
    act[:, 4 * h:] = np.tanh(hc[1])
    hc[0] = o * act[:, 4 * h:]
    return hc, act


def lstm_cell_bwd(g, act, c):
    h = c.shape[1]
    i, f, gg, o, tc = (act[:, j * h:(j + 1) * h] for j in range(5))
    gh, gc = g[:, 0], g[:, 1]
    dc_new = gc + gh * o * (1 - tc * tc)
    xp = array_module(g)
    dz = xp.empty(g.shape[:1] + act.shape[:1] + (4 * h,), dtype=g.dtype)
    dz[..., :h] = dc_new * gg * (i * (1 - i))
    dz[..., h:2 * h] = dc_new * c * (f * (1 - f))
    dz[..., 2 * h:3 * h] = dc_new * i * (1 - gg * gg)
    dz[..., 3 * h:] = gh * tc * (o * (1 - o))
    return dz, dc_new * f


def gru_cell_fwd(zx, zh, h):
    m = h.shape[1]
    xp = array_module(zx)
    act = xp.empty(zx.shape, dtype=zx.dtype)
    act[:, :2 * m] = _sigmoid(zx[:, :2 * m] + zh[:, :2 * m])
    r, u = act[:, :m], act[:, m:2 * m]
    act[:, 2 * m:] = np.tanh(zx[:, 2 * m:] + r * zh[:, 2 * m:])
    n = act[:, 2 * m:]
    return n + u * (h - n), act


def gru_cell_bwd(g, act, zh, h):
    m = h.shape[1]
    r, u, n = act[:, :m], act[:, m:2 * m], act[:, 2 * m:]
    xp = array_module(g)
    dzx = xp.empty(g.shape[:1] + act.shape, dtype=g.dtype)
    dn = g * (1 - u) * (1 - n * n)
    dzx[..., :m] = dn * zh[:, 2 * m:] * (r * (1 - r))
    dzx[..., m:2 * m] = g * (h - n) * (u * (1 - u))
    dzx[..., 2 * m:] = dn
    dzh = dzx.copy()
    dzh[..., 2 * m:] = dn * r
    return dzx, dzh, g * u
