"""Fused recurrent cells: the gate arithmetic of one LSTM or GRU time step as one primitive each,
in PyTorch's gate order, so that a step records a handful of tape entries instead of a dozen.

# Design: the matrix products stay outside (``matmul`` is already one BLAS call); what is fused
# is the elementwise part, whose derivative is written once here. An LSTM step is two
# primitives, because a primitive has one output: ``lstm_cell_c(z, c) = sigmoid(f) c +
# sigmoid(i) tanh(g)`` and ``lstm_cell_h(z, c_new) = sigmoid(o) tanh(c_new)``, with ``z`` the
# pre-activations ``(N, 4H)`` (gates i, f, g, o). A GRU step is one:
# ``gru_cell(x, h_proj, h) = n + z (h - n)``, ``n = tanh(x_n + r h_n)``, with ``x`` and
# ``h_proj`` the input and hidden projections ``(N, 3H)`` (gates r, z, n). The rules are written
# with dualad's primitives (recomputing the gates from the saved inputs), so they are
# differentiable again; on plain arrays they run as NumPy expressions (a compiled per-step
# kernel is a later step).
"""
import numpy as np

from .._core.primitive import Box, Primitive, dtype_of, ndim_of, shape_of
from . import elementwise as _e
from .indexing import concatenate, getitem


def _pieces(z, k):
    """``z`` split into ``k`` equal blocks along the last axis (plain arrays: NumPy views)."""
    h = shape_of(z)[-1] // k
    if isinstance(z, Box):
        lead = (slice(None),) * (ndim_of(z) - 1)
        return [getitem(z, index=lead + (slice(j * h, (j + 1) * h),)) for j in range(k)]
    return [z[..., j * h:(j + 1) * h] for j in range(k)]


def _quarters(z):
    return _pieces(z, 4)


def _thirds(z):
    return _pieces(z, 3)


# The rules call the primitives themselves (not their dualad.numpy wrappers, a layer above,
# whose argument checks cost more than the arithmetic at these sizes); on plain arrays they
# are NumPy calls.
def _sigmoid(x):
    """``sigmoid``; a strided block of a plain array is copied first, so that the compiled
    kernel (which takes contiguous arrays) computes it in one pass."""
    return _e.sigmoid(x if isinstance(x, Box) else np.ascontiguousarray(x))


def _tanh(x):
    return _e.tanh(x if isinstance(x, Box) else np.ascontiguousarray(x))


def _join(parts):
    """The blocks side by side along the last axis."""
    if any(isinstance(p, Box) for p in parts):
        return concatenate(*parts, axis=-1)
    return np.concatenate(parts, axis=-1)


def _zeros(like):
    return np.zeros(shape_of(like), dtype_of(like))


def _dsigmoid(s):
    return s * (1.0 - s)


def _dtanh(t):
    return 1.0 - t * t


# ------------------------------------------------------------------------------ LSTM
def _lstm_gates(z):
    # one sigmoid over the whole contiguous block (the compiled kernel takes it; a strided
    # quarter would not) rather than three over quarters
    i, f, _, o = _quarters(_sigmoid(z))
    return i, f, _tanh(_quarters(z)[2]), o


def _lstm_c(z, c):
    i, f, g, _ = _lstm_gates(z)
    return f * c + i * g


def _lstm_c_jvp_z(t, ans, z, c):
    i, f, g, _ = _lstm_gates(z)
    ti, tf, tg, _ = _quarters(t)
    return ti * (g * _dsigmoid(i)) + tf * (c * _dsigmoid(f)) + tg * (i * _dtanh(g))


def _lstm_c_vjp_z(ct, ans, z, c):
    i, f, g, _ = _lstm_gates(z)
    return _join([ct * (g * _dsigmoid(i)), ct * (c * _dsigmoid(f)), ct * (i * _dtanh(g)),
                  _zeros(ct)])


def _lstm_c_dc(t, ans, z, c):
    return t * _lstm_gates(z)[1]


lstm_cell_c = Primitive("nn.lstm_cell_c", _lstm_c, jvp=(_lstm_c_jvp_z, _lstm_c_dc),
                        vjp=(_lstm_c_vjp_z, _lstm_c_dc))


def _lstm_h(z, c):
    return _sigmoid(_quarters(z)[3]) * _tanh(c)


def _lstm_h_jvp_z(t, ans, z, c):
    o = _sigmoid(_quarters(z)[3])
    return _quarters(t)[3] * (_tanh(c) * _dsigmoid(o))


def _lstm_h_vjp_z(ct, ans, z, c):
    o = _sigmoid(_quarters(z)[3])
    zero = _zeros(ct)
    return _join([zero, zero, zero, ct * (_tanh(c) * _dsigmoid(o))])


def _lstm_h_dc(t, ans, z, c):
    return t * (_sigmoid(_quarters(z)[3]) * _dtanh(_tanh(c)))


lstm_cell_h = Primitive("nn.lstm_cell_h", _lstm_h, jvp=(_lstm_h_jvp_z, _lstm_h_dc),
                        vjp=(_lstm_h_vjp_z, _lstm_h_dc))


# ------------------------------------------------------------------------------ GRU
def _gru_parts(x, hp, h):
    """The gates r, z, the candidate n and the recurrent part h_n of one GRU step."""
    xr, xz, xn = _thirds(x)
    hr, hz, hn = _thirds(hp)
    r = _sigmoid(xr + hr)
    u = _sigmoid(xz + hz)
    n = _tanh(xn + r * hn)
    return r, u, n, hn


def _gru(x, hp, h):
    _, u, n, _ = _gru_parts(x, hp, h)
    return n + u * (h - n)


def _gru_pre_cotangents(ct, x, hp, h):
    """Cotangents of the pre-activations of r, z and n (and r itself, for h_n's)."""
    r, u, n, hn = _gru_parts(x, hp, h)
    dn = ct * (1.0 - u) * _dtanh(n)
    du = ct * (h - n) * _dsigmoid(u)
    dr = dn * hn * _dsigmoid(r)
    return dr, du, dn, r


def _gru_vjp_x(ct, ans, x, hp, h):
    dr, du, dn, _ = _gru_pre_cotangents(ct, x, hp, h)
    return _join([dr, du, dn])


def _gru_vjp_hp(ct, ans, x, hp, h):
    dr, du, dn, r = _gru_pre_cotangents(ct, x, hp, h)
    return _join([dr, du, dn * r])


def _gru_dh(t, ans, x, hp, h):
    return t * _gru_parts(x, hp, h)[1]


def _gru_jvp_pre(tr, tz, tn, x, hp, h):
    """The output's tangent from those of r's, z's and n's pre-activations."""
    r, u, n, hn = _gru_parts(x, hp, h)
    t_n = tn + tr * (_dsigmoid(r) * hn)            # r moves n through r * h_n
    return tz * (_dsigmoid(u) * (h - n)) + t_n * (_dtanh(n) * (1.0 - u))


def _gru_jvp_x(t, ans, x, hp, h):
    return _gru_jvp_pre(*_thirds(t), x, hp, h)


def _gru_jvp_hp(t, ans, x, hp, h):
    tr, tz, tn = _thirds(t)
    return _gru_jvp_pre(tr, tz, tn * _gru_parts(x, hp, h)[0], x, hp, h)


gru_cell = Primitive("nn.gru_cell", _gru, jvp=(_gru_jvp_x, _gru_jvp_hp, _gru_dh),
                     vjp=(_gru_vjp_x, _gru_vjp_hp, _gru_dh))
