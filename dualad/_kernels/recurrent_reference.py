"""NumPy references of the recurrent-layer kernels in ``_recurrent.pyx`` (same names, same
results): an LSTM or GRU layer's time steps in one direction, forward and backward, in
PyTorch's gate order. The products with the input weights are the caller's (one for the whole
sequence); these take the input projections and do, per step, the product with the recurrent
weights and the gate arithmetic. Written with array methods, ufuncs and ``@`` only, so CuPy
arrays run through them too. ``reverse`` runs the steps from the last to the first; results
are in time order either way.

* ``lstm_layer_fwd(zs, hc, w_hh, reverse) -> (states, acts)``: ``zs`` ``(T, N, 4H)`` the input
  projections with both biases (overwritten: the pre-activations of the gates ``i, f, g, o``,
  ``z_t = zs_t + h w_hh^T``), ``hc`` ``(2, N, H)`` the initial hidden and cell states, ``w_hh``
  ``(4H, H)``. ``states`` ``(T, 2, N, H)``: each step's ``h' = o tanh(c')`` and
  ``c' = f c + i g`` (``i, f, o`` sigmoids, ``g`` a tanh); ``acts`` ``(T, N, 5H)``: each step's
  ``i, f, g, o, tanh(c')``, what the backward needs.
* ``lstm_layer_bwd(g, acts, cells, w_hh, reverse) -> (dzs, dhc)``: ``g`` ``(T, 2, N, H)`` the
  cotangents of ``states`` (one direction), ``cells`` ``(T, N, H)`` the cell state each step
  started from; ``dzs`` ``(T, N, 4H)`` the cotangents of the pre-activations, ``dhc``
  ``(2, N, H)`` that of ``hc``.
* ``gru_layer_fwd(zxs, h, w_hh, b_hh, reverse) -> (hs, acts, zhs)``: ``zxs`` ``(T, N, 3H)`` the
  input projections with ``b_ih`` (gates ``r, z, n``), ``h`` ``(N, H)``, ``w_hh`` ``(3H, H)``,
  ``b_hh`` ``(3H,)`` or None; ``zhs_t = h w_hh^T + b_hh``, ``r = sigmoid(x_r + h_r)``,
  ``u = sigmoid(x_z + h_z)``, ``n = tanh(x_n + r h_n)``, ``h' = n + u (h - n)``. ``hs``
  ``(T, N, H)``; ``acts`` ``(T, N, 3H)`` each step's ``r, u, n``; ``zhs`` ``(T, N, 3H)``.
* ``gru_layer_bwd(g, acts, zhs, prev, w_hh, reverse) -> (dzx, dzh, dh)``: ``g`` ``(T, N, H)``,
  ``prev`` ``(T, N, H)`` the state each step started from; the cotangents of ``zxs``, of
  ``zhs`` (they differ in the ``n`` block only: ``dzh_n = r dzx_n``) and of ``h``.
"""
import numpy as np

from .backend import array_module


def _sigmoid(x):
    e = np.exp(-abs(x))             # <= 1: never overflows
    return np.where(x >= 0, 1, e) / (1 + e)


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def lstm_layer_fwd(zs, hc, w_hh, reverse):
    t_n, (_, n, h) = zs.shape[0], hc.shape
    xp = array_module(zs)
    states = xp.empty((t_n, 2, n, h), dtype=zs.dtype)
    acts = xp.empty((t_n, n, 5 * h), dtype=zs.dtype)
    state = hc
    for t in _steps(t_n, reverse):
        z, a = zs[t], acts[t]
        z += state[0] @ w_hh.T
        a[:, :2 * h] = _sigmoid(z[:, :2 * h])
        a[:, 2 * h:3 * h] = np.tanh(z[:, 2 * h:3 * h])
        a[:, 3 * h:4 * h] = _sigmoid(z[:, 3 * h:])
        i, f, g, o = (a[:, j * h:(j + 1) * h] for j in range(4))
        states[t, 1] = f * state[1] + i * g
        a[:, 4 * h:] = np.tanh(states[t, 1])
        states[t, 0] = o * a[:, 4 * h:]
        state = states[t]
    return states, acts


def lstm_layer_bwd(g, acts, cells, w_hh, reverse):
    t_n, n, h = cells.shape
    xp = array_module(g)
    dzs = xp.empty((t_n, n, 4 * h), dtype=g.dtype)
    carry = xp.zeros((2, n, h), dtype=g.dtype)
    for t in _steps(t_n, not reverse):
        carry += g[t]
        i, f, gg, o, tc = (acts[t, :, j * h:(j + 1) * h] for j in range(5))
        gh, gc = carry
        dc_new = gc + gh * o * (1 - tc * tc)
        dz = dzs[t]
        dz[:, :h] = dc_new * gg * (i * (1 - i))
        dz[:, h:2 * h] = dc_new * cells[t] * (f * (1 - f))
        dz[:, 2 * h:3 * h] = dc_new * i * (1 - gg * gg)
        dz[:, 3 * h:] = gh * tc * (o * (1 - o))
        carry[1] = dc_new * f
        carry[0] = dz @ w_hh
    return dzs, carry


def gru_layer_fwd(zxs, h, w_hh, b_hh, reverse):
    m = h.shape[1]
    xp = array_module(zxs)
    hs = xp.empty(zxs.shape[:2] + (m,), dtype=zxs.dtype)
    acts = xp.empty_like(zxs)
    zhs = xp.empty_like(zxs)
    state = h
    for t in _steps(len(zxs), reverse):
        zx, zh, a = zxs[t], zhs[t], acts[t]
        zh[...] = state @ w_hh.T
        if b_hh is not None:
            zh += b_hh
        a[:, :2 * m] = _sigmoid(zx[:, :2 * m] + zh[:, :2 * m])
        r, u = a[:, :m], a[:, m:2 * m]
        a[:, 2 * m:] = np.tanh(zx[:, 2 * m:] + r * zh[:, 2 * m:])
        n = a[:, 2 * m:]
        hs[t] = n + u * (state - n)
        state = hs[t]
    return hs, acts, zhs


def gru_layer_bwd(g, acts, zhs, prev, w_hh, reverse):
    m = prev.shape[2]
    xp = array_module(g)
    dzx = xp.empty_like(acts)
    dzh = xp.empty_like(acts)
    carry = xp.zeros(prev.shape[1:], dtype=g.dtype)   # h's cotangent from the step after
    for t in _steps(len(acts), not reverse):
        carry += g[t]
        a = acts[t]
        r, u, n = a[:, :m], a[:, m:2 * m], a[:, 2 * m:]
        dn = carry * (1 - u) * (1 - n * n)
        dzx[t, :, :m] = dn * zhs[t, :, 2 * m:] * (r * (1 - r))
        dzx[t, :, m:2 * m] = carry * (prev[t] - n) * (u * (1 - u))
        dzx[t, :, 2 * m:] = dn
        dzh[t] = dzx[t]
        dzh[t, :, 2 * m:] = dn * r
        carry = carry * u + dzh[t] @ w_hh
    return dzx, dzh, carry
