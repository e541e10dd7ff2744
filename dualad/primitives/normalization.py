"""Batch and layer normalisation as fused primitives: the statistics, the normalisation and the
affine map in one compiled pass forward, and the whole backward (through the statistics too) in
one pass back (``dualad._kernels.NORM``).

* ``batch_norm_train(x, w, b, eps=)``: ``x`` ``(N, C, *spatial)`` normalised per channel by the
  batch's mean and biased variance, then ``* w + b`` (per channel; either may be None).
* ``batch_norm_eval(x, mean, var, w, b, eps=)``: the same with given statistics (the running
  ones), which are differentiated too, as any other operand.
* ``layer_norm(x, w, b, eps=, d=)``: normalised over the last ``d`` axes; ``w`` and ``b`` have
  those axes' shape (or are None).

# Design: see ``dualad/primitives/fused.py``: callers use these only where ``fusable`` says so
# and compose the same function from ``dualad.numpy`` operations elsewhere
# (``dualad/nn/_norm.py``). The kernels take ``(N, C, L)`` and ``(M, D)`` arrays; the
# reshapes here are views.
"""
import math

from .._core.backend import array_module
from .._kernels import NORM
from .fused import FusedPrimitive


def _channels(x):
    """``x`` ``(N, C, *spatial)`` as a C-contiguous ``(N, C, L)`` array."""
    xp = array_module(x)
    return xp.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], -1)


def _affine(w, b, c, like):
    """``w`` and ``b`` as arrays of ``c`` values of ``like``'s dtype (ones and zeros for None)."""
    xp = array_module(like)
    w = xp.ones(c, dtype=like.dtype) if w is None else xp.ascontiguousarray(w).reshape(c)
    b = xp.zeros(c, dtype=like.dtype) if b is None else xp.ascontiguousarray(b).reshape(c)
    return w, b


def _batched(g, x3):
    """The cotangent ``g`` ``(k,) + x.shape`` as ``(k, N, C, L)``."""
    return array_module(g).ascontiguousarray(g).reshape((g.shape[0],) + x3.shape)


# ------------------------------------------------------------------------------ batch norm
def _bn_train_fwd(x, w, b, eps):
    x3 = _channels(x)
    w1, b1 = _affine(w, b, x3.shape[1], x3)
    y, mean, var = NORM["batch_norm_fwd"](x3, w1, b1, eps)
    return y.reshape(x.shape), (x3, mean, var, w1)


def _bn_train_bwd(g, residuals, needs, eps):
    x3, mean, var, w = residuals
    dx, dw, db = NORM["batch_norm_bwd"](_batched(g, x3), x3, mean, var, w, eps, True)
    return (dx.reshape(g.shape) if needs[0] else None, dw if needs[1] else None,
            db if needs[2] else None)


batch_norm_train = FusedPrimitive("nn.batch_norm_train", _bn_train_fwd, _bn_train_bwd)


def _bn_eval_fwd(x, mean, var, w, b, eps):
    x3 = _channels(x)
    w1, b1 = _affine(w, b, x3.shape[1], x3)
    y = NORM["batch_norm_apply"](x3, mean, var, w1, b1, eps)
    return y.reshape(x.shape), (x3, mean, var, w1)


def _bn_eval_bwd(g, residuals, needs, eps):
    x3, mean, var, w = residuals
    dx, dw, db = NORM["batch_norm_bwd"](_batched(g, x3), x3, mean, var, w, eps, False)
    # y = (x - mean) rstd w + b: d/dmean = -rstd w, d/dvar = -(x - mean) rstd^3 w / 2, so the
    # statistics' cotangents follow from the sums of g (db) and of g xhat (dw)
    rstd2 = 1 / (var + eps)
    dmean = -(w * rstd2 ** 0.5) * db if needs[1] else None
    dvar = -0.5 * (w * rstd2) * dw if needs[2] else None
    return (dx.reshape(g.shape) if needs[0] else None, dmean, dvar,
            dw if needs[3] else None, db if needs[4] else None)


batch_norm_eval = FusedPrimitive("nn.batch_norm_eval", _bn_eval_fwd, _bn_eval_bwd)


# ------------------------------------------------------------------------------ layer norm
def _rows(x, d):
    """``x`` as a C-contiguous ``(M, D)`` array, ``D`` the size of its last ``d`` axes."""
    xp = array_module(x)
    return xp.ascontiguousarray(x).reshape(-1, math.prod(x.shape[x.ndim - d:]))


def _ln_fwd(x, w, b, eps, d):
    x2 = _rows(x, d)
    w1, b1 = _affine(w, b, x2.shape[1], x2)
    y, mean, rstd = NORM["layer_norm_fwd"](x2, w1, b1, eps)
    return y.reshape(x.shape), (x2, mean, rstd, w1)


def _ln_bwd(g, residuals, needs, eps, d):
    x2, mean, rstd, w = residuals
    k = g.shape[0]
    g3 = array_module(g).ascontiguousarray(g).reshape((k,) + x2.shape)
    dx, dw, db = NORM["layer_norm_bwd"](g3, x2, mean, rstd, w)
    inner = (k,) + g.shape[g.ndim - d:]
    return (dx.reshape(g.shape) if needs[0] else None,
            dw.reshape(inner) if needs[1] else None, db.reshape(inner) if needs[2] else None)


layer_norm = FusedPrimitive("nn.layer_norm", _ln_fwd, _ln_bwd)
