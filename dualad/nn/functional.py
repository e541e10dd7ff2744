"""``dualad.nn.functional``: activations and losses with PyTorch's definitions and defaults.

Every function works on plain arrays, on tensors of the imperative tape and under the
functional transforms (it is written with ``dualad.numpy`` and the fused training primitives).
Losses take ``reduction="mean"`` (the default), ``"sum"`` or ``"none"``. Where PyTorch needs a
``dim`` (softmax, log_softmax), the default here is the last axis.
"""
import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import ndim_of, shape_of
from ..primitives.training import check_labels, relu_p, softmax_cross_entropy
from . import init

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss, reduction, what):
    if reduction == "mean":
        return dnp.mean(loss)
    if reduction == "sum":
        return dnp.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{what}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


# ------------------------------------------------------------------------------ activations
def relu(x):
    """max(x, 0), derivative 0 at 0; one fused pass forward and backward."""
    return relu_p(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))`` elementwise (``dualad.numpy.sigmoid``)."""
    return dnp.sigmoid(x)


def tanh(x):
    """``tanh(x)`` elementwise (``dualad.numpy.tanh``)."""
    return dnp.tanh(x)


def _shifted(x, dim):
    """``x`` minus its maximum along ``dim``; the shift is a constant, which changes neither
    softmax nor its derivatives and keeps ``exp`` from overflowing."""
    return x - raw_value(x).max(axis=dim, keepdims=True)


def log_softmax(x, dim=-1):
    """``log(softmax(x, dim))``, computed from the shifted logits without forming the softmax.

    >>> nn.functional.log_softmax(np.zeros((1, 2)))
    array([[-0.69314718, -0.69314718]])
    """
    z = _shifted(x, dim)
    return z - dnp.log(dnp.sum(dnp.exp(z), axis=dim, keepdims=True))


def softmax(x, dim=-1):
    """``exp(x) / sum(exp(x))`` along ``dim``, shifted by the maximum so that ``exp`` cannot
    overflow.

    >>> nn.functional.softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    e = dnp.exp(_shifted(x, dim))
    return e / dnp.sum(e, axis=dim, keepdims=True)


def linear(x, weight, bias=None):
    """``x @ weight.T + bias`` with PyTorch's layout: ``weight`` is ``(out, in)``."""
    y = dnp.matmul(x, dnp.transpose(weight))
    return y if bias is None else y + bias


def dropout(x, p=0.5, training=True):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``training``; the identity otherwise. Draws come from ``dualad.nn``'s seeded generator."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    raw = raw_value(x)
    keep = init.generator().random(shape_of(x)) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return x * array_module(raw).asarray(keep * scale, dtype=raw.dtype)


# ------------------------------------------------------------------------------ losses
def _class_last(x, labels, what):
    """Logits with the class axis moved last (PyTorch puts it at axis 1 of ``(N, C, d...)``;
    a 1-D input is one sample), checked against the shape of ``labels``."""
    if ndim_of(x) > 2:
        x = dnp.moveaxis(x, 1, -1)
    expected = shape_of(x)[:-1]
    if shape_of(labels) != expected:
        raise ValueError(f"{what}: labels have shape {shape_of(labels)}, but input of shape "
                         f"{shape_of(x)} needs labels of shape {expected}")
    return x


def cross_entropy(input, target, reduction="mean"):
    """Softmax cross-entropy of logits ``input`` against integer class indices ``target``.

    Shapes as in PyTorch: ``(N, C)`` with labels ``(N,)``, ``(C,)`` with a scalar label, or
    ``(N, C, d1, ...)`` with labels ``(N, d1, ...)``. Stable for any logits, and one fused pass
    forward and backward on plain arrays; differentiable to any order.
    """
    if ndim_of(input) == 0:
        raise ValueError("cross_entropy: input must have a class axis, got a scalar")
    labels = check_labels(target, shape_of(input)[1 if ndim_of(input) > 1 else 0],
                          "cross_entropy")
    logits = _class_last(input, labels, "cross_entropy")
    return _reduce(softmax_cross_entropy(logits, labels), reduction, "cross_entropy")


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (e.g. ``log_softmax`` output) at
    integer ``target``; shapes as in ``cross_entropy``."""
    if ndim_of(input) == 0:
        raise ValueError("nll_loss: input must have a class axis, got a scalar")
    labels = check_labels(target, shape_of(input)[1 if ndim_of(input) > 1 else 0], "nll_loss")
    logp = _class_last(input, labels, "nll_loss")
    c = shape_of(logp)[-1]
    flat = dnp.reshape(logp, (-1, c))
    picked = dnp.getitem(flat, (np.arange(shape_of(flat)[0]), labels.reshape(-1)))
    return _reduce(-dnp.reshape(picked, shape_of(labels)), reduction, "nll_loss")


def _check_same_shape(input, target, what):
    if shape_of(input) != shape_of(target):
        raise ValueError(f"{what}: input has shape {shape_of(input)} and target has shape "
                         f"{shape_of(target)}; they must match")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error (``(input - target) ** 2``, averaged by default)."""
    _check_same_shape(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid cross-entropy of logits ``input`` against targets in [0, 1]:
    ``(1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x))``, computed without overflow, and
    multiplied by ``weight`` when given."""
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    softplus_neg = dnp.logaddexp(0.0, -input)          # log(1 + exp(-x)), stable
    coeff = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
    loss = (1.0 - target) * input + coeff * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")
