"""``dualad.nn.functional``: activations and losses with PyTorch's definitions and defaults.

Every function works on plain arrays, on tensors of the imperative tape and under the
functional transforms (it is written with ``dualad.numpy`` and the fused training primitives).
Losses take ``reduction="mean"`` (the default), ``"sum"`` or ``"none"``. Where PyTorch needs a
``dim`` (softmax, log_softmax), the default here is the last axis. Convolution and pooling
(``conv2d``, ``max_pool2d`` …) live in ``_conv.py``, normalisation in ``_norm.py``; all are
re-exported here.

Composed vs fused: ``relu`` and ``cross_entropy`` are fused primitives (one kernel pass forward
and backward on plain arrays); the other activations and losses are composed from
``dualad.numpy`` operations.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as dnp
from .._core.backend import array_module, raw_value
from .._core.primitive import dtype_of, ndim_of, shape_of
from .._core.tape import IMPERATIVE, Tensor
from ..primitives.activations import normal_cdf
from ..primitives.training import check_labels, relu_p, softmax_cross_entropy
from . import init
from ._conv import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d,  # noqa: F401
                    avg_pool2d, check_same_dtype, conv1d, conv2d, max_pool1d, max_pool2d)
from ..typing import Array, ArrayLike
from ._reduction import reduce as _reduce

# ------------------------------------------------------------------------------ activations
def relu(x: ArrayLike, inplace: bool = False) -> Array:
    """max(x, 0), derivative 0 at 0; one fused pass forward and backward. (``inplace`` is
    accepted for PyTorch's sake and ignored: the input is never overwritten.)"""
    return relu_p(x)


def sigmoid(x: ArrayLike) -> Array:
    """``1 / (1 + exp(-x))`` elementwise (``dualad.numpy.sigmoid``)."""
    return dnp.sigmoid(x)


def tanh(x: ArrayLike) -> Array:
    """``tanh(x)`` elementwise (``dualad.numpy.tanh``)."""
    return dnp.tanh(x)


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01, inplace: bool = False) -> Array:
    """``x`` where positive, ``negative_slope * x`` elsewhere (derivative ``negative_slope``
    at 0, as PyTorch)."""
    return dnp.where(raw_value(x) > 0, x, x * negative_slope)


def elu(x: ArrayLike, alpha: float = 1.0, inplace: bool = False) -> Array:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    neg = dnp.minimum(x, 0.0)   # keeps exp from overflowing where x is large
    return dnp.where(raw_value(x) > 0, x, dnp.expm1(neg) * alpha)


def gelu(x: ArrayLike, approximate: str = "none") -> Array:
    """``x * Phi(x)`` (``Phi`` the standard normal CDF); ``approximate="tanh"`` uses
    ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x**3)))``, as PyTorch."""
    if approximate == "none":
        return x * normal_cdf(x)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * float(np.sqrt(2.0 / np.pi))
        return x * (dnp.tanh(inner) + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x: ArrayLike, inplace: bool = False) -> Array:
    """``x * sigmoid(x)`` (also called swish)."""
    return x * dnp.sigmoid(x)


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``."""
    bx = x * beta
    soft = dnp.logaddexp(bx, 0.0) / beta
    return dnp.where(raw_value(bx) > threshold, x, soft)


def _shifted(x, dim):
    """``x`` minus its maximum along ``dim``; the shift is a constant, which changes neither
    softmax nor its derivatives and keeps ``exp`` from overflowing."""
    return x - raw_value(x).max(axis=dim, keepdims=True)


def log_softmax(x: ArrayLike, dim: int = -1) -> Array:
    """``log(softmax(x, dim))``, computed from the shifted logits without forming the softmax.

    >>> nn.functional.log_softmax(np.zeros((1, 2)))
    array([[-0.69314718, -0.69314718]])
    """
    z = _shifted(x, dim)
    return z - dnp.log(dnp.sum(dnp.exp(z), axis=dim, keepdims=True))


def softmax(x: ArrayLike, dim: int = -1) -> Array:
    """``exp(x) / sum(exp(x))`` along ``dim``, shifted by the maximum so that ``exp`` cannot
    overflow.

    >>> nn.functional.softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    e = dnp.exp(_shifted(x, dim))
    return e / dnp.sum(e, axis=dim, keepdims=True)


def linear(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> Array:
    """``x @ weight.T + bias`` with PyTorch's layout: ``weight`` is ``(out, in)``. The input
    must have the weight's dtype (a float32 layer refuses float64 input, as PyTorch does)."""
    check_same_dtype(x, weight, "linear")
    y = dnp.matmul(x, dnp.transpose(weight))
    return y if bias is None else y + bias


def dropout(x: ArrayLike, p: float = 0.5, training: bool = True, inplace: bool = False) -> Array:
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


def _legacy(size_average, reduce, what):
    if size_average is not None or reduce is not None:
        raise TypeError(f"{what}: size_average and reduce are deprecated in PyTorch and not "
                        "supported here; use reduction='mean' | 'sum' | 'none'")


def _class_axis(input, what):
    if ndim_of(input) == 0:
        raise ValueError(f"{what}: input must have a class axis, got a scalar")
    return 1 if ndim_of(input) > 1 else 0


def _targets(target, c, weight, ignore_index, what):
    """Labels with the ignored ones replaced by 0 (checked to lie in [0, c)), and the weight
    of each sample (``weight[label]``, 0 where ignored) or None when every weight is 1."""
    raw = raw_value(target)
    xp = array_module(raw)
    raw = xp.asarray(raw)
    ignored = raw == ignore_index
    any_ignored = bool(ignored.any())
    labels = check_labels(xp.where(ignored, 0, raw) if any_ignored else raw, c, what)
    if weight is None and not any_ignored:
        return labels, None
    w = xp.ones(c) if weight is None else xp.asarray(raw_value(weight))
    if w.shape != (c,):
        raise ValueError(f"{what}: weight must have shape ({c},) (one per class), got "
                         f"{w.shape}")
    return labels, w[labels] * ~ignored


def _weighted_reduce(loss, sample_w, reduction, what):
    """PyTorch's reduction of weighted per-sample losses: "mean" divides by the total weight."""
    if sample_w is None or reduction != "mean":
        return _reduce(loss, reduction, what)
    return dnp.sum(loss) / sample_w.sum().astype(dtype_of(loss))


def cross_entropy(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Array:
    """Softmax cross-entropy of logits ``input`` against integer class indices ``target`` (or
    class probabilities of ``input``'s shape), with PyTorch's ``weight`` (per class),
    ``ignore_index`` and ``label_smoothing``.

    Shapes as in PyTorch: ``(N, C)`` with labels ``(N,)``, ``(C,)`` with a scalar label, or
    ``(N, C, d1, ...)`` with labels ``(N, d1, ...)``. Stable for any logits. Without weights,
    ignored labels and smoothing it is one fused pass forward and backward on plain arrays::

        loss = F.cross_entropy(logits, labels, label_smoothing=0.1)
    """
    _legacy(size_average, reduce, "cross_entropy")
    axis = _class_axis(input, "cross_entropy")
    c = shape_of(input)[axis]
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    if np.issubdtype(np.dtype(dtype_of(target)), np.floating):
        if shape_of(target) != shape_of(input):
            raise TypeError(f"cross_entropy: labels must be integer class indices, got dtype "
                            f"{np.dtype(dtype_of(target))} (floating targets are class "
                            f"probabilities and need the input's shape {shape_of(input)})")
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing, axis, c)
    labels, sample_w = _targets(target, c, weight, ignore_index, "cross_entropy")
    if sample_w is None and label_smoothing == 0.0:
        logits = _class_last(input, labels, "cross_entropy")
        return _reduce(softmax_cross_entropy(logits, labels), reduction, "cross_entropy")
    logp = log_softmax(input, axis)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    w = 1.0 if weight is None else _along_class(raw_value(weight), axis, ndim_of(input))
    smooth = -dnp.sum(logp * w, axis=axis)
    if sample_w is not None:
        smooth = dnp.where(raw_value(target) == ignore_index, 0.0, smooth)
    smooth = _weighted_reduce(smooth, sample_w, reduction, "cross_entropy")
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / c)


def _along_class(w, axis, ndim):
    """A per-class array shaped to broadcast along the class axis."""
    return w.reshape((-1,) + (1,) * (ndim - axis - 1))


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing, axis, c):
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / c
    logp = log_softmax(input, axis)
    if weight is not None:
        logp = logp * _along_class(raw_value(weight), axis, ndim_of(input))
    loss = -dnp.sum(logp * target, axis=axis)
    return _reduce(loss, reduction, "cross_entropy")


def nll_loss(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
             size_average: bool | None = None, ignore_index: int = -100, reduce: bool | None = None,
             reduction: str = "mean") -> Array:
    """Negative log-likelihood of log-probabilities ``input`` (e.g. ``log_softmax`` output) at
    integer ``target``; shapes, ``weight`` and ``ignore_index`` as in ``cross_entropy`` (the
    mean divides by the total weight of the samples not ignored, as PyTorch)."""
    _legacy(size_average, reduce, "nll_loss")
    axis = _class_axis(input, "nll_loss")
    labels, sample_w = _targets(target, shape_of(input)[axis], weight, ignore_index,
                                "nll_loss")
    logp = _class_last(input, labels, "nll_loss")
    c = shape_of(logp)[-1]
    flat = dnp.reshape(logp, (-1, c))
    picked = dnp.getitem(flat, (np.arange(shape_of(flat)[0]), labels.reshape(-1)))
    loss = -dnp.reshape(picked, shape_of(labels))
    if sample_w is not None:
        loss = loss * sample_w.astype(dtype_of(loss))
    return _weighted_reduce(loss, sample_w, reduction, "nll_loss")


def _check_same_shape(input, target, what):
    if shape_of(input) != shape_of(target):
        raise ValueError(f"{what}: input has shape {shape_of(input)} and target has shape "
                         f"{shape_of(target)}; they must match")


def mse_loss(input: ArrayLike, target: ArrayLike, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean") -> Array:
    """Mean squared error (``(input - target) ** 2``, averaged by default)."""
    _legacy(size_average, reduce, "mse_loss")
    _check_same_shape(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input: ArrayLike, target: ArrayLike, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean") -> Array:
    """Mean absolute error, ``|input - target|`` (derivative 0 where they are equal)."""
    _legacy(size_average, reduce, "l1_loss")
    _check_same_shape(input, target, "l1_loss")
    return _reduce(dnp.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(input: ArrayLike, target: ArrayLike, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Array:
    """``0.5 d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere
    (``d = input - target``); ``beta=0`` is the L1 loss."""
    _legacy(size_average, reduce, "smooth_l1_loss")
    _check_same_shape(input, target, "smooth_l1_loss")
    d = input - target
    a = dnp.abs(d)
    if beta == 0:
        return _reduce(a, reduction, "smooth_l1_loss")
    loss = dnp.where(raw_value(a) < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def huber_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean",
               delta: float = 1.0) -> Array:
    """``0.5 d**2`` where ``|d| < delta``, ``delta (|d| - 0.5 delta)`` elsewhere."""
    _check_same_shape(input, target, "huber_loss")
    d = input - target
    a = dnp.abs(d)
    loss = dnp.where(raw_value(a) < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _reduce(loss, reduction, "huber_loss")


def binary_cross_entropy(input: ArrayLike, target: ArrayLike, weight: ArrayLike | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Array:
    """``-(t log(x) + (1 - t) log(1 - x))`` for probabilities ``input``, each log clamped at
    -100 as PyTorch does (so a 0 or 1 gives a finite loss)."""
    _legacy(size_average, reduce, "binary_cross_entropy")
    _check_same_shape(input, target, "binary_cross_entropy")
    raw = raw_value(input)
    if raw.size and (raw.min() < 0 or raw.max() > 1):
        raise ValueError("binary_cross_entropy: input must hold probabilities in [0, 1] "
                         "(apply sigmoid first, or use binary_cross_entropy_with_logits)")
    log_x = dnp.maximum(dnp.log(input), -100.0)
    log_1mx = dnp.maximum(dnp.log(1.0 - input), -100.0)
    loss = -(target * log_x + (1.0 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def kl_div(input: ArrayLike, target: ArrayLike, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False) -> Array:
    """Kullback-Leibler divergence with ``input`` as log-probabilities:
    ``target (log target - input)`` (0 where ``target`` is 0); ``log_target=True`` takes
    ``target`` as log-probabilities too. ``reduction="batchmean"`` divides the sum by the batch
    size (the true KL divergence; PyTorch's default "mean" averages over every element)."""
    _legacy(size_average, reduce, "kl_div")
    if log_target:
        loss = dnp.exp(target) * (target - input)
    else:
        t = raw_value(target)
        positive = t > 0
        log_t = dnp.log(dnp.where(positive, target, 1.0))
        loss = dnp.where(positive, target * (log_t - input), 0.0)
    if reduction == "batchmean":
        n = shape_of(input)[0] if ndim_of(input) else 1
        return dnp.sum(loss) / n
    return _reduce(loss, reduction, "kl_div")


def binary_cross_entropy_with_logits(input: ArrayLike, target: ArrayLike,
                                     weight: ArrayLike | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean",
                                     pos_weight: ArrayLike | None = None) -> Array:
    """Sigmoid cross-entropy of logits ``input`` against targets in [0, 1]:
    ``(1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x))``, computed without overflow, and
    multiplied by ``weight`` when given."""
    _legacy(size_average, reduce, "binary_cross_entropy_with_logits")
    _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    softplus_neg = dnp.logaddexp(0.0, -input)          # log(1 + exp(-x)), stable
    coeff = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * target
    loss = (1.0 - target) * input + coeff * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


# ------------------------------------------------------------------------------ lookups
def embedding(input: ArrayLike, weight: ArrayLike, padding_idx: int | None = None) -> Array:
    """Rows of ``weight`` ``(num_embeddings, dim)`` at the integer indices ``input``; the
    result has shape ``input.shape + (dim,)``. Rows at ``padding_idx`` get no gradient."""
    idx = raw_value(input)
    xp = array_module(idx)
    idx = xp.asarray(idx)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype} (cast "
                        "with .long())")
    n = shape_of(weight)[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"embedding: index out of range for {n} embeddings")
    rows = dnp.getitem(weight, idx)
    if padding_idx is not None:
        keep = (idx != padding_idx % n)[..., None]
        rows = dnp.where(keep, rows, raw_value(rows))   # the padding rows as constants
    return rows


def one_hot(tensor: ArrayLike, num_classes: int = -1) -> Array:
    """``(…, num_classes)`` int64 array with a 1 at each index (not differentiable)."""
    idx = np.asarray(raw_value(tensor))
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, None, IMPERATIVE) if isinstance(tensor, Tensor) else out


from ._norm import batch_norm, layer_norm  # noqa: E402,F401
from . import _activations, _losses_more, _more, _resample  # noqa: E402
from ._activations import *  # noqa: E402,F401,F403
from ._losses_more import *  # noqa: E402,F401,F403
from ._more import *  # noqa: E402,F401,F403
from ._resample import *  # noqa: E402,F401,F403
from .transformer import scaled_dot_product_attention  # noqa: E402,F401

__all__ = [
    "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu", "softplus", "softmax",
    "log_softmax", "linear", "dropout", "embedding", "one_hot",
    "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "batch_norm", "layer_norm",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
]
__all__ += (_activations.__all__ + _losses_more.__all__ + _more.__all__ + _resample.__all__
            + ["scaled_dot_product_attention"])
